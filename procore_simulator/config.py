"""Simulator settings: what world to generate (size, seed) and every behaviour knob.

Knobs marked UNCONFIRMED in the Procore API notes are settings here, so a test can try
both readings. All knobs except ``size`` and ``seed`` can be changed while the simulator
runs, through ``SimulatorState.set_config`` or ``POST /_simulator/config``.
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass, field
from typing import Any

SIZES = ("tiny", "S", "M", "L")
PKCE_MODES = ("verify_if_sent", "ignore", "require")
CONSENT_MODES = ("always", "once", "never")
RATE_LIMIT_KEYS = ("access_token", "user")
BID_PACKAGE_LIST_VIEWS = ("full", "minimal")
OOB_REDIRECT_URI = "urn:ietf:wg:oauth:2.0:oob"
EVERYONE = "*"  # in webhooks_permission_users: every user may manage hooks

# Settings that decide what the generated world looks like; changing them needs a new server.
WORLD_FIELDS = frozenset({"size", "seed"})

_CHOICES: dict[str, tuple[str, ...]] = {
    "size": SIZES,
    "pkce": PKCE_MODES,
    "consent": CONSENT_MODES,
    "rate_limit_key": RATE_LIMIT_KEYS,
    "bid_package_list_view": BID_PACKAGE_LIST_VIEWS,
}


class ConfigError(ValueError):
    """A configuration value has the wrong type, an unknown name or an out-of-range value."""


def _default_redirect_uris() -> list[str]:
    return [
        "http://127.0.0.1:8080/integrations/procore/callback",
        "http://localhost:8080/integrations/procore/callback",
    ]


def _default_max_per_page() -> dict[str, int]:
    return {"projects_v1_1": 300, "default": 1000}


def _everyone() -> list[str]:
    return [EVERYONE]


@dataclass
class SimulatorConfig:
    """Everything that can be tuned in the simulator, with Procore's documented defaults.

    ``max_per_page`` maps an endpoint family (``projects_v1_1``) to its page-size cap;
    ``default`` covers every other list endpoint.
    """

    size: str = "S"
    seed: int = 7

    # OAuth application registration
    client_id: str = "local-client-id"
    client_secret: str = "local-client-secret"  # noqa: S105 - a local, public test value
    redirect_uris: list[str] = field(default_factory=_default_redirect_uris)
    allow_oob_redirect: bool = True

    # Token lifetimes and rotation
    access_token_lifetime: int = 5400
    authorization_code_lifetime: int = 600
    refresh_token_single_use_even_on_failure: bool = True
    old_access_token_valid_after_refresh: bool = True  # UNCONFIRMED in the notes
    pkce: str = "verify_if_sent"  # UNCONFIRMED in the notes
    consent: str = "always"  # "once" remembers a grant per user; "never" skips the page

    # Rate limits (per access token unless rate_limit_key says "user")
    rate_limits_enabled: bool = True
    spike_limit: int = 25
    spike_window_seconds: int = 10
    hourly_limit: int = 3600  # UNCONFIRMED current default
    hourly_window_seconds: int = 3600
    rate_limit_key: str = "access_token"
    retry_after_on_429: bool = True

    # Pagination
    default_per_page: int = 100  # UNCONFIRMED for v1.0 endpoints
    max_per_page: dict[str, int] = field(default_factory=_default_max_per_page)
    link_prev_on_page_2: bool = False  # the docs list no rel="prev" on page 2

    # Company scoping (statuses UNCONFIRMED in the notes)
    missing_company_header_status: int = 400
    foreign_company_status: int = 404
    require_company_header_match: bool = True
    bid_package_list_view: str = "full"  # "minimal" = the six OAS-2024 list fields

    # Faults
    latency_ms: int = 0
    error_rate_5xx: float = 0.0
    fault_5xx_status: int = 0  # 0 = alternate 503 (with Retry-After) and 500
    rate_429: float = 0.0
    drop_next_refresh_response: bool = False
    drop_next_token_response: bool = False
    fail_next_refresh: bool = False
    fail_next_revoke: bool = False  # the next /oauth/revoke answers 503 and revokes nothing
    timeout_rate: float = 0.0  # that fraction of API calls is answered after timeout_seconds
    timeout_seconds: int = 30
    reset_rate: float = 0.0  # that fraction of API calls gets its connection closed, unanswered

    # Data that changes while a listing is read: after each page of a list endpoint, that
    # many records of the listing's entity and scope are inserted, updated and deleted.
    # Every change spends one unit of churn_budget; at 0 (the default) nothing changes.
    churn_inserts_per_page: int = 0
    churn_updates_per_page: int = 0
    churn_deletes_per_page: int = 0
    churn_budget: int = 0

    # Simulated time stands still (updates share one second; token and rate windows too)
    clock_frozen: bool = False

    # Webhooks: hooks, triggers and deliveries of v2.0 payloads
    webhooks_enabled: bool = True  # False: changes queue no events and nothing is sent
    webhooks_permission_users: list[str] = field(default_factory=_everyone)  # "*" = anyone
    webhook_all_event_types: bool = False  # create/update/delete on every resource
    webhook_bid_packages_resource: bool = False  # a "Bid Packages" resource, UNCONFIRMED
    webhook_retry_base_seconds: int = 1  # first back-off; doubles per failure, capped at 1 h
    webhook_duplicate_rate: float = 0.0  # that fraction of events is delivered twice
    webhook_delay_ms: int = 0  # wall-clock delay before an event's first attempt

    def __post_init__(self) -> None:
        for item in dataclasses.fields(self):
            _validate(item.name, getattr(self, item.name))

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready copy of every setting."""
        return copy.deepcopy(dataclasses.asdict(self))

    def copy(self) -> SimulatorConfig:
        """Return an independent copy (lists and dicts are not shared)."""
        return copy.deepcopy(self)

    def apply(self, changes: dict[str, Any]) -> dict[str, Any]:
        """Validate and apply runtime changes; return the applied subset.

        Raises ``ConfigError`` without changing anything when one entry is invalid, names an
        unknown setting, or names a world setting (``size``, ``seed``).
        """
        known = {item.name for item in dataclasses.fields(self)}
        for name, value in changes.items():
            if name not in known:
                raise ConfigError(f"unknown setting: {name}")

            if name in WORLD_FIELDS:
                raise ConfigError(f"{name} is fixed when the simulator starts")

            _validate(name, value)

        for name, value in changes.items():
            setattr(self, name, copy.deepcopy(value))

        return dict(changes)


