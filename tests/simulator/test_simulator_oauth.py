"""The authorization-code flow, token endpoint, rotation, revocation and token info."""

from __future__ import annotations

import base64
import hashlib

import pytest
import requests

from procore_simulator.browser import BrowserError, authorize_url, parse_forms, walk

DEMO = "demo@palcode.test"


def _pkce_pair() -> tuple[str, str]:
    verifier = "v" * 20 + "-verifier-for-tests-0123456789abcdef"
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def test_oauth_full_walk_gives_working_tokens(sim, config, get_code, exchange) -> None:
    # GIVEN a browser that walks sign-in and consent
    session = requests.Session()
    start = authorize_url(sim.url, config.client_id, config.redirect_uris[0], "state-123")
    first_page = session.get(start, timeout=10)
    forms, _ = parse_forms(first_page.text)
    assert set(forms["sign-in"].fields) >= {"login", "password", "request_id"}

    # WHEN the user signs in and allows
    result = walk(start, DEMO, "procore", session=session)
    response = exchange(result.code)

    # THEN the app is redirected back with code and state, and the code buys tokens
    assert result.redirect_url.startswith(config.redirect_uris[0] + "?")
    assert result.state == "state-123"
    assert response.status_code == 200
    token = response.json()
    assert token["token_type"] == "bearer"  # noqa: S105
    assert token["expires_in"] == 5400
    assert isinstance(token["created_at"], int)
    assert token["access_token"].count(".") == 2
    me = requests.get(
        f"{sim.url}/rest/v1.0/me",
        headers={"Authorization": f"Bearer {token['access_token']}"},
        timeout=10,
    )
    assert me.json() == {"id": 1947221, "login": DEMO, "name": "Dana Estimator"}
    calls = sim.state.token_calls()
    assert len(calls) == 1 and calls[0]["outcome"] == "issued"


def test_oauth_wrong_password_shows_sign_in_again(sim, config) -> None:
    start = authorize_url(sim.url, config.client_id, config.redirect_uris[0], "s")

    with pytest.raises(BrowserError, match="Invalid email or password"):
        walk(start, DEMO, "wrong")


def test_oauth_deny_redirects_with_access_denied(sim, config) -> None:
    start = authorize_url(sim.url, config.client_id, config.redirect_uris[0], "s9")

    result = walk(start, DEMO, "procore", decision="deny")

    assert result.error == "access_denied"
    assert result.error_description
    assert result.state == "s9"
    assert result.code is None


def test_oauth_bad_redirect_uri_or_client_shows_error_page(sim, config) -> None:
    trailing_slash = authorize_url(sim.url, config.client_id, config.redirect_uris[0] + "/")
    unknown_client = authorize_url(sim.url, "nope", config.redirect_uris[0])

    bad_uri = requests.get(trailing_slash, allow_redirects=False, timeout=10)
    bad_client = requests.get(unknown_client, allow_redirects=False, timeout=10)

    assert bad_uri.status_code == 400 and "Location" not in bad_uri.headers
    assert bad_client.status_code == 401 and "Location" not in bad_client.headers


def test_oauth_registered_redirect_uris_are_settable(sim, config, exchange) -> None:
    callback = "http://127.0.0.1:9999/integrations/procore/callback"
    sim.state.set_config(redirect_uris=[callback])

    result = walk(authorize_url(sim.url, config.client_id, callback), DEMO, "procore")

    assert result.redirect_url.startswith(callback)
    assert exchange(result.code, redirect_uri=callback).status_code == 200


def test_oauth_code_is_single_use(get_code, exchange) -> None:
    code = get_code()

    first = exchange(code)
    second = exchange(code)

    assert first.status_code == 200
    assert second.status_code == 400
    assert second.json()["error"] == "invalid_grant"


def test_oauth_code_expires_after_ten_minutes(sim, get_code, exchange) -> None:
    code = get_code()

    sim.state.clock.advance(601)
    response = exchange(code)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_oauth_code_needs_the_same_redirect_uri(config, get_code, exchange) -> None:
    response = exchange(get_code(), redirect_uri=config.redirect_uris[1])

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_oauth_pkce_is_verified_when_sent(get_code, exchange) -> None:
    verifier, challenge = _pkce_pair()

    good = exchange(
        get_code(code_challenge=challenge, code_challenge_method="S256"), code_verifier=verifier
    )
    wrong = exchange(
        get_code(code_challenge=challenge, code_challenge_method="S256"), code_verifier="x" * 43
    )
    missing = exchange(get_code(code_challenge=challenge, code_challenge_method="S256"))

    assert good.status_code == 200
    assert wrong.json()["error"] == "invalid_grant"
    assert missing.json()["error"] == "invalid_grant"


