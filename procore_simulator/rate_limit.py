"""Procore's two rate limits: a spike window (10 s) and an hourly window, per key.

Windows are fixed: each starts with the first request after the previous one ended. The
``X-Rate-Limit-*`` headers report the window closest to exhaustion (by remaining fraction,
the spike window on a tie).
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass
class _Window:
    start: float
    count: int


@dataclass(frozen=True)
class Limit:
    """One window: at most ``limit`` requests per ``seconds``."""

    name: str
    limit: int
    seconds: int


@dataclass(frozen=True)
class Decision:
    """The outcome for one request, with the values for the response headers."""

    allowed: bool
    limit: int
    remaining: int
    reset: int
    retry_after: int

    def headers(self) -> dict[str, str]:
        return {
            "X-Rate-Limit-Limit": str(self.limit),
            "X-Rate-Limit-Remaining": str(self.remaining),
            "X-Rate-Limit-Reset": str(self.reset),
        }


class RateLimiter:
    """Fixed-window counters keyed by (key, window name)."""

    def __init__(self) -> None:
        self._windows: dict[tuple[str, str], _Window] = {}

    def hit(self, key: str, limits: list[Limit], now: float) -> Decision:
        """Count one request against every window unless one of them is already full."""
        windows = []
        for limit in limits:
            window = self._windows.get((key, limit.name))
            if window is None or now >= window.start + limit.seconds:
                window = _Window(start=now, count=0)
                self._windows[(key, limit.name)] = window

            windows.append((limit, window))

        full = [(limit, window) for limit, window in windows if window.count >= limit.limit]
        if full:
            limit, window = max(full, key=lambda item: item[1].start + item[0].seconds)
            reset = window.start + limit.seconds
            return Decision(
                allowed=False,
                limit=limit.limit,
                remaining=0,
                reset=math.ceil(reset),
                retry_after=max(1, math.ceil(reset - now)),
            )

        for _, window in windows:
            window.count += 1

        limit, window = min(
            windows, key=lambda item: (item[0].limit - item[1].count) / max(item[0].limit, 1)
        )
        return Decision(
            allowed=True,
            limit=limit.limit,
            remaining=max(0, limit.limit - window.count),
            reset=math.ceil(window.start + limit.seconds),
            retry_after=0,
        )
