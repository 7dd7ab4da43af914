"""One connection's share of Procore's rate limits, shared by every worker that calls for it.

Procore counts two windows per token: a spike window of 10 seconds and an hourly one. Each
answer's `X-Rate-Limit-Limit/Remaining/Reset` headers describe whichever window is closer to
being spent, so a budget keeps both: the headers tell it a window's limit, what remains and
when it resets; between answers it counts the calls it let through itself. A call is let
through only while both windows have something left, and taking one is a conditional write,
so two workers never spend the same unit. The budget lives in a store that all workers of a
connection share (DynamoDB in production, memory in tests and tools).

`take()` answers how long to wait before calling (0: the unit is taken). A window that has
reset is counted from its limit again, as Procore does, until an answer says where it ends.
An answer with no rate headers at all means Procore no longer meters us: the budget is cleared.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Protocol

WINDOW_SECONDS = {"spike": 10.0, "hourly": 3600.0}
SPIKE_HORIZON = WINDOW_SECONDS["spike"] + 1.5  # a Reset further off than this is the hourly window
# How long we count a window ourselves after its reset, before Procore describes it: a whole
# spike window; for the hourly one only as long, since its headers come back once it is the
# tighter of the two (and a guess of an hour could stall a connection on a misread window).
ESTIMATE_SECONDS = {"spike": WINDOW_SECONDS["spike"], "hourly": SPIKE_HORIZON}
RATE_HEADERS = ("X-Rate-Limit-Limit", "X-Rate-Limit-Remaining", "X-Rate-Limit-Reset")
NEW_WINDOW_MARGIN = 1.0  # our estimate of a window's end errs late, never early
SAME_WINDOW_TOLERANCE = 1.5  # Reset is whole seconds; our estimates are not
CONTENTION_WAIT = 0.02
READ_FIRST_AFTER_REFUSAL = 8


@dataclass
class Window:
    limit: int
    remaining: int
    reset: float  # unix seconds
    estimated: bool = False  # our guess at a window no answer has described yet

    def to_item(self) -> dict[str, Any]:
        return {"limit": self.limit, "remaining": self.remaining, "reset": str(self.reset),
                "estimated": self.estimated}

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> Window:
        return cls(limit=int(item["limit"]), remaining=int(item["remaining"]), reset=float(item["reset"]),
                   estimated=bool(item.get("estimated", False)))


class BudgetStore(Protocol):
    """Where a connection's windows are kept: read with a version, written only if unchanged."""

    def load(self) -> tuple[dict[str, Window], int]: ...

    def save(self, windows: dict[str, Window], version: int) -> bool:
        """Write `windows` as version + 1 if the stored version is still `version`."""
        ...


class MemoryBudgetStore:
    """A budget store for one process (tests, the operator CLI)."""

    def __init__(self) -> None:
        self._windows: dict[str, Window] = {}
        self._version = 0
        self._lock = threading.Lock()

    def load(self) -> tuple[dict[str, Window], int]:
        with self._lock:
            return {k: replace(w) for k, w in self._windows.items()}, self._version

    def save(self, windows: dict[str, Window], version: int) -> bool:
        with self._lock:
            if version != self._version:
                return False
            self._windows = {k: replace(w) for k, w in windows.items()}
            self._version += 1
            return True


