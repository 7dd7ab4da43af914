"""Ending a connection: revoke at Procore, delete our copy of the tokens, stop syncing.

Our webhooks in Procore are taken down first, while the token still works. Our copy is deleted
even when the revoke fails (the failure is logged). What remains of the
connection says `not_connected` (`disconnected`) and keeps the company list, so a purge, now
or later, finds every partition of the user's records. Jobs still running see the connection
gone before their next write and stop. With `purge`, the synced records and runs go too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import clock, webhooks
from .connect import fixed_token_client
from .errors import IntegrationError
from .observability import logger
from .storage.connections import NOT_CONNECTED
from .storage.records import partition
from .tokens import revoke_quietly, unseal

if TYPE_CHECKING:
    from .services import Services


def disconnect(services: Services, *, user_id: str, purge: bool = False) -> dict[str, Any]:
    connection = services.connections.get(user_id, with_tokens=True)
    was_connected = connection is not None and connection.get("status") != NOT_CONNECTED
    result: dict[str, Any] = {"user_id": user_id, "was_connected": was_connected,
                              "revoked": False, "purged_records": 0}
    if connection is not None:
        if connection.get("token_blob") is not None:
            try:
                tokens = unseal(services.cipher, user_id, connection["token_blob"])
            except IntegrationError:
                logger.warning("our procore tokens did not decrypt; deleting them anyway", user_id=user_id)
            else:
                _take_down_webhooks(services, user_id, connection, tokens.access_token)
                result["revoked"] = revoke_quietly(services.oauth, user_id=user_id,
                                                   access_token=tokens.access_token)
        services.connections.mark_disconnected(user_id, previous=connection, now=clock.iso())
    if purge:
        company_ids = set((connection or {}).get("companies") or {}) | services.sync_state.company_ids(user_id)
        for company_id in sorted(company_ids):
            result["purged_records"] += services.records.delete_partition(partition(user_id, company_id))
        services.sync_state.delete_all(user_id)
    logger.info("procore disconnected", user_id=user_id, revoked=result["revoked"], purge=purge)
    return result


def _take_down_webhooks(services: Services, user_id: str, connection: dict[str, Any], access_token: str) -> None:
    """Our hooks go before the token does (best effort: a hook left behind only earns refusals,
    since its secret goes with the connection)."""
    hooked = {c: company for c, company in (connection.get("companies") or {}).items()
              if company.get("webhook_hook_id") is not None}
    if not hooked or not services.settings.webhook_url:
        return
    procore = fixed_token_client(services, access_token)
    for company_id, company in hooked.items():
        webhooks.take_down(services, procore, user_id=user_id, company_id=int(company_id), company=company)
