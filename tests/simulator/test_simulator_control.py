"""The JSON control API under /_simulator/."""

from __future__ import annotations

import requests

DEMO = "demo@palcode.test"


def _control(sim, method: str, path: str, **kwargs) -> requests.Response:
    return requests.request(method, f"{sim.url}/_simulator{path}", timeout=10, **kwargs)


def test_control_expected_matches_state(sim) -> None:
    response = _control(sim, "GET", "/expected", params={"user": DEMO})

    expected = {str(cid): data for cid, data in sim.state.expected(DEMO).items()}
    assert response.json() == expected
    first = next(iter(response.json().values()))
    assert set(first) == {"name", "installed", "projects", "bid_packages", "bids", "vendors"}


def test_control_expected_records(sim, demo_companies) -> None:
    params = {"user": DEMO, "company_id": demo_companies[0], "entity": "projects"}

    response = _control(sim, "GET", "/expected_records", params=params)

    assert response.json() == sim.state.expected_records(DEMO, demo_companies[0], "projects")


def test_control_config_get_and_set(sim) -> None:
    changed = _control(sim, "POST", "/config", json={"latency_ms": 5, "pkce": "require"})
    unknown = _control(sim, "POST", "/config", json={"nope": 1})
    fixed = _control(sim, "POST", "/config", json={"seed": 3})
    wrong_type = _control(sim, "POST", "/config", json={"latency_ms": "fast"})

    assert changed.status_code == 200
    assert _control(sim, "GET", "/config").json()["pkce"] == "require"
    assert sim.state.config.latency_ms == 5
    assert [unknown.status_code, fixed.status_code, wrong_type.status_code] == [400, 400, 400]


def test_control_installed_and_revoke(sim, api, demo_companies) -> None:
    company = demo_companies[0]
    client = api(company_id=company)

    _control(sim, "POST", f"/companies/{company}/installed", json={"installed": False})
    uninstalled = client.get("/rest/v1.1/projects", company_id=company)
    _control(sim, "POST", f"/users/{DEMO}/revoke")
    revoked = client.get("/rest/v1.0/me")

    assert uninstalled.status_code == 403
    assert revoked.status_code == 401


def test_control_stats_and_reset(sim, api) -> None:
    api().get("/rest/v1.0/me")

    stats = _control(sim, "GET", "/stats").json()
    _control(sim, "POST", "/reset")
    after = _control(sim, "GET", "/stats").json()

    assert stats["api_calls"]["total"] == 1
    assert stats["api_calls"]["by_user"] == {DEMO: 1}
    assert stats["token_endpoint"]["by_grant_type"] == {"authorization_code": 1}
    assert stats["rate_limit"]["exceeded"] is False
    assert after["api_calls"]["total"] == 0
    assert sim.state.tokens.pairs == []


def test_control_records_and_clock(sim, demo_companies) -> None:
    company = demo_companies[0]
    project_id = next(
        pid
        for pid in sim.state.world.project_ids(company)
        if sim.state.world.records["projects"][pid]["active"]
    )
    before = sim.state.expected(DEMO)[company]["projects"]

    created = _control(
        sim, "POST", "/records/projects", json={"parent_id": company, "name": "Created Clinic"}
    )
    updated = _control(sim, "PATCH", f"/records/projects/{project_id}", json={"active": False})
    deleted = _control(sim, "DELETE", f"/records/projects/{created.json()['id']}")
    advanced = _control(sim, "POST", "/clock/advance", json={"seconds": 60})

    assert created.status_code == 201 and created.json()["name"] == "Created Clinic"
    assert updated.json()["active"] is False
    assert deleted.status_code == 204
    assert sim.state.expected(DEMO)[company]["projects"] == before
    assert advanced.json()["now"] >= int(sim.state.clock.now()) - 1
    _control(sim, "POST", "/reset")
    assert sim.state.api_record("projects", project_id)["active"] is True


def test_control_state_helpers_cover_every_entity(sim) -> None:
    # GIVEN a new company with a project, bid package, vendor and bid, made through helpers
    company = sim.state.create_record("companies", name="Prairie Sky Builders")
    project = sim.state.create_record("projects", company["id"], name="Depot Remodel")
    package = sim.state.create_record("bid_packages", project["id"], title="26 - Electrical")
    vendor = sim.state.create_record("vendors", company["id"], name="Volt Electric LLC")
    bid = sim.state.create_record("bids", package["id"], vendor_id=vendor["id"])

    # WHEN one changes and another is deleted
    sim.state.update_record("bids", bid["id"], bid_status="submitted", lump_sum_amount=1250.5)
    sim.state.update_record("companies", company["id"], name="Prairie Sky Builders Inc.")

    # THEN the demo user's ground truth shows them
    summary = sim.state.expected(DEMO)[company["id"]]
    assert summary == {
        "name": "Prairie Sky Builders Inc.",
        "installed": True,
        "projects": 1,
        "bid_packages": 1,
        "bids": 1,
        "vendors": 1,
    }
    shown = sim.state.expected_records(DEMO, company["id"], "bids")[0]
    assert (shown["submitted"], shown["lump_sum_amount"]) == (True, 1250.5)
    assert shown["updated_at"] >= bid["updated_at"]
    sim.state.delete_record("projects", project["id"])
    assert sim.state.expected(DEMO)[company["id"]]["bids"] == 0
