"""Envelope encryption of OAuth tokens with KMS, through the AWS Encryption SDK.

Each token pair is encrypted under a fresh data key that KMS generates and wraps. The
encryption context names the purpose and the user; KMS binds it to the wrapped key, and we
check on decrypt that it names the user whose row we read, so a ciphertext copied onto
another user's row does not decrypt.

Decryption goes through the SDK's caching materials manager: the data key KMS unwraps for a
stored pair is kept in this container for `DECRYPT_CACHE_SECONDS`, so the many jobs of one
connection's run that land on a warm Lambda make one KMS call between them, not one each.
Each decryption still checks the message and its encryption context. Encryption is never
cached: every pair gets a data key of its own.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from .errors import TokenDecryptionError, TokenEncryptionError

PURPOSE = "procore-oauth-token"
DECRYPT_CACHE_SECONDS = 300.0
DECRYPT_CACHE_ENTRIES = 200  # data keys, one per stored pair


class TokenCipher:
    def __init__(self, key_arn: str) -> None:
        self._key_arn = key_arn

    @staticmethod
    def context(user_id: str) -> dict[str, str]:
        return {"purpose": PURPOSE, "user_id": user_id}

    def encrypt(self, user_id: str, plaintext: bytes) -> bytes:
        try:
            sdk, provider, _ = _sdk(self._key_arn)
            ciphertext, _ = sdk.encrypt(
                source=plaintext, key_provider=provider, encryption_context=self.context(user_id)
            )
        except Exception as exc:  # the SDK raises several unrelated types
            raise TokenEncryptionError(f"token did not encrypt ({type(exc).__name__})") from None
        return bytes(ciphertext)

    def decrypt(self, user_id: str, ciphertext: bytes) -> bytes:
        sdk, _, decrypting = _sdk(self._key_arn)
        try:
            plaintext, header = sdk.decrypt(source=ciphertext, materials_manager=decrypting)
        except Exception as exc:  # the SDK raises several unrelated types
            raise TokenDecryptionError(f"token did not decrypt ({type(exc).__name__})") from None
        stored = header.encryption_context
        for key, value in self.context(user_id).items():
            if stored.get(key) != value:
                raise TokenDecryptionError("token belongs to another user or purpose")
        return bytes(plaintext)


@lru_cache(maxsize=4)
def _sdk(key_arn: str) -> tuple[Any, Any, Any]:
    """The SDK client, the KMS key provider (encryption) and the caching manager (decryption)."""
    # Imported here: the SDK costs about half a second, and only token handlers pay it.
    import aws_encryption_sdk
    import botocore.session
    from aws_encryption_sdk import CachingCryptoMaterialsManager, CommitmentPolicy, LocalCryptoMaterialsCache

    sdk = aws_encryption_sdk.EncryptionSDKClient(
        commitment_policy=CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT
    )
    provider = aws_encryption_sdk.StrictAwsKmsMasterKeyProvider(
        key_ids=[key_arn], botocore_session=botocore.session.Session()
    )
    decrypting = CachingCryptoMaterialsManager(
        cache=LocalCryptoMaterialsCache(DECRYPT_CACHE_ENTRIES), max_age=DECRYPT_CACHE_SECONDS,
        master_key_provider=provider,
    )
    return sdk, provider, decrypting