def _default(name: str) -> Any:
    """The declared default of a setting (lists and dicts come from their factories)."""
    for item in dataclasses.fields(SimulatorConfig):
        if item.name == name:
            if item.default_factory is not dataclasses.MISSING:
                return item.default_factory()

            return item.default

    return None


def _validate(name: str, value: Any) -> None:
    default = _default(name)

    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ConfigError(f"{name} must be true or false")
    elif isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ConfigError(f"{name} must be a non-negative integer")
    elif isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{name} must be a number")
        if not 0.0 <= float(value) <= 1.0:
            raise ConfigError(f"{name} must be between 0 and 1")
    elif isinstance(default, str):
        if not isinstance(value, str):
            raise ConfigError(f"{name} must be a string")
    elif isinstance(default, list):
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise ConfigError(f"{name} must be a list of strings")
    elif isinstance(default, dict) and not (
        isinstance(value, dict)
        and "default" in value
        and all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value.values())
    ):
        raise ConfigError(f"{name} must map endpoint families to positive integers")

    if name == "webhook_retry_base_seconds" and value < 1:
        raise ConfigError("webhook_retry_base_seconds must be at least 1")

    if name == "fault_5xx_status" and value not in (0, 500, 502, 503):
        raise ConfigError("fault_5xx_status must be 0, 500, 502 or 503")

    if name in _CHOICES and value not in _CHOICES[name]:
        raise ConfigError(f"{name} must be one of {', '.join(_CHOICES[name])}")
