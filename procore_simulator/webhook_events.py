"""The webhook emitter: a data change becomes one v2.0 event per matching hook.

State mutations (``create_record``, ``update_record``, ``delete_record``, churn, growth)
describe each changed record as a ``Change`` while it still exists, then call ``emit``.
A company hook hears every change in its company; a project hook only changes that carry
its project (bids, bid packages). A hook hears a change when it has a trigger for that
resource and event type, and the knobs still allow that event type.

Payload (API notes, section 7): ``id`` (large int), ``ulid`` (26 chars), ``timestamp`` (ISO
UTC with microseconds, simulated time), ``user_id``, ``company_id``, ``project_id`` (null for
company-level resources), ``api_version`` "v2", ``event_type``, ``resource_name``,
``resource_id`` and ``metadata`` with the ``source_*`` fields. The changes are attributed to
the company's first staff member (not to an OAuth user, so a sync that ignores echoes of its
own user's writes still sees them); all events of one mutation share ``source_operation_id``.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from procore_simulator import webhook_catalog
from procore_simulator.webhook_store import PendingEvent
from procore_simulator.world import World

if TYPE_CHECKING:
    from procore_simulator.state import SimulatorState

EVENT_ID_BASE = 7_431_000_000_000
OPERATION_ID_BASE = 912_000_000
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


@dataclass(frozen=True)
class Change:
    """One record that was created, updated or deleted, with the scope it lived in."""

    entity: str
    kind: str
    record_id: int
    company_id: int
    project_id: int | None
    user_id: int | None


def change_of(world: World, entity: str, record: dict[str, Any], kind: str) -> Change | None:
    """Describe a change of a stored record; None for entities without webhooks."""
    if entity in ("projects", "vendors"):
        company_id, project_id = record["_company_id"], None
    elif entity == "bid_packages":
        project_id = record["project_id"]
        company_id = world.company_of_project(project_id)
    elif entity == "bids":
        company_id, project_id = record["company_id"], record["_project_id"]
    else:
        return None

    if company_id is None:
        return None

    staff = world.records["companies"].get(company_id, {}).get("_staff") or [{}]
    return Change(entity, kind, record["id"], company_id, project_id, staff[0].get("id"))


def emit(state: SimulatorState, changes: list[Change]) -> None:
    """Queue the events for these changes; the caller holds the state lock."""
    config = state.config
    store = state.webhooks
    if not config.webhooks_enabled or not store.hooks or not changes:
        return

    operation_id = OPERATION_ID_BASE + store.next_operation_number()
    now = state.clock.now()
    ready_at = time.monotonic() + config.webhook_delay_ms / 1000
    queued = False
    for change in changes:
        resource = webhook_catalog.for_entity(config, change.entity)
        if resource is None or change.kind not in webhook_catalog.event_types(config, resource):
            continue

        for hook in store.hooks_of_company(change.company_id):
            if hook.project_id is not None and hook.project_id != change.project_id:
                continue
            if not hook.has_trigger(resource.name, change.kind):
                continue

            number = store.next_event_number()
            event = payload(change, resource, number, operation_id, now, config.seed)
            duplicated = config.webhook_duplicate_rate > 0 and (
                state.fault_rng.random() < config.webhook_duplicate_rate
            )
            for _ in range(2 if duplicated else 1):
                hook.queue.append(PendingEvent(event, ready_at))

            state.stats.record_webhook_event(duplicated)
            queued = True

    if queued:
        state.webhook_deliverer.wake()


def payload(
    change: Change,
    resource: webhook_catalog.Resource,
    number: int,
    operation_id: int,
    now: float,
    seed: int,
) -> dict[str, Any]:
    """The v2.0 event body for one change."""
    project_id = change.project_id if resource.project_level else None
    entropy = hashlib.sha256(f"procore-simulator-event:{seed}:{number}".encode()).digest()
    return {
        "id": EVENT_ID_BASE + number,
        "ulid": ulid(int(now * 1000), entropy),
        "timestamp": iso_microseconds(now),
        "user_id": change.user_id,
        "company_id": change.company_id,
        "project_id": project_id,
        "api_version": "v2",
        "event_type": change.kind,
        "resource_name": resource.name,
        "resource_id": change.record_id,
        "metadata": {
            "source_user_id": change.user_id,
            "source_company_id": change.company_id,
            "source_project_id": project_id,
            "source_application_id": None,
            "source_operation_id": operation_id,
        },
    }


def ulid(milliseconds: int, entropy: bytes) -> str:
    """A ULID: 48 bits of milliseconds and 80 bits of entropy in 26 Crockford base-32 chars."""
    value = (milliseconds & (2**48 - 1)) << 80 | int.from_bytes(entropy[:10], "big")
    return "".join(_CROCKFORD[(value >> (5 * shift)) & 31] for shift in reversed(range(26)))


def iso_microseconds(timestamp: float) -> str:
    """``2026-05-01T12:00:00.123456Z``."""
    return datetime.fromtimestamp(timestamp, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
