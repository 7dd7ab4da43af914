"""Injected faults: 5xx answers, random 429s, latency, timeouts and reset connections."""

from __future__ import annotations

import time

import pytest
import requests


def test_faults_5xx(sim, api) -> None:
    client = api()

    sim.state.set_config(error_rate_5xx=1.0, fault_5xx_status=503)
    unavailable = client.get("/rest/v1.0/me")
    sim.state.set_config(fault_5xx_status=500)
    broken = client.get("/rest/v1.0/me")
    sim.state.set_config(error_rate_5xx=0.0)

    assert unavailable.status_code == 503 and unavailable.headers["Retry-After"]
    assert broken.status_code == 500
    assert client.get("/rest/v1.0/me").status_code == 200
    assert sim.state.stats_dict()["injected_faults"]["5xx"] == 2


def test_faults_random_429_is_not_a_real_exceedance(sim, api) -> None:
    client = api()
    sim.state.set_config(rate_429=1.0)

    response = client.get("/rest/v1.0/me")

    assert response.status_code == 429
    assert response.headers["Retry-After"]
    assert sim.state.rate_limit_exceeded() is False


def test_faults_latency(sim, api) -> None:
    client = api()
    sim.state.set_config(latency_ms=200)

    started = time.monotonic()
    client.get("/rest/v1.0/me")

    assert time.monotonic() - started >= 0.2


def _raw_get(sim, client, path: str, timeout: float) -> requests.Response:
    headers = {"Authorization": f"Bearer {client.access_token}"}
    return requests.get(f"{sim.url}{path}", headers=headers, timeout=timeout)


def test_faults_timeout_answers_late(sim, api) -> None:
    # GIVEN every call answered only after one second
    client = api()
    sim.state.set_config(timeout_rate=1.0, timeout_seconds=1)

    # WHEN a patient client and an impatient one call
    started = time.monotonic()
    late = _raw_get(sim, client, "/rest/v1.0/me", timeout=5)
    waited = time.monotonic() - started
    with pytest.raises(requests.exceptions.ReadTimeout):
        _raw_get(sim, client, "/rest/v1.0/me", timeout=0.2)

    # THEN the first got its answer after the delay, the second gave up
    assert late.status_code == 200
    assert 1.0 <= waited < 5
    faults = sim.state.stats_dict()["injected_faults"]
    assert (faults["timeouts"], faults["resets"]) == (2, 0)
    assert sim.state.rate_limit_exceeded() is False


def test_faults_reset_closes_the_connection_unanswered(sim, api) -> None:
    client = api()
    sim.state.set_config(reset_rate=1.0)

    with pytest.raises(requests.exceptions.ConnectionError):
        _raw_get(sim, client, "/rest/v1.0/me", timeout=5)

    sim.state.set_config(reset_rate=0.0)
    assert _raw_get(sim, client, "/rest/v1.0/me", timeout=5).status_code == 200
    stats = sim.state.stats_dict()
    assert stats["injected_faults"]["resets"] == 1
    assert stats["rate_limit"]["exceeded"] is False
