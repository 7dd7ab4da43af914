"""Webhook bookkeeping: hooks with their triggers, each hook's queue of events and its
delivery log.

A hook is one destination for one scope (a company, or a project of it). Procore delivers
to a destination in order and pauses it after a failure, so each hook keeps one queue and
one back-off state: ``failures`` (consecutive), ``failing_since`` and ``next_attempt_at``
(simulated seconds). ``state.reset()`` replaces the whole store.
"""

from __future__ import annotations

import itertools
from collections import deque
from dataclasses import dataclass, field
from typing import Any

MASK_VISIBLE = 5  # Procore shows only the last five characters of a stored Authorization


@dataclass
class Trigger:
    """One subscription of a hook: a resource name and an event type."""

    id: int
    hook_id: int
    resource_name: str
    event_type: str
    company_id: int
    project_id: int | None
    user_id: int

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "webhook_hook_id": self.hook_id,
            "resource_name": self.resource_name,
            "resource_id": None,
            "event_type": self.event_type,
            "company_id": self.company_id,
            "project_id": self.project_id,
            "user_id": self.user_id,
        }


@dataclass
class PendingEvent:
    """An event waiting in a hook's queue; ``ready_at`` is wall-clock (monotonic) time."""

    payload: dict[str, Any]
    ready_at: float


@dataclass
class Hook:
    """A destination with its triggers, queue, back-off state and delivery log."""

    id: int
    company_id: int
    project_id: int | None
    user_id: int
    namespace: str
    destination_url: str
    destination_headers: dict[str, str]
    api_version: str
    triggers: dict[int, Trigger] = field(default_factory=dict)
    queue: deque[PendingEvent] = field(default_factory=deque)
    failures: int = 0
    failing_since: float | None = None
    next_attempt_at: float = 0.0
    in_flight: bool = False
    deliveries: list[dict[str, Any]] = field(default_factory=list)

    def has_trigger(self, resource_name: str, event_type: str) -> bool:
        return any(
            trigger.resource_name == resource_name and trigger.event_type == event_type
            for trigger in self.triggers.values()
        )

    def to_json(self) -> dict[str, Any]:
        """The hook as the API shows it, with the Authorization header masked."""
        headers = {
            name: mask(value) if name.lower() == "authorization" else value
            for name, value in self.destination_headers.items()
        }
        return {
            "id": self.id,
            "api_version": self.api_version,
            "destination_url": self.destination_url,
            "destination_headers": headers,
            "namespace": self.namespace,
            "owned_by_company_id": self.company_id,
            "owned_by_project_id": self.project_id,
            "owned_by_user_id": self.user_id,
        }


class WebhookStore:
    """All hooks of one simulator run, with the counters for ids."""

    def __init__(self) -> None:
        self.hooks: dict[int, Hook] = {}
        self._hook_ids = itertools.count(4_201)
        self._trigger_ids = itertools.count(88_001)
        self._delivery_ids = itertools.count(5_500_001)
        self._event_numbers = itertools.count(1)
        self._operation_numbers = itertools.count(1)

    def add_hook(self, **fields: Any) -> Hook:
        hook = Hook(id=next(self._hook_ids), **fields)
        self.hooks[hook.id] = hook
        return hook

    def add_trigger(self, hook: Hook, resource_name: str, event_type: str) -> Trigger:
        trigger = Trigger(
            id=next(self._trigger_ids),
            hook_id=hook.id,
            resource_name=resource_name,
            event_type=event_type,
            company_id=hook.company_id,
            project_id=hook.project_id,
            user_id=hook.user_id,
        )
        hook.triggers[trigger.id] = trigger
        return trigger

    def hooks_of_company(self, company_id: int) -> list[Hook]:
        return [hook for hook in self.hooks.values() if hook.company_id == company_id]

    def next_event_number(self) -> int:
        return next(self._event_numbers)

    def next_operation_number(self) -> int:
        return next(self._operation_numbers)

    def log_delivery(self, hook: Hook, **fields: Any) -> dict[str, Any]:
        """Append one attempt (or discard) to the hook's delivery log and return it."""
        row = {"id": next(self._delivery_ids), **fields}
        hook.deliveries.append(row)
        return row


def mask(value: str) -> str:
    """Hide all but the last five characters, keeping the length."""
    hidden = max(0, len(value) - MASK_VISIBLE)
    return "*" * hidden + value[hidden:]
