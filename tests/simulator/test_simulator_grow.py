"""Very large companies: grow_company adds thousands of realistic records quickly."""

from __future__ import annotations

import requests

DEMO = "demo@palcode.test"
PAT = "pat.pm@palcode.test"


def test_grow_company_adds_records_the_admins_see(sim, demo_companies) -> None:
    # GIVEN the first company, where Pat is a non-admin member
    company = demo_companies[0]
    before = sim.state.expected(DEMO)[company]
    pat_before = sim.state.expected(PAT)[company]

    # WHEN it grows by 2,000 projects with 2 packages of 5 bids each, and 50 vendors
    added = sim.state.grow_company(
        company, projects=2_000, bid_packages_per_project=2, bids_per_package=5, vendors=50
    )

    # THEN the counts are as asked and the admin sees them all, Pat none of the projects
    assert added == {"projects": 2_000, "bid_packages": 4_000, "bids": 20_000, "vendors": 50}
    after = sim.state.expected(DEMO)[company]
    for entity, count in added.items():
        assert after[entity] == before[entity] + count
    pat_after = sim.state.expected(PAT)[company]
    assert pat_after["projects"] == pat_before["projects"]
    assert pat_after["vendors"] == pat_before["vendors"] + 50


def test_grow_company_records_look_like_the_seeded_ones(sim, api, demo_companies) -> None:
    company = demo_companies[1]
    seeded = sim.state.expected_records(DEMO, company, "bids")[0]
    seeded_project = sim.state.expected_records(DEMO, company, "projects")[0]
    sim.state.grow_company(company, projects=3, bid_packages_per_project=25, bids_per_package=4)

    projects = sim.state.expected_records(DEMO, company, "projects")[-3:]
    bids = sim.state.expected_records(DEMO, company, "bids")[-75 * 4 :]

    assert all(set(project) == set(seeded_project) for project in projects)
    assert all(set(bid) == set(seeded) for bid in bids)
    for project in projects:
        packages = api(company_id=company).get(
            f"/rest/v1.1/projects/{project['id']}/bid_packages", view="all", per_page=100
        )
        assert len(packages.json()) == 25
    for package_id in {bid["bid_package_id"] for bid in bids}:
        vendors = [bid["vendor"]["id"] for bid in bids if bid["bid_package_id"] == package_id]
        assert len(vendors) == len(set(vendors)) == 4


def test_grow_company_through_the_control_api(sim, demo_companies) -> None:
    company = demo_companies[2]
    url = f"{sim.url}/_simulator/companies/{company}/grow"

    grown = requests.post(url, json={"projects": 4, "bid_packages_per_project": 1}, timeout=10)
    wrong = requests.post(url, json={"projects": -1}, timeout=10)
    unknown = requests.post(url, json={"towers": 3}, timeout=10)
    missing = requests.post(f"{sim.url}/_simulator/companies/1/grow", json={}, timeout=10)

    assert grown.status_code == 200
    assert grown.json() == {
        "company_id": company,
        "added": {"projects": 4, "bid_packages": 4, "bids": 0, "vendors": 0},
    }
    assert [wrong.status_code, unknown.status_code, missing.status_code] == [400, 400, 404]
    sim.state.reset()
    assert sim.state.expected(DEMO)[company]["projects"] == 15
