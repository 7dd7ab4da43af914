"""Every way a callback can go wrong sends the browser back with a reason and stores nothing."""

from __future__ import annotations

import requests

from procore_sync import clock
from procore_sync.services import get_services
from scripts.connect_flow import authorize, follow_callback

from .conftest import DEMO_LOGIN, PASSWORD


def _nothing_stored(user_id: str) -> bool:
    return get_services().connections.get(user_id, with_tokens=True) is None


def _authorize(local, user_id, **kwargs):
    return authorize(local.api, local.token(user_id), login=DEMO_LOGIN, password=PASSWORD, **kwargs)


def test_deny_on_procores_consent_page_comes_back_as_access_denied(local, user_id):
    browser, callback = _authorize(local, user_id, decision="deny")
    result = follow_callback(browser, callback)
    assert (result.outcome, result.reason) == ("error", "access_denied")
    assert _nothing_stored(user_id)


def test_a_replayed_callback_is_refused(local, user_id):
    browser, callback = _authorize(local, user_id)
    assert follow_callback(browser, callback).outcome == "connected"
    local.settle()
    replay = follow_callback(browser, callback)
    assert (replay.outcome, replay.reason) == ("error", "invalid_state")


def test_a_callback_opened_in_another_browser_is_refused_and_stores_nothing(local, user_id):
    # GIVEN an attacker started the flow and signed in to their own Procore account
    _, callback = _authorize(local, user_id)
    # WHEN the victim's browser (without the attacker's cookie) opens the callback link
    result = follow_callback(requests.Session(), callback)
    # THEN it is refused and no connection exists
    assert (result.outcome, result.reason) == ("error", "browser_mismatch")
    assert _nothing_stored(user_id)


def test_a_state_started_by_another_user_does_not_complete_in_my_browser(local, user_id):
    mine, _ = _authorize(local, user_id)  # my browser has my own flow's cookie
    _, theirs = _authorize(local, user_id + "-other")
    result = follow_callback(mine, theirs)
    assert result.reason == "browser_mismatch"
    assert _nothing_stored(user_id + "-other")


def test_an_expired_state_is_refused(local, user_id, monkeypatch):
    browser, callback = _authorize(local, user_id)
    later = clock.now() + 601
    monkeypatch.setattr(clock, "now", lambda: later)
    result = follow_callback(browser, callback)
    assert (result.outcome, result.reason) == ("error", "expired_state")
    assert _nothing_stored(user_id)


def test_unknown_state_and_missing_code_are_refused(local, user_id):
    browser, callback = _authorize(local, user_id)
    unknown = follow_callback(browser, f"{local.api}/integrations/procore/callback?code=abc&state=forged")
    assert unknown.reason == "invalid_state"
    without_code = callback.split("?")[0] + "?" + "&".join(
        part for part in callback.split("?")[1].split("&") if not part.startswith("code="))
    result = follow_callback(browser, without_code)
    assert result.reason == "missing_code"
    assert _nothing_stored(user_id)


def test_a_code_procore_rejects_is_refused(local, user_id):
    browser, callback = _authorize(local, user_id)
    tampered = callback.replace("code=", "code=x")
    result = follow_callback(browser, tampered)
    assert (result.outcome, result.reason) == ("error", "code_rejected")
    assert _nothing_stored(user_id)


def test_return_to_outside_the_allow_list_is_refused(local, user_id):
    response = requests.post(f"{local.api}/integrations/procore/connect", json={"return_to": "https://evil.test/"},
                             headers={"Authorization": f"Bearer {local.token(user_id)}"}, timeout=30)
    assert response.status_code == 400
    assert response.json()["error"] == "return_url_not_allowed"
    assert response.json()["field"] == "return_to"


def test_routes_refuse_a_caller_without_a_valid_token(local):
    for method, path in (("post", "/integrations/procore/connect"), ("get", "/integrations/procore/status"),
                         ("post", "/integrations/procore/disconnect")):
        response = getattr(requests, method)(f"{local.api}{path}", timeout=30)
        assert response.status_code == 401
        forged = getattr(requests, method)(f"{local.api}{path}", headers={"Authorization": "Bearer x.y.z"},
                                           timeout=30)
        assert forged.status_code == 401


def _post(local, user_id, path, **kwargs):
    return requests.post(f"{local.api}/integrations/procore/{path}",
                         headers={"Authorization": f"Bearer {local.token(user_id)}", **kwargs.pop("headers", {})},
                         timeout=30, **kwargs)


def test_a_body_nested_too_deep_to_parse_is_a_400_naming_the_body_not_a_500(local, user_id):
    for path in ("connect", "disconnect"):
        response = _post(local, user_id, path, data="[" * 100_000 + "]" * 100_000,
                         headers={"Content-Type": "application/json"})
        assert response.status_code == 400, path
        assert response.json()["field"] == "body"


def test_a_json_body_sent_with_a_form_content_type_is_read_as_json(local, user_id):
    # curl -d sends application/x-www-form-urlencoded; HTTP API hands such bodies over base64-encoded
    response = _post(local, user_id, "disconnect", data='{"purge": "yes"}',
                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 400
    assert response.json()["field"] == "purge"


def test_return_to_that_is_not_a_string_is_refused_as_a_bad_field(local, user_id):
    for value in (5, True, {}, ["x"]):
        response = _post(local, user_id, "connect", json={"return_to": value})
        assert response.status_code == 400
        assert response.json()["field"] == "return_to"


def test_every_answer_about_a_connection_is_marked_no_store(local, user_id):
    status = requests.get(f"{local.api}/integrations/procore/status",
                          headers={"Authorization": f"Bearer {local.token(user_id)}"}, timeout=30)
    disconnect = _post(local, user_id, "disconnect", json={})
    assert status.headers["Cache-Control"] == disconnect.headers["Cache-Control"] == "no-store"
    assert status.json()["reason"] == "no_connection"


def test_a_user_id_too_long_to_key_our_tables_is_unauthorized(local):
    token = local.stack.make_user_token("u" * 5000)
    response = requests.get(f"{local.api}/integrations/procore/status", headers={"Authorization": f"Bearer {token}"},
                            timeout=30)
    assert response.status_code == 401
    assert response.json()["message"] == "Unauthorized"


def test_cors_allows_only_the_configured_origin(local):
    def preflight(origin):
        return requests.options(f"{local.api}/integrations/procore/status", timeout=30, headers={
            "Origin": origin, "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization"})

    allowed = preflight(local.api)  # the local stack configures the gateway's own origin
    assert allowed.headers.get("Access-Control-Allow-Origin") == local.api
    foreign = preflight("https://evil.example")
    assert "Access-Control-Allow-Origin" not in foreign.headers
