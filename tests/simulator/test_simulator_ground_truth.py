"""Ground truth in one call (expected_all) and records that fail validation (malform)."""

from __future__ import annotations

import requests

from procore_simulator.expected import EXPECTED_ENTITIES

DEMO = "demo@palcode.test"
OTHER = "other@palcode.test"


def _control(sim, method: str, path: str, **kwargs) -> requests.Response:
    return requests.request(method, f"{sim.url}/_simulator{path}", timeout=10, **kwargs)


def test_expected_all_is_expected_records_for_every_company(sim) -> None:
    everything = sim.state.expected_all(DEMO)

    summary = sim.state.expected(DEMO)
    assert set(everything) == {str(company_id) for company_id in summary}
    for company_id, data in summary.items():
        entry = everything[str(company_id)]
        assert set(entry) == {"installed", *EXPECTED_ENTITIES}
        assert entry["installed"] is data["installed"]
        for entity in EXPECTED_ENTITIES:
            assert entry[entity] == sim.state.expected_records(DEMO, company_id, entity)
            assert len(entry[entity]) == data[entity]


def test_expected_all_only_the_users_companies_and_over_http(sim, demo_companies) -> None:
    (company,) = sim.state.expected(OTHER)
    sim.state.set_company_installed(company, False)

    answer = _control(sim, "GET", "/expected_all", params={"user": OTHER})

    assert answer.status_code == 200
    assert len(demo_companies) == 3 and list(answer.json()) == [str(company)]
    assert answer.json()[str(company)]["installed"] is False
    assert answer.json() == sim.state.expected_all(OTHER)


def test_malform_reaches_lists_shows_and_expected_records(sim, api, demo_companies) -> None:
    # GIVEN a bid without a package id and a project with a broken updated_at
    company = demo_companies[0]
    client = api(company_id=company)
    project_id = sim.state.world.project_ids(company)[0]
    bid_id = sim.state.world.bid_ids_for_project(project_id)[0]
    sim.state.malform_record("bids", bid_id, "bid_package_id", None)
    sim.state.malform_record("projects", project_id, "updated_at", "not a date")

    # WHEN the API lists and shows them
    bids = client.get(f"/rest/v1.0/projects/{project_id}/bids", per_page=500).json()
    shown_bid = client.get(f"/rest/v1.0/projects/{project_id}/bids/{bid_id}").json()
    projects = client.get_all(
        "/rest/v1.1/projects", company_id=company, **{"filters[by_status]": "All"}
    )
    shown_project = client.get(f"/rest/v1.0/projects/{project_id}", company_id=company).json()

    # THEN the raw values come through everywhere, and the records still exist
    listed_bid = next(bid for bid in bids if bid["id"] == bid_id)
    listed_project = next(project for project in projects if project["id"] == project_id)
    assert listed_bid["bid_package_id"] is None and shown_bid["bid_package_id"] is None
    assert listed_project["updated_at"] == "not a date" == shown_project["updated_at"]
    expected_bid = next(
        bid for bid in sim.state.expected_records(DEMO, company, "bids") if bid["id"] == bid_id
    )
    assert expected_bid["bid_package_id"] is None
    assert sim.state.expected_records(DEMO, company, "projects")[0]["updated_at"] == "not a date"
    sim.state.reset()
    assert client.get(f"/rest/v1.0/projects/{project_id}/bids/{bid_id}").status_code == 401
    assert sim.state.api_record("bids", bid_id)["bid_package_id"] is not None


def test_malform_through_the_control_api(sim, demo_companies) -> None:
    vendor_id = sim.state.world.vendor_ids(demo_companies[0])[0]

    answer = _control(
        sim,
        "POST",
        f"/records/vendors/{vendor_id}/malform",
        json={"field": "trades", "value": {"not": "a list"}},
    )
    internal = _control(
        sim, "POST", f"/records/vendors/{vendor_id}/malform", json={"field": "_x", "value": 1}
    )
    unknown = _control(sim, "POST", "/records/vendors/1/malform", json={"field": "x", "value": 1})

    assert answer.status_code == 200 and answer.json()["trades"] == {"not": "a list"}
    assert [internal.status_code, unknown.status_code] == [400, 404]
