"""The sync state table: sync runs and their jobs, per user.

Keys: `pk = user#<user_id>`; a run is `sk = run#<run_id>`; each of its jobs is
`sk = run#<run_id>#job#<job_id>`. Run ids sort by time, so the newest run comes first when
reading backwards. A job's state moves queued → running → succeeded | failed | skipped | cancelled.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from .. import aws, clock

QUEUED, RUNNING, SUCCEEDED, FAILED, SKIPPED, CANCELLED = (
    "queued", "running", "succeeded", "failed", "skipped", "cancelled",
)
FINISHED = (SUCCEEDED, FAILED, SKIPPED, CANCELLED)


def new_run_id() -> str:
    stamp = datetime.fromtimestamp(clock.now(), tz=UTC).strftime("%Y%m%dT%H%M%S%f")
    return f"{stamp}Z-{secrets.token_hex(3)}"


def _pk(user_id: str) -> str:
    return f"user#{user_id}"


class SyncStateRepository:
    def __init__(self, table_name: str) -> None:
        self._table = aws.table(table_name)

    def start_run(self, user_id: str, run_id: str, *, trigger: str, company_ids: list[str]) -> None:
        self._table.put_item(
            Item={
                "pk": _pk(user_id), "sk": f"run#{run_id}", "run_id": run_id, "trigger": trigger,
                "company_ids": company_ids, "started_at": clock.iso(),
            }
        )

    def add_job(self, user_id: str, run_id: str, job_id: str, fields: dict[str, Any]) -> bool:
        """Record a queued job; False when it exists already (a duplicate fan-out)."""
        try:
            self._table.put_item(
                Item={
                    "pk": _pk(user_id), "sk": f"run#{run_id}#job#{job_id}", "run_id": run_id,
                    "job_id": job_id, "state": QUEUED, "queued_at": clock.iso(), **fields,
                },
                ConditionExpression="attribute_not_exists(sk)",
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def begin_job(self, user_id: str, run_id: str, job_id: str, *, replay: bool = False) -> bool:
        """Mark the job running; False when it already finished (a duplicate delivery). A replay
        (an operator sent the dead letter back) may run a failed job again."""
        # the job item exists (queued, not purged since) and has not finished
        condition = "attribute_exists(sk) AND NOT #state IN (:s, :f, :k, :c)"
        if replay:
            condition = "attribute_exists(sk) AND (#state = :f OR NOT #state IN (:s, :f, :k, :c))"
        try:
            self._table.update_item(
                Key={"pk": _pk(user_id), "sk": f"run#{run_id}#job#{job_id}"},
                UpdateExpression="SET #state = :running, started_at = :t ADD attempts :one",
                ConditionExpression=condition,
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues={
                    ":running": RUNNING, ":t": clock.iso(), ":one": 1,
                    ":s": SUCCEEDED, ":f": FAILED, ":k": SKIPPED, ":c": CANCELLED,
                },
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def finish_job(
        self, user_id: str, run_id: str, job_id: str, *, state: str,
        counts: dict[str, dict[str, int]] | None = None, api_calls: int = 0, error: str | None = None,
    ) -> None:
        self._update_existing(
            user_id, run_id, job_id,
            UpdateExpression="SET #state = :s, finished_at = :t, counts = :c, api_calls = :a, #error = :e",
            ExpressionAttributeNames={"#state": "state", "#error": "error"},
            ExpressionAttributeValues={
                ":s": state, ":t": clock.iso(), ":c": counts or {}, ":a": api_calls, ":e": error,
            },
        )

    def note_job_error(self, user_id: str, run_id: str, job_id: str, error: str) -> None:
        self._update_existing(
            user_id, run_id, job_id,
            UpdateExpression="SET #error = :e",
            ExpressionAttributeNames={"#error": "error"},
            ExpressionAttributeValues={":e": error},
        )

    def _update_existing(self, user_id: str, run_id: str, job_id: str, **update: Any) -> None:
        """Update a job item, never creating one: a purge may have removed the run meanwhile."""
        try:
            self._table.update_item(
                Key={"pk": _pk(user_id), "sk": f"run#{run_id}#job#{job_id}"},
                ConditionExpression="attribute_exists(sk)", **update,
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise

    def job(self, user_id: str, run_id: str, job_id: str) -> dict[str, Any] | None:
        return self._table.get_item(Key={"pk": _pk(user_id), "sk": f"run#{run_id}#job#{job_id}"}).get("Item")

    def company_ids(self, user_id: str) -> set[str]:
        """Every company any of the user's runs touched (what a purge must clean)."""
        found: set[str] = set()
        kwargs: dict[str, Any] = {"KeyConditionExpression": Key("pk").eq(_pk(user_id)),
                                  "ProjectionExpression": "company_id, company_ids"}
        while True:
            page = self._table.query(**kwargs)
            for item in page.get("Items", []):
                if item.get("company_id") is not None:
                    found.add(str(item["company_id"]))
                found.update(str(c) for c in item.get("company_ids") or [])
            if "LastEvaluatedKey" not in page:
                return found
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def latest_run(self, user_id: str) -> dict[str, Any] | None:
        """The newest run with all its jobs: `{"run": {...}, "jobs": [...]}`."""
        newest = self._table.query(
            KeyConditionExpression=Key("pk").eq(_pk(user_id)) & Key("sk").begins_with("run#"),
            ScanIndexForward=False,
            Limit=1,
            ProjectionExpression="run_id",
        ).get("Items")
        if not newest:
            return None
        return self.run(user_id, str(newest[0]["run_id"]))

    def run(self, user_id: str, run_id: str) -> dict[str, Any] | None:
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": Key("pk").eq(_pk(user_id)) & Key("sk").begins_with(f"run#{run_id}"),
        }
        while True:
            page = self._table.query(**kwargs)
            items.extend(page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        header = next((i for i in items if i["sk"] == f"run#{run_id}"), None)
        if header is None:
            return None
        return {"run": header, "jobs": [i for i in items if i["sk"] != f"run#{run_id}"]}

    def delete_all(self, user_id: str) -> int:
        deleted = 0
        kwargs: dict[str, Any] = {"KeyConditionExpression": Key("pk").eq(_pk(user_id)),
                                  "ProjectionExpression": "pk, sk"}
        with self._table.batch_writer() as batch:
            while True:
                page = self._table.query(**kwargs)
                for item in page.get("Items", []):
                    batch.delete_item(Key={"pk": item["pk"], "sk": item["sk"]})
                    deleted += 1
                if "LastEvaluatedKey" not in page:
                    break
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return deleted
