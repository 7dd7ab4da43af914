"""The token lifecycle of one connection: encrypt, store, load, refresh, give up.

Procore's refresh tokens are single use, and an attempt whose answer is lost burns the token
too. So at most one refresh is in flight per connection, across every Lambda: a worker takes
a lease on the connection item (a conditional write on the token version), refreshes,
persists the new pair and releases the lease in one conditional write, and only then uses the
new access token. Everyone else waits for the version to move and reads the new pair.
A refresh that fails in any way is never retried with the same refresh token: the connection
becomes `reauthorization_required`, with a reason.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from typing import Any

from . import clock
from .crypto import TokenCipher
from .errors import NotConnectedError, ReauthorizationRequiredError, TokenEncryptionError
from .observability import count, logger
from .procore.client import AccessTokens
from .procore.errors import InvalidGrantError, OAuthError, ProcoreError, ProcoreUnavailableError
from .procore.oauth import ProcoreOAuth, TokenSet
from .storage.connections import CONNECTED, ConnectionRepository


def seal(cipher: TokenCipher, user_id: str, tokens: TokenSet) -> bytes:
    payload = {
        "access_token": tokens.access_token,
        "refresh_token": tokens.refresh_token,
        "expires_in": tokens.expires_in,
        "created_at": tokens.created_at,
        "token_type": tokens.token_type,
    }
    return cipher.encrypt(user_id, json.dumps(payload).encode())


def unseal(cipher: TokenCipher, user_id: str, blob: Any) -> TokenSet:
    raw = cipher.decrypt(user_id, bytes(getattr(blob, "value", blob)))
    return TokenSet.from_stored(json.loads(raw))


SEAL_RETRY_WAITS = (0.5, 1.0, 2.0, 4.0)  # seconds between attempts to encrypt a rotated pair


class ConnectionTokens(AccessTokens):
    """Access tokens for one user's connection, refreshed ahead of expiry under a lease."""

    def __init__(
        self,
        user_id: str,
        *,
        connections: ConnectionRepository,
        cipher: TokenCipher,
        oauth_factory: Callable[[], ProcoreOAuth],
        margin_seconds: int = 300,
        lease_seconds: int = 30,
        wait_seconds: float = 45.0,
        poll_seconds: float = 0.25,
    ) -> None:
        self.user_id = user_id
        self._connections = connections
        self._cipher = cipher
        self._oauth_factory = oauth_factory
        self._margin = margin_seconds
        self._lease_seconds = lease_seconds
        self._wait = wait_seconds
        self._poll = poll_seconds
        self._owner = uuid.uuid4().hex
        self._cached: tuple[int, TokenSet] | None = None
        self._primed: dict[str, Any] | None = None  # a connection item read by the caller

    def current(self) -> str:
        """A usable access token: the pair this instance last read or stored while it is far from
        expiry, else the stored one, refreshed if it is about to expire.

        One instance serves one job, so a job reads its tokens once, not before every call. A pair
        another worker rotated meanwhile costs at most one 401, after which `after_rejection`
        reads the table again (and a disconnect or a failed refresh elsewhere is found there)."""
        if self._cached is not None and self._usable(self._cached[1]):
            return self._cached[1].access_token
        item, self._primed = self._primed or self._load(), None
        tokens = self._tokens_of(item)
        if self._usable(tokens):
            return tokens.access_token
        return self._refresh(item)

    def prime(self, item: dict[str, Any]) -> None:
        """Start from the connection item the caller has just read with its tokens, so the first
        call needs no read of its own. It is decrypted on that call, where the caller handles
        errors. An item that is not connected primes nothing: `current()` then reads the table
        and says why."""
        if item.get("status") == CONNECTED and "token_blob" in item and "token_version" in item:
            self._primed = {key: item[key] for key in ("status", "token_blob", "token_version")}

    def _usable(self, tokens: TokenSet) -> bool:
        return tokens.expires_at - self._margin_for(tokens) > clock.now()

    def _margin_for(self, tokens: TokenSet) -> int:
        # Refresh `margin` ahead of the expiry Procore gave; for a token that lives less than
        # twice the margin, at half its life, so that a fresh token is never refreshed at once.
        return min(self._margin, tokens.expires_in // 2)

    def after_rejection(self, rejected: str) -> str:
        """Procore answered 401 to `rejected`: refresh once (unless someone already did)."""
        item = self._load()
        tokens = self._tokens_of(item)
        if tokens.access_token != rejected:
            return tokens.access_token
        return self._refresh(item)

    def _load(self) -> dict[str, Any]:
        item = self._connections.get(self.user_id, with_tokens=True)
        if item is None:
            raise NotConnectedError("no Procore connection")
        if item.get("status") != CONNECTED or "token_blob" not in item:
            raise ReauthorizationRequiredError(
                "Procore connection needs to be authorized again",
                reason=str(item.get("reason") or "reauthorization_required"),
            )
        return item

    def _tokens_of(self, item: dict[str, Any]) -> TokenSet:
        version = int(item["token_version"])
        if self._cached is None or self._cached[0] != version:
            self._cached = (version, unseal(self._cipher, self.user_id, item["token_blob"]))
        return self._cached[1]

    def _refresh(self, item: dict[str, Any]) -> str:
        deadline = time.monotonic() + self._wait
        version = int(item["token_version"])
        while True:
            now = clock.now()
            if self._connections.try_acquire_lease(
                self.user_id, version=version, owner=self._owner, now=now, until=now + self._lease_seconds
            ):
                return self._refresh_under_lease(item, version)
            if time.monotonic() > deadline:
                raise ProcoreUnavailableError("another worker's token refresh did not finish in time")
            time.sleep(self._poll)
            item = self._load()
            if int(item["token_version"]) != version:
                tokens = self._tokens_of(item)
                if tokens.expires_at > clock.now():
                    return tokens.access_token
                version = int(item["token_version"])

    def _refresh_under_lease(self, item: dict[str, Any], version: int) -> str:
        leased_at = time.monotonic()
        old = self._tokens_of(item)
        try:
            new = self._oauth_factory().refresh(refresh_token=old.refresh_token, now=clock.now())
        except InvalidGrantError:
            return self._give_up("refresh_token_rejected", version, "Procore rejected the refresh token")
        except ProcoreUnavailableError:
            # The answer was lost; Procore may have rotated the pair already. Never resend.
            return self._give_up("refresh_response_lost", version, "the answer to a token refresh was lost")
        except (OAuthError, ProcoreError) as exc:
            return self._give_up("refresh_failed", version, f"token refresh failed ({exc.status})")
        blob = self._seal_rotated(new, deadline=leased_at + self._lease_seconds / 2)
        if blob is None:
            # Procore rotated the pair and we cannot keep the new one: revoke it rather than leave
            # a live pair nobody holds, and say why (the old refresh token is spent).
            self._revoke_quietly(new)
            return self._give_up("token_encryption_failed", version, "a refreshed token pair could not be encrypted")
        stored = self._connections.store_refreshed_tokens(
            self.user_id, owner=self._owner, version=version, blob=blob,
            expires_at=new.expires_at, now=clock.iso(),
        )
        if not stored:
            # Our lease was lost (it expired, or the user connected again meanwhile). The pair we
            # hold cannot be stored safely: revoke it, so no live pair is left behind.
            self._revoke_quietly(new)
            return self._give_up("refresh_lease_lost", version, "token refresh lost its lease")
        self._cached = (version + 1, new)
        count("TokenRefreshes")
        logger.info("procore token refreshed", user_id=self.user_id, token_version=version + 1)
        return new.access_token

    def _seal_rotated(self, new: TokenSet, *, deadline: float) -> bytes | None:
        """Encrypt a pair Procore has just rotated, trying again while KMS fails: the old refresh
        token is spent, so this pair is the connection's only way on. It stops by `deadline`
        (half the refresh lease: after the lease another worker may refresh with the spent token).
        None if KMS never answered in time."""
        for wait in (*SEAL_RETRY_WAITS, None):
            try:
                return seal(self._cipher, self.user_id, new)
            except TokenEncryptionError as exc:
                out_of_time = wait is None or time.monotonic() + wait > deadline
                logger.warning("refreshed procore tokens did not encrypt", user_id=self.user_id, error=str(exc),
                               retry_in=None if out_of_time else wait)
                if out_of_time:
                    return None
                time.sleep(wait)
        return None

    def _give_up(self, reason: str, version: int, message: str) -> str:
        """The tokens of `version` are dead: mark the connection, unless they were replaced
        meanwhile (a reconnect, another refresh). Then the replacement is used instead."""
        count("TokenRefreshFailures")
        marked = self._connections.mark_reauthorization_required(
            self.user_id, reason=reason, now=clock.iso(), version=version
        )
        if not marked:
            logger.info("procore tokens were replaced during a failed refresh; using the new ones",
                        user_id=self.user_id, reason=reason)
            item = self._load()
            tokens = self._tokens_of(item)
            if tokens.expires_at > clock.now():
                return tokens.access_token
        count("ReauthorizationsNeeded")
        logger.warning("procore connection needs reauthorization", user_id=self.user_id, reason=reason)
        raise ReauthorizationRequiredError(message, reason=reason)

    def _revoke_quietly(self, tokens: TokenSet) -> None:
        revoke_quietly(self._oauth_factory, user_id=self.user_id, access_token=tokens.access_token)


def revoke_quietly(oauth_factory: Callable[[], ProcoreOAuth], *, user_id: str, access_token: str) -> bool:
    """Revoke a pair at Procore, best effort: a failure is logged (without the token), not raised."""
    try:
        oauth_factory().revoke(token=access_token)
    except Exception as exc:  # noqa: BLE001 - whatever failed, the caller goes on
        logger.warning("procore revoke failed", user_id=user_id, error=type(exc).__name__)
        return False
    return True
