"""User-level visibility: a non-admin sees only their projects; others see their company."""

from __future__ import annotations

DEMO = "demo@palcode.test"
PAT = "pat.pm@palcode.test"
OTHER = "other@palcode.test"


def test_visibility_non_admin_sees_only_member_projects(sim, api) -> None:
    # GIVEN Pat, a non-admin member of some projects
    summary = sim.state.expected(PAT)
    company = sorted(summary)[0]
    client = api(PAT, company_id=company)
    expected = sim.state.expected_records(PAT, company, "projects")
    all_projects = sim.state.world.project_ids(company)

    # WHEN Pat lists projects and bids
    listed = client.get_all(
        "/rest/v1.1/projects", company_id=company, per_page=7, **{"filters[by_status]": "All"}
    )
    bids = []
    for project in listed:
        bids += client.get_all(f"/rest/v1.0/projects/{project['id']}/bids", per_page=50)

    # THEN exactly the member projects and their bids appear
    assert sorted(listed, key=lambda p: p["id"]) == expected
    assert 0 < len(expected) < len(all_projects)
    assert sorted(bids, key=lambda b: b["id"]) == sim.state.expected_records(PAT, company, "bids")
    assert summary[company]["vendors"] == sim.state.expected(DEMO)[company]["vendors"]


def test_visibility_hidden_project_is_404_everywhere(sim, api) -> None:
    company = sorted(sim.state.expected(PAT))[0]
    visible = {p["id"] for p in sim.state.expected_records(PAT, company, "projects")}
    hidden = next(pid for pid in sim.state.world.project_ids(company) if pid not in visible)
    client = api(PAT, company_id=company)

    show = client.get(f"/rest/v1.0/projects/{hidden}", company_id=company)
    packages = client.get(f"/rest/v1.1/projects/{hidden}/bid_packages")
    bids = client.get(f"/rest/v1.0/projects/{hidden}/bids")

    assert [show.status_code, packages.status_code, bids.status_code] == [404, 404, 404]


def test_visibility_users_see_only_their_companies(sim, api) -> None:
    demo = set(sim.state.expected(DEMO))
    pat = set(sim.state.expected(PAT))
    other = set(sim.state.expected(OTHER))

    listed = {c["id"] for c in api(OTHER).get("/rest/v1.0/companies").json()}

    assert pat < demo and other < demo
    assert not pat & other
    assert listed == other


def test_visibility_new_membership_shows_project(sim, api) -> None:
    company = sorted(sim.state.expected(PAT))[0]
    visible = {p["id"] for p in sim.state.expected_records(PAT, company, "projects")}
    hidden = next(pid for pid in sim.state.world.project_ids(company) if pid not in visible)

    sim.state.add_project_member(PAT, hidden)
    client = api(PAT, company_id=company)

    assert client.get(f"/rest/v1.0/projects/{hidden}", company_id=company).status_code == 200
    assert sim.state.expected(PAT)[company]["projects"] == len(visible) + 1
