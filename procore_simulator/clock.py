"""The simulator's notion of "now": wall-clock time plus an offset tests can advance.

Token expiry, authorization-code expiry and rate-limit windows all read this clock, so a
test can jump ahead ten minutes instead of sleeping.
"""

from __future__ import annotations

import threading
import time


class Clock:
    """Wall-clock seconds shifted by an adjustable offset."""

    def __init__(self) -> None:
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        """Return the simulated unix time in seconds."""
        with self._lock:
            return time.time() + self._offset

    def advance(self, seconds: float) -> None:
        """Move simulated time forward (or back, with a negative value)."""
        with self._lock:
            self._offset += seconds

    def reset(self) -> None:
        """Return to wall-clock time."""
        with self._lock:
            self._offset = 0.0
