"""The sync state table: sync runs and their jobs, per user.

Keys: `pk = user#<user_id>`; a run is `sk = run#<run_id>`; each of its jobs is
`sk = run#<run_id>#job#<job_id>`. Run ids sort by time, so the newest run comes first when
reading backwards. A job's state moves queued → running → succeeded | failed | skipped | cancelled.
A running job holds a lease (`lease_until`, `lease_owner`) that it renews as it goes, so a second
delivery of the same job waits instead of running beside it. The connection's rate budget is
`sk = rate_budget`; a job's listing checkpoints are `sk = checkpoint#<run_id>#<job_id>#...`
(see `checkpoints.py`).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from .. import aws, clock
from ..procore.rate_budget import Window

QUEUED, RUNNING, SUCCEEDED, FAILED, SKIPPED, CANCELLED = (
    "queued", "running", "succeeded", "failed", "skipped", "cancelled",
)
FINISHED = (SUCCEEDED, FAILED, SKIPPED, CANCELLED)
SUMMARY = "runs#"  # sk prefix of the run summaries ("runs#" never matches a "run#" prefix)
RATE_BUDGET = "rate_budget"


@dataclass(frozen=True)
class Begin:
    """What `begin_job` found: the job is ours now, already finished, or busy for `wait` seconds."""

    outcome: Literal["started", "finished", "busy"]
    wait: float = 0.0
    attempts: int = 1  # deliveries that began this job, this one included


def new_run_id() -> str:
    stamp = datetime.fromtimestamp(clock.now(), tz=UTC).strftime("%Y%m%dT%H%M%S%f")
    return f"{stamp}Z-{secrets.token_hex(3)}"


def run_finished(summary: dict[str, Any]) -> bool:
    """Whether every job a run summary counts as queued has finished, in any state."""
    queued = finished = 0
    for name, value in summary.items():
        _, _, counter = name.partition(":jobs:")
        if counter == QUEUED:
            queued += int(value)
        elif counter in FINISHED:
            finished += int(value)
    return queued > 0 and finished >= queued


def last_touched(job: dict[str, Any]) -> float:
    """When a worker (or the dispatcher) last wrote to this job item, in epoch seconds."""
    stamps = [clock.parse_iso(str(job[k])) for k in ("queued_at", "started_at", "noted_at") if job.get(k)]
    if job.get("lease_until") is not None:
        stamps.append(float(job["lease_until"]))
    return max(stamps, default=0.0)


def _pk(user_id: str) -> str:
    return f"user#{user_id}"


class SyncStateRepository:
    def __init__(self, table_name: str, *, on_run_finished: Callable[[str, str], None] | None = None) -> None:
        """`on_run_finished(user_id, run_id)` is called once, when the last job of a run finishes."""
        self._table = aws.table(table_name)
        self._on_run_finished = on_run_finished or (lambda user_id, run_id: None)

    def start_run(self, user_id: str, run_id: str, *, trigger: str, company_ids: list[str]) -> None:
        header = {"pk": _pk(user_id), "run_id": run_id, "trigger": trigger, "company_ids": company_ids,
                  "started_at": clock.iso()}
        self._table.put_item(Item={**header, "sk": f"run#{run_id}"})
        self._table.put_item(Item={**header, "sk": f"{SUMMARY}{run_id}"})

    def add_job(self, user_id: str, run_id: str, job_id: str, fields: dict[str, Any]) -> bool:
        """Record a queued job and count it in its run's summary, in one transaction (a count
        lost after the job was written would let the run look finished while this job waits);
        False when the job exists already (a duplicate fan-out)."""
        item = {"pk": _pk(user_id), "sk": f"run#{run_id}#job#{job_id}", "run_id": run_id, "job_id": job_id,
                "state": QUEUED, "queued_at": clock.iso(), **fields}
        # the table's own client: boto3 turns plain values into DynamoDB's typed ones, here too
        put = {"TableName": self._table.name, "Item": item, "ConditionExpression": "attribute_not_exists(sk)"}
        company_id = fields.get("company_id")
        count = {"TableName": self._table.name,
                 "Key": {"pk": _pk(user_id), "sk": f"{SUMMARY}{run_id}"},
                 "UpdateExpression": "ADD #q :one", "ConditionExpression": "attribute_exists(sk)",
                 "ExpressionAttributeNames": {"#q": f"{company_id}:jobs:queued"},
                 "ExpressionAttributeValues": {":one": 1}}
        client = self._table.meta.client
        try:
            if company_id is None:
                client.put_item(**put)
            else:
                client.transact_write_items(TransactItems=[{"Put": put}, {"Update": count}])
        except ClientError as exc:
            code = exc.response["Error"]["Code"]
            reasons = [r.get("Code") for r in exc.response.get("CancellationReasons") or []]
            if code == "ConditionalCheckFailedException" or reasons[:1] == ["ConditionalCheckFailed"]:
                return False
            if reasons[1:2] == ["ConditionalCheckFailed"]:  # the run has no summary (purged): the job alone
                return self._put_new(put)
            raise
        return True

    def _put_new(self, put: dict[str, Any]) -> bool:
        try:
            self._table.meta.client.put_item(**put)
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def begin_job(
        self, user_id: str, run_id: str, job_id: str, *, owner: str, lease_seconds: float, replay: bool = False,
    ) -> Begin:
        """Mark the job running under a lease held by `owner`. A job that finished (or was purged)
        is a duplicate delivery; one whose lease another delivery still holds is busy. A replay
        (an operator sent the dead letter back) may run a failed job again."""
        now = clock.now()
        unfinished = "NOT #state IN (:s, :f, :k, :c)"
        if replay:
            unfinished = "(#state = :f OR NOT #state IN (:s, :f, :k, :c))"
        free = "(#state <> :running OR attribute_not_exists(lease_until) OR lease_until < :now)"
        try:
            old = self._table.update_item(
                Key={"pk": _pk(user_id), "sk": f"run#{run_id}#job#{job_id}"},
                ReturnValues="ALL_OLD",
                UpdateExpression=("SET #state = :running, started_at = :t, lease_owner = :o, lease_until = :until "
                                  "ADD attempts :one"),
                ConditionExpression=f"attribute_exists(sk) AND {unfinished} AND {free}",
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues={
                    ":running": RUNNING, ":t": clock.iso(), ":one": 1, ":o": owner,
                    ":now": Decimal(str(now)), ":until": Decimal(str(round(now + lease_seconds, 3))),
                    ":s": SUCCEEDED, ":f": FAILED, ":k": SKIPPED, ":c": CANCELLED,
                },
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            item = self.job(user_id, run_id, job_id)
            if item is None or item.get("state") in FINISHED and not (replay and item.get("state") == FAILED):
                return Begin("finished")
            return Begin("busy", wait=max(0.0, float(item.get("lease_until") or now) - now))
        previous = old.get("Attributes") or {}
        if previous.get("state") == FAILED:  # a replayed dead letter no longer counts as failed
            self._add_to_summary(user_id, run_id, previous.get("company_id"), {"jobs:failed": -1})
        return Begin("started", attempts=int(previous.get("attempts") or 0) + 1)

    def renew_lease(self, user_id: str, run_id: str, job_id: str, *, owner: str, lease_seconds: float) -> bool:
        """Extend the lease; False when the job is no longer ours (finished, purged or taken over)."""
        try:
            self._table.update_item(
                Key={"pk": _pk(user_id), "sk": f"run#{run_id}#job#{job_id}"},
                UpdateExpression="SET lease_until = :until",
                ConditionExpression="lease_owner = :o AND #state = :running",
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues={":o": owner, ":running": RUNNING,
                                           ":until": Decimal(str(round(clock.now() + lease_seconds, 3)))},
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def release_job(self, user_id: str, run_id: str, job_id: str, *, owner: str) -> None:
        """Give up the lease without finishing (the job was sent back to wait): its next
        delivery may begin at once."""
        self._update_existing(
            user_id, run_id, job_id, condition="lease_owner = :o",
            UpdateExpression="REMOVE lease_until, lease_owner", ExpressionAttributeValues={":o": owner},
        )

    def finish_job(
        self, user_id: str, run_id: str, job_id: str, *, state: str,
        counts: dict[str, dict[str, int]] | None = None, api_calls: int = 0, error: str | None = None,
        invalid: list[dict[str, Any]] | None = None, owner: str | None = None,
    ) -> bool:
        """Record the outcome once. With `owner`, only while that delivery still holds the job;
        without, only if no delivery finished it already. False when nothing was recorded."""
        names = {"#state": "state", "#error": "error"}
        values: dict[str, Any] = {":s": state, ":t": clock.iso(), ":c": counts or {}, ":a": api_calls,
                                  ":e": error, ":i": invalid or []}
        if owner is not None:
            condition = "lease_owner = :o"
            values[":o"] = owner
        else:  # a job that never began: only if no delivery finished it first
            condition = "NOT #state IN (:ds, :df, :dk, :dc)"
            values.update({":ds": SUCCEEDED, ":df": FAILED, ":dk": SKIPPED, ":dc": CANCELLED})
        item = self._update_existing(
            user_id, run_id, job_id, condition=condition,
            UpdateExpression=("SET #state = :s, finished_at = :t, counts = :c, api_calls = :a, #error = :e, "
                              "invalid_records = :i REMOVE lease_until, lease_owner"),
            ExpressionAttributeNames=names, ExpressionAttributeValues=values, ReturnValues="ALL_OLD",
        )
        if item is None:
            return False
        added: dict[str, int] = {f"jobs:{state}": 1, "api_calls": api_calls}
        for entity, entity_counts in (counts or {}).items():
            for kind, n in entity_counts.items():
                if n:
                    added[f"{entity}:{kind}"] = added.get(f"{entity}:{kind}", 0) + int(n)
        summary = self._add_to_summary(user_id, run_id, item.get("company_id"), added,
                                       finished_at=clock.iso(), error=error if state in (FAILED, SKIPPED) else None)
        if summary is not None and run_finished(summary):
            self._on_run_finished(user_id, run_id)
        return True

    def _add_to_summary(self, user_id: str, run_id: str, company_id: Any, added: dict[str, int], *,
                        finished_at: str | None = None, error: str | None = None) -> dict[str, Any] | None:
        """Keep the run's summary item (what status lists for recent runs) in step with its jobs:
        counters per company are flat attributes `<company_id>:<name>`, added atomically.
        Returns the summary as it is now (None when there was none to update)."""
        if company_id is None:
            return None
        names: dict[str, str] = {}
        values: dict[str, Any] = {}
        adds = []
        for i, (name, n) in enumerate(sorted(added.items())):
            if n:
                names[f"#a{i}"] = f"{company_id}:{name}"
                values[f":a{i}"] = n
                adds.append(f"#a{i} :a{i}")
        sets = []
        if finished_at is not None:
            names["#f"], values[":f"] = "finished_at", finished_at
            sets.append("#f = :f")
        if error is not None:
            names["#e"], values[":e"] = f"{company_id}:last_error", error[:500]
            sets.append("#e = :e")
        if not adds and not sets:
            return None
        expression = (f"SET {', '.join(sets)} " if sets else "") + (f"ADD {', '.join(adds)}" if adds else "")
        try:
            answer = self._table.update_item(
                Key={"pk": _pk(user_id), "sk": f"{SUMMARY}{run_id}"}, UpdateExpression=expression.strip(),
                ConditionExpression="attribute_exists(sk)", ExpressionAttributeNames=names,
                ExpressionAttributeValues=values, ReturnValues="ALL_NEW",
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            return None
        return answer.get("Attributes") or {}

    def recent_runs(self, user_id: str, limit: int) -> list[dict[str, Any]]:
        """The newest run summaries first: trigger, times and the counters per company."""
        return self._table.query(
            KeyConditionExpression=Key("pk").eq(_pk(user_id)) & Key("sk").begins_with(SUMMARY),
            ScanIndexForward=False, Limit=limit,
        ).get("Items", [])

    # ------------------------------------------------------------------ the rate budget

    def load_rate_budget(self, user_id: str) -> tuple[dict[str, Window], int]:
        item = self._table.get_item(Key={"pk": _pk(user_id), "sk": RATE_BUDGET}, ConsistentRead=True).get("Item")
        if item is None:
            return {}, 0
        return ({name: Window.from_item(w) for name, w in (item.get("windows") or {}).items()},
                int(item.get("version", 0)))

    def save_rate_budget(self, user_id: str, windows: dict[str, Window], version: int) -> bool:
        condition = "attribute_not_exists(sk)" if version == 0 else "version = :v"
        values: dict[str, Any] = {} if version == 0 else {":v": version}
        try:
            self._table.put_item(
                Item={"pk": _pk(user_id), "sk": RATE_BUDGET, "version": version + 1,
                      "windows": {name: w.to_item() for name, w in windows.items()}},
                ConditionExpression=condition, **({"ExpressionAttributeValues": values} if values else {}),
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def note_job_error(self, user_id: str, run_id: str, job_id: str, error: str) -> None:
        self._update_existing(
            user_id, run_id, job_id,
            UpdateExpression="SET #error = :e, noted_at = :t",
            ExpressionAttributeNames={"#error": "error"},
            ExpressionAttributeValues={":e": error, ":t": clock.iso()},
        )

    def _update_existing(
        self, user_id: str, run_id: str, job_id: str, *, condition: str | None = None, **update: Any
    ) -> dict[str, Any] | None:
        """Update a job item, never creating one: a purge may have removed the run meanwhile.
        Returns the attributes asked for with ReturnValues ({} if none), None when not updated."""
        try:
            answer = self._table.update_item(
                Key={"pk": _pk(user_id), "sk": f"run#{run_id}#job#{job_id}"},
                ConditionExpression="attribute_exists(sk)" + (f" AND {condition}" if condition else ""), **update,
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            return None
        return answer.get("Attributes") or {}

    def abandon_job(self, user_id: str, run_id: str, job_id: str, *, idle_seconds: float) -> bool:
        """Fail a job no worker has touched for `idle_seconds`, so its run can finish."""
        return self.finish_job(user_id, run_id, job_id, state=FAILED, error=(
            f"abandoned: no worker touched this job for {int(idle_seconds)} s (a Lambda that timed out "
            "on its last delivery, or a lost message); the next run syncs it again"))

    def job(self, user_id: str, run_id: str, job_id: str) -> dict[str, Any] | None:
        return self._table.get_item(Key={"pk": _pk(user_id), "sk": f"run#{run_id}#job#{job_id}"}).get("Item")

    def company_ids(self, user_id: str) -> set[str]:
        """Every company any of the user's runs touched (what a purge must clean)."""
        found: set[str] = set()
        for item in aws.query_items(self._table, KeyConditionExpression=Key("pk").eq(_pk(user_id)),
                                    ProjectionExpression="company_id, company_ids"):
            if item.get("company_id") is not None:
                found.add(str(item["company_id"]))
            found.update(str(c) for c in item.get("company_ids") or [])
        return found

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
        items = list(aws.query_items(
            self._table, KeyConditionExpression=Key("pk").eq(_pk(user_id)) & Key("sk").begins_with(f"run#{run_id}")))
        header = next((i for i in items if i["sk"] == f"run#{run_id}"), None)
        if header is None:
            return None
        return {"run": header, "jobs": [i for i in items if i["sk"] != f"run#{run_id}"]}

    def delete_all(self, user_id: str) -> int:
        deleted = 0
        with self._table.batch_writer() as batch:
            for item in aws.query_items(self._table, KeyConditionExpression=Key("pk").eq(_pk(user_id)),
                                        ProjectionExpression="pk, sk"):
                batch.delete_item(Key={"pk": item["pk"], "sk": item["sk"]})
                deleted += 1
        return deleted


class ConnectionBudgetStore:
    """The rate budget of one connection, in the sync state table (see `RateBudget`)."""

    def __init__(self, repository: SyncStateRepository, user_id: str) -> None:
        self._repository = repository
        self._user_id = user_id

    def load(self) -> tuple[dict[str, Window], int]:
        return self._repository.load_rate_budget(self._user_id)

    def save(self, windows: dict[str, Window], version: int) -> bool:
        return self._repository.save_rate_budget(self._user_id, windows, version)
