"""Procore webhooks as hints: a change in Procore lands within seconds without the schedule, a
duplicate delivery writes nothing twice, a forged one is refused and fetches nothing, and without
webhooks the scheduled sync still converges (and status says so)."""

from __future__ import annotations

import time

import requests

from procore_sync import webhooks
from procore_sync.services import get_services
from procore_sync.storage.records import partition

from .conftest import DEMO_LOGIN
from .convergence import WriteLog, assert_converged


def wait_for(predicate, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    return predicate()


def stored(user_id: str, company_id, sk: str) -> dict | None:
    items = {i["sk"]: i for i in get_services().records.items(partition(user_id, company_id), sk)}
    return items.get(sk)


def connected_with_webhooks(local, user_id: str) -> int:
    local.sim.state.set_config(webhooks_enabled=True, spike_limit=200)  # rate limits on, but not the subject
    local.connect(user_id)
    local.settle()  # the first sync sets up each company's hook
    company_id = int(sorted(local.sim.state.expected(DEMO_LOGIN))[0])
    company = next(c for c in local.status(user_id)["companies"] if c["id"] == str(company_id))
    assert company["webhooks"]["state"] == "active", company["webhooks"]
    return company_id


def test_a_change_in_procore_lands_within_seconds_without_the_schedule(local, user_id):
    # GIVEN a connected user whose companies have our webhooks (the schedule never runs here)
    company_id = connected_with_webhooks(local, user_id)
    project = local.sim.state.expected_records(DEMO_LOGIN, company_id, "projects")[0]
    bid = local.sim.state.expected_records(DEMO_LOGIN, company_id, "bids")[0]
    vendor = local.sim.state.expected_records(DEMO_LOGIN, company_id, "vendors")[0]
    started = time.monotonic()

    # WHEN a project is renamed, a bid's amount changes and a vendor is renamed in Procore
    local.sim.state.update_record("projects", project["id"], name="Renamed on bid day")
    local.sim.state.update_record("bids", bid["id"], lump_sum_amount=4321.09)
    local.sim.state.update_record("vendors", vendor["id"], name="Acme Steel (renamed)")

    # THEN each lands in DynamoDB within seconds, and status shows when the last event came
    assert wait_for(lambda: (stored(user_id, company_id, f"project#{project['id']}") or {})
                    .get("record", {}).get("name") == "Renamed on bid day")
    bid_sk = f"bid#{bid['project_id']}#{bid['bid_package_id']}#{bid['id']}" if "project_id" in bid else None
    if bid_sk is None:
        bid_sk = next(i["sk"] for i in get_services().records.items(partition(user_id, company_id), "bid#")
                      if int(i["procore_id"]) == bid["id"])
    assert wait_for(lambda: str((stored(user_id, company_id, bid_sk) or {}).get("record", {})
                                .get("lump_sum_amount")) == "4321.09")
    assert wait_for(lambda: (stored(user_id, company_id, f"vendor#{vendor['id']}") or {})
                    .get("record", {}).get("name") == "Acme Steel (renamed)")
    assert time.monotonic() - started < 15
    company = next(c for c in local.status(user_id)["companies"] if c["id"] == str(company_id))
    assert company["webhooks"]["last_event_at"] is not None


def test_a_deleted_vendor_is_marked_deleted_once_procore_confirms_it(local, user_id):
    local.sim.state.set_config(webhook_all_event_types=True)
    company_id = connected_with_webhooks(local, user_id)
    vendor = local.sim.state.expected_records(DEMO_LOGIN, company_id, "vendors")[0]

    local.sim.state.delete_record("vendors", vendor["id"])

    assert wait_for(lambda: "deleted_at" in (stored(user_id, company_id, f"vendor#{vendor['id']}") or {}))


def test_a_duplicate_delivery_writes_nothing_twice(local, user_id, monkeypatch):
    # GIVEN Procore sending every event twice
    local.sim.state.set_config(webhook_duplicate_rate=1.0)
    company_id = connected_with_webhooks(local, user_id)
    vendor = local.sim.state.expected_records(DEMO_LOGIN, company_id, "vendors")[0]
    writes = WriteLog(monkeypatch)

    # WHEN a vendor changes
    local.sim.state.update_record("vendors", vendor["id"], name="Twice Told Ltd")

    # THEN it lands once: the second delivery of the same event fetches and writes nothing
    assert wait_for(lambda: (stored(user_id, company_id, f"vendor#{vendor['id']}") or {})
                    .get("record", {}).get("name") == "Twice Told Ltd")
    assert wait_for(lambda: local.sim.state.stats_dict()["webhooks"]["by_outcome"].get("ok", 0) >= 2)
    local.settle()
    assert writes.writes[(partition(user_id, company_id), f"vendor#{vendor['id']}")] == 1
    assert local.sim.state.stats_dict()["webhooks"]["duplicated"] >= 1


def test_a_forged_delivery_is_refused_and_fetches_nothing(local, user_id):
    # GIVEN a connected user with webhooks
    company_id = connected_with_webhooks(local, user_id)
    project = local.sim.state.expected_records(DEMO_LOGIN, company_id, "projects")[0]
    calls_before = local.sim.state.stats_dict()["api_calls"]["total"]
    event = {"id": 1, "resource_name": "Projects", "resource_id": project["id"], "event_type": "update",
             "company_id": company_id, "project_id": None, "api_version": "v2"}
    url = f"{local.api}/integrations/procore/webhooks"

    # WHEN deliveries arrive with no Authorization, another value, or our format with a wrong secret
    answers = [requests.post(url, json=event, headers=headers, timeout=10) for headers in (
        {}, {"Authorization": "Bearer guess"},
        {"Authorization": webhooks.authorization(user_id, company_id, "not-the-secret")},
    )]
    local.settle()

    # THEN each is refused and nothing was fetched from Procore
    assert [a.status_code for a in answers] == [401, 401, 401]
    assert all(a.json()["error"] == "unauthorized" for a in answers)
    assert local.sim.state.stats_dict()["api_calls"]["total"] == calls_before


def test_without_webhook_permission_status_says_polling_and_the_schedule_converges(local, user_id, monkeypatch):
    # GIVEN a Procore user who may not manage webhooks
    local.sim.state.set_config(webhooks_permission_users=[])
    monkeypatch.setattr(get_services().settings, "full_sync_interval_seconds", 0)
    local.connect(user_id)
    local.settle()
    company_id = int(sorted(local.sim.state.expected(DEMO_LOGIN))[0])

    # WHEN Procore's data changes and the schedule runs
    project = local.sim.state.expected_records(DEMO_LOGIN, company_id, "projects")[0]
    local.sim.state.update_record("projects", project["id"], name="Only the schedule sees this")
    local.stack.trigger_schedule()
    local.settle()

    # THEN status says changes come with the schedule only, and the schedule converged
    company = next(c for c in local.status(user_id)["companies"] if c["id"] == str(company_id))
    assert company["webhooks"]["state"] == "unavailable"
    assert company["webhooks"]["reason"] == "no_webhook_permission" and "scheduled sync" in company["webhooks"]["hint"]
    assert_converged(local, DEMO_LOGIN, user_id)


def test_disconnect_takes_the_hooks_down(local, user_id):
    company_id = connected_with_webhooks(local, user_id)
    assert local.sim.state.webhooks.hooks_of_company(company_id)

    response = requests.post(f"{local.api}/integrations/procore/disconnect", json={},
                             headers={"Authorization": f"Bearer {local.token(user_id)}"}, timeout=30)

    assert response.status_code == 200
    assert local.sim.state.webhooks.hooks_of_company(company_id) == []


def test_a_deselected_company_loses_its_hook_and_gets_one_again_when_selected(local, user_id):
    # GIVEN webhooks in both companies
    company_id = connected_with_webhooks(local, user_id)
    others = [int(c) for c in sorted(local.sim.state.expected(DEMO_LOGIN)) if int(c) != company_id]
    headers = {"Authorization": f"Bearer {local.token(user_id)}"}

    # WHEN the user stops syncing the first company
    answer = requests.put(f"{local.api}/integrations/procore/companies", json={"company_ids": others},
                          headers=headers, timeout=30)
    assert answer.status_code == 200
    local.settle()

    # THEN its hook is gone from Procore (the others keep theirs); selected again, the next sync
    # sets one up again
    assert local.sim.state.webhooks.hooks_of_company(company_id) == []
    assert all(local.sim.state.webhooks.hooks_of_company(c) for c in others)
    requests.put(f"{local.api}/integrations/procore/companies", json={"company_ids": [company_id, *others]},
                 headers=headers, timeout=30)
    local.stack.trigger_schedule()
    local.settle()
    assert len(local.sim.state.webhooks.hooks_of_company(company_id)) == 1
