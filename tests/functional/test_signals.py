"""What operators see of a sync: every log line of a job names its user, company and run, and
the metrics the alarms and dashboard read are emitted."""

from __future__ import annotations

import io
import json
import logging

from procore_sync.observability import logger as product_logger


def test_job_log_lines_carry_their_context_and_the_sync_emits_its_metrics(local, user_id, capfd):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(product_logger.registered_formatter)
    product_logger.addHandler(handler)
    try:
        local.sim.state.set_config(rate_limits_enabled=False)
        local.connect(user_id)
        local.settle()
        local.stack.trigger_schedule()
        local.settle()
    finally:
        product_logger.handlers.remove(handler)

    lines = [json.loads(line) for line in stream.getvalue().splitlines() if line.startswith("{")]
    job_lines = [line for line in lines if line.get("message", "").startswith("sync job") and
                 line.get("user_id") == user_id]
    assert job_lines
    run_ids = {line["sync_run_id"] for line in job_lines}
    for line in job_lines:
        assert line["company_id"] and line["job_id"]
        assert line["correlation_id"] == line["sync_run_id"]
    assert len(run_ids) == 2  # the connect's run and the schedule's

    out = capfd.readouterr().out
    emitted = set()
    for raw in out.splitlines():
        if raw.startswith('{"_aws"'):
            document = json.loads(raw)
            for directive in document["_aws"]["CloudWatchMetrics"]:
                emitted.update(metric["Name"] for metric in directive["Metrics"])
    assert {"SyncJobsFinished", "ProcoreApiCalls", "RecordsWritten", "SyncJobSeconds",
            "OldestCompanySyncAgeSeconds", "SyncRunsQueued"} <= emitted
