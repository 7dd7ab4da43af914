"""Churn: records inserted, updated and deleted while a listing is paged, within a budget."""

from __future__ import annotations

DEMO = "demo@palcode.test"


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()]


def _all_projects(sim, company: int) -> list[int]:
    return [record["id"] for record in sim.state.expected_records(DEMO, company, "projects")]


def test_churn_delete_shifts_later_pages_like_offset_paging(sim, api, demo_companies) -> None:
    # GIVEN one delete per page, budget for one change
    company = demo_companies[0]
    client = api(company_id=company)
    sim.state.set_config(churn_deletes_per_page=1, churn_budget=1)
    params = {"company_id": company, "per_page": 5, "filters[by_status]": "All"}
    before = _all_projects(sim, company)

    # WHEN page 1 is read, then page 2
    first = _ids(client.get("/rest/v1.1/projects", page=1, **params))
    after_first = _all_projects(sim, company)
    second = _ids(client.get("/rest/v1.1/projects", page=2, **params))

    # THEN page 1 was served before the delete, page 2 is cut from the shrunken list
    churn = sim.state.stats_dict()["churn"]
    deleted = churn["changes"][0]
    assert first == before[:5]
    assert deleted["entity"] == "projects" and deleted["kind"] == "delete"
    assert deleted["id"] in before and after_first == [p for p in before if p != deleted["id"]]
    assert second == after_first[5:10]
    assert churn["by_kind"] == {"insert": 0, "update": 0, "delete": 1}
    assert sim.state.config.churn_budget == 0
    assert _all_projects(sim, company) == after_first  # the budget is spent: page 2 changed nothing


def test_churn_delete_of_a_project_cascades(sim, api, demo_companies) -> None:
    company = demo_companies[0]
    client = api(company_id=company)
    world = sim.state.world
    packages = {pid: world.package_ids(pid) for pid in world.project_ids(company)}
    sim.state.set_config(churn_deletes_per_page=1, churn_budget=1)

    client.get("/rest/v1.0/projects", company_id=company, per_page=3)

    deleted = sim.state.stats_dict()["churn"]["changes"][0]["id"]
    assert world.get("projects", deleted) is None
    assert packages[deleted] and not any(world.get("bid_packages", p) for p in packages[deleted])
    assert not world.packages_by_project.get(deleted) and not world.bids_by_project.get(deleted)
    assert all(bid["_project_id"] != deleted for bid in world.records["bids"].values())


def test_churn_inserts_and_updates_stay_in_the_vendor_directory(sim, api, demo_companies) -> None:
    # GIVEN two inserts and one update per page, a budget of 7 and a frozen clock
    company = demo_companies[1]
    client = api(company_id=company)
    sim.state.set_config(
        churn_inserts_per_page=2, churn_updates_per_page=1, churn_budget=7, clock_frozen=True
    )
    before = set(sim.state.world.vendor_ids(company))
    other_companies = {cid: sim.state.world.vendor_ids(cid) for cid in demo_companies[::2]}

    # WHEN a client reads the active directory page by page, then the inactive one
    client.get_all("/rest/v1.0/vendors", company_id=company, per_page=20)
    client.get_all(f"/rest/v1.0/companies/{company}/vendors/inactive", per_page=50)

    # THEN exactly seven changes happened, all to this company's vendors
    churn = sim.state.stats_dict()["churn"]
    now = int(sim.state.clock.now())
    inserted = [c["id"] for c in churn["changes"] if c["kind"] == "insert"]
    updated = [c["id"] for c in churn["changes"] if c["kind"] == "update"]
    assert churn["total"] == 7 and len(inserted) + len(updated) == 7
    assert {c["entity"] for c in churn["changes"]} == {"vendors"}
    assert churn["changes"][:3] == [
        {"entity": "vendors", "id": inserted[0], "kind": "insert"},
        {"entity": "vendors", "id": inserted[1], "kind": "insert"},
        {"entity": "vendors", "id": updated[0], "kind": "update"},
    ]
    assert set(sim.state.world.vendor_ids(company)) == before | set(inserted)
    assert {cid: sim.state.world.vendor_ids(cid) for cid in other_companies} == other_companies
    for vendor_id in updated + inserted:
        assert sim.state.world.records["vendors"][vendor_id]["updated_at"] == now


def test_churn_bids_of_a_project_change_only_that_project(sim, api, demo_companies) -> None:
    company = demo_companies[0]
    client = api(company_id=company)
    project_id = next(
        pid for pid in sim.state.world.project_ids(company) if sim.state.world.package_ids(pid)
    )
    others = {
        pid: sim.state.world.bid_ids_for_project(pid)
        for pid in sim.state.world.project_ids(company)
        if pid != project_id
    }
    sim.state.set_config(churn_inserts_per_page=1, churn_deletes_per_page=1, churn_budget=4)

    client.get_all(f"/rest/v1.0/projects/{project_id}/bids", per_page=10)

    churn = sim.state.stats_dict()["churn"]
    assert churn["by_kind"] == {"insert": 2, "update": 0, "delete": 2}
    for change in churn["changes"]:
        bid = sim.state.world.get("bids", change["id"])
        assert change["kind"] == "delete" or bid["_project_id"] == project_id
    assert {pid: sim.state.world.bid_ids_for_project(pid) for pid in others} == others


def test_churn_bid_packages_and_package_bids(sim, api, demo_companies) -> None:
    company = demo_companies[0]
    client = api(company_id=company)
    project_id = next(
        pid for pid in sim.state.world.project_ids(company) if sim.state.world.package_ids(pid)
    )
    package_id = sim.state.world.package_ids(project_id)[0]
    due_dates = {
        pid: sim.state.world.records["bid_packages"][pid]["bid_due_date"]
        for pid in sim.state.world.package_ids(project_id)
    }
    sim.state.set_config(churn_updates_per_page=1, churn_budget=1)

    client.get(f"/rest/v1.1/projects/{project_id}/bid_packages", view="all")
    sim.state.set_config(churn_inserts_per_page=1, churn_updates_per_page=0, churn_budget=1)
    client.get(f"/rest/v1.0/projects/{project_id}/bid_packages/{package_id}/bids")

    first, second = sim.state.stats_dict()["churn"]["changes"]
    package = sim.state.world.records["bid_packages"][first["id"]]
    assert (first["entity"], first["kind"]) == ("bid_packages", "update")
    assert package["bid_due_date"] == due_dates[first["id"]] + 86_400
    assert (second["entity"], second["kind"]) == ("bids", "insert")
    assert sim.state.world.records["bids"][second["id"]]["bid_package_id"] == package_id


def test_churn_needs_a_budget(sim, api, demo_companies) -> None:
    company = demo_companies[0]
    client = api(company_id=company)
    sim.state.set_config(
        churn_inserts_per_page=3, churn_updates_per_page=3, churn_deletes_per_page=3
    )
    before = sim.state.expected_records(DEMO, company, "vendors")

    client.get_all("/rest/v1.0/vendors", company_id=company, per_page=10)

    assert sim.state.stats_dict()["churn"]["total"] == 0
    assert sim.state.expected_records(DEMO, company, "vendors") == before
