"""Under each of the simulator's knobs, and combinations of them, syncs run until they settle
and DynamoDB then holds exactly what Procore shows the user (created, updated, deleted), the
simulator never saw the connection go over a rate limit, and one more sync writes nothing."""

from __future__ import annotations

import os

import pytest

from procore_sync.services import get_services

from .conftest import DEMO_LOGIN
from .convergence import WriteLog, assert_converged, differences

MAX_RUNS = 6
LARGE_COMPANY_PROJECTS = int(os.environ.get("LARGE_COMPANY_PROJECTS", "40"))
FAULTS_OFF = {"rate_429": 0.0, "error_rate_5xx": 0.0, "timeout_rate": 0.0, "reset_rate": 0.0, "latency_ms": 0}


def change_procore(sim) -> None:
    """Creates, updates and deletes in every entity of the first company."""
    company_id = int(sorted(sim.state.expected(DEMO_LOGIN))[0])
    records = {e: sim.state.expected_records(DEMO_LOGIN, company_id, e)
               for e in ("projects", "bid_packages", "bids", "vendors")}
    sim.state.update_record("projects", records["projects"][0]["id"], name="Tower B, renamed")
    sim.state.update_record("bids", records["bids"][0]["id"], lump_sum_amount=123456.78)
    sim.state.update_record("vendors", records["vendors"][0]["id"], name="Acme Drywall (new owner)")
    sim.state.delete_record("bids", records["bids"][-1]["id"])
    sim.state.delete_record("bid_packages", records["bid_packages"][-1]["id"])
    sim.state.delete_record("vendors", records["vendors"][-1]["id"])
    sim.state.create_record("vendors", company_id, name="Newco Glazing")
    sim.state.create_record("bids", records["bid_packages"][0]["id"])


def sync_until_settled(local, user_id: str) -> int:
    """Sync until DynamoDB matches Procore (at most MAX_RUNS runs); returns the runs it took."""
    for run in range(1, MAX_RUNS + 1):
        local.stack.trigger_schedule()
        local.settle()
        if not differences(local.sim, DEMO_LOGIN, user_id) and not local.sim.state.config.churn_budget:
            return run
    return MAX_RUNS


def converges(local, user_id, monkeypatch, **knobs) -> None:
    # GIVEN a connected user, full passes on every run (so deletions are checked each time),
    # small pages (so every listing has several), and the knobs under test
    monkeypatch.setattr(get_services().settings, "full_sync_interval_seconds", 0)
    # rate limits are always on (and checked), but only tight where they are the knob under test
    local.sim.state.set_config(max_per_page={k: 4 for k in local.sim.state.config.max_per_page},
                               **{"spike_limit": 200, **knobs})
    local.connect(user_id)
    local.settle()

    # WHEN Procore's data changes and syncs run until they settle
    change_procore(local.sim)
    sync_until_settled(local, user_id)

    # THEN DynamoDB holds what Procore holds, within the rate limits; with the faults off, one
    # more (incremental) sync writes nothing
    assert_converged(local, DEMO_LOGIN, user_id)
    local.sim.state.set_config(**FAULTS_OFF)
    monkeypatch.setattr(get_services().settings, "full_sync_interval_seconds", 86400)
    writes = WriteLog(monkeypatch)
    local.stack.trigger_schedule()
    local.settle()
    assert writes.total() == 0, writes.writes.most_common(3)


@pytest.fixture
def short_client_waits(monkeypatch):
    """The client's own back-off between attempts, shortened so tests do not wait it out."""
    monkeypatch.setattr("procore_sync.procore.client._backoff", lambda retry_after, attempt: 0.05)


KNOBS = {
    "latency": {"latency_ms": 40},
    "tight_rate_limits": {"spike_limit": 10, "spike_window_seconds": 2},
    "injected_429": {"rate_429": 0.15, "spike_window_seconds": 2},  # Retry-After 2 s, not 10
    "5xx": {"error_rate_5xx": 0.15},
    "timeouts": {"timeout_rate": 0.1, "timeout_seconds": 2},
    "reset_connections": {"reset_rate": 0.1},
    "data_changing_between_pages": {"churn_inserts_per_page": 1, "churn_updates_per_page": 1,
                                    "churn_deletes_per_page": 1, "churn_budget": 12},
}

