"""Pagination: small pages collect exactly the expected records; headers follow the rules."""

from __future__ import annotations

import math

DEMO = "demo@palcode.test"


def _rels(response) -> dict[str, int]:
    rels = {}
    for rel, link in response.links.items():
        query = dict(part.split("=", 1) for part in link["url"].split("?", 1)[1].split("&"))
        rels[rel] = int(query["page"])
    return rels


def test_pagination_collects_every_record_with_small_pages(sim, api, demo_companies) -> None:
    # GIVEN the demo user and a company with many records
    company = demo_companies[2]
    client = api(company_id=company)
    expected = {
        entity: sim.state.expected_records(DEMO, company, entity)
        for entity in ("projects", "bid_packages", "bids", "vendors")
    }

    # WHEN a client follows rel="next" with per_page=7
    projects = client.get_all(
        "/rest/v1.1/projects", company_id=company, per_page=7, **{"filters[by_status]": "All"}
    )
    packages, bids = [], []
    for project in projects:
        packages += client.get_all(
            f"/rest/v1.1/projects/{project['id']}/bid_packages", per_page=7, view="all"
        )
        bids += client.get_all(f"/rest/v1.0/projects/{project['id']}/bids", per_page=7)
    vendors = client.get_all("/rest/v1.0/vendors", company_id=company, per_page=7)
    vendors += client.get_all(f"/rest/v1.0/companies/{company}/vendors/inactive", per_page=7)

    # THEN it lands exactly the expected records
    def by_id(items):
        return sorted(items, key=lambda item: item["id"])

    assert by_id(projects) == expected["projects"]
    assert by_id(packages) == expected["bid_packages"]
    assert by_id(bids) == expected["bids"]
    assert by_id(vendors) == expected["vendors"]
    assert len(bids) > 500
    assert sim.state.rate_limit_exceeded() is False


def test_pagination_link_rels_follow_procore_rules(api, demo_companies) -> None:
    company = demo_companies[0]
    client = api(company_id=company)
    path = "/rest/v1.0/vendors"
    first = client.get(path, company_id=company, per_page=7)
    total = int(first.headers["Total"])
    last_page = math.ceil(total / 7)

    pages = {
        n: client.get(path, company_id=company, per_page=7, page=n) for n in (1, 2, 3, last_page)
    }

    assert first.headers["Per-Page"] == "7"
    assert _rels(pages[1]) == {"next": 2, "last": last_page}
    assert _rels(pages[2]) == {"first": 1, "next": 3, "last": last_page}
    assert _rels(pages[3]) == {"first": 1, "prev": 2, "next": 4, "last": last_page}
    assert _rels(pages[last_page]) == {"first": 1, "prev": last_page - 1, "last": last_page}
    assert len(pages[last_page].json()) == total - 7 * (last_page - 1)
    link = pages[2].links["next"]["url"]
    assert link.startswith(client.base_url + "/rest/v1.0/vendors?")
    assert f"company_id={company}" in link


def test_pagination_prev_on_page_two_is_a_knob(sim, api, demo_companies) -> None:
    sim.state.set_config(link_prev_on_page_2=True)
    company = demo_companies[0]
    client = api(company_id=company)

    page_two = client.get("/rest/v1.0/vendors", company_id=company, per_page=7, page=2)

    assert _rels(page_two)["prev"] == 1


def test_pagination_per_page_defaults_and_caps(api, demo_companies) -> None:
    company = demo_companies[0]
    client = api(company_id=company)

    default = client.get("/rest/v1.0/projects", company_id=company)
    projects = client.get("/rest/v1.1/projects", company_id=company, per_page=5000)
    vendors = client.get("/rest/v1.0/vendors", company_id=company, per_page=5000)
    beyond = client.get("/rest/v1.0/vendors", company_id=company, per_page=50, page=99)

    assert default.headers["Per-Page"] == "100"
    assert projects.headers["Per-Page"] == "300"
    assert vendors.headers["Per-Page"] == "1000"
    assert beyond.status_code == 200 and beyond.json() == []
    assert "next" not in beyond.links


def test_pagination_single_page_lists_only_last(api, demo_companies) -> None:
    client = api()

    companies = client.get("/rest/v1.0/companies")

    assert companies.headers["Total"] == "3"
    assert _rels(companies) == {"last": 1}
