"""Procore webhooks for one connection and company: set up, taken down, and told apart from forgeries.

Webhooks are hints: Procore sends ids only, at least once, unsigned. The scheduled sync stays
the source of truth; a webhook only makes us fetch one record (or one project's bids) sooner.

One hook per (user, company), in our namespace, pointing at `WEBHOOK_URL` with the connection in
its query (so each user's hook is told apart from another Palcode.ai user's in the same company,
and only our own is ever removed). Procore echoes the
`Authorization` value we give the hook, so that value names the connection and carries a
secret: `Bearer v1.<user id, base64url>.<company id>.<secret>`. We keep only the secret's
SHA-256, next to the company in the connection item, and compare in constant time.

Which triggers exist is Procore's to say (a trigger it does not offer is refused and skipped).
A user who may not manage webhooks (403) is synced by the schedule alone, and status says so.
A company whose hooks could not be set up for another reason is tried again by a later sync.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import clock
from .observability import count, logger
from .procore.client import ProcoreClient
from .procore.errors import AppNotInstalledError, ProcoreError, ProcoreForbiddenError

if TYPE_CHECKING:
    from .services import Services

NAMESPACE = "palcode-procore-sync"
HOOKS = "/rest/v1.0/webhooks/hooks"
EVENT_TYPES = ("create", "update", "delete")
RESOURCES = ("Projects", "Company Vendors", "Project Vendors", "Bids", "Bid Packages")
RETRY_SETUP_SECONDS = 86400  # a company whose setup failed is tried again a day later
# company fields in the connection item
FIELDS = ("webhooks", "webhook_reason", "webhook_hook_id", "webhook_secret_hash", "webhook_triggers",
          "webhooks_checked_at")
ACTIVE, UNAVAILABLE = "active", "unavailable"


@dataclass(frozen=True)
class HookCaller:
    """Who a delivery claims to be for, from its Authorization header."""

    user_id: str
    company_id: int
    secret: str


def _user_part(user_id: str) -> str:
    return base64.urlsafe_b64encode(user_id.encode()).decode().rstrip("=")


def authorization(user_id: str, company_id: int, secret: str) -> str:
    return f"Bearer v1.{_user_part(user_id)}.{company_id}.{secret}"


def destination(url: str, user_id: str, company_id: int) -> str:
    return f"{url}?connection={_user_part(user_id)}.{company_id}"


def parse_authorization(header: str | None) -> HookCaller | None:
    """The connection a delivery names, or None when the header is not one of ours."""
    if not header or len(header) > 1000:
        return None
    scheme, _, value = header.partition(" ")
    parts = value.split(".")
    if scheme != "Bearer" or len(parts) != 4 or parts[0] != "v1" or not parts[2].isdigit():
        return None
    try:
        user_id = base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    if not user_id or not parts[3]:
        return None
    return HookCaller(user_id=user_id, company_id=int(parts[2]), secret=parts[3])


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def is_genuine(caller: HookCaller, company: dict[str, Any]) -> bool:
    """Whether the secret matches the one we gave this company's hook (constant time)."""
    stored = str(company.get("webhook_secret_hash") or "")
    return hmac.compare_digest(secret_hash(caller.secret), stored) and bool(stored)


def setup_due(company: dict[str, Any], *, now: float) -> bool:
    """Whether a sync of this company should (re)create its hook."""
    if company.get("webhooks") == ACTIVE:
        return False
    checked = company.get("webhooks_checked_at")
    return not checked or now - clock.parse_iso(str(checked)) >= RETRY_SETUP_SECONDS


def set_up(services: Services, procore: ProcoreClient, *, user_id: str, company_id: int) -> dict[str, Any]:
    """Create our hook and its triggers in the company; returns the company fields to store.
    Never raises for a Procore refusal: the schedule syncs the company either way."""
    url = destination(services.settings.webhook_url, user_id, company_id)
    now = clock.iso()
    try:
        _remove_ours(procore, company_id, url)
        secret = secrets.token_urlsafe(32)
        # the hash is stored before the hook exists, so its first delivery is recognised
        services.connections.set_company_fields(user_id, str(company_id), {"webhook_secret_hash": secret_hash(secret)})
        hook = procore.post(HOOKS, company_id=company_id, body={
            "company_id": company_id,
            "hook": {"api_version": "v2", "namespace": NAMESPACE, "destination_url": url,
                     "destination_headers": {"Authorization": authorization(user_id, company_id, secret)}},
        })
        hook_id = int(hook["id"])
        triggers = []
        for resource in RESOURCES:
            for event_type in EVENT_TYPES:
                try:
                    procore.post(f"{HOOKS}/{hook_id}/triggers", company_id=company_id, body={
                        "company_id": company_id, "api_version": "v2",
                        "trigger": {"resource_name": resource, "event_type": event_type}})
                except ProcoreError as exc:
                    if exc.status not in (400, 404, 422):
                        raise
                    continue  # Procore does not offer this one
                triggers.append(f"{resource}:{event_type}")
    except (ProcoreForbiddenError, AppNotInstalledError) as exc:
        count("WebhookSetupsRefused")
        logger.info("procore webhooks not permitted; polling only", user_id=user_id, company_id=company_id,
                    error=exc.reason)
        return {"webhooks": UNAVAILABLE, "webhook_reason": "no_webhook_permission", "webhooks_checked_at": now}
    except (ProcoreError, KeyError, TypeError, ValueError) as exc:
        count("WebhookSetupsFailed")
        logger.warning("procore webhooks could not be set up; polling only for now", user_id=user_id,
                       company_id=company_id, error=str(exc)[:300])
        return {"webhooks": UNAVAILABLE, "webhook_reason": "webhook_setup_failed", "webhooks_checked_at": now}
    logger.info("procore webhooks set up", user_id=user_id, company_id=company_id, triggers=len(triggers))
    return {"webhooks": ACTIVE, "webhook_reason": None, "webhook_hook_id": hook_id, "webhook_triggers": triggers,
            "webhooks_checked_at": now}


def take_down(services: Services, procore: ProcoreClient, *, user_id: str, company_id: int,
              company: dict[str, Any]) -> bool:
    """Delete our hook in the company (best effort); True when Procore no longer has it."""
    url = destination(services.settings.webhook_url, user_id, company_id)
    try:
        if company.get("webhook_hook_id") is not None:
            procore.delete(f"{HOOKS}/{int(company['webhook_hook_id'])}", company_id=company_id,
                           params={"company_id": company_id})
        _remove_ours(procore, company_id, url)
    except ProcoreError as exc:
        logger.warning("procore webhook not removed; its deliveries will be refused", company_id=company_id,
                       error=exc.reason)
        return False
    return True


def _remove_ours(procore: ProcoreClient, company_id: int, url: str) -> None:
    """Any hook of this connection's already there (from before a reconnect) goes, so deliveries
    never double."""
    hooks = procore.get(HOOKS, company_id=company_id, params={"company_id": company_id, "namespace": NAMESPACE})
    for hook in hooks if isinstance(hooks, list) else []:
        if isinstance(hook, dict) and hook.get("destination_url") == url and hook.get("id") is not None:
            procore.delete(f"{HOOKS}/{int(hook['id'])}", company_id=company_id, params={"company_id": company_id})
