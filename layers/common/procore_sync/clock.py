"""Time, in one place so tests can move it."""

from __future__ import annotations

import time
from datetime import UTC, datetime


def now() -> float:
    return time.time()


def iso(epoch: float | None = None) -> str:
    moment = datetime.fromtimestamp(now() if epoch is None else epoch, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> float:
    """Epoch seconds of an ISO-8601 time: ours (`2026-05-01T12:00:00Z`) or Procore's, which may
    carry fractions or an offset; a time without a zone is UTC."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()
