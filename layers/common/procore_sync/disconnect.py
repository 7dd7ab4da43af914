"""Ending a connection: revoke at Procore, delete our copy of the tokens, stop syncing.

Our copy is deleted even when the revoke fails (the failure is logged); queued jobs find no
connection and cancel themselves. With `purge`, the synced records and runs go too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .observability import logger
from .storage.records import partition
from .tokens import unseal

if TYPE_CHECKING:
    from .services import Services


def disconnect(services: Services, *, user_id: str, purge: bool = False) -> dict[str, Any]:
    connection = services.connections.get(user_id, with_tokens=True)
    result: dict[str, Any] = {"user_id": user_id, "was_connected": connection is not None,
                              "revoked": False, "purged_records": 0}
    if connection is not None:
        if connection.get("token_blob") is not None:
            try:
                tokens = unseal(services.cipher, user_id, connection["token_blob"])
                services.oauth().revoke(token=tokens.access_token)
                result["revoked"] = True
            except Exception as exc:  # noqa: BLE001 - whatever failed, our copy must still go
                logger.warning("procore revoke failed; deleting our tokens anyway",
                               user_id=user_id, error=type(exc).__name__)
        services.connections.delete(user_id)
    if purge:
        companies = (connection or {}).get("companies") or {}
        for company_id in companies:
            result["purged_records"] += services.records.delete_partition(partition(user_id, company_id))
        services.sync_state.delete_all(user_id)
    logger.info("procore disconnected", user_id=user_id, revoked=result["revoked"], purge=purge)
    return result
