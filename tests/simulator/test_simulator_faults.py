"""Injected faults: 5xx answers, random 429s and latency."""

from __future__ import annotations

import time


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
