"""The simulator's notion of "now": wall-clock time plus an offset tests can advance.

Token expiry, authorization-code expiry, rate-limit windows, ``updated_at`` stamps and
webhook retries all read this clock, so a test can jump ahead ten minutes instead of
sleeping. The clock can also stand still (the ``clock_frozen`` knob): then every reading is
the same second until it thaws, and it resumes from where it stopped, without a jump.
``advance`` still moves a frozen clock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class Clock:
    """Wall-clock seconds shifted by an adjustable offset, optionally frozen.

    ``frozen`` is asked on every reading, so the knob works however it is set (through
    ``set_config`` or by assigning ``state.config.clock_frozen`` directly).
    """

    def __init__(self, frozen: Callable[[], bool] | None = None) -> None:
        self._offset = 0.0
        self._frozen_at: float | None = None
        self._is_frozen = frozen if frozen is not None else (lambda: False)
        self._lock = threading.Lock()

    def now(self) -> float:
        """Return the simulated unix time in seconds."""
        with self._lock:
            return self._read()

    def advance(self, seconds: float) -> None:
        """Move simulated time forward (or back, with a negative value)."""
        with self._lock:
            self._read()
            if self._frozen_at is not None:
                self._frozen_at += seconds
            else:
                self._offset += seconds

    def reset(self) -> None:
        """Return to wall-clock time."""
        with self._lock:
            self._offset = 0.0
            self._frozen_at = None

    def _read(self) -> float:
        """Now, after noticing a freeze (latch the time) or a thaw (resume from it)."""
        wall = time.time()
        if self._is_frozen():
            if self._frozen_at is None:
                self._frozen_at = wall + self._offset

            return self._frozen_at

        if self._frozen_at is not None:
            self._offset = self._frozen_at - wall
            self._frozen_at = None

        return wall + self._offset
