"""Injected faults for resilience tests: latency, random 5xx and 429 answers, timeouts
and reset connections.

Decisions come from a random generator seeded with the world seed, so a run with the same
calls sees the same faults. None of them counts as a real rate-limit exceedance.
"""

from __future__ import annotations

import time

from flask import Response

from procore_simulator.responses import json_response
from procore_simulator.state import SimulatorState

TIMEOUT = "timeout"
RESET = "reset"

RATE_LIMIT_MESSAGE = (
    "You have surpassed the max number of requests for an hour. "
    "Please wait until your limit resets."
)


def sleep_latency(state: SimulatorState) -> None:
    """Delay the answer by ``latency_ms``; called outside the state lock."""
    latency_ms = state.config.latency_ms
    if latency_ms > 0:
        time.sleep(latency_ms / 1000)


def too_many_requests(headers: dict[str, str], retry_after: int, with_retry_after: bool):
    """Procore's 429: rate headers, optional ``Retry-After`` and the plain-text message."""
    all_headers = dict(headers)
    if with_retry_after:
        all_headers["Retry-After"] = str(retry_after)

    return Response(
        RATE_LIMIT_MESSAGE,
        status=429,
        headers=all_headers,
        content_type="text/plain; charset=utf-8",
    )


def injected(state: SimulatorState) -> Response | None:
    """Roll the dice for a fault; the caller holds the state lock."""
    config = state.config
    rng = state.fault_rng
    if config.rate_429 > 0 and rng.random() < config.rate_429:
        state.stats.injected_429 += 1
        window = config.spike_window_seconds
        headers = {
            "X-Rate-Limit-Limit": str(config.spike_limit),
            "X-Rate-Limit-Remaining": "0",
            "X-Rate-Limit-Reset": str(int(state.clock.now()) + window),
        }
        return too_many_requests(headers, window, config.retry_after_on_429)

    if config.error_rate_5xx > 0 and rng.random() < config.error_rate_5xx:
        state.stats.injected_5xx += 1
        status = config.fault_5xx_status or (503 if rng.random() < 0.5 else 500)
        if status == 503:
            return json_response({"errors": ["Service Unavailable"]}, 503, {"Retry-After": "2"})

        return json_response({"errors": ["Internal Server Error"]}, status)

    return None


def connection_fault(state: SimulatorState) -> str | None:
    """Roll for a slow answer (``TIMEOUT``) or a closed connection (``RESET``).

    The caller holds the state lock; it sleeps ``timeout_seconds`` after releasing it, or
    drops the connection instead of answering.
    """
    config = state.config
    rng = state.fault_rng
    if config.timeout_rate > 0 and rng.random() < config.timeout_rate:
        state.stats.injected_timeouts += 1
        return TIMEOUT

    if config.reset_rate > 0 and rng.random() < config.reset_rate:
        state.stats.injected_resets += 1
        return RESET

    return None
