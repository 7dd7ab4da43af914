"""The Procore client: pagination to the last page, the company header, typed errors, 401 and 429."""

import json
import re

import pytest
import responses

from procore_sync.procore.client import ProcoreClient
from procore_sync.procore.errors import (
    AppNotInstalledError,
    ProcoreNotFoundError,
    ProcoreRateLimitedError,
    ProcoreServerError,
    ProcoreUnauthorizedError,
)

API = "https://procore.test"


class Tokens:
    def __init__(self) -> None:
        self.token = "t1"
        self.rejections = 0

    def current(self) -> str:
        return self.token

    def after_rejection(self, rejected: str) -> str:
        self.rejections += 1
        self.token = "t2"
        return self.token


def _client(tokens=None, sleeps=None):
    return ProcoreClient(api_url=API, tokens=tokens or Tokens(),
                         sleep=(sleeps.append if sleeps is not None else lambda s: None))


@responses.activate
def test_pages_follows_next_links_to_the_last_page_and_sends_the_company_header():
    # GIVEN 23 projects served 10 per page with Procore's Link header
    def page(request):
        assert request.headers["Procore-Company-Id"] == "42"
        n = int(re.search(r"[?&]page=(\d+)", request.url).group(1))
        items = [{"id": i, "total_value": 1.10} for i in range((n - 1) * 10, min(n * 10, 23))]
        headers = {"Total": "23", "Per-Page": "10"}
        if n < 3:
            headers["Link"] = f'<{API}/rest/v1.1/projects?company_id=42&page={n + 1}&per_page=10>; rel="next"'
        return 200, headers, json.dumps(items)

    responses.add_callback(responses.GET, re.compile(f"{API}/rest/v1.1/projects.*"), callback=page)

    # WHEN every page is read
    pages = list(_client().pages("/rest/v1.1/projects", company_id=42, params={"company_id": 42}, per_page=10))

    # THEN all 23 records arrive, in three pages, numbers exact
    assert [len(p) for p in pages] == [10, 10, 3]
    assert [r["id"] for p in pages for r in p] == list(range(23))
    assert str(pages[0][0]["total_value"]) == "1.1"


@responses.activate
def test_get_refreshes_once_on_401_and_retries_with_the_new_token():
    seen = []

    def answer(request):
        seen.append(request.headers["Authorization"])
        if request.headers["Authorization"] == "Bearer t1":
            return 401, {}, json.dumps({"error": "invalid_token"})
        return 200, {}, json.dumps({"id": 7})

    responses.add_callback(responses.GET, f"{API}/rest/v1.0/me", callback=answer)
    tokens = Tokens()
    assert _client(tokens).get("/rest/v1.0/me") == {"id": 7}
    assert seen == ["Bearer t1", "Bearer t2"]
    assert tokens.rejections == 1


@responses.activate
def test_get_raises_unauthorized_when_401_survives_a_refresh():
    responses.add(responses.GET, f"{API}/rest/v1.0/me", status=401,
                  json={"error": "invalid_token", "error_description": "The access token is invalid"})
    tokens = Tokens()
    with pytest.raises(ProcoreUnauthorizedError) as caught:
        _client(tokens).get("/rest/v1.0/me")
    assert caught.value.status == 401
    assert caught.value.message == "The access token is invalid"
    assert tokens.rejections == 1


@responses.activate
def test_get_types_the_app_not_installed_403_with_procores_message():
    responses.add(responses.GET, f"{API}/rest/v1.1/projects", status=403,
                  json={"errors": ["App is not connected to this company."]})
    with pytest.raises(AppNotInstalledError) as caught:
        _client().get("/rest/v1.1/projects", company_id=1)
    assert caught.value.status == 403
    assert "App is not connected" in caught.value.message


@responses.activate
def test_get_waits_retry_after_on_429_then_succeeds():
    responses.add(responses.GET, f"{API}/rest/v1.0/vendors", status=429, body="You have surpassed the max",
                  headers={"Retry-After": "2", "X-Rate-Limit-Remaining": "0"})
    responses.add(responses.GET, f"{API}/rest/v1.0/vendors", json=[])
    sleeps: list[float] = []
    assert _client(sleeps=sleeps).get("/rest/v1.0/vendors", company_id=1) == []
    assert len(sleeps) == 1 and 2 <= sleeps[0] <= 3


@responses.activate
def test_get_raises_rate_limited_when_the_wait_is_too_long_for_this_job():
    responses.add(responses.GET, f"{API}/rest/v1.0/vendors", status=429, body="limit",
                  headers={"Retry-After": "600"})
    with pytest.raises(ProcoreRateLimitedError) as caught:
        _client(sleeps=[]).get("/rest/v1.0/vendors", company_id=1)
    assert caught.value.retry_after == 600


@responses.activate
def test_get_gives_up_on_5xx_after_bounded_attempts():
    responses.add(responses.GET, f"{API}/rest/v1.0/vendors", status=500, json={"errors": ["boom"]})
    sleeps: list[float] = []
    with pytest.raises(ProcoreServerError) as caught:
        _client(sleeps=sleeps).get("/rest/v1.0/vendors", company_id=1)
    assert caught.value.status == 500 and caught.value.message == "boom"
    assert len(responses.calls) == 4 and len(sleeps) == 3


@responses.activate
def test_get_does_not_retry_404():
    responses.add(responses.GET, f"{API}/rest/v1.0/projects/9", status=404, json={"errors": ["Not found"]})
    with pytest.raises(ProcoreNotFoundError):
        _client().get("/rest/v1.0/projects/9", company_id=1)
    assert len(responses.calls) == 1
