"""The dispatcher over many connections: SQS requests and DynamoDB reads of one `dispatch_all`.

The connections table is seeded directly (one connected user per item, one selected company
each), then `procore_sync.sync.dispatch.dispatch_all` runs once, with every AWS call counted.
Bounds, in the same run:

* SQS: one SendMessageBatch per ten jobs, `ceil(connections / 10)`;
* DynamoDB reads "by the page": the pages a plain paginated Scan of the connections table needs
  (DynamoDB's 1 MB pages, same filter and projection as the dispatcher's), read here too.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

from boto3.dynamodb.conditions import Attr

from .figures import Figure, Goal
from .harness import Harness

Log = Callable[[str], None]
COMPANY_ID = "8089"


def _seed(table: Any, connections: int) -> None:
    with table.batch_writer() as batch:
        for i in range(connections):
            batch.put_item(Item={
                "user_id": f"bench-dispatch-{i:06d}", "status": "connected", "token_version": 1,
                "connected_at": "2026-01-01T00:00:00Z",
                "procore_user": {"id": 1000 + i, "login": f"user{i}@palcode.test", "name": f"User {i}"},
                "companies": {COMPANY_ID: {"name": "Bench Construction", "selected": True,
                                           "app_installed": True}},
            })


def _plain_scan_pages(table: Any) -> int:
    kwargs: dict[str, Any] = {"FilterExpression": Attr("status").eq("connected"),
                              "ProjectionExpression": "user_id, companies"}
    pages = 0
    while True:
        page = table.scan(**kwargs)
        pages += 1
        if "LastEvaluatedKey" not in page:
            return pages
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def measure(h: Harness, connections: int, log: Log) -> list[Figure]:
    from procore_sync import aws
    from procore_sync.sync.dispatch import dispatch_all

    assert h.stack is not None
    h.stack.reset()
    table = aws.table(str(h.stack.physical("ConnectionsTable").ref))
    _seed(table, connections)
    pages = _plain_scan_pages(table)
    before = h.aws.snapshot()
    h.aws.armed = True
    began = time.monotonic()
    try:
        result = dispatch_all(h.services)
    finally:
        h.aws.armed = False
    seconds = time.monotonic() - began
    spent = h.aws.snapshot() - before
    if result["queued"] != connections:
        raise RuntimeError(f"the dispatcher queued {result['queued']} runs for {connections} connections")
    sqs_calls = spent.calls["sqs.SendMessageBatch"] + spent.calls["sqs.SendMessage"]
    reads = spent.dynamodb_reads()
    log(f"    dispatcher: {connections} connections, {sqs_calls} SQS sends, {reads} DynamoDB reads, "
        f"{seconds:.0f} s")
    details = {"connections": connections, "aws_calls": dict(spent.calls), "seconds": round(seconds, 1),
               "plain_scan_pages": pages, "item_writes": dict(spent.item_writes)}
    return [
        Figure(key="dispatch_sqs", title=f"Dispatcher over {connections:,} connections: SQS send requests",
               size=f"{connections:,} conn.", unit="requests", goal=Goal("eq"),
               bound_text="ceil(connections ÷ 10): ten jobs per SendMessageBatch",
               measured=[sqs_calls], bound=[math.ceil(connections / 10)], details=details),
        Figure(key="dispatch_reads", title=f"Dispatcher over {connections:,} connections: DynamoDB reads",
               size=f"{connections:,} conn.", unit="requests", goal=Goal("eq"),
               bound_text="the pages of a plain paginated Scan of the connections table (1 MB pages)",
               measured=[reads], bound=[pages], details=details),
    ]
