"""Procore's OAuth 2.0 endpoints, through authlib.

Procore authenticates clients with the id and secret in the request body, and rotates the
refresh token on every refresh (the old one dies even when the answer is lost), so this module
never retries a token call: callers decide what a failure means.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests
from authlib.integrations.base_client.errors import OAuthError as AuthlibOAuthError
from authlib.integrations.requests_client import OAuth2Session

from .errors import InvalidGrantError, OAuthError, ProcoreServerError, ProcoreUnavailableError


@dataclass(frozen=True)
class TokenSet:
    """An access and refresh token pair as Procore issued it."""

    access_token: str
    refresh_token: str
    expires_in: int
    created_at: int  # on our clock: when the answer arrived
    token_type: str = "bearer"

    @classmethod
    def from_response(cls, token: dict[str, Any], *, now: float) -> TokenSet:
        """A pair from the token endpoint. Its life is counted from `now`, on our clock, not from
        Procore's `created_at`: a skew between the two clocks must not age a fresh token."""
        return cls(
            access_token=str(token["access_token"]),
            refresh_token=str(token["refresh_token"]),
            expires_in=int(token["expires_in"]),
            created_at=int(now),
            token_type=str(token.get("token_type", "bearer")),
        )

    @classmethod
    def from_stored(cls, token: dict[str, Any]) -> TokenSet:
        return cls(
            access_token=str(token["access_token"]),
            refresh_token=str(token["refresh_token"]),
            expires_in=int(token["expires_in"]),
            created_at=int(token["created_at"]),
            token_type=str(token.get("token_type", "bearer")),
        )

    @property
    def expires_at(self) -> int:
        return self.created_at + self.expires_in

    def __repr__(self) -> str:  # never let a token reach a log line through repr()
        return f"TokenSet(expires_at={self.expires_at})"


class ProcoreOAuth:
    """Authorize URL, code exchange, refresh and revoke for one Procore environment."""

    def __init__(
        self,
        *,
        login_url: str,
        client_id: str,
        client_secret: str,
        redirect_uri: str,
        timeout: float = 20.0,
    ) -> None:
        self._login_url = login_url.rstrip("/")
        self._client_id = client_id
        self._client_secret = client_secret
        self._redirect_uri = redirect_uri
        self._timeout = timeout

    def _session(self) -> OAuth2Session:
        return OAuth2Session(
            client_id=self._client_id,
            client_secret=self._client_secret,
            redirect_uri=self._redirect_uri,
            token_endpoint_auth_method="client_secret_post",  # noqa: S106 - a method name
            code_challenge_method="S256",
        )

    def authorize_url(self, *, state: str, code_verifier: str) -> str:
        url, _ = self._session().create_authorization_url(
            f"{self._login_url}/oauth/authorize", state=state, code_verifier=code_verifier
        )
        return str(url)

    def exchange_code(self, *, code: str, code_verifier: str, now: float) -> TokenSet:
        token = self._token_call(
            lambda session: session.fetch_token(
                f"{self._login_url}/oauth/token",
                grant_type="authorization_code",
                code=code,
                code_verifier=code_verifier,
                timeout=self._timeout,
            )
        )
        return TokenSet.from_response(token, now=now)

    def refresh(self, *, refresh_token: str, now: float) -> TokenSet:
        token = self._token_call(
            lambda session: session.refresh_token(
                f"{self._login_url}/oauth/token",
                refresh_token=refresh_token,
                timeout=self._timeout,
            )
        )
        return TokenSet.from_response(token, now=now)

    def revoke(self, *, token: str) -> None:
        """Revoke the pair the token belongs to. Procore answers 200 even for unknown tokens."""
        try:
            response = self._session().revoke_token(
                f"{self._login_url}/oauth/revoke", token=token, timeout=self._timeout
            )
        except requests.RequestException as exc:
            raise ProcoreUnavailableError(type(exc).__name__) from None
        if response.status_code >= 400:
            raise OAuthError("revoke_failed", f"revoke answered {response.status_code}",
                             status=response.status_code)

    def _token_call(self, call: Any) -> dict[str, Any]:
        # Exceptions are re-raised without their cause: authlib's and requests' messages can
        # carry the request body, which holds the code, the verifier or the refresh token.
        try:
            return dict(call(self._session()))
        except AuthlibOAuthError as exc:
            error = str(exc.error or "oauth_error")
            description = str(exc.description or error)
            if error == "invalid_grant":
                raise InvalidGrantError(error, description, status=400) from None
            raise OAuthError(error, description) from None
        except requests.Timeout:
            raise ProcoreUnavailableError("token endpoint timed out") from None
        except requests.ConnectionError:
            raise ProcoreUnavailableError("connection to the token endpoint failed") from None
        except requests.HTTPError as exc:
            status = exc.response.status_code if exc.response is not None else None
            if status is not None and status >= 500:
                raise ProcoreServerError("token endpoint failed", status=status) from None
            raise OAuthError("http_error", "token endpoint refused", status=status) from None
        except (ValueError, KeyError):
            raise OAuthError("invalid_response", "token endpoint gave no usable token") from None
