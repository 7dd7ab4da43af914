"""`python -m bench.dispatch_probe N OUT`: one `dispatch_all` over N seeded connections, every AWS
call counted, the counts written to OUT as JSON.

It runs in a process of its own, against moto in that process (`mock_aws`, with the bench's two
fixes of `local_stack/moto_patch.py`), with the connections table, the sync state table and the sync
queue created as the template declares them. The figure is made of counts only, and through
moto's server each of the some 60,000 requests of 10,000 users costs milliseconds of HTTP and
request handling; in process they take a couple of minutes. A process of its own, so that moto's
in-process state never meets the local stack's or a test's.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from boto3.dynamodb.conditions import Attr

from . import REPO_ROOT
from .counters import AwsCalls, armed

COMPANY_ID = "8089"
REGION = "us-east-1"


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


def plain_scan_pages(table: Any) -> int:
    """The pages of a paginated Scan with the dispatcher's filter and projection and no Limit."""
    kwargs: dict[str, Any] = {"FilterExpression": Attr("status").eq("connected"),
                              "ProjectionExpression": "user_id, companies"}
    pages = 0
    while True:
        page = table.scan(**kwargs)
        pages += 1
        if "LastEvaluatedKey" not in page:
            return pages
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def probe(connections: int) -> dict[str, Any]:
    import boto3
    from moto import mock_aws

    from local_stack.template import load_template
    from procore_sync.config import Settings

    from local_stack.moto_patch import apply

    apply()
    from procore_sync.services import Services
    from procore_sync.sync.dispatch import dispatch_all

    template = load_template(REPO_ROOT / "template.yaml")
    with mock_aws():
        dynamodb = boto3.session.Session().client("dynamodb", region_name=REGION)
        names = {}
        for logical_id in ("ConnectionsTable", "SyncStateTable"):
            table = template.tables[logical_id]
            names[logical_id] = f"bench-{logical_id}"
            dynamodb.create_table(TableName=names[logical_id], KeySchema=table.key_schema,
                                  AttributeDefinitions=table.attribute_definitions, BillingMode="PAY_PER_REQUEST")
        queue_url = boto3.session.Session().client("sqs", region_name=REGION).create_queue(
            QueueName="bench-SyncQueue")["QueueUrl"]
        settings = Settings(
            connections_table=names["ConnectionsTable"], sync_state_table=names["SyncStateTable"],
            oauth_states_table="unused", records_table="unused", sync_queue_url=queue_url,
            token_key_arn="arn:aws:kms:us-east-1:123456789012:key/unused",
            procore_login_url="http://procore.invalid", procore_api_url="http://procore.invalid",
            procore_client_id="unused", procore_redirect_uri="http://localhost/callback",
            integrations_page_url="http://localhost/app",
        )
        connections_table = boto3.session.Session().resource("dynamodb", region_name=REGION).Table(
            names["ConnectionsTable"])
        _seed(connections_table, connections)
        pages = plain_scan_pages(connections_table)
        counter = AwsCalls()
        counter.install()
        try:
            began = time.monotonic()
            with armed(counter):
                result = dispatch_all(Services(settings))
            seconds = time.monotonic() - began
        finally:
            counter.uninstall()
        spent = counter.snapshot()
    return {"connections": connections, "queued": result["queued"], "skipped": result["skipped"],
            "plain_scan_pages": pages, "aws_calls": dict(spent.calls), "item_writes": dict(spent.item_writes),
            "dynamodb_reads": spent.dynamodb_reads(), "seconds": round(seconds, 1)}


if __name__ == "__main__":
    Path(sys.argv[2]).write_text(json.dumps(probe(int(sys.argv[1]))), encoding="utf-8")
