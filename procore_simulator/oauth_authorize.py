"""The browser half of the authorization-code flow on the login host (``/oauth/authorize``).

``GET /oauth/authorize`` checks the client and the exact redirect URI (an error page, never
a redirect, when either is wrong), then shows the sign-in page or, for a signed-in browser,
the consent page. Allow redirects with ``code`` and ``state``; Deny with
``error=access_denied``. Codes for the OOB redirect URI are shown on a page instead.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode, urlsplit, urlunsplit

from flask import Blueprint, redirect, request
from werkzeug.wrappers import Response

from procore_simulator import pages
from procore_simulator.config import OOB_REDIRECT_URI
from procore_simulator.context import current_state
from procore_simulator.oauth_errors import DESCRIPTIONS
from procore_simulator.state import SimulatorState
from procore_simulator.tokens import AuthorizationRequest
from procore_simulator.world import User

logger = logging.getLogger(__name__)
blueprint = Blueprint("oauth_authorize", __name__)

SESSION_COOKIE = "_procore_simulator_session"
PKCE_METHODS = ("S256", "plain")


@blueprint.get("/oauth/authorize")
def authorize() -> Response:
    state = current_state()
    args = request.args
    client_id = args.get("client_id", "")
    redirect_uri = args.get("redirect_uri", "")
    with state.lock:
        config = state.config
        if client_id != config.client_id:
            return _html(pages.error("Unknown application", DESCRIPTIONS["invalid_client"]), 401)

        if not _redirect_allowed(state, redirect_uri):
            message = DESCRIPTIONS["invalid_redirect_uri"]
            return _html(pages.error("Invalid redirect URI", message), 400)

        oauth_state = args.get("state")
        if args.get("response_type") != "code":
            return _redirect_error(redirect_uri, "unsupported_response_type", oauth_state)

        challenge = args.get("code_challenge") or None
        method = args.get("code_challenge_method") or ("plain" if challenge else None)
        if challenge and method not in PKCE_METHODS:
            return _redirect_error(redirect_uri, "invalid_request", oauth_state)

        if config.pkce == "require" and not challenge:
            return _redirect_error(redirect_uri, "invalid_request", oauth_state)

        pending = state.tokens.new_request(
            client_id, redirect_uri, oauth_state, challenge, method, state.clock.now()
        )
        user = _session_user(state)
        if user is None:
            return _html(pages.sign_in(pending.id))

        return _after_sign_in(state, pending, user)


@blueprint.get("/oauth/authorize/sign-in")
def sign_in_page() -> Response:
    state = current_state()
    with state.lock:
        pending = state.tokens.pending_request(request.args.get("request_id", ""), _now(state))
        if pending is None:
            return _expired()

        return _html(pages.sign_in(pending.id))


@blueprint.post("/oauth/authorize/sign-in")
def sign_in() -> Response:
    state = current_state()
    form = request.form
    login = form.get("login", "").strip()
    with state.lock:
        pending = state.tokens.pending_request(form.get("request_id", ""), _now(state))
        if pending is None:
            return _expired()

        user = state.world.find_user(login) if login else None
        if user is None or user.password != form.get("password", ""):
            logger.info("sign-in rejected")
            page = pages.sign_in(pending.id, "Invalid email or password.", login)
            return _html(page)

        session_id = state.tokens.new_session(user.id)

    response = redirect(f"/oauth/authorize/consent?request_id={pending.id}", 302)
    response.set_cookie(SESSION_COOKIE, session_id, httponly=True, samesite="Lax", path="/")
    return response


@blueprint.get("/oauth/authorize/consent")
def consent_page() -> Response:
    state = current_state()
    with state.lock:
        pending = state.tokens.pending_request(request.args.get("request_id", ""), _now(state))
        if pending is None:
            return _expired()

        user = _session_user(state)
        if user is None:
            return _html(pages.sign_in(pending.id))

        return _after_sign_in(state, pending, user)


@blueprint.post("/oauth/authorize/decision")
def decision() -> Response:
    state = current_state()
    with state.lock:
        pending = state.tokens.pending_request(request.form.get("request_id", ""), _now(state))
        if pending is None:
            return _expired()

        user = _session_user(state)
        if user is None:
            return _html(pages.sign_in(pending.id), 401)

        if request.form.get("decision") != "allow":
            state.tokens.requests.pop(pending.id, None)
            logger.info("authorization denied by user")
            return _redirect_error(pending.redirect_uri, "access_denied", pending.state)

        return _grant(state, pending, user)


@blueprint.get("/oauth/authorize/sign-out")
def sign_out() -> Response:
    state = current_state()
    with state.lock:
        state.tokens.sessions.pop(request.cookies.get(SESSION_COOKIE, ""), None)

    request_id = request.args.get("request_id", "")
    response = redirect(f"/oauth/authorize/sign-in?request_id={request_id}", 302)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@blueprint.get("/oauth/authorize/native")
def oob_code() -> Response:
    return _html(pages.oob_code(request.args.get("code", "")))


def _after_sign_in(state: SimulatorState, pending: AuthorizationRequest, user: User) -> Response:
    mode = state.config.consent
    granted_before = (user.id, pending.client_id) in state.tokens.consents
    if mode == "never" or (mode == "once" and granted_before):
        return _grant(state, pending, user)

    return _html(pages.consent(pending.id, user.name, user.login))


def _grant(state: SimulatorState, pending: AuthorizationRequest, user: User) -> Response:
    code = state.tokens.issue_code(
        pending, user.id, state.clock.now(), state.config.authorization_code_lifetime
    )
    state.tokens.consents.add((user.id, pending.client_id))
    logger.info("authorization code issued")
    if pending.redirect_uri == OOB_REDIRECT_URI:
        return redirect(f"/oauth/authorize/native?{urlencode({'code': code.code})}", 302)

    params = {"code": code.code}
    if pending.state is not None:
        params["state"] = pending.state

    return redirect(_with_query(pending.redirect_uri, params), 302)


def _redirect_error(redirect_uri: str, error: str, oauth_state: str | None) -> Response:
    params = {"error": error, "error_description": DESCRIPTIONS.get(error, error)}
    if oauth_state is not None:
        params["state"] = oauth_state

    if redirect_uri == OOB_REDIRECT_URI:
        return _html(pages.error("Authorization failed", params["error_description"]), 400)

    return redirect(_with_query(redirect_uri, params), 302)


def _redirect_allowed(state: SimulatorState, redirect_uri: str) -> bool:
    if redirect_uri == OOB_REDIRECT_URI:
        return state.config.allow_oob_redirect

    return redirect_uri in state.config.redirect_uris


def _with_query(url: str, params: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = "&".join(part for part in (parts.query, urlencode(params)) if part)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def _session_user(state: SimulatorState) -> User | None:
    user_id = state.tokens.sessions.get(request.cookies.get(SESSION_COOKIE, ""))
    return None if user_id is None else state.world.users.get(user_id)


def _now(state: SimulatorState) -> float:
    return state.clock.now()


def _expired() -> Response:
    message = "This sign-in request has expired or is unknown. Start again from the app."
    return _html(pages.error("Request expired", message), 400)


def _html(body: str, status: int = 200) -> Response:
    return Response(body, status=status, content_type="text/html; charset=utf-8")
