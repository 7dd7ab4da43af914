"""Invoked by the schedule: queues a sync run for every connected user. Invoked directly by an
operator with `{"user_id": "..."}`: queues one for that user."""

from procore_sync.observability import logger, metrics, tracer
from procore_sync.services import get_services
from procore_sync.sync.dispatch import dispatch_all, dispatch_one


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event, context):
    if isinstance(event, dict) and "user_id" in event:  # an operator's direct invocation
        user_id = event["user_id"]
        if not isinstance(user_id, str) or not user_id or len(user_id) > 200:
            return {"error": "bad_request", "field": "user_id", "message": "user_id is required"}
        result = dispatch_one(get_services(), user_id, trigger="operator")
        metrics.add_metric(name="SyncRunsQueued", unit="Count", value=int(result["queued"]))
        return result
    result = dispatch_all(get_services())
    metrics.add_metric(name="SyncRunsQueued", unit="Count", value=result["queued"])
    return result
