"""The simulated clock: frozen time, whole-second updated_at stamps."""

from __future__ import annotations

import math
import time

DEMO = "demo@palcode.test"


def _two_projects(sim, company: int) -> list[int]:
    return sim.state.world.project_ids(company)[:2]


def test_clock_frozen_updates_share_one_second(sim, demo_companies) -> None:
    # GIVEN a frozen clock
    first, second = _two_projects(sim, demo_companies[0])
    sim.state.set_config(clock_frozen=True)
    frozen = sim.state.clock.now()

    # WHEN two records change, and one changes again, while wall time goes on
    sim.state.update_record("projects", first, name="First Change")
    time.sleep(0.1)
    sim.state.update_record("projects", second, name="Second Change")
    sim.state.update_record("projects", first, name="Third Change")

    # THEN time stood still and every update carries that very second
    assert sim.state.clock.now() == frozen
    stamps = {sim.state.world.records["projects"][pid]["updated_at"] for pid in (first, second)}
    assert stamps == {int(frozen)}
    shown = sim.state.api_record("projects", first)["updated_at"]
    assert shown == time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(frozen)))


def test_clock_frozen_still_advances_on_request_and_resumes_without_a_jump(sim) -> None:
    sim.state.config.clock_frozen = True  # direct assignment works too
    frozen = sim.state.clock.now()
    time.sleep(0.05)

    sim.state.clock.advance(600)
    assert sim.state.clock.now() == frozen + 600

    sim.state.set_config(clock_frozen=False)
    time.sleep(0.05)
    resumed = sim.state.clock.now()
    assert frozen + 600 < resumed < frozen + 601


def test_clock_frozen_rate_windows_do_not_reset_by_themselves(sim, api) -> None:
    sim.state.set_config(clock_frozen=True, spike_limit=1)
    client = api(polite=False)

    client.get("/rest/v1.0/me")
    time.sleep(0.05)
    limited = client.get("/rest/v1.0/me")

    assert limited.status_code == 429
    assert int(limited.headers["X-Rate-Limit-Reset"]) == math.ceil(sim.state.clock.now() + 10)
    sim.state.clock.advance(10)
    assert client.get("/rest/v1.0/me").status_code == 200


def test_clock_running_updates_still_move_within_one_second(sim, demo_companies) -> None:
    project_id = _two_projects(sim, demo_companies[0])[0]

    sim.state.update_record("projects", project_id, name="Once")
    once = sim.state.world.records["projects"][project_id]["updated_at"]
    sim.state.update_record("projects", project_id, name="Twice")

    assert sim.state.world.records["projects"][project_id]["updated_at"] == once + 1


def test_clock_updated_at_stays_whole_seconds(sim, demo_companies) -> None:
    project_id = _two_projects(sim, demo_companies[0])[0]

    sim.state.update_record("projects", project_id, updated_at=1_780_000_000.75)
    created = sim.state.create_record("vendors", demo_companies[0], name="Round Second LLC")

    assert sim.state.world.records["projects"][project_id]["updated_at"] == 1_780_000_000
    stored = sim.state.world.records["vendors"][created["id"]]
    assert isinstance(stored["updated_at"], int) and isinstance(stored["created_at"], int)


def test_clock_reset_thaws(sim) -> None:
    sim.state.set_config(clock_frozen=True)
    sim.state.clock.advance(3_600)

    sim.state.reset()

    assert sim.state.config.clock_frozen is False
    assert abs(sim.state.clock.now() - time.time()) < 1
