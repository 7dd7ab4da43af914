"""The HTTP API JWT authorizer, locally: HS256 tokens signed with a shared secret.

API Gateway checks a JWT against the issuer's JWKS; locally the user tokens are HS256 and
signed with `LOCAL_JWT_SECRET`. Everything else follows API Gateway's JWT authorizer: the
token comes from the identity source (a `Bearer ` prefix is optional), `exp` must be in the
future, `nbf` and `iat` (when present) in the past, `iss` must equal the issuer, and `aud` (or
else `client_id`) must name one of the audiences. A route with authorization scopes also needs
one of them in the token's `scope` or `scp` claim (otherwise 403). Claims reach the handler
as strings, arrays formatted the way API Gateway formats them (`[a b]`).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import OctKey

DEFAULT_JWT_SECRET = "local-dev-jwt-secret-change-me"  # noqa: S105 - local development only
TOKEN_LIFETIME_SECONDS = 3600
_ALGORITHM = "HS256"


@dataclass(frozen=True)
class Verdict:
    """The authorizer's answer: HTTP status 200 (allowed), 401 or 403, and what it read."""

    status: int
    claims: dict[str, Any]
    scopes: list[str] | None = None

    @property
    def allowed(self) -> bool:
        return self.status == 200


_UNAUTHORIZED = Verdict(401, {})


@dataclass(frozen=True)
class JwtAuthorizer:
    """One JWT authorizer of an HTTP API, with its issuer and audiences resolved."""

    name: str
    issuer: str
    audiences: tuple[str, ...]
    secret: str
    identity_source: str = "$request.header.Authorization"

    def token_from(self, headers: Mapping[str, str], query: Mapping[str, str]) -> str | None:
        """The token from the identity source (`$request.header.X` or `$request.querystring.x`)."""
        source = self.identity_source
        value: str | None
        if source.startswith("$request.header."):
            value = headers.get(source.removeprefix("$request.header.").lower())
        elif source.startswith("$request.querystring."):
            value = query.get(source.removeprefix("$request.querystring."))
        else:
            value = None
        if not value:
            return None
        scheme, _, rest = value.strip().partition(" ")
        return rest.strip() if scheme.lower() == "bearer" and rest else value.strip()

    def verify(self, token: str | None, *, scopes: Sequence[str] = ()) -> Verdict:
        """Check a token as API Gateway would for a route needing `scopes` (may be empty)."""
        if not token:
            return _UNAUTHORIZED
        try:
            decoded = jwt.decode(token, self._key(), algorithms=[_ALGORITHM])
        except (JoseError, ValueError):
            return _UNAUTHORIZED
        claims = dict(decoded.claims)
        if not self._claims_valid(claims, time.time()):
            return _UNAUTHORIZED
        token_scopes = _token_scopes(claims)
        if scopes and not set(scopes) & set(token_scopes):
            return Verdict(403, claims)
        return Verdict(200, claims, token_scopes if scopes else None)

    def issue(self, subject: str, **claims: Any) -> str:
        """A token this authorizer accepts: `sub`, `iss`, the first audience, one hour of life."""
        now = int(time.time())
        payload: dict[str, Any] = {
            "sub": subject,
            "iss": self.issuer,
            "aud": self.audiences[0] if self.audiences else "",
            "iat": now,
            "exp": now + TOKEN_LIFETIME_SECONDS,
        }
        payload.update(claims)
        return jwt.encode({"alg": _ALGORITHM, "typ": "JWT"}, payload, self._key())

    def _key(self) -> OctKey:
        return OctKey.import_key(self.secret)

    def _claims_valid(self, claims: Mapping[str, Any], now: float) -> bool:
        exp, nbf, iat = claims.get("exp"), claims.get("nbf"), claims.get("iat")
        if not _is_number(exp) or exp is None or exp <= now:
            return False
        if nbf is not None and (not _is_number(nbf) or nbf > now):
            return False
        if iat is not None and (not _is_number(iat) or iat > now):
            return False
        if claims.get("iss") != self.issuer:
            return False
        audience = claims.get("aud", claims.get("client_id"))
        offered = audience if isinstance(audience, list) else [audience]
        return any(isinstance(item, str) and item in self.audiences for item in offered)


def claims_as_strings(claims: Mapping[str, Any]) -> dict[str, str]:
    """Claims the way API Gateway hands them to the function: every value a string."""
    return {name: _claim_text(value) for name, value in claims.items()}


def _claim_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return "[" + " ".join(_claim_text(item) for item in value) + "]"
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{_claim_text(v)}" for k, v in value.items()) + "]"
    return str(value)


def _token_scopes(claims: Mapping[str, Any]) -> list[str]:
    for name in ("scope", "scp"):
        value = claims.get(name)
        if isinstance(value, str):
            return value.split()
        if isinstance(value, list):
            return [str(item) for item in value]
    return []


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
