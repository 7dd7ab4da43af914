"""The records table: one item per Procore record synced for a user.

Keys: `pk = user#<user_id>#company#<company_id>` so that a user's reads never touch another
user's items; `sk` names the entity and its ids:
`project#<id>`, `vendor#<id>`, `bid_package#<project_id>#<id>`,
`bid#<project_id>#<bid_package_id>#<id>`. The item keeps the whole Procore record under
`record`, numbers as Decimal, with its content hash, `synced_at` and, once Procore no longer
shows it, `deleted_at`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from boto3.dynamodb.conditions import Attr, Key

from .. import aws


def partition(user_id: str, company_id: int | str) -> str:
    return f"user#{user_id}#company#{company_id}"


class RecordRepository:
    def __init__(self, table_name: str) -> None:
        self._table = aws.table(table_name)

    def _query(self, pk: str, prefix: str, **extra: Any) -> Iterator[dict[str, Any]]:
        condition = Key("pk").eq(pk)
        if prefix:  # DynamoDB refuses begins_with on an empty string
            condition = condition & Key("sk").begins_with(prefix)
        return aws.query_items(self._table, KeyConditionExpression=condition, **extra)

    def fingerprints(self, pk: str, prefix: str) -> dict[str, tuple[str, bool]]:
        """sk → (content hash, deleted?) for every item under the prefix, read by the page."""
        return {
            str(item["sk"]): (str(item.get("content_hash", "")), "deleted_at" in item)
            for item in self._query(
                pk, prefix, ProjectionExpression="sk, content_hash, deleted_at"
            )
        }

    def items(self, pk: str, prefix: str) -> Iterator[dict[str, Any]]:
        return self._query(pk, prefix)

    def put_many(self, items: Iterable[dict[str, Any]]) -> int:
        """Write items in batches of 25; boto3's batch writer resends unprocessed items."""
        written = 0
        with self._table.batch_writer(overwrite_by_pkeys=["pk", "sk"]) as batch:
            for item in items:
                batch.put_item(Item=item)
                written += 1
        return written

    def mark_deleted(self, pk: str, sks: Iterable[str], deleted_at: str) -> int:
        marked = 0
        for sk in sks:
            try:
                self._table.update_item(
                    Key={"pk": pk, "sk": sk},
                    UpdateExpression="SET deleted_at = :d",
                    ConditionExpression="attribute_exists(sk) AND attribute_not_exists(deleted_at)",
                    ExpressionAttributeValues={":d": deleted_at},
                )
                marked += 1
            except self._table.meta.client.exceptions.ConditionalCheckFailedException:
                continue
        return marked

    def delete_partition(self, pk: str) -> int:
        deleted = 0
        with self._table.batch_writer() as batch:
            for item in self._query(pk, "", ProjectionExpression="pk, sk"):
                batch.delete_item(Key={"pk": item["pk"], "sk": item["sk"]})
                deleted += 1
        return deleted

    def exists(self, pk: str, sk: str) -> bool:
        item = self._table.get_item(Key={"pk": pk, "sk": sk}, ProjectionExpression="sk").get("Item")
        return item is not None

    def page(
        self, pk: str, prefix: str, *, limit: int, after: str | None, include_deleted: bool
    ) -> tuple[list[dict[str, Any]], bool]:
        """Up to `limit` items under the prefix in key order, after the sort key `after`;
        and whether more follow."""
        extra: dict[str, Any] = {"Limit": limit + 1}
        if after is not None:
            extra["ExclusiveStartKey"] = {"pk": pk, "sk": after}
        if not include_deleted:
            extra["FilterExpression"] = Attr("deleted_at").not_exists()
        found: list[dict[str, Any]] = []
        for item in self._query(pk, prefix, **extra):
            found.append(item)
            if len(found) > limit:
                return found[:limit], True
        return found, False

    def count(self, pk: str, prefix: str, *, include_deleted: bool = False) -> int:
        return sum(
            1 for item in self._query(pk, prefix, ProjectionExpression="sk, deleted_at")
            if include_deleted or "deleted_at" not in item
        )
