"""What a user changes about their sync: which companies sync, and "sync now".

"Sync now" queues at most one run per connection: while a run is still waiting or running,
asking again answers with that run; asking again within `MANUAL_SYNC_INTERVAL_SECONDS` of the
last request is refused with the seconds to wait (the route answers 429 with Retry-After).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import clock
from .errors import IntegrationError, NotConnectedError
from .status import json_ready
from .storage.connections import CONNECTED, NOT_CONNECTED
from .sync.dispatch import queue_unless_running, selected_company_ids
from .sync.jobs import UnhookJob

if TYPE_CHECKING:
    from .services import Services

MANUAL_SYNC_INTERVAL_SECONDS = 60


class NotSyncableError(IntegrationError):
    """The connection cannot sync now (reauthorization required); `reason` says why."""


class SyncTooSoonError(IntegrationError):
    """A sync was asked for too recently."""

    reason = "sync_requested_too_often"

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"ask again in {retry_after} s")
        self.retry_after = retry_after


class UnknownCompanyError(IntegrationError):
    """A company id the user's Procore account does not have."""

    reason = "unknown_company"


def _connection(services: Services, user_id: str) -> dict[str, Any]:
    connection = services.connections.get(user_id)
    if connection is None or connection.get("status") == NOT_CONNECTED:
        raise NotConnectedError("no Procore connection")
    return connection


def companies(services: Services, user_id: str) -> list[dict[str, Any]]:
    connection = _connection(services, user_id)
    return json_ready([
        {"id": company_id, "name": company.get("name"), "selected": bool(company.get("selected", True)),
         "app_installed": bool(company.get("app_installed", True))}
        for company_id, company in sorted((connection.get("companies") or {}).items(), key=lambda c: int(c[0]))
    ])


def select_companies(services: Services, user_id: str, company_ids: list[int]) -> list[dict[str, Any]]:
    """Sync exactly these companies from now on."""
    connection = _connection(services, user_id)
    known = connection.get("companies") or {}
    wanted = {str(company_id) for company_id in company_ids}
    unknown = sorted(wanted - set(known), key=int)
    if unknown:
        shown = ", ".join(unknown[:10]) + (f" and {len(unknown) - 10} more" if len(unknown) > 10 else "")
        raise UnknownCompanyError(f"not one of your Procore companies: {shown}")
    for company_id in known:
        services.connections.set_company_fields(user_id, company_id, {"selected": company_id in wanted})
    # a company no longer synced loses its webhook (a worker takes it down, with the token);
    # one newly selected gets its webhook from its next sync
    dropped = [UnhookJob(user_id=user_id, company_id=int(c)) for c, company in known.items()
               if c not in wanted and company.get("webhook_hook_id") is not None]
    services.queue.send(dropped)
    return companies(services, user_id)


def sync_now(services: Services, user_id: str) -> dict[str, Any]:
    """Queue a sync run, or point at the one still under way."""
    connection = _connection(services, user_id)
    if connection.get("status") != CONNECTED:
        raise NotSyncableError("Procore must be authorized again before it can sync",
                               reason=str(connection.get("reason") or "reauthorization_required"))
    if not selected_company_ids(connection.get("companies") or {}):
        raise NotSyncableError("no company is selected to sync", reason="no_company_selected")
    now = clock.now()
    last = services.connections.claim_manual_sync(user_id, now=now, interval=MANUAL_SYNC_INTERVAL_SECONDS)
    if last is not None:
        raise SyncTooSoonError(max(1, int(last + MANUAL_SYNC_INTERVAL_SECONDS - now) + 1))
    run_id, queued = queue_unless_running(services, user_id=user_id, companies=connection.get("companies") or {},
                                          trigger="manual")
    return {"sync_run_id": run_id, "queued": queued}
