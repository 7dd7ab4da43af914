"""The read routes the Palcode.ai screens call, over the local stack: every record Procore showed
the user, page by page, and nothing of anyone else's."""

from __future__ import annotations

import pytest
import requests

from procore_sync import clock
from procore_sync.services import get_services

from .conftest import DEMO_LOGIN


def get(local, user_id: str, path: str, **params):
    return requests.get(f"{local.api}{path}", params=params, timeout=30,
                        headers={"Authorization": f"Bearer {local.token(user_id)}"})


def read_all(local, user_id: str, path: str, limit: int = 7, **params) -> list[dict]:
    items, cursor, pages = [], None, 0
    while True:
        response = get(local, user_id, path, limit=limit, **({"cursor": cursor} if cursor else {}), **params)
        assert response.status_code == 200, response.text
        body = response.json()
        assert len(body["items"]) <= limit
        items.extend(body["items"])
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            return items
        assert pages < 1000


@pytest.fixture
def synced(local, user_id):
    local.sim.state.set_config(rate_limits_enabled=False)
    local.connect(user_id)
    local.settle()
    company_id = sorted(local.sim.state.expected(DEMO_LOGIN))[0]
    return user_id, company_id


def test_each_listing_pages_through_exactly_the_records_procore_showed(local, synced):
    user_id, company_id = synced
    state = local.sim.state
    base = f"/procore/companies/{company_id}"

    projects = read_all(local, user_id, f"{base}/projects")
    assert {p["id"] for p in projects} == {r["id"] for r in state.expected_records(DEMO_LOGIN, company_id, "projects")}
    assert all(p["synced_at"] for p in projects)
    vendors = read_all(local, user_id, f"{base}/vendors")
    assert {v["id"] for v in vendors} == {r["id"] for r in state.expected_records(DEMO_LOGIN, company_id, "vendors")}

    bids_by_package = {}
    for bid in state.expected_records(DEMO_LOGIN, company_id, "bids"):
        bids_by_package.setdefault(bid["bid_package_id"], []).append(bid)
    package = next(p for p in state.expected_records(DEMO_LOGIN, company_id, "bid_packages")
                   if len(bids_by_package.get(p["id"], [])) > 2)
    listed = read_all(local, user_id, f"{base}/projects/{package['project_id']}/bid-packages", limit=2)
    assert package["id"] in {p["id"] for p in listed}
    bids = read_all(local, user_id, f"{base}/projects/{package['project_id']}/bid-packages/{package['id']}/bids",
                    limit=2)
    want = {b["id"]: b for b in bids_by_package[package["id"]]}
    assert {b["id"] for b in bids} == set(want)
    for bid in bids:  # the record as Procore returned it, amounts included
        assert bid["lump_sum_amount"] == want[bid["id"]]["lump_sum_amount"]


def test_deleted_records_are_left_out_unless_asked_for(local, synced, monkeypatch):
    user_id, company_id = synced
    vendor = local.sim.state.expected_records(DEMO_LOGIN, company_id, "vendors")[0]
    local.sim.state.delete_record("vendors", vendor["id"])
    # deletions are confirmed by the next full pass (a day later by default)
    real_now = clock.now
    monkeypatch.setattr(clock, "now", lambda: real_now() + get_services().settings.full_sync_interval_seconds + 60)
    local.stack.trigger_schedule()
    local.settle()
    path = f"/procore/companies/{company_id}/vendors"
    assert vendor["id"] not in {v["id"] for v in read_all(local, user_id, path, limit=200)}
    with_deleted = {v["id"]: v for v in read_all(local, user_id, path, limit=200, include_deleted="true")}
    assert with_deleted[vendor["id"]]["deleted_at"]


def test_another_users_ids_and_cursors_reach_nothing(local, synced):
    # GIVEN user A synced; user B is connected as another Procore user who sees fewer companies
    user_a, company_id = synced
    user_b = user_a + "-other"
    local.connect(user_b, login="other@palcode.test")
    local.settle()
    path = f"/procore/companies/{company_id}/projects"
    page = get(local, user_a, path, limit=2).json()
    project_id = page["items"][0]["id"]

    # THEN B reading A's company, project or bid package gets 404, as for ids that do not exist
    b_companies = {c["id"] for c in local.status(user_b)["companies"]}
    assert str(company_id) not in b_companies
    for route in (path, f"/procore/companies/{company_id}/vendors",
                  f"/procore/companies/{company_id}/projects/{project_id}/bid-packages"):
        assert get(local, user_b, route).status_code == 404
    assert get(local, user_a, f"/procore/companies/{company_id}/projects/999999999/bid-packages").status_code == 404
    assert get(local, user_a, "/procore/companies/123456789/projects").status_code == 404
    # AND A's cursor is refused for B, and for another listing of A's
    assert get(local, user_b, path, cursor=page["next_cursor"]).status_code in (400, 404)
    wrong = get(local, user_a, f"/procore/companies/{company_id}/vendors", cursor=page["next_cursor"])
    assert wrong.status_code == 400 and wrong.json()["field"] == "cursor"


@pytest.mark.parametrize("params, field", [
    ({"limit": 0}, "limit"), ({"limit": 201}, "limit"), ({"limit": "many"}, "limit"),
    ({"include_deleted": "perhaps"}, "include_deleted"), ({"cursor": "x" * 3000}, "cursor"),
])
def test_bad_parameters_name_the_field(local, synced, params, field):
    user_id, company_id = synced
    response = get(local, user_id, f"/procore/companies/{company_id}/projects", **params)
    assert response.status_code in (400, 422), response.text
    assert field in response.text


def test_a_forged_cursor_and_a_bad_id_are_refused_not_500(local, synced):
    user_id, company_id = synced
    for cursor in ("garbage", "AAAA", "!!!", "eyJzayI6InByb2plY3QjMSJ9"):
        response = get(local, user_id, f"/procore/companies/{company_id}/projects", cursor=cursor)
        assert response.status_code == 400 and response.json()["field"] == "cursor"
    for company in ("abc", "-1", "0", str(2**64)):
        assert get(local, user_id, f"/procore/companies/{company}/projects").status_code in (400, 404, 422)


def test_a_parameter_out_of_bounds_answers_our_error_shape_uncached(local, synced):
    user_id, company_id = synced
    response = get(local, user_id, f"/procore/companies/{company_id}/projects", limit=0)
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "invalid_parameter" and body["field"] == "limit" and body["message"]
    assert response.headers["Cache-Control"] == "no-store"
