"""What the invariants need to see while a schedule runs, recorded without changing behaviour.

* `RefreshLog`: every token refresh, from both ends. Ours: which connection refreshed, when it
  began and ended, and (as a SHA-256, never the value) which refresh token it spent. Procore's:
  every refresh token presented to `/oauth/token`, whether it was still live, and what came of
  it. Two refreshes of one connection in flight at once, or one refresh token presented twice,
  is a race.
* `Writes`: every record written, with its content hash, by sync round ("epoch"), so that the
  same content written twice in a round shows.
* `LogCapture`: every line the product's Powertools logger writes (formatted as CloudWatch gets
  it) and every record any library logs, from every thread.
"""

from __future__ import annotations

import hashlib
import io
import logging
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any


def fingerprint(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()[:16]


@dataclass
class Refresh:
    """One refresh as we made it."""

    user_id: str
    spent: str  # fingerprint of the refresh token presented
    started: float
    ended: float | None = None
    outcome: str = "running"


@dataclass
class Presented:
    """One refresh token as Procore received it."""

    token: str  # fingerprint
    state: str  # "live", "spent" (an earlier refresh used it), "revoked" (by Procore) or "unknown"
    outcome: str  # the pair issued, or the OAuth error
    dropped: bool = False


@dataclass
class RefreshLog:
    ours: list[Refresh] = field(default_factory=list)
    procore: list[Presented] = field(default_factory=list)
    since: dict[str, float] = field(default_factory=dict)  # user id -> when it last connected
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def forget(self, user_id: str) -> None:
        """The user connected again: what happened to its earlier tokens no longer explains anything."""
        self.since[user_id] = time.monotonic()

    def install(self, monkeypatch: Any) -> None:
        from procore_simulator import oauth_errors, oauth_token
        from procore_sync.tokens import ConnectionTokens

        log = self
        refresh_under_lease = ConnectionTokens._refresh_under_lease

        def ours(tokens: ConnectionTokens, item: dict, version: int) -> str:
            try:
                spent = fingerprint(tokens._tokens_of(item).refresh_token)
            except Exception:  # noqa: BLE001 - the refresh itself meets the same error
                return refresh_under_lease(tokens, item, version)
            entry = Refresh(tokens.user_id, spent, time.monotonic())
            with log._lock:
                log.ours.append(entry)
            try:
                answer = refresh_under_lease(tokens, item, version)
                entry.outcome = "stored"
                return answer
            except BaseException as exc:
                entry.outcome = type(exc).__name__
                raise
            finally:
                entry.ended = time.monotonic()

        exchange = oauth_token._exchange

        def procore(state: Any, params: dict, grant_type: str | None) -> Any:
            presented = params.get("refresh_token") if grant_type == "refresh_token" else None
            if not presented:
                return exchange(state, params, grant_type)
            pair = state.tokens.by_refresh(presented)
            entry = Presented(fingerprint(presented), _state_of(pair), outcome="error")
            dropping = state.config.drop_next_refresh_response or state.config.drop_next_token_response
            with log._lock:
                log.procore.append(entry)
            try:
                issued = exchange(state, params, grant_type)
            except oauth_errors.OAuthError as refused:
                entry.outcome = refused.error
                raise
            entry.outcome = issued.id
            entry.dropped = dropping
            return issued

        monkeypatch.setattr(ConnectionTokens, "_refresh_under_lease", ours)
        monkeypatch.setattr(oauth_token, "_exchange", procore)

    def dropped_for(self, user_id: str) -> bool:
        """Whether Procore dropped the answer to a refresh this connection made."""
        lost = {p.token for p in self.procore if p.dropped}
        since = self.since.get(user_id, 0.0)
        return any(r.user_id == user_id and r.spent in lost and r.started >= since for r in self.ours)


def _state_of(pair: Any) -> str:
    if pair is None:
        return "unknown"
    if not pair.refresh_revoked:
        return "live"
    return "revoked" if pair.access_revoked else "spent"


class Writes:
    """Counts record writes by (round, key, content hash)."""

    def __init__(self, monkeypatch: Any) -> None:
        from procore_sync.storage.records import RecordRepository

        self.epoch = 0
        self.counts: Counter[tuple[int, str, str, str]] = Counter()
        self.total = 0
        self._lock = threading.Lock()
        put_many = RecordRepository.put_many
        writes = self

        def counted(repository: RecordRepository, items: Any) -> int:
            items = list(items)
            with writes._lock:
                for item in items:
                    writes.counts[(writes.epoch, str(item["pk"]), str(item["sk"]), str(item["content_hash"]))] += 1
                writes.total += len(items)
            return put_many(repository, items)

        monkeypatch.setattr(RecordRepository, "put_many", counted)

    def next_round(self) -> None:
        with self._lock:
            self.epoch += 1

    def twice(self, epochs: set[int] | None = None) -> list[tuple[int, str, str, str]]:
        with self._lock:
            return [k for k, n in self.counts.items() if n > 1 and (epochs is None or k[0] in epochs)]

    def in_round(self, epoch: int) -> int:
        with self._lock:
            return sum(n for k, n in self.counts.items() if k[0] == epoch)


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.append(self.format(record))
        except Exception:  # noqa: BLE001 - a record that does not format is kept raw
            self.lines.append(repr(record.__dict__))


class LogCapture:
    """The product's log lines as written, and every library's log records."""

    def __init__(self) -> None:
        self._stream = io.StringIO()
        self._product = logging.StreamHandler(self._stream)
        self._everything = _Records()
        self._level: int | None = None

    def __enter__(self) -> LogCapture:
        from procore_sync.observability import logger

        self._product.setFormatter(logger.registered_formatter)
        logger.addHandler(self._product)
        root = logging.getLogger()
        self._level = root.level
        root.addHandler(self._everything)
        root.setLevel(min(root.level or logging.WARNING, logging.INFO))
        return self

    def __exit__(self, *exc: Any) -> None:
        from procore_sync.observability import logger

        if self._product in logger.handlers:
            logger.handlers.remove(self._product)
        root = logging.getLogger()
        root.removeHandler(self._everything)
        if self._level is not None:
            root.setLevel(self._level)

    def text(self) -> str:
        return "\n".join([self._stream.getvalue(), *self._everything.lines])

    def product_lines(self) -> int:
        return self._stream.getvalue().count("\n")
