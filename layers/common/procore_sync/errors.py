"""The product's error tree. Each error carries a `reason`: a stable code a UI can show."""

from __future__ import annotations


class IntegrationError(Exception):
    """Root of every error this product raises on purpose."""

    reason = "integration_error"
    field: str | None = None  # the request field at fault, when there is one

    def __init__(self, message: str, *, reason: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        if reason:
            self.reason = reason
        if field:
            self.field = field


class NotConnectedError(IntegrationError):
    """The user has no Procore connection."""

    reason = "not_connected"


class ReauthorizationRequiredError(IntegrationError):
    """Procore no longer accepts our tokens; the user must connect again."""

    reason = "reauthorization_required"


class ConnectFlowError(IntegrationError):
    """The OAuth callback cannot complete; `reason` says why, nothing was stored."""


class TokenDecryptionError(IntegrationError):
    """A stored token could not be decrypted for this user (wrong row, key or context)."""

    reason = "token_decryption_failed"
