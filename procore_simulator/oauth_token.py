"""The token half of OAuth on the login host: ``/oauth/token``, ``/token/info``, ``/revoke``.

``/oauth/token`` takes form-urlencoded, multipart or JSON bodies and client credentials in
the body or as HTTP Basic. Refresh tokens rotate on every success; with
``refresh_token_single_use_even_on_failure`` the presented refresh token dies on any
attempt. Fault knobs can fail the next refresh or drop the next answer after the tokens
were already rotated. Every call is recorded in the stats, without token values.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from typing import Any

from flask import Blueprint, Response, request

from procore_simulator.api_guard import bearer_pair, invalid_token_response
from procore_simulator.context import DROP_CONNECTION_KEY, current_state
from procore_simulator.oauth_errors import NO_STORE, OAuthError, missing
from procore_simulator.responses import json_response
from procore_simulator.state import SimulatorState
from procore_simulator.tokens import TokenPair

logger = logging.getLogger(__name__)
blueprint = Blueprint("oauth_token", __name__)

GRANT_TYPES = ("authorization_code", "refresh_token")


@blueprint.post("/oauth/token")
def token() -> Response:
    state = current_state()
    params = _params()
    basic_used = request.authorization is not None and request.authorization.type == "basic"
    grant_type = params.get("grant_type")
    with state.lock:
        now = state.clock.now()
        try:
            pair = _exchange(state, params, grant_type)
        except OAuthError as error:
            logger.info("token request rejected", extra={"error": error.error})
            state.stats.record_token_call(grant_type, error.error, error.status, now)
            return error.response(basic_used)

        config = state.config
        drop = config.drop_next_token_response or (
            grant_type == "refresh_token" and config.drop_next_refresh_response
        )
        if drop:
            config.drop_next_token_response = False
            if grant_type == "refresh_token":
                config.drop_next_refresh_response = False

        state.stats.record_token_call(
            grant_type, "issued", 200, now, pair.user_id, pair.id, dropped=drop
        )
        body = {
            "access_token": pair.access_token,
            "token_type": "bearer",
            "expires_in": int(pair.expires_at - pair.created_at),
            "refresh_token": pair.refresh_token,
            "created_at": int(pair.created_at),
        }

    if drop:
        logger.info("token response dropped on purpose")
        request.environ[DROP_CONNECTION_KEY] = True

    return json_response(body, 200, NO_STORE)


@blueprint.get("/oauth/token/info")
def token_info() -> Response:
    state = current_state()
    with state.lock:
        pair = bearer_pair(state)
        if pair is None:
            return invalid_token_response()

        body = {
            "resource_owner_id": pair.user_id,
            "scopes": [],
            "expires_in_seconds": max(0, int(pair.expires_at - state.clock.now())),
            "application": {"uid": pair.client_id},
            "created_at": int(pair.created_at),
        }
        return json_response(body)


@blueprint.post("/oauth/revoke")
def revoke() -> Response:
    """Revoke the pair a token belongs to; always 200, as Procore documents."""
    state = current_state()
    params = _params()
    with state.lock:
        if state.config.fail_next_revoke:
            state.config.fail_next_revoke = False
            return json_response({"errors": ["Service Unavailable"]}, 503, {"Retry-After": "30"})
        client_id = _authenticated_client(state, params)
        value = params.get("token") or ""
        pair = state.tokens.by_access(value) or state.tokens.by_refresh(value)
        if client_id is not None and pair is not None and pair.client_id == client_id:
            state.tokens.revoke_pair(pair)
            logger.info("token pair revoked", extra={"pair_id": pair.id})

    return json_response({}, 200, NO_STORE)


def _exchange(state: SimulatorState, params: dict[str, str], grant_type: str | None) -> TokenPair:
    config = state.config
    presented = params.get("refresh_token") if grant_type == "refresh_token" else None
    old_pair = state.tokens.by_refresh(presented) if presented else None
    refresh_was_live = old_pair is not None and not old_pair.refresh_revoked
    if old_pair is not None and config.refresh_token_single_use_even_on_failure:
        old_pair.refresh_revoked = True

    client_id = _authenticated_client(state, params)
    if client_id is None:
        raise OAuthError("invalid_client")

    if not grant_type:
        raise missing("grant_type")

    if grant_type not in GRANT_TYPES:
        raise OAuthError("unsupported_grant_type")

    if grant_type == "authorization_code":
        return _exchange_code(state, params, client_id)

    if not presented:
        raise missing("refresh_token")

    if config.fail_next_refresh:
        config.fail_next_refresh = False
        raise OAuthError("server_error")

    if old_pair is None or not refresh_was_live or old_pair.client_id != client_id:
        raise OAuthError("invalid_grant")

    old_pair.refresh_revoked = True
    if not config.old_access_token_valid_after_refresh:
        old_pair.access_revoked = True

    return state.tokens.issue_pair(
        old_pair.user_id, client_id, state.clock.now(), config.access_token_lifetime
    )


def _exchange_code(state: SimulatorState, params: dict[str, str], client_id: str) -> TokenPair:
    value = params.get("code")
    if not value:
        raise missing("code")

    code = state.tokens.codes.get(value)
    now = state.clock.now()
    if code is None or code.used or now >= code.expires_at or code.client_id != client_id:
        raise OAuthError("invalid_grant")

    redirect_uri = params.get("redirect_uri")
    if redirect_uri is None:
        raise missing("redirect_uri")

    if redirect_uri != code.redirect_uri:
        raise OAuthError("invalid_grant")

    if state.config.pkce != "ignore" and code.code_challenge:
        verifier = params.get("code_verifier") or ""
        if not _pkce_matches(verifier, code.code_challenge, code.code_challenge_method):
            raise OAuthError("invalid_grant")

    code.used = True
    return state.tokens.issue_pair(code.user_id, client_id, now, state.config.access_token_lifetime)


def _pkce_matches(verifier: str, challenge: str, method: str | None) -> bool:
    if not verifier:
        return False

    if method == "S256":
        digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
        computed = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        return hmac.compare_digest(computed, challenge)

    return hmac.compare_digest(verifier, challenge)


def _authenticated_client(state: SimulatorState, params: dict[str, str]) -> str | None:
    """The client id if the request authenticates (HTTP Basic or body), else None."""
    auth = request.authorization
    if auth is not None and auth.type == "basic":
        client_id, secret = auth.username or "", auth.password or ""
    else:
        client_id, secret = params.get("client_id") or "", params.get("client_secret") or ""

    config = state.config
    same_id = hmac.compare_digest(client_id.encode(), config.client_id.encode())
    same_secret = hmac.compare_digest(secret.encode(), config.client_secret.encode())
    return client_id if same_id and same_secret else None


def _params() -> dict[str, str]:
    """Merge query, JSON and form parameters (form wins), as strings."""
    merged: dict[str, Any] = dict(request.args.items())
    if request.is_json:
        data = request.get_json(silent=True)
        if isinstance(data, dict):
            merged.update(data)

    merged.update(request.form.items())
    return {key: str(value) for key, value in merged.items() if value is not None}
