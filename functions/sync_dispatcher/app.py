"""Invoked by the schedule: queues a sync run for every connected user."""

from procore_sync.observability import logger, metrics, tracer
from procore_sync.services import get_services
from procore_sync.sync.dispatch import dispatch_all


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event, context):
    result = dispatch_all(get_services())
    metrics.add_metric(name="SyncRunsQueued", unit="Count", value=result["queued"])
    return result
