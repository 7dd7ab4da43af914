"""Opaque page cursors for the read routes.

A cursor is the last sort key of a page, encrypted with KMS under an encryption context that
names the purpose, the user and the listing (company and parents). So a caller can neither
read nor forge one, and a cursor from another user or another listing does not decrypt:
it answers 400, like any malformed cursor. The partition key of a read never comes from the
cursor; it comes from the caller's identity.
"""

from __future__ import annotations

import base64
import binascii

from . import aws

PURPOSE = "procore-read-cursor"


class CursorError(ValueError):
    """The cursor is not one this API issued for this caller and listing."""


class CursorCodec:
    def __init__(self, key_arn: str) -> None:
        self._key_arn = key_arn

    @staticmethod
    def context(user_id: str, listing: str) -> dict[str, str]:
        return {"purpose": PURPOSE, "user_id": user_id, "listing": listing}

    def encode(self, *, user_id: str, listing: str, sort_key: str) -> str:
        blob = aws.client("kms").encrypt(
            KeyId=self._key_arn, Plaintext=sort_key.encode(), EncryptionContext=self.context(user_id, listing)
        )["CiphertextBlob"]
        return base64.urlsafe_b64encode(blob).decode().rstrip("=")

    def decode(self, cursor: str, *, user_id: str, listing: str) -> str:
        kms = aws.client("kms")
        try:
            blob = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            plaintext = kms.decrypt(
                KeyId=self._key_arn, CiphertextBlob=blob, EncryptionContext=self.context(user_id, listing)
            )["Plaintext"]
            return plaintext.decode()
        except (binascii.Error, ValueError, UnicodeDecodeError, kms.exceptions.ClientError):
            raise CursorError("not a cursor of this listing") from None