COMBINATIONS = {
    "churn_with_429_and_5xx": {**KNOBS["data_changing_between_pages"], **KNOBS["injected_429"], **KNOBS["5xx"]},
    "latency_with_tight_limits_and_resets": {**KNOBS["latency"], **KNOBS["tight_rate_limits"],
                                             **KNOBS["reset_connections"]},
}


@pytest.mark.parametrize("knobs", [*KNOBS.values(), *COMBINATIONS.values()], ids=[*KNOBS, *COMBINATIONS])
def test_syncs_converge_under_each_knob(local, user_id, monkeypatch, short_client_waits, knobs):
    if "timeout_rate" in knobs:
        monkeypatch.setattr(get_services().settings, "procore_timeout_seconds", 1.0)
    converges(local, user_id, monkeypatch, **knobs)


def test_a_record_updated_in_the_same_second_as_the_watermark_is_not_missed(local, user_id, monkeypatch):
    # GIVEN Procore's clock standing still, so every update carries the same second, and a
    # first sync whose incremental watermark is that second
    local.sim.state.set_config(clock_frozen=True, rate_limits_enabled=False)
    local.connect(user_id)
    local.settle()
    company_id = int(sorted(local.sim.state.expected(DEMO_LOGIN))[0])
    project = local.sim.state.expected_records(DEMO_LOGIN, company_id, "projects")[0]
    local.sim.state.update_record("projects", project["id"], name="Seen at the watermark")
    local.stack.trigger_schedule()
    local.settle()

    # WHEN a second project changes in that same second, after the listing that set the watermark
    other = local.sim.state.expected_records(DEMO_LOGIN, company_id, "projects")[1]
    local.sim.state.update_record("projects", other["id"], name="Changed in the same second")
    local.stack.trigger_schedule()
    local.settle()

    # THEN the incremental listing read it again and it landed
    assert_converged(local, DEMO_LOGIN, user_id)


def test_an_invalid_record_is_reported_and_does_not_sink_its_page(local, user_id):
    # GIVEN a bid that Procore answers without its bid package id, on a page with other bids
    local.sim.state.set_config(rate_limits_enabled=False)
    company_id = int(sorted(local.sim.state.expected(DEMO_LOGIN))[0])
    bids = local.sim.state.expected_records(DEMO_LOGIN, company_id, "bids")
    bad = bids[0]
    local.sim.state.malform_record("bids", bad["id"], "bid_package_id", None)

    # WHEN the user connects and the first sync runs
    local.connect(user_id)
    local.settle()

    # THEN every other bid of that project landed, the bad one did not, and the run reports it
    from .convergence import stored

    live, _ = stored(user_id, [company_id])
    assert bad["id"] not in live[str(company_id)]["bids"]
    assert {b["id"] for b in bids[1:]} <= set(live[str(company_id)]["bids"])
    status = local.status(user_id)
    company = status["last_sync"]["companies"][str(company_id)]
    assert company["counts"]["bids"]["invalid"] == 1
    assert company["invalid_records"] == [{"entity": "bid", "procore_id": bad["id"],
                                           "problem": "bid_package_id: Input should be a valid integer"}]
    assert status["recent_syncs"][0]["companies"][str(company_id)]["counts"]["bids"]["invalid"] == 1


def test_a_very_large_company_converges(local, user_id, monkeypatch):
    # GIVEN a company grown by LARGE_COMPANY_PROJECTS projects (40 in `make test`; set the variable for thousands),
    # 24 bids each and 1,500 vendors (limits raised: this test is about size, the rate-limit
    # knobs have their own)
    local.sim.state.set_config(spike_limit=2000, hourly_limit=100000)
    company_id = int(sorted(local.sim.state.expected(DEMO_LOGIN))[0])
    local.sim.state.grow_company(company_id, projects=LARGE_COMPANY_PROJECTS, bid_packages_per_project=2,
                                 bids_per_package=12, vendors=1500)

    # WHEN the user connects and the first sync runs, then one more
    local.connect(user_id)
    local.stack.wait_until_idle(timeout=60 + LARGE_COMPANY_PROJECTS)

    # THEN everything landed, and a sync with no change in Procore writes nothing
    assert_converged(local, DEMO_LOGIN, user_id)
    writes = WriteLog(monkeypatch)
    local.stack.trigger_schedule()
    local.stack.wait_until_idle(timeout=60 + LARGE_COMPANY_PROJECTS)
    assert writes.total() == 0
