"""The dispatcher over many connections: SQS requests and DynamoDB reads of one `dispatch_all`.

`bench/dispatch_probe.py` seeds the connections table directly (one connected user per item,
one selected company each) and runs `procore_sync.sync.dispatch.dispatch_all` once with every AWS
call counted, in a process of its own against moto in that process (see its docstring for why).
Bounds, from the same run:

* SQS: one SendMessageBatch per ten jobs, `ceil(connections / 10)`;
* DynamoDB reads "by the page": the pages a plain paginated Scan of the connections table needs
  (DynamoDB's 1 MB pages, the dispatcher's filter and projection), read there too.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from . import REPO_ROOT
from .figures import Figure, Goal

Log = Callable[[str], None]


def _probe(connections: int, log_dir: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "POWERTOOLS_"))}
    env.update({"AWS_DEFAULT_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "testing",
                "AWS_SECRET_ACCESS_KEY": "testing", "POWERTOOLS_SERVICE_NAME": "procore-integration",
                "POWERTOOLS_METRICS_NAMESPACE": "PalcodeProcoreBench", "POWERTOOLS_LOG_LEVEL": "WARNING",
                "POWERTOOLS_TRACE_DISABLED": "true"})
    with tempfile.TemporaryDirectory(prefix="bench-dispatch-") as tmp:
        out = Path(tmp) / "counts.json"
        with (log_dir / "bench-dispatch.log").open("w", encoding="utf-8") as log:
            subprocess.run([sys.executable, "-m", "bench.dispatch_probe", str(connections), str(out)], cwd=REPO_ROOT,
                           env=env, stdout=log, stderr=log, check=True, timeout=3600)
        return json.loads(out.read_text(encoding="utf-8"))


def measure(connections: int, log_dir: Path, log: Log) -> list[Figure]:
    counts = _probe(connections, log_dir)
    if counts["queued"] != connections:
        raise RuntimeError(f"the dispatcher queued {counts['queued']} runs for {connections} connections")
    calls = counts["aws_calls"]
    sqs_calls = calls.get("sqs.SendMessageBatch", 0) + calls.get("sqs.SendMessage", 0)
    reads = counts["dynamodb_reads"]
    log(f"    dispatcher: {connections} connections, {sqs_calls} SQS sends, {reads} DynamoDB reads, "
        f"{counts['seconds']:.0f} s")
    details = {k: counts[k] for k in ("connections", "aws_calls", "item_writes", "plain_scan_pages", "seconds")}
    size = f"{connections:,} conn."
    return [
        Figure(key="dispatch_sqs", title=f"Dispatcher over {connections:,} connections: SQS send requests",
               size=size, unit="requests", goal=Goal("eq"),
               bound_text="ceil(connections ÷ 10): ten jobs per SendMessageBatch",
               measured=[sqs_calls], bound=[math.ceil(connections / 10)], details=details),
        Figure(key="dispatch_reads", title=f"Dispatcher over {connections:,} connections: DynamoDB reads",
               size=size, unit="requests", goal=Goal("eq"),
               bound_text="the pages of a plain paginated Scan of the connections table (1 MB pages)",
               measured=[reads], bound=[counts["plain_scan_pages"]], details=details),
    ]
