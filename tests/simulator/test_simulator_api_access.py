"""Bearer tokens, the Procore-Company-Id header, app installation and error shapes."""

from __future__ import annotations

import requests

DEMO = "demo@palcode.test"
OTHER = "other@palcode.test"


def test_api_missing_or_unknown_token_is_401(sim) -> None:
    missing = requests.get(f"{sim.url}/rest/v1.0/me", timeout=10)
    unknown = requests.get(
        f"{sim.url}/rest/v1.0/companies",
        headers={"Authorization": "Bearer not-a-token"},
        timeout=10,
    )

    for response in (missing, unknown):
        assert response.status_code == 401
        assert response.json() == {
            "error": "invalid_token",
            "error_description": "The access token is invalid",
        }
        assert response.headers["WWW-Authenticate"].startswith("Bearer ")


def test_api_me_and_companies_need_no_company_header(api) -> None:
    client = api()

    me = client.get("/rest/v1.0/me")
    companies = client.get("/rest/v1.0/companies")

    assert me.status_code == 200
    assert companies.status_code == 200
    assert len(companies.json()) == 3
    assert sum(company["my_company"] for company in companies.json()) == 1
    assert set(companies.json()[0]) >= {
        "id",
        "name",
        "is_active",
        "logo_url",
        "pcn_business_experience",
        "my_company",
    }
    assert me.headers["X-Request-Id"]


def test_api_missing_company_header_is_rejected(sim, api, demo_companies) -> None:
    client = api()
    path = "/rest/v1.1/projects"

    default = client.get(path, company_id=demo_companies[0])
    sim.state.set_config(missing_company_header_status=403)
    configured = client.get(path, company_id=demo_companies[0])

    assert default.status_code == 400
    assert default.json() == {"errors": ["Missing Procore-Company-Id header!"]}
    assert configured.status_code == 403


def test_api_company_header_is_case_insensitive(sim, api, demo_companies) -> None:
    client = api()
    headers = {
        "Authorization": f"Bearer {client.access_token}",
        "procore-company-id": str(demo_companies[0]),
    }

    response = requests.get(
        f"{sim.url}/rest/v1.1/projects",
        headers=headers,
        params={"company_id": demo_companies[0]},
        timeout=10,
    )

    assert response.status_code == 200


def test_api_uninstalled_company_gives_403_but_me_and_companies_work(
    sim, api, demo_companies
) -> None:
    # GIVEN the app is uninstalled in the first company only
    first, second = demo_companies[0], demo_companies[1]
    sim.state.set_company_installed(first, False)
    client = api()

    # WHEN the app calls company- and project-scoped endpoints
    projects = client.get("/rest/v1.1/projects", company=first, company_id=first)
    project_id = sim.state.world.project_ids(first)[0]
    bids = client.get(f"/rest/v1.0/projects/{project_id}/bids", company=first)
    other_company = client.get("/rest/v1.1/projects", company=second, company_id=second)

    # THEN those fail with Procore's 403 body while /me, /companies and other companies work
    assert projects.status_code == 403
    assert projects.json() == {"errors": ["App is not connected to this company."]}
    assert bids.status_code == 403
    assert other_company.status_code == 200
    assert client.get("/rest/v1.0/me").status_code == 200
    listed = {company["id"] for company in client.get("/rest/v1.0/companies").json()}
    assert first in listed
    assert sim.state.expected(DEMO)[first]["installed"] is False


def test_api_company_the_user_is_not_in_is_not_found(sim, api, demo_companies) -> None:
    client = api(OTHER)
    foreign = demo_companies[0]

    response = client.get("/rest/v1.1/projects", company=foreign, company_id=foreign)

    assert response.status_code == 404


def test_api_company_param_must_match_header(api, demo_companies) -> None:
    client = api(company_id=demo_companies[0])

    mismatch = client.get("/rest/v1.1/projects", company_id=demo_companies[1])
    missing = client.get("/rest/v1.1/projects")

    assert mismatch.status_code == 400
    assert missing.status_code == 400


def test_api_unknown_resources_are_404(api, demo_companies) -> None:
    company = demo_companies[0]
    client = api(company_id=company)

    project = client.get("/rest/v1.0/projects/999", company_id=company)
    vendor = client.get("/rest/v1.0/vendors/999", company_id=company)
    route = client.get("/rest/v1.0/nothing_here")

    for response in (project, vendor, route):
        assert response.status_code == 404
        assert response.json() == {"errors": ["Not found"]}


def test_api_show_endpoints_return_records(sim, api, demo_companies) -> None:
    company = demo_companies[1]
    client = api(company_id=company)
    project_id = sim.state.world.project_ids(company)[0]
    package_id = sim.state.world.package_ids(project_id)[0]
    bid_id = sim.state.world.bid_ids_for_package(package_id)[0]
    vendor_id = sim.state.world.vendor_ids(company)[0]

    project = client.get(f"/rest/v1.0/projects/{project_id}", company_id=company)
    package = client.get(f"/rest/v1.0/projects/{project_id}/bid_packages/{package_id}")
    bid = client.get(f"/rest/v1.0/projects/{project_id}/bids/{bid_id}")
    vendor = client.get(f"/rest/v1.0/vendors/{vendor_id}", company_id=company)

    assert project.json()["id"] == project_id and "square_feet" not in project.json()
    assert package.json()["id"] == package_id and "manager" in package.json()
    assert bid.json()["id"] == bid_id and bid.json()["deleted_at"] is None
    assert vendor.json() == sim.state.api_record("vendors", vendor_id)
