"""Changes to `os.environ` that can be undone, so a stopped stack leaves no trace behind."""

from __future__ import annotations

import os

_MISSING = object()


class EnvironmentPatch:
    """Sets and unsets process environment variables and remembers the originals."""

    def __init__(self) -> None:
        self._saved: dict[str, object] = {}

    def set(self, name: str, value: str) -> None:
        self._remember(name)
        os.environ[name] = value

    def unset(self, name: str) -> None:
        self._remember(name)
        os.environ.pop(name, None)

    def restore(self) -> None:
        """Put back every variable touched since the patch was made, in reverse order."""
        for name, value in reversed(list(self._saved.items())):
            if value is _MISSING:
                os.environ.pop(name, None)
            else:
                os.environ[name] = str(value)
        self._saved.clear()

    def _remember(self, name: str) -> None:
        if name not in self._saved:
            self._saved[name] = os.environ.get(name, _MISSING)
