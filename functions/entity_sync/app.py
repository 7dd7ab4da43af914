"""Reads sync jobs and webhook hints from SQS and runs them; only failed jobs go back to the queue."""

import os

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from procore_sync.observability import logger, metrics, tracer
from procore_sync.services import get_services
from procore_sync.sync.hints import run_hint
from procore_sync.sync.jobs import MESSAGE, HintJob, UnhookJob
from procore_sync.sync.runner import run_job, run_unhook

MAX_RECEIVES = int(os.environ.get("SYNC_MAX_RECEIVES", "5"))


def record_handler(record: SQSRecord) -> str:
    job = MESSAGE.validate_json(record.body)
    if isinstance(job, HintJob):
        return run_hint(get_services(), job)
    if isinstance(job, UnhookJob):
        return run_unhook(get_services(), job)
    final = int(record.attributes.approximate_receive_count) >= MAX_RECEIVES
    # every line of the job carries who and what it is for (thread-local: the local stack runs
    # several batches in one process)
    logger.thread_safe_append_keys(user_id=job.user_id, company_id=job.company_id, sync_run_id=job.run_id,
                                   job_id=job.job_id, correlation_id=job.run_id)
    try:
        return run_job(get_services(), job, final_attempt=final)
    finally:
        logger.thread_safe_clear_keys()


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event, context) -> PartialItemFailureResponse:
    # One processor per batch: it holds the batch's state, and the local stack may run
    # several batches at once in one process.
    processor = BatchProcessor(event_type=EventType.SQS)
    return process_partial_response(event=event, record_handler=record_handler, processor=processor,
                                    context=context)