def test_oauth_pkce_required_mode_rejects_requests_without_challenge(sim, config) -> None:
    sim.state.set_config(pkce="require")
    start = authorize_url(sim.url, config.client_id, config.redirect_uris[0], "s")

    response = requests.get(start, allow_redirects=False, timeout=10)

    assert response.status_code == 302
    assert "error=invalid_request" in response.headers["Location"]


def test_oauth_token_endpoint_accepts_basic_json_and_multipart(sim, config, get_code) -> None:
    url = f"{sim.url}/oauth/token"
    redirect_uri = config.redirect_uris[0]
    grant = {"grant_type": "authorization_code", "redirect_uri": redirect_uri}
    secrets = {"client_id": config.client_id, "client_secret": config.client_secret}

    basic = requests.post(
        url,
        data={**grant, "code": get_code()},
        auth=(config.client_id, config.client_secret),
        timeout=10,
    )
    as_json = requests.post(url, json={**grant, **secrets, "code": get_code()}, timeout=10)
    multipart = requests.post(
        url,
        files={k: (None, v) for k, v in {**grant, **secrets, "code": get_code()}.items()},
        timeout=10,
    )

    assert [basic.status_code, as_json.status_code, multipart.status_code] == [200, 200, 200]


def test_oauth_token_errors_are_doorkeeper_style(config, get_code, token_post) -> None:
    bad_secret = token_post(
        grant_type="authorization_code",
        code=get_code(),
        redirect_uri=config.redirect_uris[0],
        client_id=config.client_id,
        client_secret="wrong",  # noqa: S106
    )
    no_grant = token_post(client_id=config.client_id, client_secret=config.client_secret)
    other_grant = token_post(
        grant_type="password", client_id=config.client_id, client_secret=config.client_secret
    )

    assert bad_secret.status_code == 401
    assert bad_secret.json()["error"] == "invalid_client"
    assert "unknown client" in bad_secret.json()["error_description"]
    assert (no_grant.status_code, no_grant.json()["error"]) == (400, "invalid_request")
    assert (other_grant.status_code, other_grant.json()["error"]) == (
        400,
        "unsupported_grant_type",
    )


def test_oauth_refresh_rotates_both_tokens(sim, connect, refresh) -> None:
    # GIVEN a connected user
    first = connect()

    # WHEN the app refreshes
    response = refresh(first["refresh_token"])
    second = response.json()

    # THEN both tokens are new, the old refresh token is dead and the new one works
    assert response.status_code == 200
    assert second["access_token"] != first["access_token"]
    assert second["refresh_token"] != first["refresh_token"]
    reuse = refresh(first["refresh_token"])
    assert (reuse.status_code, reuse.json()["error"]) == (400, "invalid_grant")
    assert refresh(second["refresh_token"]).status_code == 200


def test_oauth_refresh_token_dies_on_a_failed_attempt(config, connect, refresh) -> None:
    token = connect()

    failed = refresh(token["refresh_token"], client_secret="wrong")  # noqa: S106
    retry = refresh(token["refresh_token"])

    assert failed.status_code == 401
    assert (retry.status_code, retry.json()["error"]) == (400, "invalid_grant")


def test_oauth_refresh_survives_failed_attempt_when_knob_off(sim, connect, refresh) -> None:
    sim.state.set_config(refresh_token_single_use_even_on_failure=False)
    token = connect()

    refresh(token["refresh_token"], client_secret="wrong")  # noqa: S106
    retry = refresh(token["refresh_token"])

    assert retry.status_code == 200


def test_oauth_fail_next_refresh_burns_the_token(sim, connect, refresh) -> None:
    token = connect()
    sim.state.set_config(fail_next_refresh=True)

    failed = refresh(token["refresh_token"])
    retry = refresh(token["refresh_token"])

    assert (failed.status_code, failed.json()["error"]) == (500, "server_error")
    assert retry.json()["error"] == "invalid_grant"


