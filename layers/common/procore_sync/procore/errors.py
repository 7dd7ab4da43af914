"""Errors Procore answered with, keeping its HTTP status and its message."""

from __future__ import annotations


class ProcoreError(Exception):
    """Procore answered with an error, or did not answer."""

    reason = "procore_error"
    retryable = False

    def __init__(self, message: str, *, status: int | None = None, retry_after: float | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.retry_after = retry_after

    def __str__(self) -> str:
        return f"{self.status or 'no answer'}: {self.message}"


class ProcoreUnauthorizedError(ProcoreError):
    """401: the access token is missing, expired, invalid or revoked."""

    reason = "procore_unauthorized"


class AppNotInstalledError(ProcoreError):
    """403 'App is not connected to this company': a Company Admin must install the app."""

    reason = "app_not_installed"


class ProcoreForbiddenError(ProcoreError):
    """403 for any other cause: the user lacks a permission."""

    reason = "procore_forbidden"


class ProcoreNotFoundError(ProcoreError):
    """404: the record does not exist or the user cannot see it."""

    reason = "procore_not_found"


class ProcoreRateLimitedError(ProcoreError):
    """429: a rate limit is exhausted; `retry_after` says how long to wait."""

    reason = "procore_rate_limited"
    retryable = True


class ProcoreServerError(ProcoreError):
    """5xx: Procore is failing or overloaded."""

    reason = "procore_server_error"
    retryable = True


class ProcoreUnavailableError(ProcoreError):
    """No answer: timeout or a reset connection."""

    reason = "procore_unavailable"
    retryable = True


class OAuthError(ProcoreError):
    """The token endpoint refused; `error` is the OAuth error code (e.g. invalid_grant)."""

    reason = "oauth_error"

    def __init__(self, error: str, message: str, *, status: int | None = None):
        super().__init__(message, status=status)
        self.error = error


class InvalidGrantError(OAuthError):
    """The code or refresh token is invalid, used, expired or revoked."""

    reason = "invalid_grant"
