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


class TokenEncryptionError(IntegrationError):
    """A token pair could not be encrypted (KMS refused or failed): nothing was stored."""

    reason = "token_encryption_failed"


def describe(exc: BaseException) -> str:
    """A readable, secret-free account of an unexpected error, for a job's status: our own
    errors by reason and message, an AWS error by its code and operation, anything else by its
    type only (its message may hold request data)."""
    if isinstance(exc, IntegrationError):
        return f"{exc.reason}: {exc}"
    response = getattr(exc, "response", None)
    operation = getattr(exc, "operation_name", None)
    if isinstance(response, dict) and operation:
        code = (response.get("Error") or {}).get("Code") or "error"
        return f"aws_error: {code} from {operation}"
    return f"internal_error: {type(exc).__name__}"
