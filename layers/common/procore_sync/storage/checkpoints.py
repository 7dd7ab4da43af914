"""How far a job has read each of its listings: one item per page written, in the sync state table.

`sk = checkpoint#<run_id>#<job_id>#<listing>#<page, 6 digits>`. A page's item is saved after
its records are written, and holds what a job needs to carry on from there after it was killed:
the keys the page held (so a resumed listing still knows every record it saw, and marks
nothing deleted that it saw before the kill), its counts, the link to the next page, Procore's
`Total`, the newest `updated_at` on it and, on the first page, Procore's clock when the listing
began. A finished job removes its checkpoints; `ttl` lets DynamoDB remove any left behind.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from boto3.dynamodb.conditions import Key

from .. import aws, clock

RETENTION_SECONDS = 7 * 86400


@dataclass
class PageCheckpoint:
    number: int
    keys: list[str]
    next_url: str | None
    total: int | None = None
    counts: dict[str, int] = field(default_factory=dict)
    updated_through: str | None = None
    listing_started_at: str | None = None
    invalid: list[dict[str, Any]] = field(default_factory=list)


def _pk(user_id: str) -> str:
    return f"user#{user_id}"


def _prefix(run_id: str, job_id: str, listing: str | None = None) -> str:
    base = f"checkpoint#{run_id}#{job_id}#"
    return base if listing is None else f"{base}{listing}#"


class CheckpointRepository:
    def __init__(self, table_name: str) -> None:
        self._table = aws.table(table_name)

    def save(self, user_id: str, run_id: str, job_id: str, listing: str, page: PageCheckpoint) -> None:
        item: dict[str, Any] = {
            "pk": _pk(user_id), "sk": f"{_prefix(run_id, job_id, listing)}{page.number:06d}",
            "keys": page.keys, "counts": page.counts, "invalid": page.invalid,
            "ttl": int(clock.now()) + RETENTION_SECONDS,
        }
        for name in ("next_url", "total", "updated_through", "listing_started_at"):
            if getattr(page, name) is not None:
                item[name] = getattr(page, name)
        self._table.put_item(Item=item)

    def load(self, user_id: str, run_id: str, job_id: str, listing: str) -> list[PageCheckpoint]:
        """The pages saved so far for one listing of a job, in order."""
        pages = []
        for item in self._items(user_id, _prefix(run_id, job_id, listing)):
            pages.append(PageCheckpoint(
                number=int(str(item["sk"]).rsplit("#", 1)[1]),
                keys=[str(k) for k in item.get("keys") or []],
                next_url=item.get("next_url"),
                total=int(item["total"]) if item.get("total") is not None else None,
                counts={k: int(v) for k, v in (item.get("counts") or {}).items()},
                updated_through=item.get("updated_through"),
                listing_started_at=item.get("listing_started_at"),
                invalid=list(item.get("invalid") or []),
            ))
        return pages

    def clear(self, user_id: str, run_id: str, job_id: str, listing: str | None = None) -> None:
        """Remove a listing's checkpoints (to read it again), or every one of the job's."""
        with self._table.batch_writer() as batch:
            for item in self._items(user_id, _prefix(run_id, job_id, listing), keys_only=True):
                batch.delete_item(Key={"pk": item["pk"], "sk": item["sk"]})

    def _items(self, user_id: str, prefix: str, *, keys_only: bool = False):
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": Key("pk").eq(_pk(user_id)) & Key("sk").begins_with(prefix),
            "ConsistentRead": True,
        }
        if keys_only:
            kwargs["ProjectionExpression"] = "pk, sk"
        return aws.query_items(self._table, **kwargs)
