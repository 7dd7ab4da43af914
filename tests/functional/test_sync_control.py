"""Company selection and "Sync now", over the local stack."""

from __future__ import annotations

import requests

from procore_sync import clock
from procore_sync.services import get_services
from procore_sync.sync_control import MANUAL_SYNC_INTERVAL_SECONDS



def call(local, user_id: str, method: str, path: str, **kwargs):
    return requests.request(method, f"{local.api}/integrations/procore/{path}", timeout=30,
                            headers={"Authorization": f"Bearer {local.token(user_id)}"}, **kwargs)


def synced_companies(user_id: str) -> set[str]:
    return {str(job["company_id"]) for job in get_services().sync_state.latest_run(user_id)["jobs"]}


def test_only_the_selected_companies_sync(local, user_id):
    local.sim.state.set_config(rate_limits_enabled=False)
    local.connect(user_id)
    local.settle()
    listed = call(local, user_id, "GET", "companies").json()["companies"]
    assert len(listed) >= 2 and all(c["selected"] for c in listed)

    keep = listed[0]["id"]
    chosen = call(local, user_id, "PUT", "companies", json={"company_ids": [keep]})
    assert chosen.status_code == 200
    assert {c["id"]: c["selected"] for c in chosen.json()["companies"]} == {c["id"]: c["id"] == keep for c in listed}

    local.stack.trigger_schedule()
    local.settle()
    assert synced_companies(user_id) == {keep}


def test_selection_refuses_unknown_companies_and_bad_types_naming_the_field(local, user_id):
    local.connect(user_id)
    local.settle()
    unknown = call(local, user_id, "PUT", "companies", json={"company_ids": [424242]})
    assert unknown.status_code == 422 and unknown.json()["field"] == "company_ids"
    for body in ({}, {"company_ids": "all"}, {"company_ids": [True]}, {"company_ids": [-1]}, {"company_ids": [1.5]}):
        response = call(local, user_id, "PUT", "companies", json=body)
        assert response.status_code == 400 and response.json()["field"] == "company_ids", body
    assert all(c["selected"] for c in call(local, user_id, "GET", "companies").json()["companies"])


def test_sync_now_queues_one_run_and_refuses_to_be_asked_too_often(local, user_id, monkeypatch):
    local.sim.state.set_config(rate_limits_enabled=False)
    local.connect(user_id)
    local.settle()
    before = get_services().sync_state.latest_run(user_id)["run"]["run_id"]

    first = call(local, user_id, "POST", "sync")
    assert first.status_code == 202 and first.json()["queued"] is True
    assert first.json()["sync_run_id"] != before
    again = call(local, user_id, "POST", "sync")
    assert again.status_code == 429
    assert 0 < int(again.headers["Retry-After"]) <= MANUAL_SYNC_INTERVAL_SECONDS + 1
    local.settle()
    assert get_services().sync_state.latest_run(user_id)["run"]["run_id"] == first.json()["sync_run_id"]
    assert local.status(user_id)["last_sync"]["state"] == "succeeded"

    real_now = clock.now
    monkeypatch.setattr(clock, "now", lambda: real_now() + MANUAL_SYNC_INTERVAL_SECONDS + 1)
    later = call(local, user_id, "POST", "sync")
    assert later.status_code == 202 and later.json()["queued"] is True


def test_sync_now_while_a_run_is_under_way_points_at_that_run(local, user_id):
    # GIVEN a slow Procore, so the first sync is still running when the user asks
    local.sim.state.set_config(latency_ms=150, rate_limits_enabled=False)
    local.connect(user_id)
    running = get_services().sync_state.latest_run(user_id)["run"]["run_id"]
    response = call(local, user_id, "POST", "sync")
    assert response.status_code == 202
    assert response.json() == {"sync_run_id": running, "queued": False}


def test_sync_now_needs_a_working_connection(local, user_id):
    assert call(local, user_id, "POST", "sync").status_code == 409
    assert call(local, user_id, "GET", "companies").status_code == 409
    local.connect(user_id)
    local.settle()
    get_services().connections.mark_reauthorization_required(user_id, reason="refresh_token_rejected",
                                                             now=clock.iso())
    refused = call(local, user_id, "POST", "sync")
    assert refused.status_code == 409 and refused.json()["reason"] == "refresh_token_rejected"


def test_sync_now_with_no_company_selected_says_so_and_costs_no_wait(local, user_id):
    local.connect(user_id)
    local.settle()
    assert call(local, user_id, "PUT", "companies", json={"company_ids": []}).status_code == 200
    refused = call(local, user_id, "POST", "sync")
    assert refused.status_code == 409 and refused.json()["error"] == "no_company_selected"
    first = call(local, user_id, "GET", "companies").json()["companies"][0]["id"]
    call(local, user_id, "PUT", "companies", json={"company_ids": [first]})
    assert call(local, user_id, "POST", "sync").status_code == 202


def test_company_ids_are_ascii_digits_and_listed_in_numeric_order(local, user_id):
    local.connect(user_id)
    local.settle()
    listed = [c["id"] for c in call(local, user_id, "GET", "companies").json()["companies"]]
    assert listed == sorted(listed, key=int)
    arabic = "".join(chr(0x0660 + int(d)) for d in listed[0])
    response = call(local, user_id, "PUT", "companies", json={"company_ids": [arabic]})
    assert response.status_code == 400 and response.json()["field"] == "company_ids"
