"""Incremental syncs between full passes: only what Procore says changed is read for projects
and vendors, nothing changed is written, and deletions wait for the next full pass."""

from __future__ import annotations

from procore_sync import clock
from procore_sync.services import get_services
from procore_sync.storage.records import partition

from .conftest import DEMO_LOGIN


def company_calls(user_id: str) -> dict[str, int]:
    jobs = get_services().sync_state.latest_run(user_id)["jobs"]
    return {str(j["company_id"]): int(j["api_calls"]) for j in jobs if j["kind"] == "company"}


def stored(user_id: str, company_id, sk: str) -> dict | None:
    items = {i["sk"]: i for i in get_services().records.items(partition(user_id, company_id), sk)}
    return items.get(sk)


def sync_again(local) -> None:
    local.stack.trigger_schedule()
    local.settle()


def test_between_full_passes_only_changes_are_read_and_they_land(local, user_id):
    # GIVEN small pages, so a full listing of a company's projects takes several calls
    local.sim.state.set_config(max_per_page={key: 3 for key in local.sim.state.config.max_per_page},
                               rate_limits_enabled=False)
    local.connect(user_id)
    local.settle()
    full = company_calls(user_id)
    company_id = sorted(local.sim.state.expected(DEMO_LOGIN))[0]
    project = local.sim.state.expected_records(DEMO_LOGIN, company_id, "projects")[0]

    # WHEN nothing changes, then a project is renamed and a vendor is added in Procore
    sync_again(local)
    unchanged = company_calls(user_id)
    local.sim.state.update_record("projects", project["id"], name="Renamed Tower")
    vendor = local.sim.state.create_record("vendors", int(company_id), name="Newco Glazing")
    sync_again(local)

    # THEN the incremental listings cost fewer calls than the full ones, wrote nothing when
    # nothing changed, and picked up exactly the changes
    assert all(unchanged[c] < full[c] for c in full), (full, unchanged)
    status = local.status(user_id)
    counts = status["last_sync"]["companies"][str(company_id)]["counts"]
    assert counts["projects"]["updated"] == 1 and counts["vendors"]["created"] == 1
    assert stored(user_id, company_id, f"project#{project['id']}")["record"]["name"] == "Renamed Tower"
    assert stored(user_id, company_id, f"vendor#{vendor['id']}")["record"]["name"] == "Newco Glazing"


def test_a_deleted_project_is_marked_gone_by_the_next_full_pass_only(local, user_id, monkeypatch):
    local.sim.state.set_config(rate_limits_enabled=False)
    local.connect(user_id)
    local.settle()
    company_id = sorted(local.sim.state.expected(DEMO_LOGIN))[0]
    project = local.sim.state.expected_records(DEMO_LOGIN, company_id, "projects")[0]
    local.sim.state.delete_record("projects", project["id"])

    # an incremental sync cannot tell a deleted project from an unchanged one
    sync_again(local)
    assert "deleted_at" not in stored(user_id, company_id, f"project#{project['id']}")
    assert local.status(user_id)["last_sync"]["state"] == "succeeded"  # its job found nothing to do

    # the full pass a day later marks it, and its bid packages and bids with it
    real_now = clock.now
    monkeypatch.setattr(clock, "now", lambda: real_now() + get_services().settings.full_sync_interval_seconds + 60)
    sync_again(local)
    assert stored(user_id, company_id, f"project#{project['id']}")["deleted_at"]
    records = get_services().records
    pk = partition(user_id, company_id)
    assert records.count(pk, f"bid#{project['id']}#") == 0  # counted without deleted ones
    assert records.count(pk, f"bid#{project['id']}#", include_deleted=True) > 0
    for entity in ("projects", "bid_packages", "bids", "vendors"):
        prefix = {"projects": "project#", "bid_packages": "bid_package#", "bids": "bid#", "vendors": "vendor#"}[entity]
        assert records.count(pk, prefix) == local.sim.state.expected(DEMO_LOGIN)[company_id][entity]