class RateBudget:
    """The calls a connection may still make in each of Procore's windows.

    A budget remembers the windows it last read or wrote. While those hold a window, the next
    take or observation starts from them and writes on their version, with no read first: if
    another worker has written since, the write is refused and the budget reads the store and
    tries again. A budget that knows no window reads the store before each call, since another
    worker may have learnt one, unless its own last answer said Procore does not meter us. It
    reads before it waits, too, so a stale copy never makes it wait. When several workers call
    for the connection at once, a remembered copy is mostly stale, and a refused write costs a
    request: after a refusal the budget reads first for its next `READ_FIRST_AFTER_REFUSAL`
    lookups, as it would without a memory."""

    def __init__(self, store: BudgetStore, *, now: Callable[[], float] = time.time) -> None:
        self._store = store
        self._now = now
        self._known: tuple[dict[str, Window], int] | None = None
        self._unmetered = False  # our last answer carried no rate headers
        self._read_first = 0  # lookups left that read the store whatever we remember

    def take(self) -> float:
        """Take one call from every window; or return the seconds until one can be taken."""
        while True:
            windows, version, remembered = self._state()
            now = self._now()
            wait = 0.0
            for name, window in windows.items():
                if now >= window.reset:  # a new window: Procore starts counting at its limit again
                    windows[name] = window = Window(window.limit, window.limit,
                                                    now + ESTIMATE_SECONDS[name] + NEW_WINDOW_MARGIN,
                                                    estimated=True)
                if window.remaining <= 0:
                    wait = max(wait, window.reset - now)
            if wait > 0:
                if remembered:
                    self._known = None  # look at the store before waiting on what we remember
                    continue
                return wait + random.uniform(0, 0.25)  # noqa: S311 - jitter, not security
            for window in windows.values():
                window.remaining -= 1
            if not windows or self._save(windows, version, remembered):
                return 0.0
            if not remembered:
                time.sleep(random.uniform(0, CONTENTION_WAIT))  # noqa: S311 - another worker took one first

    def observe(self, headers: Mapping[str, str]) -> None:
        """Learn from an answer's rate headers (on any status, 429 included)."""
        self._unmetered = not any(name in headers for name in RATE_HEADERS)
        if self._unmetered:
            self._forget()  # Procore no longer meters us: nothing to count against
            return
        seen = _window_from(headers, self._now())
        if seen is None:
            return
        name, reported = seen
        for _ in range(5):
            windows, version, remembered = self._state()
            known = windows.get(name)
            if known is not None and known.estimated and reported.reset > self._now():
                # the first answer in a window we had only guessed at: Procore's end is the true
                # one, and the calls we let through meanwhile stay taken
                windows[name] = Window(reported.limit, min(known.remaining, reported.remaining), reported.reset)
            elif known is None or reported.reset > known.reset + SAME_WINDOW_TOLERANCE:
                windows[name] = reported  # the first answer of a window we had not counted
            elif reported.reset >= known.reset - SAME_WINDOW_TOLERANCE:
                # the window we count: calls in flight are already taken, so keep the lower figure
                if reported.remaining >= known.remaining and reported.limit == known.limit:
                    return
                windows[name] = Window(reported.limit, min(known.remaining, reported.remaining),
                                       max(known.reset, reported.reset))
            else:
                return  # a late answer from a window that has ended
            if self._save(windows, version, remembered):
                return

    def _forget(self) -> None:
        if self._known is not None and not self._known[0]:
            return  # we know of no window to clear
        windows, version = self._load()
        if windows:
            self._save({}, version, False)

    def _state(self) -> tuple[dict[str, Window], int, bool]:
        """The windows to start from, their version, and whether they are remembered (not read)."""
        if self._read_first > 0:
            self._read_first -= 1
        elif self._known is not None and (self._known[0] or self._unmetered):
            windows, version = self._known
            return _copy(windows), version, True
        return (*self._load(), False)

    def _load(self) -> tuple[dict[str, Window], int]:
        windows, version = self._store.load()
        self._known = (_copy(windows), version)
        return windows, version

    def _save(self, windows: dict[str, Window], version: int, remembered: bool) -> bool:
        if self._store.save(windows, version):
            self._known = (_copy(windows), version + 1)
            return True
        self._known = None  # another worker wrote first: read before the next attempt
        if remembered:
            self._read_first = READ_FIRST_AFTER_REFUSAL
        return False


def _copy(windows: dict[str, Window]) -> dict[str, Window]:
    return {name: replace(window) for name, window in windows.items()}


def _window_from(headers: Mapping[str, str], now: float) -> tuple[str, Window] | None:
    try:
        limit = int(headers["X-Rate-Limit-Limit"])
        remaining = int(headers["X-Rate-Limit-Remaining"])
        reset = float(headers["X-Rate-Limit-Reset"])
    except (KeyError, TypeError, ValueError):
        return None
    if limit <= 0:
        return None
    name = "spike" if reset - now <= SPIKE_HORIZON else "hourly"
    return name, Window(limit=limit, remaining=max(0, remaining), reset=reset)
