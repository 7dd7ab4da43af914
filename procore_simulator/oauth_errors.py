"""Doorkeeper-style OAuth error answers (RFC 6749 §5.2), as Procore's auth server gives them.

The invalid_grant and invalid_client descriptions are the ones quoted in the API notes; the
others are plain descriptions of the same error codes.
"""

from __future__ import annotations

from flask import Response

from procore_simulator.responses import json_response

DESCRIPTIONS = {
    "invalid_grant": (
        "The provided authorization grant is invalid, expired, revoked, does not match the "
        "redirection URI used in the authorization request, or was issued to another client."
    ),
    "invalid_client": (
        "Client authentication failed due to unknown client, no client authentication "
        "included, or unsupported authentication method."
    ),
    "invalid_request": "The request is missing a parameter or has an invalid one.",
    "unsupported_grant_type": "This authorization server does not support that grant type.",
    "unsupported_response_type": "This authorization server does not support that response type.",
    "invalid_redirect_uri": "The redirect URI is not registered for this application.",
    "access_denied": "The user denied the request.",
    "server_error": "The authorization server hit an unexpected condition.",
}

_STATUS = {"invalid_client": 401, "server_error": 500}

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class OAuthError(Exception):
    """An OAuth error code with its description, answered as JSON."""

    def __init__(self, error: str, description: str | None = None):
        super().__init__(error)
        self.error = error
        self.description = description or DESCRIPTIONS.get(error, error)

    @property
    def status(self) -> int:
        return _STATUS.get(self.error, 400)

    def response(self, basic_auth_used: bool = False) -> Response:
        headers = dict(NO_STORE)
        if self.error == "invalid_client" and basic_auth_used:
            headers["WWW-Authenticate"] = 'Basic realm="Doorkeeper"'

        body = {"error": self.error, "error_description": self.description}
        return json_response(body, self.status, headers)


def missing(parameter: str) -> OAuthError:
    return OAuthError("invalid_request", f"Missing required parameter: {parameter}.")
