"""The OAuth states table: one item per connect flow in progress, keyed by the state's hash.

The state itself is never stored, only its SHA-256. Expiry is checked here, by our code:
DynamoDB's TTL only removes old items eventually.
"""

from __future__ import annotations

import hashlib
from typing import Any

from .. import aws


def state_hash(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


class OAuthStateRepository:
    def __init__(self, table_name: str) -> None:
        self._table = aws.table(table_name)

    def put(self, state: str, item: dict[str, Any], *, expires_at: int) -> None:
        self._table.put_item(
            Item={**item, "state_hash": state_hash(state), "expires_at": expires_at, "ttl": expires_at + 86400},
            ConditionExpression="attribute_not_exists(state_hash)",
        )

    def consume(self, state: str) -> dict[str, Any] | None:
        """Delete the state and return what it held; a second call for the same state gets None."""
        response = self._table.delete_item(Key={"state_hash": state_hash(state)}, ReturnValues="ALL_OLD")
        return response.get("Attributes")
