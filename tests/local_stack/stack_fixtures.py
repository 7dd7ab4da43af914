"""Paths and helpers shared by the local stack's tests (imported by conftest and tests)."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent / "fixtures"
REPO_ROOT = Path(__file__).resolve().parents[2]


def load_event(name: str) -> dict[str, Any]:
    """A committed sample event (generated once with `sam local generate-event`)."""
    return json.loads((FIXTURES / "events" / name).read_text())


def fake_module(name: str) -> Any:
    """A fake function's module, as the stack imported it (so its recorded calls are shared)."""
    return importlib.import_module(f"fake_functions.{name}.app")