def test_oauth_dropped_refresh_response_rotates_tokens(sim, connect, refresh) -> None:
    # GIVEN a connected user and a refresh whose answer will be lost
    token = connect()
    sim.state.set_config(drop_next_refresh_response=True)

    # WHEN the app refreshes, the connection closes without an answer
    with pytest.raises(requests.ConnectionError):
        refresh(token["refresh_token"])

    # THEN the rotation happened: the old refresh token is dead, a new pair exists
    calls = sim.state.token_calls("refresh_token")
    assert [(call["outcome"], call["dropped"]) for call in calls] == [("issued", True)]
    assert refresh(token["refresh_token"]).json()["error"] == "invalid_grant"
    newest = sim.state.token_pairs(DEMO)[-1]
    assert newest.access_token != token["access_token"] and not newest.refresh_revoked
    assert sim.state.config.drop_next_refresh_response is False


def test_oauth_old_access_token_after_refresh_follows_knob(sim, connect, refresh, api) -> None:
    token = connect()
    refresh(token["refresh_token"])
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    still_valid = requests.get(f"{sim.url}/rest/v1.0/me", headers=headers, timeout=10)

    sim.state.set_config(old_access_token_valid_after_refresh=False)
    second = connect()
    refresh(second["refresh_token"])
    headers = {"Authorization": f"Bearer {second['access_token']}"}
    now_invalid = requests.get(f"{sim.url}/rest/v1.0/me", headers=headers, timeout=10)

    assert still_valid.status_code == 200
    assert now_invalid.status_code == 401


def test_oauth_access_token_expires_and_refresh_still_works(sim, connect, refresh) -> None:
    token = connect()
    headers = {"Authorization": f"Bearer {token['access_token']}"}

    sim.state.clock.advance(5401)
    expired = requests.get(f"{sim.url}/rest/v1.0/me", headers=headers, timeout=10)

    assert expired.status_code == 401
    assert expired.json()["error"] == "invalid_token"
    assert refresh(token["refresh_token"]).status_code == 200


def test_oauth_revoke_kills_access_and_refresh_token(sim, config, connect, refresh) -> None:
    token = connect()
    data = {"client_id": config.client_id, "client_secret": config.client_secret}

    revoked = requests.post(
        f"{sim.url}/oauth/revoke", data={**data, "token": token["access_token"]}, timeout=10
    )
    unknown = requests.post(f"{sim.url}/oauth/revoke", data={**data, "token": "nope"}, timeout=10)

    headers = {"Authorization": f"Bearer {token['access_token']}"}
    assert (revoked.status_code, unknown.status_code) == (200, 200)
    assert requests.get(f"{sim.url}/rest/v1.0/me", headers=headers, timeout=10).status_code == 401
    assert refresh(token["refresh_token"]).json()["error"] == "invalid_grant"


def test_oauth_user_revocation_kills_all_their_tokens(sim, connect, refresh) -> None:
    token = connect()

    assert sim.state.revoke_user_tokens(DEMO) == 1
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    assert requests.get(f"{sim.url}/rest/v1.0/me", headers=headers, timeout=10).status_code == 401
    assert refresh(token["refresh_token"]).json()["error"] == "invalid_grant"


def test_oauth_token_info_describes_the_token(sim, config, connect) -> None:
    token = connect()

    info = requests.get(
        f"{sim.url}/oauth/token/info",
        headers={"Authorization": f"Bearer {token['access_token']}"},
        timeout=10,
    )

    body = info.json()
    assert body["resource_owner_id"] == 1947221
    assert body["application"] == {"uid": config.client_id}
    assert 5390 <= body["expires_in_seconds"] <= 5400
    assert body["created_at"] == token["created_at"]


def test_oauth_consent_once_skips_the_page_the_second_time(sim, config) -> None:
    sim.state.set_config(consent="once")
    session = requests.Session()
    start = authorize_url(sim.url, config.client_id, config.redirect_uris[0], "s")
    walk(start, DEMO, "procore", session=session)

    again = session.get(start, allow_redirects=False, timeout=10)

    assert again.status_code == 302
    assert "code=" in again.headers["Location"]


def test_oauth_oob_redirect_shows_the_code(sim, config, exchange) -> None:
    oob = "urn:ietf:wg:oauth:2.0:oob"

    result = walk(authorize_url(sim.url, config.client_id, oob), DEMO, "procore")

    assert result.code
    assert exchange(result.code, redirect_uri=oob).status_code == 200
