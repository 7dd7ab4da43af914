"""The product's main job over the local stack: connect through the real redirect flow, sync
every company the user can reach, show status, disconnect."""

from __future__ import annotations

import boto3
import requests

from procore_sync.services import get_services
from procore_sync.storage.records import partition
from procore_sync.tokens import unseal

from .conftest import DEMO_LOGIN

PREFIXES = {"projects": "project#", "bid_packages": "bid_package#", "bids": "bid#", "vendors": "vendor#"}


def landed(user_id: str, company_id) -> dict[str, int]:
    records = get_services().records
    return {e: records.count(partition(user_id, company_id), p) for e, p in PREFIXES.items()}


def expected(local, login: str = DEMO_LOGIN) -> dict:
    return {str(cid): truth for cid, truth in local.sim.state.expected(login).items()}


def test_connect_round_trip_then_first_sync_lands_every_record(local, user_id):
    # WHEN the user connects through the authorize page, sign-in and Allow
    result = local.connect(user_id)
    local.settle()

    # THEN the browser lands on the integrations page, connected
    assert result.outcome == "connected", result.reason
    assert result.landing_url.startswith(local.api + "/app/integrations")
    page = requests.get(result.landing_url, timeout=30)
    assert page.status_code == 200 and "Procore" in page.text
    status = local.status(user_id)
    assert status["status"] == "connected"
    assert status["procore_user"]["login"] == DEMO_LOGIN
    assert status["last_sync"]["state"] == "succeeded"
    # AND every company's projects, bid packages, bids and vendors landed, exactly
    truth = expected(local)
    assert truth and {c["id"] for c in status["companies"]} == set(truth)
    for company_id, counts in truth.items():
        assert landed(user_id, company_id) == {e: counts[e] for e in PREFIXES}, company_id
        assert status["last_sync"]["companies"][company_id]["counts"]["bids"]["created"] == counts["bids"]


def test_the_full_procore_record_is_kept_with_exact_numbers(local, user_id):
    local.connect(user_id)
    local.settle()
    company_id, truth = next(iter(local.sim.state.expected(DEMO_LOGIN).items()))
    want = {r["id"]: r for r in local.sim.state.expected_records(DEMO_LOGIN, company_id, "bids")}
    items = list(get_services().records.items(partition(user_id, company_id), "bid#"))
    assert len(items) == len(want) == truth["bids"]
    for item in items:
        record = want[int(item["procore_id"])]
        assert set(item["record"]) == set(record)
        if record.get("lump_sum_amount") is not None:
            assert str(item["record"]["lump_sum_amount"]) == str(record["lump_sum_amount"])


def test_a_second_sync_writes_nothing_and_duplicates_nothing(local, user_id):
    local.connect(user_id)
    local.settle()
    before = {cid: landed(user_id, cid) for cid in expected(local)}

    local.stack.trigger_schedule()
    local.settle()

    status = local.status(user_id)
    for company in status["last_sync"]["companies"].values():
        for counts in company["counts"].values():
            assert counts["created"] == counts["updated"] == counts["deleted"] == 0
    assert {cid: landed(user_id, cid) for cid in expected(local)} == before


def test_pagination_across_many_pages_lands_every_record(local, user_id):
    # GIVEN Procore answers at most 3 records a page on every endpoint
    local.sim.state.set_config(max_per_page={key: 3 for key in local.sim.state.config.max_per_page},
                               rate_limits_enabled=False)
    local.connect(user_id)
    local.settle()
    for company_id, counts in expected(local).items():
        assert landed(user_id, company_id) == {e: counts[e] for e in PREFIXES}
    calls = sum(c["api_calls"] for c in local.status(user_id)["last_sync"]["companies"].values())
    total = sum(counts[e] for counts in expected(local).values() for e in PREFIXES)
    assert calls >= total / 3  # it really paged


def test_a_company_without_the_app_installed_is_skipped_and_others_sync(local, user_id):
    # GIVEN the app is uninstalled in one of the user's companies
    truth = expected(local)
    assert len(truth) >= 2
    uninstalled = sorted(truth)[0]
    local.sim.state.set_company_installed(int(uninstalled), False)

    local.connect(user_id)
    local.settle()

    status = local.status(user_id)
    companies = {c["id"]: c for c in status["companies"]}
    assert status["status"] == "connected"
    assert companies[uninstalled]["app_installed"] is False
    assert "Company Admin" in companies[uninstalled]["hint"]
    assert companies[uninstalled]["last_sync"]["state"] == "skipped"
    assert landed(user_id, uninstalled) == {e: 0 for e in PREFIXES}
    for company_id, counts in truth.items():
        if company_id != uninstalled:
            assert companies[company_id]["app_installed"] is True
            assert landed(user_id, company_id) == {e: counts[e] for e in PREFIXES}


def test_disconnect_revokes_at_procore_deletes_tokens_and_stops_syncing(local, user_id):
    # GIVEN a connected, synced user, and the access token we hold for them
    local.connect(user_id)
    local.settle()
    services = get_services()
    held = unseal(services.cipher, user_id, services.connections.get(user_id, with_tokens=True)["token_blob"])
    run_before = services.sync_state.latest_run(user_id)["run"]["run_id"]

    # WHEN they disconnect
    response = requests.post(f"{local.api}/integrations/procore/disconnect",
                             headers={"Authorization": f"Bearer {local.token(user_id)}"}, json={}, timeout=30)

    # THEN Procore no longer accepts the token, our copy is gone, status says not connected
    assert response.status_code == 200, response.text
    assert response.json()["revoked"] is True
    me = requests.get(f"{local.sim.url}/rest/v1.0/me", headers={"Authorization": f"Bearer {held.access_token}"},
                      timeout=30)
    assert me.status_code == 401
    remains = services.connections.get(user_id, with_tokens=True)
    assert "token_blob" not in remains and remains["status"] == "not_connected"
    assert remains["reason"] == "disconnected" and "procore_user" not in remains
    assert local.status(user_id)["status"] == "not_connected"
    # AND the records stay (no purge), and the schedule queues nothing more for this user
    company_id = next(iter(expected(local)))
    assert landed(user_id, company_id)["projects"] > 0
    local.stack.trigger_schedule()
    local.settle()
    assert services.sync_state.latest_run(user_id)["run"]["run_id"] == run_before


def test_disconnect_with_purge_deletes_the_synced_records(local, user_id):
    local.connect(user_id)
    local.settle()
    result = local.stack.invoke("DisconnectFunction", {"user_id": user_id, "purge": True})
    assert result["purged_records"] > 0
    for company_id in expected(local):
        assert landed(user_id, company_id) == {e: 0 for e in PREFIXES}
    assert local.status(user_id)["status"] == "not_connected"


def test_no_plaintext_token_anywhere_in_dynamodb(local, user_id):
    local.connect(user_id)
    local.settle()
    secrets = [s for pair in local.sim.state.token_pairs() for s in (pair.access_token, pair.refresh_token)]
    assert secrets
    dynamodb = boto3.client("dynamodb")
    dump = []
    for name in dynamodb.list_tables()["TableNames"]:
        for page in dynamodb.get_paginator("scan").paginate(TableName=name):
            dump.append(repr(page["Items"]))
    everything = "\n".join(dump)
    assert all(secret not in everything for secret in secrets)
