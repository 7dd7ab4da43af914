"""The web page in a real browser (Debian's Chromium, headless, driven by Playwright): connect
through Procore's sign-in and Allow, see the synced projects, bid packages and bids, and vendors,
then disconnect. A screenshot of each step goes to test-artifacts/browser/."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from .conftest import DEMO_LOGIN, PASSWORD

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]

if not Path(CHROMIUM).exists():
    # CI installs Chromium (.ci/run); on a developer machine without it, say how to get it.
    if os.environ.get("CI"):
        raise RuntimeError("Chromium is missing: .ci/run should have installed it (apt-get install chromium)")
    pytest.skip("the browser test needs Chromium: apt-get install chromium", allow_module_level=True)

from playwright.sync_api import expect, sync_playwright  # noqa: E402


@pytest.fixture
def page():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(30_000)
        try:
            yield page
        finally:
            context.close()
            browser.close()


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_connect_see_the_synced_data_and_disconnect_in_a_browser(local, page):
    local.sim.state.set_config(rate_limits_enabled=False)
    truth = local.sim.state.expected(DEMO_LOGIN)
    company_id = sorted(truth)[0]

    # Sign in to Palcode.ai (the local stand-in) and open Tools > Integrations
    page.goto(f"{local.api}/app/integrations")
    page.get_by_label("Signed in as").select_option("palcode-dana")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#connection")).to_contain_text("Not connected")
    shot(page, "01-not-connected")

    # Connect to Procore: Procore's sign-in, then Allow, then back on the integrations page
    page.get_by_role("button", name="Connect to Procore").click()
    page.get_by_label("Email").fill(DEMO_LOGIN)
    page.get_by_label("Password").fill(PASSWORD)
    shot(page, "02-procore-sign-in")
    page.get_by_role("button", name="Sign In").click()
    shot(page, "03-procore-allow")
    page.get_by_role("button", name="Allow").click()
    expect(page.locator("#connection")).to_contain_text("Connected as Dana Estimator")
    assert "procore=connected" in page.url
    shot(page, "04-connected")

    # Dashboard: the company's projects, once the first sync has landed
    local.settle()
    page.get_by_role("link", name="Dashboard").click()
    page.locator("#dashboard-company").select_option(str(company_id))
    expect(page.locator("#projects tbody tr")).to_have_count(truth[company_id]["projects"])
    shot(page, "05-dashboard")

    # Bid Management: the first project's bid packages, then one package's bids with amounts
    page.get_by_role("link", name="Bid Management").click()
    page.locator("#bids-company").select_option(str(company_id))
    expect(page.locator("#bids-project option")).to_have_count(truth[company_id]["projects"])
    expect(page.locator("#bid-packages tbody tr").first).to_be_visible()
    project_id = int(page.locator("#bids-project").input_value())
    packages = [p for p in local.sim.state.expected_records(DEMO_LOGIN, company_id, "bid_packages")
                if p["project_id"] == project_id]
    expect(page.locator("#bid-packages tbody tr")).to_have_count(len(packages))
    first = page.locator("#bid-packages tbody tr").first
    title = first.locator("td").nth(1).inner_text()
    package = next(p for p in packages if p["title"] == title)
    bids = [b for b in local.sim.state.expected_records(DEMO_LOGIN, company_id, "bids")
            if b["bid_package_id"] == package["id"]]
    first.get_by_role("button").click()
    expect(page.locator("#bid-list tbody tr")).to_have_count(len(bids))
    if any(b.get("lump_sum_amount") is not None for b in bids):
        expect(page.locator("#bid-list tbody")).to_contain_text("$")
    shot(page, "06-bid-management")

    # Vendor Onboarding: the company's vendors, active and inactive
    page.get_by_role("link", name="Vendor Onboarding").click()
    page.locator("#vendors-company").select_option(str(company_id))
    expect(page.locator("#vendor-list tbody tr")).to_have_count(truth[company_id]["vendors"])
    shot(page, "07-vendor-onboarding")

    # Disconnect: back to "Not connected"
    page.get_by_role("link", name="Tools > Integrations").click()
    page.get_by_role("button", name="Disconnect").click()
    expect(page.locator("#connection")).to_contain_text("Not connected")
    shot(page, "08-disconnected")
