"""Knob validation and reset for the churn, clock, connection-fault and webhook knobs."""

from __future__ import annotations

import pytest

from procore_simulator import ConfigError, SimulatorConfig

# A valid non-default value and an invalid one per knob.
KNOBS = {
    "churn_inserts_per_page": (2, -1),
    "churn_updates_per_page": (3, 1.5),
    "churn_deletes_per_page": (1, "1"),
    "churn_budget": (10, -5),
    "clock_frozen": (True, 1),
    "timeout_rate": (0.5, 1.5),
    "timeout_seconds": (5, -1),
    "reset_rate": (0.25, -0.1),
    "webhooks_enabled": (False, "no"),
    "webhooks_permission_users": (["other@palcode.test"], "*"),
    "webhook_all_event_types": (True, None),
    "webhook_bid_packages_resource": (True, 0),
    "webhook_retry_base_seconds": (60, 0),
    "webhook_duplicate_rate": (0.5, 2),
    "webhook_delay_ms": (250, -1),
}


@pytest.mark.parametrize("name", sorted(KNOBS))
def test_knobs_are_validated(sim, name: str) -> None:
    good, bad = KNOBS[name]

    with pytest.raises(ConfigError):
        sim.state.set_config(**{name: bad})
    with pytest.raises(ConfigError):
        SimulatorConfig(**{name: bad})

    sim.state.set_config(**{name: good})
    assert getattr(sim.state.config, name) == good


def test_knobs_are_reset(sim) -> None:
    defaults = SimulatorConfig()
    sim.state.set_config(**{name: good for name, (good, _) in KNOBS.items()})

    sim.state.reset()

    for name in KNOBS:
        assert getattr(sim.state.config, name) == getattr(defaults, name), name
