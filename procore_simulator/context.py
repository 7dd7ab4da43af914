"""Access to the simulator state and the authenticated caller from inside a request."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app, g

if TYPE_CHECKING:
    from procore_simulator.state import SimulatorState
    from procore_simulator.tokens import TokenPair
    from procore_simulator.world import User

EXTENSION_KEY = "procore_simulator"
DROP_CONNECTION_KEY = "procore_simulator.drop_connection"


def current_state() -> SimulatorState:
    return current_app.extensions[EXTENSION_KEY]


def current_user() -> User:
    """The user behind the request's access token (set by the API guard)."""
    return g.simulator_user


def current_pair() -> TokenPair:
    return g.simulator_pair


def current_company_id() -> int:
    """The company named by the ``Procore-Company-Id`` header (checked by the guard)."""
    return g.simulator_company_id
