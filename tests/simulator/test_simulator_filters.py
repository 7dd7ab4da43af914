"""List filters: project status, bid package views, updated_at ranges, id lists, views."""

from __future__ import annotations

import time

DEMO = "demo@palcode.test"


def _iso(timestamp: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(timestamp))


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.text
    return {item["id"] for item in response.json()}


def test_filters_projects_by_status(sim, api, demo_companies) -> None:
    company = demo_companies[0]
    client = api(company_id=company)
    expected = sim.state.expected_records(DEMO, company, "projects")
    active = {p["id"] for p in expected if p["active"]}
    inactive = {p["id"] for p in expected if not p["active"]}

    default = client.get("/rest/v1.1/projects", company_id=company)
    only_inactive = client.get(
        "/rest/v1.1/projects", company_id=company, **{"filters[by_status]": "Inactive"}
    )
    everything = client.get(
        "/rest/v1.1/projects", company_id=company, **{"filters[by_status]": "All"}
    )

    assert _ids(default) == active
    assert _ids(only_inactive) == inactive
    assert _ids(everything) == active | inactive
    assert active and inactive


def test_filters_bid_packages_default_open_view_all_and_filter(sim, api, demo_companies) -> None:
    # GIVEN a project with open and closed bid packages
    company = demo_companies[0]
    world = sim.state.world
    project_id = next(
        pid
        for pid in world.project_ids(company)
        if len({world.records["bid_packages"][b]["open"] for b in world.package_ids(pid)}) == 2
    )
    packages = [world.records["bid_packages"][b] for b in world.package_ids(project_id)]
    client = api(company_id=company)
    path = f"/rest/v1.1/projects/{project_id}/bid_packages"

    # WHEN listing with no view, view=all and filter=closed
    default = client.get(path)
    everything = client.get(path, view="all")
    closed = client.get(path, filter="closed")

    # THEN the default is open-only
    assert _ids(default) == {p["id"] for p in packages if p["open"]}
    assert _ids(everything) == {p["id"] for p in packages}
    assert _ids(closed) == {p["id"] for p in packages if not p["open"]}


def test_filters_projects_updated_at_ranges(sim, api, demo_companies) -> None:
    company = demo_companies[0]
    client = api(company_id=company)
    records = sim.state.world.records["projects"]
    project_ids = sim.state.world.project_ids(company)
    target = records[project_ids[3]]["updated_at"]
    expected_exact = {pid for pid in project_ids if records[pid]["updated_at"] == target}
    day = time.strftime("%Y-%m-%d", time.gmtime(target))
    expected_day = {
        pid
        for pid in project_ids
        if time.strftime("%Y-%m-%d", time.gmtime(records[pid]["updated_at"])) == day
    }
    since = {pid for pid in project_ids if records[pid]["updated_at"] >= target}
    offset_start = time.strftime("%Y-%m-%dT%H:%M:%S+02:00", time.gmtime(target + 7200))

    def listed(value: str) -> set[int]:
        return _ids(
            client.get(
                "/rest/v1.1/projects",
                company_id=company,
                per_page=300,
                **{"filters[by_status]": "All", "filters[updated_at]": value},
            )
        )

    assert listed(f"{_iso(target)}...{_iso(target)}") == expected_exact
    assert listed(f"{day}...{day}") == expected_day
    assert listed(f"{offset_start}...2099-01-01") == since
    assert listed(f"{_iso(target)}...2099-01-01T00:00:00Z") == since
    bad = client.get(
        "/rest/v1.1/projects", company_id=company, **{"filters[updated_at]": "yesterday"}
    )
    assert bad.status_code == 400


def test_filters_updated_at_sees_changes(sim, api, demo_companies) -> None:
    # GIVEN a point in time after the seeded data
    company = demo_companies[0]
    client = api(company_id=company)
    since = _iso(sim.state.clock.now() - 1)
    project_id = sim.state.world.project_ids(company)[2]
    vendor_id = sim.state.world.vendor_ids(company)[0]

    # WHEN a project and a vendor change
    sim.state.update_record("projects", project_id, name="Renamed Project")
    sim.state.update_record("vendors", vendor_id, name="Renamed Vendor LLC", is_active=True)

    # THEN incremental lists return exactly them, with the new values
    window = f"{since}...2999-01-01T00:00:00Z"
    projects = client.get(
        "/rest/v1.1/projects",
        company_id=company,
        **{"filters[by_status]": "All", "filters[updated_at]": window},
    )
    vendors = client.get(
        "/rest/v1.0/vendors", company_id=company, **{"filters[updated_at]": window}
    )
    assert [p["name"] for p in projects.json()] == ["Renamed Project"]
    assert [v["id"] for v in vendors.json()] == [vendor_id]


def test_filters_id_lists_in_both_styles(sim, api, demo_companies) -> None:
    company = demo_companies[0]
    client = api(company_id=company)
    project_ids = sim.state.world.project_ids(company)[:3]
    vendor_ids = [
        vid
        for vid in sim.state.world.vendor_ids(company)
        if sim.state.world.records["vendors"][vid]["is_active"]
    ][:2]

    csv = client.get(
        "/rest/v1.1/projects",
        company_id=company,
        **{"filters[by_status]": "All", "filters[id]": ",".join(map(str, project_ids))},
    )
    brackets = client.get(
        "/rest/v1.1/projects",
        company_id=company,
        **{"filters[by_status]": "All", "filters[id][]": project_ids},
    )
    vendors = client.get("/rest/v1.0/vendors", company_id=company, **{"filters[id][]": vendor_ids})

    assert _ids(csv) == set(project_ids)
    assert _ids(brackets) == set(project_ids)
    assert _ids(vendors) == set(vendor_ids)


def test_filters_project_views(api, demo_companies) -> None:
    company = demo_companies[0]
    client = api(company_id=company)

    ids = client.get("/rest/v1.1/projects", company_id=company, view="ids")
    compact = client.get("/rest/v1.1/projects", company_id=company, view="compact")

    assert all(isinstance(item, int) for item in ids.json())
    assert ids.headers["Per-Page"] == "200000"
    assert set(compact.json()[0]) == {"id", "name"}


def test_filters_vendors_active_and_inactive_lists(sim, api, demo_companies) -> None:
    company = demo_companies[1]
    client = api(company_id=company)
    expected = sim.state.expected_records(DEMO, company, "vendors")

    active = client.get("/rest/v1.0/vendors", company_id=company, per_page=1000)
    inactive = client.get(f"/rest/v1.0/companies/{company}/vendors/inactive", per_page=1000)

    assert _ids(active) == {v["id"] for v in expected if v["is_active"]}
    assert _ids(inactive) == {v["id"] for v in expected if not v["is_active"]}
