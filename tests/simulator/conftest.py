"""Fixtures for the Procore simulator tests: one running server, reset before each test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from procore_simulator import SimulatorConfig, SimulatorServer
from procore_simulator.browser import authorize_url, walk

DEMO = "demo@palcode.test"
PAT = "pat.pm@palcode.test"
OTHER = "other@palcode.test"
PASSWORD = "procore"  # noqa: S105 - the simulator's documented test password


@pytest.fixture(scope="session")
def sim() -> Iterator[SimulatorServer]:
    server = SimulatorServer(config=SimulatorConfig(size="S", seed=7), host="127.0.0.1", port=0)
    server.start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def fresh_state(sim: SimulatorServer) -> None:
    sim.state.reset()


@pytest.fixture
def config(sim: SimulatorServer) -> SimulatorConfig:
    return sim.state.config


@pytest.fixture
def get_code(sim: SimulatorServer, config: SimulatorConfig) -> Callable[..., str]:
    """Walk sign-in and consent as a user; return the authorization code."""

    def _get_code(login: str = DEMO, **extra: Any) -> str:
        url = authorize_url(sim.url, config.client_id, config.redirect_uris[0], "st", **extra)
        result = walk(url, login, PASSWORD)
        assert result.code, result
        return result.code

    return _get_code


@pytest.fixture
def token_post(sim: SimulatorServer) -> Callable[..., requests.Response]:
    def _post(**data: Any) -> requests.Response:
        return requests.post(f"{sim.url}/oauth/token", data=data, timeout=10)

    return _post


@pytest.fixture
def exchange(
    config: SimulatorConfig, token_post: Callable[..., requests.Response]
) -> Callable[..., requests.Response]:
    """POST the code grant with the registered client and redirect URI."""

    def _exchange(code: str, **extra: Any) -> requests.Response:
        data = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": config.redirect_uris[0],
            "client_id": config.client_id,
            "client_secret": config.client_secret,
            **extra,
        }
        return token_post(**data)

    return _exchange


@pytest.fixture
def refresh(
    config: SimulatorConfig, token_post: Callable[..., requests.Response]
) -> Callable[..., requests.Response]:
    def _refresh(refresh_token: str, **extra: Any) -> requests.Response:
        data = {
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": config.client_id,
            "client_secret": config.client_secret,
            **extra,
        }
        return token_post(**data)

    return _refresh


@pytest.fixture
def connect(
    get_code: Callable[..., str], exchange: Callable[..., requests.Response]
) -> Callable[..., dict[str, Any]]:
    """Run the whole OAuth flow for a user; return the token response JSON."""

    def _connect(login: str = DEMO) -> dict[str, Any]:
        response = exchange(get_code(login))
        assert response.status_code == 200, response.text
        return response.json()

    return _connect


_UNSET: Any = object()


class ApiClient:
    """A tiny Procore API client for tests: bearer token plus company header.

    ``get(path, company=...)`` overrides the ``Procore-Company-Id`` header (None: send
    none); every other keyword is a query parameter.
    """

    def __init__(
        self,
        base_url: str,
        access_token: str,
        company_id: int | None = None,
        wait_until: Callable[[int], None] | None = None,
    ):
        self.base_url = base_url
        self.access_token = access_token
        self.company_id = company_id
        self.wait_until = wait_until

    def get(self, path: str, company: int | None = _UNSET, **params: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.access_token}"}
        header_company = self.company_id if company is _UNSET else company
        if header_company is not None:
            headers["Procore-Company-Id"] = str(header_company)

        url = path if path.startswith("http") else f"{self.base_url}{path}"
        response = requests.get(url, headers=headers, params=params or None, timeout=10)
        self._throttle(response)
        return response

    def _throttle(self, response: requests.Response) -> None:
        """Like a polite client: when the window is used up, wait until it resets."""
        if self.wait_until is not None and response.headers.get("X-Rate-Limit-Remaining") == "0":
            self.wait_until(int(response.headers["X-Rate-Limit-Reset"]))

    def get_all(self, path: str, **params: Any) -> list[Any]:
        """Follow rel="next" links from the first page; return every item."""
        response = self.get(path, **params)
        items: list[Any] = []
        while True:
            assert response.status_code == 200, response.text
            body = response.json()
            items.extend(body)
            next_url = response.links.get("next", {}).get("url")
            if not next_url:
                return items

            response = self.get(next_url)


@pytest.fixture
def api(sim: SimulatorServer, connect: Callable[..., dict[str, Any]]) -> Callable[..., ApiClient]:
    """Connect a user and return an API client for one of their companies."""

    def wait_until(reset: int) -> None:
        # Simulated time stands in for sleeping until the rate-limit window resets.
        sim.state.clock.advance(max(0.0, reset - sim.state.clock.now()))

    def _api(login: str = DEMO, company_id: int | None = None, polite: bool = True) -> ApiClient:
        token = connect(login)
        return ApiClient(sim.url, token["access_token"], company_id, wait_until if polite else None)

    return _api


@pytest.fixture
def demo_companies(sim: SimulatorServer) -> list[int]:
    """The demo user's company ids, sorted."""
    return sorted(sim.state.expected(DEMO))
