"""Time, in one place so tests can move it."""

from __future__ import annotations

import time
from datetime import UTC, datetime


def now() -> float:
    return time.time()


def iso(epoch: float | None = None) -> str:
    moment = datetime.fromtimestamp(now() if epoch is None else epoch, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
