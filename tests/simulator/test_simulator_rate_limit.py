"""Rate limits: headers on every answer, 429 with Retry-After, windows and the call log."""

from __future__ import annotations

import time

DEMO = "demo@palcode.test"
PAT = "pat.pm@palcode.test"


def test_rate_limit_headers_on_every_api_answer(sim, api) -> None:
    client = api(polite=False)

    response = client.get("/rest/v1.0/me")

    assert response.headers["X-Rate-Limit-Limit"] == "25"
    assert response.headers["X-Rate-Limit-Remaining"] == "24"
    assert int(response.headers["X-Rate-Limit-Reset"]) >= int(time.time())
    assert sim.state.rate_limit_exceeded() is False


def test_rate_limit_spike_gives_429_with_retry_after(sim, api) -> None:
    # GIVEN a low spike limit
    sim.state.set_config(spike_limit=3)
    client = api(polite=False)

    # WHEN the client makes one call too many in ten seconds
    answers = [client.get("/rest/v1.0/me") for _ in range(4)]

    # THEN the fourth is a 429 with headers, Retry-After and Procore's text
    limited = answers[-1]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert limited.headers["X-Rate-Limit-Remaining"] == "0"
    assert 1 <= int(limited.headers["Retry-After"]) <= 10
    assert limited.text.startswith("You have surpassed the max number of requests")
    assert sim.state.rate_limit_exceeded(DEMO) is True
    stats = sim.state.stats_dict()
    assert stats["rate_limit"]["by_user"] == {DEMO: 1}

    # AND after the window the client may call again
    sim.state.clock.advance(10)
    assert client.get("/rest/v1.0/me").status_code == 200


def test_rate_limit_retry_after_can_be_left_out(sim, api) -> None:
    sim.state.set_config(spike_limit=1, retry_after_on_429=False)
    client = api(polite=False)

    client.get("/rest/v1.0/me")
    limited = client.get("/rest/v1.0/me")

    assert limited.status_code == 429
    assert "Retry-After" not in limited.headers
    assert limited.headers["X-Rate-Limit-Reset"]


def test_rate_limit_headers_report_the_closer_window(sim, api) -> None:
    sim.state.set_config(hourly_limit=30)
    client = api(polite=False)

    response = client.get("/rest/v1.0/me")

    assert response.headers["X-Rate-Limit-Limit"] == "25"
    sim.state.set_config(hourly_limit=4)
    second = client.get("/rest/v1.0/me")
    assert second.headers["X-Rate-Limit-Limit"] == "4"
    assert second.headers["X-Rate-Limit-Remaining"] == "2"


def test_rate_limit_is_per_access_token_and_can_be_disabled(sim, api) -> None:
    sim.state.set_config(spike_limit=2)
    first, second = api(polite=False), api(polite=False)

    first.get("/rest/v1.0/me")
    first.get("/rest/v1.0/me")

    assert first.get("/rest/v1.0/me").status_code == 429
    assert second.get("/rest/v1.0/me").status_code == 200
    sim.state.set_config(rate_limits_enabled=False)
    assert first.get("/rest/v1.0/me").status_code == 200


def test_rate_limit_exceedances_per_token_pair(sim, api) -> None:
    # GIVEN two connections of the demo user and one of Pat, with a spike limit of 1
    sim.state.set_config(spike_limit=1)
    first, second, pat = api(polite=False), api(polite=False), api(PAT, polite=False)

    # WHEN the first connection goes over twice, Pat's once, the second never
    for client, calls in ((first, 3), (second, 1), (pat, 2)):
        for _ in range(calls):
            client.get("/rest/v1.0/me")

    # THEN the per-pair view names the pairs and their users
    pairs = {pair.access_token: pair.id for pair in sim.state.token_pairs()}
    expected = {
        pairs[first.access_token]: {"user": DEMO, "exceeded": 2},
        pairs[pat.access_token]: {"user": PAT, "exceeded": 1},
    }
    assert sim.state.rate_limit_exceeded_by_pair() == expected
    rate_limit = sim.state.stats_dict()["rate_limit"]
    assert rate_limit["by_pair"] == expected
    assert rate_limit["by_user"] == {DEMO: 2, PAT: 1}
