"""The background thread that POSTs queued webhook events, as Procore's delivery does.

Each hook's queue is delivered in order: JSON body, the hook's own headers (its
``Authorization`` verbatim), a 5-second timeout. A 2xx answer is ``ok`` and resets the
hook's back-off. A non-2xx answer, a timeout or a connection failure pauses the hook: the
next attempt waits ``webhook_retry_base_seconds`` doubled per consecutive failure, at most
an hour, in simulated time (advance the clock to hurry it). Once a hook has been failing
for 12 simulated hours its queue is flushed and every queued event is marked
``discarded``. Outcomes per attempt: ``ok``, ``retried`` (another attempt will follow),
``failed`` (the 12 hours ran out during that attempt) and ``discarded`` (no attempt).

One attempt is under way at a time; hooks take turns, so a long queue does not starve
the others. The thread starts with the first queued event and stays; ``state.reset()`` swaps the
store, and an attempt that was under way then is forgotten.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import requests

from procore_simulator.webhook_events import iso_microseconds
from procore_simulator.webhook_store import Hook, PendingEvent, WebhookStore

if TYPE_CHECKING:
    from procore_simulator.state import SimulatorState

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 5
RETRY_CAP_SECONDS = 3_600
DISCARD_AFTER_SECONDS = 12 * 3_600
POLL_SECONDS = 0.02
BODY_LIMIT = 2_000


@dataclass(frozen=True)
class _Attempt:
    store: WebhookStore
    hook: Hook
    event: PendingEvent
    url: str
    headers: dict[str, str]
    started_at: float


@dataclass(frozen=True)
class _Answer:
    status: int | None
    headers: dict[str, str]
    body: str
    error: str | None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class WebhookDeliverer:
    """Delivers the events of one simulator's hooks from a daemon thread."""

    def __init__(self, state: SimulatorState) -> None:
        self._state = state
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._start_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._last_hook_id = 0

    def wake(self) -> None:
        """Start the thread if needed and let it look at the queues now."""
        with self._start_lock:
            if self._thread is None or not self._thread.is_alive():
                self._stopping.clear()
                self._thread = threading.Thread(
                    target=self._run, name="procore-simulator-webhooks", daemon=True
                )
                self._thread.start()

        self._wake.set()

    def stop(self) -> None:
        """Stop the thread (it starts again with the next event)."""
        with self._start_lock:
            thread = self._thread
            self._thread = None

        if thread is not None:
            self._stopping.set()
            self._wake.set()
            thread.join(timeout=TIMEOUT_SECONDS + 1)

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                attempt = self._next_attempt()
                if attempt is None:
                    self._wake.wait(POLL_SECONDS)
                    self._wake.clear()
                    continue

                self._settle(attempt, _post(attempt))
            except Exception:  # the thread must outlive any one bad delivery
                logger.exception("webhook delivery failed unexpectedly")
                time.sleep(POLL_SECONDS)

    def _next_attempt(self) -> _Attempt | None:
        """Flush hooks failing for 12 h; take the next due event, hooks taking turns."""
        state = self._state
        with state.lock:
            if not state.config.webhooks_enabled:
                return None

            store = state.webhooks
            now = state.clock.now()
            wall = time.monotonic()
            turns = sorted(store.hooks.values(), key=lambda h: (h.id <= self._last_hook_id, h.id))
            for hook in turns:
                if hook.in_flight or not hook.queue:
                    continue
                if _given_up(hook, now):
                    _discard_queue(state, store, hook, now)
                    continue
                if now < hook.next_attempt_at or wall < hook.queue[0].ready_at:
                    continue

                hook.in_flight = True
                self._last_hook_id = hook.id
                headers = {**hook.destination_headers, "Content-Type": "application/json"}
                return _Attempt(store, hook, hook.queue[0], hook.destination_url, headers, now)

        return None

    def _settle(self, attempt: _Attempt, answer: _Answer) -> None:
        """Log the attempt and move the hook's queue and back-off on."""
        state = self._state
        with state.lock:
            hook = attempt.hook
            hook.in_flight = False
            store = state.webhooks
            if store is not attempt.store or store.hooks.get(hook.id) is not hook:
                return

            now = state.clock.now()
            if answer.ok:
                outcome = "ok"
                hook.queue.popleft()
                _clear_back_off(hook)
            else:
                hook.failures += 1
                if hook.failing_since is None:
                    hook.failing_since = attempt.started_at
                outcome = "failed" if _given_up(hook, now) else "retried"
                base = state.config.webhook_retry_base_seconds
                delay = min(base * 2 ** min(hook.failures - 1, 20), RETRY_CAP_SECONDS)
                hook.next_attempt_at = now + delay

            _log(state, store, hook, attempt.event, attempt.started_at, now, answer, outcome)
            if outcome == "failed":
                hook.queue.popleft()
                _discard_queue(state, store, hook, now)


def _post(attempt: _Attempt) -> _Answer:
    body = json.dumps(attempt.event.payload, separators=(",", ":"))
    try:
        response = requests.post(
            attempt.url, data=body, headers=attempt.headers, timeout=TIMEOUT_SECONDS
        )
    except requests.RequestException as error:
        return _Answer(None, {}, "", f"{type(error).__name__}: {error}")

    return _Answer(response.status_code, dict(response.headers), response.text[:BODY_LIMIT], None)


def _given_up(hook: Hook, now: float) -> bool:
    """Whether the hook has been failing for 12 hours of simulated time."""
    return hook.failing_since is not None and now - hook.failing_since >= DISCARD_AFTER_SECONDS


def _discard_queue(state: SimulatorState, store: WebhookStore, hook: Hook, now: float) -> None:
    """The 12 hours are up: every queued event is discarded and the hook starts afresh."""
    skipped = _Answer(None, {}, "", "discarded after 12 hours of failed deliveries")
    while hook.queue:
        _log(state, store, hook, hook.queue.popleft(), now, now, skipped, "discarded")

    _clear_back_off(hook)


def _clear_back_off(hook: Hook) -> None:
    hook.failures = 0
    hook.failing_since = None
    hook.next_attempt_at = 0.0


def _log(
    state: SimulatorState,
    store: WebhookStore,
    hook: Hook,
    event: PendingEvent,
    started_at: float,
    completed_at: float,
    answer: _Answer,
    outcome: str,
) -> dict[str, Any]:
    payload = event.payload
    state.stats.record_webhook_attempt(payload["id"], hook.id, answer.status, outcome, completed_at)
    return store.log_delivery(
        hook,
        event_id=payload["id"],
        started_at=iso_microseconds(started_at),
        completed_at=iso_microseconds(completed_at),
        response_status=answer.status,
        response_headers=answer.headers,
        response_error=answer.error,
        response_body=answer.body,
        outcome=outcome,
        event=payload,
    )
