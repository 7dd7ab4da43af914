"""A webhook delivery from Procore: who it is for, whether it is genuine, and what to fetch.

The receiver answers within Procore's 5 seconds by doing nothing but this: check the
Authorization value against the connection's stored secret hash (constant time), read the event,
and queue a hint. Anything not genuine is refused before anything is fetched or queued.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from . import clock, webhooks
from .http import BadRequest, Unauthorized
from .observability import count, logger
from .storage.connections import CONNECTED
from .sync.jobs import HintJob

if TYPE_CHECKING:
    from .services import Services

# Procore resource names → what we fetch for them
HINTS = {
    "Projects": "project",
    "Company Vendors": "vendor",
    "Project Vendors": "vendor",  # a project's directory entry is a company vendor
    "Bids": "project_bids",
    "Bid Packages": "project_bids",
}


class ProcoreEvent(BaseModel):
    """What we use of Procore's webhook payload (v2); the rest is ignored."""

    model_config = ConfigDict(extra="ignore")

    id: int | str
    resource_name: str = Field(max_length=100)
    resource_id: int
    event_type: str = Field(max_length=20)
    company_id: int
    project_id: int | None = None


def authenticate(services: Services, authorization: str | None) -> webhooks.HookCaller:
    """The connection the delivery is for; Unauthorized unless its secret is the one we set."""
    caller = webhooks.parse_authorization(authorization)
    connection = services.connections.get(caller.user_id) if caller else None
    company = ((connection or {}).get("companies") or {}).get(str(caller.company_id)) if caller else None
    if caller is None or connection is None or connection.get("status") != CONNECTED or not company \
            or not webhooks.is_genuine(caller, company):
        count("WebhookDeliveriesRefused")
        logger.warning("webhook delivery refused: not one of our hooks")
        raise Unauthorized()
    return caller


def read_event(caller: webhooks.HookCaller, body: dict[str, Any]) -> ProcoreEvent:
    try:
        event = ProcoreEvent.model_validate(body)
    except ValidationError as exc:
        field = ".".join(str(p) for p in exc.errors()[0]["loc"]) or "body"
        raise BadRequest(field, "not a Procore webhook event") from None
    if event.company_id != caller.company_id:
        raise BadRequest("company_id", "the event is for another company than its hook")
    return event


def hint_for(caller: webhooks.HookCaller, event: ProcoreEvent) -> HintJob | None:
    entity = HINTS.get(event.resource_name)
    if entity is None or (entity == "project_bids" and event.project_id is None):
        return None
    return HintJob(user_id=caller.user_id, company_id=caller.company_id, entity=entity,  # type: ignore[arg-type]
                   record_id=event.resource_id, project_id=event.project_id, event_type=event.event_type,
                   event_id=str(event.id))


def accept(services: Services, caller: webhooks.HookCaller, event: ProcoreEvent) -> dict[str, Any]:
    """Queue the hint and note when the company's last event arrived. Runs once per event id."""
    hint = hint_for(caller, event)
    services.connections.set_company_fields(caller.user_id, str(caller.company_id),
                                            {"last_webhook_event_at": clock.iso()})
    if hint is None:
        logger.info("webhook event ignored: nothing we sync", resource=event.resource_name,
                    user_id=caller.user_id, company_id=caller.company_id)
        return {"accepted": False, "reason": "not_synced"}
    services.queue.send([hint])
    count("WebhookHintsQueued")
    logger.info("webhook hint queued", user_id=caller.user_id, company_id=caller.company_id,
                webhook_event_id=hint.event_id, entity=hint.entity, procore_id=hint.record_id)
    return {"accepted": True}
