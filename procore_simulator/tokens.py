"""OAuth bookkeeping: pending authorization requests, sign-in sessions, codes and tokens.

Access and refresh tokens are issued in pairs. Each pair has a short public id
(``pair-3``) that statistics and logs use instead of the secret token strings.
"""

from __future__ import annotations

import base64
import itertools
import json
import secrets
from dataclasses import dataclass

_PENDING_REQUEST_LIFETIME = 1_800


@dataclass
class AuthorizationRequest:
    """An /oauth/authorize call waiting for sign-in and consent."""

    id: str
    client_id: str
    redirect_uri: str
    state: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    created_at: float


@dataclass
class AuthorizationCode:
    """A single-use code issued after consent."""

    code: str
    user_id: int
    client_id: str
    redirect_uri: str
    code_challenge: str | None
    code_challenge_method: str | None
    expires_at: float
    used: bool = False


@dataclass
class TokenPair:
    """An access token and the refresh token issued with it."""

    id: str
    user_id: int
    client_id: str
    access_token: str
    refresh_token: str
    created_at: float
    expires_at: float
    access_revoked: bool = False
    refresh_revoked: bool = False

    def access_valid(self, now: float) -> bool:
        return not self.access_revoked and now < self.expires_at


class TokenStore:
    """Everything the authorization server remembers between calls."""

    def __init__(self) -> None:
        self.requests: dict[str, AuthorizationRequest] = {}
        self.codes: dict[str, AuthorizationCode] = {}
        self.sessions: dict[str, int] = {}
        self.consents: set[tuple[int, str]] = set()
        self.pairs: list[TokenPair] = []
        self._by_access: dict[str, TokenPair] = {}
        self._by_refresh: dict[str, TokenPair] = {}
        self._pair_numbers = itertools.count(1)

    # Browser flow

    def new_request(
        self,
        client_id: str,
        redirect_uri: str,
        state: str | None,
        code_challenge: str | None,
        code_challenge_method: str | None,
        now: float,
    ) -> AuthorizationRequest:
        request = AuthorizationRequest(
            id=secrets.token_urlsafe(16),
            client_id=client_id,
            redirect_uri=redirect_uri,
            state=state,
            code_challenge=code_challenge,
            code_challenge_method=code_challenge_method,
            created_at=now,
        )
        self.requests[request.id] = request
        return request

    def pending_request(self, request_id: str, now: float) -> AuthorizationRequest | None:
        request = self.requests.get(request_id)
        if request is None or now - request.created_at > _PENDING_REQUEST_LIFETIME:
            return None

        return request

    def new_session(self, user_id: int) -> str:
        session_id = secrets.token_urlsafe(24)
        self.sessions[session_id] = user_id
        return session_id

    def issue_code(
        self, request: AuthorizationRequest, user_id: int, now: float, lifetime: int
    ) -> AuthorizationCode:
        """Turn an approved request into a code; the request cannot be approved twice."""
        self.requests.pop(request.id, None)
        code = AuthorizationCode(
            code=secrets.token_urlsafe(32),
            user_id=user_id,
            client_id=request.client_id,
            redirect_uri=request.redirect_uri,
            code_challenge=request.code_challenge,
            code_challenge_method=request.code_challenge_method,
            expires_at=now + lifetime,
        )
        self.codes[code.code] = code
        return code

    # Tokens

    def issue_pair(self, user_id: int, client_id: str, now: float, lifetime: int) -> TokenPair:
        pair = TokenPair(
            id=f"pair-{next(self._pair_numbers)}",
            user_id=user_id,
            client_id=client_id,
            access_token=_access_token(now),
            refresh_token=secrets.token_hex(32),
            created_at=now,
            expires_at=now + lifetime,
        )
        self.pairs.append(pair)
        self._by_access[pair.access_token] = pair
        self._by_refresh[pair.refresh_token] = pair
        return pair

    def by_access(self, token: str) -> TokenPair | None:
        return self._by_access.get(token)

    def by_refresh(self, token: str) -> TokenPair | None:
        return self._by_refresh.get(token)

    def revoke_pair(self, pair: TokenPair) -> None:
        pair.access_revoked = True
        pair.refresh_revoked = True

    def revoke_user(self, user_id: int) -> int:
        """Revoke every pair and sign-in session of a user; return how many pairs."""
        count = 0
        for pair in self.pairs:
            if pair.user_id == user_id and not (pair.access_revoked and pair.refresh_revoked):
                self.revoke_pair(pair)
                count += 1

        self.consents = {grant for grant in self.consents if grant[0] != user_id}
        return count


def _access_token(now: float) -> str:
    """A JWT-looking opaque token (typ JWT, alg ES512), like Procore's recent tokens."""
    header = {"typ": "JWT", "alg": "ES512"}
    payload = {"ajti": secrets.token_hex(16), "iat": int(now)}
    parts = (
        json.dumps(header, separators=(",", ":")).encode(),
        json.dumps(payload, separators=(",", ":")).encode(),
        secrets.token_bytes(66),
    )
    return ".".join(base64.urlsafe_b64encode(part).rstrip(b"=").decode() for part in parts)
