"""Checks every REST call passes before its handler runs, in Procore's order.

1. Bearer token (401 ``invalid_token`` for missing, unknown, expired or revoked tokens).
2. Rate limits per access token (429), then injected faults (5xx, 429, timeouts, resets).
3. ``Procore-Company-Id`` header (except on /me and /companies): present, a company the
   user belongs to, and the app installed there (403 "App is not connected ...").
"""

from __future__ import annotations

import time

from flask import Response, g, request

from procore_simulator import faults, visibility
from procore_simulator.context import DROP_CONNECTION_KEY, current_state
from procore_simulator.rate_limit import Limit
from procore_simulator.responses import ApiError, json_response
from procore_simulator.state import SimulatorState
from procore_simulator.tokens import TokenPair
from procore_simulator.world import User

API_PREFIX = "/rest/"
HEADER_EXEMPT_ENDPOINTS = frozenset({"api_account.me", "api_account.companies"})
NOT_CONNECTED = "App is not connected to this company."
MISSING_HEADER = "Missing Procore-Company-Id header!"


def invalid_token_response() -> Response:
    description = "The access token is invalid"
    return json_response(
        {"error": "invalid_token", "error_description": description},
        401,
        {
            "WWW-Authenticate": (
                f'Bearer realm="Doorkeeper", error="invalid_token", '
                f'error_description="{description}"'
            )
        },
    )


def bearer_pair(state: SimulatorState) -> TokenPair | None:
    """The valid token pair behind the request's Bearer header, or None."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None

    pair = state.tokens.by_access(token.strip())
    if pair is None or not pair.access_valid(state.clock.now()):
        return None

    if pair.user_id not in state.world.users:
        return None

    return pair


def guard() -> Response | None:
    """``before_request`` hook: return an error response, or None to run the handler.

    An injected timeout holds the answer (the error, or the handler's) back for
    ``timeout_seconds`` after the lock is released; an injected reset answers nothing.
    """
    if not request.path.startswith(API_PREFIX):
        return None

    state = current_state()
    faults.sleep_latency(state)
    with state.lock:
        answer, connection = _checks(state)
        delay = state.config.timeout_seconds if connection == faults.TIMEOUT else 0

    if connection == faults.RESET:
        request.environ[DROP_CONNECTION_KEY] = True
        return Response(status=500)

    if delay:
        time.sleep(delay)

    return answer


def _checks(state: SimulatorState) -> tuple[Response | None, str | None]:
    """Run the checks in order; return the error answer (or None) and a connection fault."""
    pair = bearer_pair(state)
    if pair is None:
        state.stats.unauthorized_calls += 1
        return invalid_token_response(), None

    user = state.world.users[pair.user_id]
    g.simulator_user = user
    g.simulator_pair = pair
    state.stats.record_api_call(user.id, pair.id, _header_company_id())

    limited = _rate_limit(state, user, pair)
    if limited is not None:
        return limited, None

    fault = faults.injected(state)
    if fault is not None:
        return fault, None

    connection = faults.connection_fault(state)
    try:
        _check_company(state, user)
    except ApiError as error:
        return error.response(), connection

    return None, connection


def _rate_limit(state: SimulatorState, user: User, pair: TokenPair) -> Response | None:
    config = state.config
    if not config.rate_limits_enabled:
        return None

    key = pair.id if config.rate_limit_key == "access_token" else f"user-{user.id}"
    limits = [
        Limit("spike", config.spike_limit, config.spike_window_seconds),
        Limit("hourly", config.hourly_limit, config.hourly_window_seconds),
    ]
    decision = state.rate_limiter.hit(key, limits, state.clock.now())
    g.simulator_rate_headers = decision.headers()
    if decision.allowed:
        return None

    state.stats.record_rate_limited(user.id, pair.id)
    return faults.too_many_requests(
        decision.headers(), decision.retry_after, config.retry_after_on_429
    )


def _header_company_id() -> int | None:
    raw = request.headers.get("Procore-Company-Id", "").strip()
    return int(raw) if raw.isdigit() else None


def _check_company(state: SimulatorState, user: User) -> None:
    endpoint = request.endpoint
    if endpoint is None:
        return

    scoped_me = endpoint == "api_account.me" and (
        "company_id" in request.args or "project_id" in request.args
    )
    if endpoint in HEADER_EXEMPT_ENDPOINTS and not scoped_me:
        return

    raw = request.headers.get("Procore-Company-Id")
    if raw is None or not raw.strip():
        raise ApiError(state.config.missing_company_header_status, MISSING_HEADER)

    if not raw.strip().isdigit():
        raise ApiError(400, "Invalid Procore-Company-Id header!")

    company_id = int(raw.strip())
    check_company_access(state, user, company_id)
    g.simulator_company_id = company_id


def check_company_access(state: SimulatorState, user: User, company_id: int) -> None:
    """Raise unless the user belongs to the company and the app is installed there."""
    if not visibility.is_member(state.world, user, company_id):
        raise ApiError(state.config.foreign_company_status, "Not found")

    if not state.world.records["companies"][company_id]["_installed"]:
        raise ApiError(403, NOT_CONNECTED)


def add_response_headers(response: Response) -> Response:
    """``after_request`` hook: request id everywhere, rate headers on API answers."""
    response.headers.setdefault("X-Request-Id", g.get("simulator_request_id", ""))
    rate_headers = g.get("simulator_rate_headers")
    if rate_headers and request.path.startswith(API_PREFIX):
        for name, value in rate_headers.items():
            response.headers.setdefault(name, value)

    return response
