"""The connections table: one item per Palcode.ai user who connected Procore.

The item holds the connection's status, the Procore user and companies, and the encrypted
token pair with its version and refresh lease. Reads for display never return the token
attributes.
"""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.conditions import Attr
from botocore.exceptions import ClientError

from .. import aws

CONNECTED = "connected"
NOT_CONNECTED = "not_connected"
REAUTHORIZATION_REQUIRED = "reauthorization_required"

TOKEN_ATTRIBUTES = ("token_blob", "refresh_lease_owner", "refresh_lease_expires_at")
_PUBLIC = (
    "user_id, #status, reason, procore_user, companies, connected_at, disconnected_at, updated_at, "
    "token_expires_at, token_version, first_sync_run_id, active_run_id, active_run_at"
)


def _is_conditional_failure(exc: ClientError) -> bool:
    return exc.response["Error"]["Code"] == "ConditionalCheckFailedException"


class ConnectionRepository:
    def __init__(self, table_name: str) -> None:
        self._table = aws.table(table_name)

    def get(self, user_id: str, *, with_tokens: bool = False) -> dict[str, Any] | None:
        kwargs: dict[str, Any] = {"Key": {"user_id": user_id}, "ConsistentRead": True}
        if not with_tokens:
            kwargs["ProjectionExpression"] = _PUBLIC
            kwargs["ExpressionAttributeNames"] = {"#status": "status"}
        return self._table.get_item(**kwargs).get("Item")

    def status(self, user_id: str) -> dict[str, Any] | None:
        """Only the connection's status and reason (the check a sync job makes before it writes)."""
        return self._table.get_item(Key={"user_id": user_id}, ConsistentRead=True,
                                    ProjectionExpression="#status, reason",
                                    ExpressionAttributeNames={"#status": "status"}).get("Item")

    def save_connected(self, item: dict[str, Any], *, replacing_version: int | None) -> bool:
        """Store a fresh connection (connect or reconnect), replacing the one whose tokens are
        `replacing_version` (None: there was none). False when another connect got there first."""
        if replacing_version is None:
            condition = Attr("user_id").not_exists() | Attr("token_version").not_exists()
        else:
            condition = Attr("token_version").eq(replacing_version)
        try:
            self._table.put_item(Item=item, ConditionExpression=condition)
        except ClientError as exc:
            if _is_conditional_failure(exc):
                return False
            raise
        return True

    def update_companies(self, user_id: str, companies: dict[str, Any]) -> None:
        self._table.update_item(
            Key={"user_id": user_id},
            UpdateExpression="SET companies = :c",
            ConditionExpression=Attr("user_id").exists(),
            ExpressionAttributeValues={":c": companies},
        )

    def set_company_fields(
        self, user_id: str, company_id: str, fields: dict[str, Any], *, remove: tuple[str, ...] = ()
    ) -> None:
        """Set (and remove) fields of one company of the connection, if the company is still there."""
        names = {"#c": company_id}
        values = {}
        sets = []
        for i, (key, value) in enumerate(fields.items()):
            names[f"#f{i}"] = key
            values[f":v{i}"] = value
            sets.append(f"companies.#c.#f{i} = :v{i}")
        removals = []
        for i, key in enumerate(remove):
            names[f"#r{i}"] = key
            removals.append(f"companies.#c.#r{i}")
        expression = " ".join(part for part in (
            "SET " + ", ".join(sets) if sets else "", "REMOVE " + ", ".join(removals) if removals else "") if part)
        if not expression:
            return
        try:
            self._table.update_item(
                Key={"user_id": user_id},
                UpdateExpression=expression,
                ConditionExpression="attribute_exists(companies.#c)",
                ExpressionAttributeNames=names,
                **({"ExpressionAttributeValues": values} if values else {}),
            )
        except ClientError as exc:
            if not _is_conditional_failure(exc):
                raise

    def try_acquire_lease(self, user_id: str, *, version: int, owner: str, now: float, until: float) -> bool:
        """Take the refresh lease if nobody holds a live one and the tokens are still `version`."""
        try:
            self._table.update_item(
                Key={"user_id": user_id},
                UpdateExpression="SET refresh_lease_owner = :o, refresh_lease_expires_at = :u",
                ConditionExpression=(
                    "#status = :connected AND token_version = :v AND "
                    "(attribute_not_exists(refresh_lease_expires_at) OR refresh_lease_expires_at < :now)"
                ),
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":o": owner, ":u": int(until), ":v": version, ":now": int(now), ":connected": CONNECTED,
                },
            )
        except ClientError as exc:
            if _is_conditional_failure(exc):
                return False
            raise
        return True

    def store_refreshed_tokens(
        self, user_id: str, *, owner: str, version: int, blob: bytes, expires_at: int, now: str
    ) -> bool:
        """Persist the new pair and release the lease, only if we still hold it."""
        try:
            self._table.update_item(
                Key={"user_id": user_id},
                UpdateExpression=(
                    "SET token_blob = :b, token_expires_at = :e, token_version = :nv, updated_at = :t "
                    "REMOVE refresh_lease_owner, refresh_lease_expires_at"
                ),
                ConditionExpression="refresh_lease_owner = :o AND token_version = :v",
                ExpressionAttributeValues={
                    ":b": blob, ":e": expires_at, ":nv": version + 1, ":v": version, ":o": owner, ":t": now,
                },
            )
        except ClientError as exc:
            if _is_conditional_failure(exc):
                return False
            raise
        return True

    def mark_reauthorization_required(
        self, user_id: str, *, reason: str, now: str, version: int | None = None
    ) -> bool:
        """The tokens are dead: drop them, keep the synced data, say why. With `version`, only
        if the tokens are still that version (not replaced by a reconnect meanwhile)."""
        condition = Attr("user_id").exists()
        values: dict[str, Any] = {":s": REAUTHORIZATION_REQUIRED, ":r": reason, ":t": now}
        if version is not None:
            condition = condition & Attr("token_version").eq(version)
        try:
            self._table.update_item(
                Key={"user_id": user_id},
                UpdateExpression=(
                    "SET #status = :s, reason = :r, updated_at = :t "
                    "REMOVE token_blob, refresh_lease_owner, refresh_lease_expires_at"
                ),
                ConditionExpression=condition,
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=values,
            )
        except ClientError as exc:
            if not _is_conditional_failure(exc):
                raise
            return False
        return True

    def claim_manual_sync(self, user_id: str, *, now: float, interval: int) -> float | None:
        """Note a "sync now" request, unless one came within `interval` seconds: then return
        when that one came (and note nothing). Atomic, so two requests cannot both pass."""
        try:
            self._table.update_item(
                Key={"user_id": user_id},
                UpdateExpression="SET manual_sync_requested_at = :now",
                ConditionExpression=(
                    "attribute_exists(user_id) AND "
                    "(attribute_not_exists(manual_sync_requested_at) OR manual_sync_requested_at <= :before)"
                ),
                ExpressionAttributeValues={":now": int(now), ":before": int(now) - interval},
            )
        except ClientError as exc:
            if not _is_conditional_failure(exc):
                raise
            item = self._table.get_item(
                Key={"user_id": user_id}, ProjectionExpression="manual_sync_requested_at"
            ).get("Item") or {}
            return float(item.get("manual_sync_requested_at") or now)
        return None

    def mark_disconnected(self, user_id: str, *, previous: dict[str, Any], now: str) -> None:
        """Replace the connection with what remains after a disconnect: no tokens, no Procore
        user, `not_connected` with reason `disconnected`, and the companies (ids and names), so
        that a later purge still finds every partition the user's data is in."""
        companies = {
            company_id: {"id": company.get("id"), "name": company.get("name"),
                         "selected": bool(company.get("selected", True))}
            for company_id, company in (previous.get("companies") or {}).items()
        }
        item: dict[str, Any] = {"user_id": user_id, "status": NOT_CONNECTED, "reason": "disconnected",
                                "companies": companies, "disconnected_at": now, "updated_at": now}
        if "token_version" in previous:
            item["token_version"] = previous["token_version"]
        self._table.put_item(Item=item)

    def iter_connected(self) -> Any:
        """Yield the user id, companies and active run of every connected user, reading the
        table by DynamoDB's own (1 MB) pages."""
        return self._scan(
            FilterExpression=Attr("status").eq(CONNECTED),
            ProjectionExpression="user_id, companies, active_run_id, active_run_at",
        )

    def set_active_run(self, user_id: str, run_id: str, *, now: str) -> None:
        """Note the run just queued, so the dispatcher can tell from this item alone that the user
        is syncing (never creating an item: a disconnect may have removed it)."""
        try:
            self._table.update_item(
                Key={"user_id": user_id}, UpdateExpression="SET active_run_id = :r, active_run_at = :t",
                ConditionExpression=Attr("user_id").exists(), ExpressionAttributeValues={":r": run_id, ":t": now},
            )
        except ClientError as exc:
            if not _is_conditional_failure(exc):
                raise

    def clear_active_run(self, user_id: str, run_id: str) -> None:
        """The run finished: forget it, unless a newer one took its place."""
        try:
            self._table.update_item(
                Key={"user_id": user_id}, UpdateExpression="REMOVE active_run_id, active_run_at",
                ConditionExpression=Attr("active_run_id").eq(run_id),
            )
        except ClientError as exc:
            if not _is_conditional_failure(exc):
                raise

    def iter_all(self, page_size: int = 100) -> Any:
        """Yield every connection, whatever its status, without the token attributes."""
        return self._scan(
            ProjectionExpression=_PUBLIC, ExpressionAttributeNames={"#status": "status"}, Limit=page_size
        )

    def _scan(self, **kwargs: Any) -> Any:
        while True:
            page = self._table.scan(**kwargs)
            yield from page.get("Items", [])
            if "LastEvaluatedKey" not in page:
                return
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
