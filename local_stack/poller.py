"""Stands in for the Lambda SQS event source mapping of every function with an SQS event.

Each `SqsPoller` long-polls its queue (WaitTimeSeconds 1), gathers up to BatchSize messages
with all their attributes, builds the Lambda SQS event and calls the handler in-process. Up
to MaximumConcurrency batches run at once. After a batch:

* with `ReportBatchItemFailures`, the messages not named in `batchItemFailures` are deleted;
  a response that does not conform (unknown or empty `itemIdentifier`, not a JSON object)
  fails the whole batch, as on AWS;
* without it, every message is deleted when the handler returns;
* when the handler raises, nothing is deleted: the messages reappear after the visibility
  timeout, and moto's redrive moves them to the dead-letter queue after maxReceiveCount.

NOTE: the one deliberate local deviation from the template: queues get a VisibilityTimeout
of `LOCAL_SQS_VISIBILITY_TIMEOUT` seconds (default 5) instead of the template's value (720 s
would make every retry wait twelve minutes). So that a slow but healthy batch is not handed
out twice, the poller keeps extending the visibility of the messages it is still processing.
"""

from __future__ import annotations

import base64
import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import count
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from local_stack.errors import TemplateError
from local_stack.intrinsics import Resolver
from local_stack.template import Template

logger = logging.getLogger(__name__)

DEFAULT_VISIBILITY_TIMEOUT = 5
DEFAULT_MAXIMUM_CONCURRENCY = 5
WAIT_TIME_SECONDS = 1
_RECEIVE_LIMIT = 10

Invoke = Callable[[str, Any], Any]


@dataclass(frozen=True)
class EventSourceMapping:
    """One SQS event of one function, resolved to a real queue."""

    function_id: str
    queue_logical_id: str
    queue_url: str
    queue_arn: str
    batch_size: int
    maximum_concurrency: int
    report_batch_item_failures: bool


def event_source_mappings(template: Template, resolver: Resolver) -> list[EventSourceMapping]:
    """The enabled SQS event sources of the template's active functions."""
    mappings = []
    for function in template.functions.values():
        if not resolver.is_active(function.condition):
            continue
        for event in function.sqs_events:
            queue_id = event.queue_logical_id
            if not event.enabled:
                continue
            if queue_id is None or queue_id not in template.queues:
                raise TemplateError(
                    f"{function.logical_id}.{event.name}: queue is not in the template"
                )
            physical = resolver.physical(queue_id)
            concurrency = resolver.resolve(event.maximum_concurrency)
            mappings.append(
                EventSourceMapping(
                    function_id=function.logical_id,
                    queue_logical_id=queue_id,
                    queue_url=str(physical.ref),
                    queue_arn=str(physical.attributes["Arn"]),
                    batch_size=int(resolver.resolve(event.batch_size)),
                    maximum_concurrency=int(concurrency or DEFAULT_MAXIMUM_CONCURRENCY),
                    report_batch_item_failures=event.reports_batch_item_failures,
                )
            )
    return mappings


def sqs_record(message: dict[str, Any], *, queue_arn: str, region: str) -> dict[str, Any]:
    """One record of a Lambda SQS event, from a ReceiveMessage message."""
    record: dict[str, Any] = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message.get("Body", ""),
        "attributes": dict(message.get("Attributes") or {}),
        "messageAttributes": {
            name: _message_attribute(value)
            for name, value in (message.get("MessageAttributes") or {}).items()
        },
        "md5OfBody": message.get("MD5OfBody", ""),
    }
    if message.get("MD5OfMessageAttributes"):
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    record.update({"eventSource": "aws:sqs", "eventSourceARN": queue_arn, "awsRegion": region})
    return record


def messages_to_delete(
    messages: list[dict[str, Any]], result: Any, *, report_batch_item_failures: bool
) -> list[dict[str, Any]]:
    """Which messages a finished batch lets go, following Lambda's partial-batch rules."""
    if not report_batch_item_failures or result is None:
        return list(messages)
    if not isinstance(result, dict):
        return []
    failures = result.get("batchItemFailures")
    if not failures:
        return list(messages) if failures in (None, []) else []
    if not isinstance(failures, list):
        return []
    ids = {m["MessageId"] for m in messages}
    failed = set()
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        if not isinstance(identifier, str) or identifier not in ids:
            return []
        failed.add(identifier)
    return [m for m in messages if m["MessageId"] not in failed]


class SqsPoller:
    """Polls one queue for one function; batches run on a pool of MaximumConcurrency threads."""

    def __init__(
        self,
        mapping: EventSourceMapping,
        *,
        invoke: Invoke,
        sqs_client: Any,
        region: str,
        visibility_timeout: int = DEFAULT_VISIBILITY_TIMEOUT,
    ) -> None:
        self.mapping = mapping
        self._invoke = invoke
        self._sqs = sqs_client
        self._region = region
        self._visibility = visibility_timeout
        self._stop = threading.Event()
        self._slots = threading.BoundedSemaphore(mapping.maximum_concurrency)
        self._executor: ThreadPoolExecutor | None = None
        self._threads: list[threading.Thread] = []
        self._batches: dict[int, list[str]] = {}
        self._lock = threading.Lock()
        self._ids = count()

    @property
    def in_flight(self) -> int:
        """Batches received and not yet finished (handler running or deletes pending)."""
        with self._lock:
            return len(self._batches)

    def queue_depth(self) -> int:
        """Messages in the queue: visible, in flight and delayed."""
        names = [
            "ApproximateNumberOfMessages",
            "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed",
        ]
        attributes = self._sqs.get_queue_attributes(
            QueueUrl=self.mapping.queue_url, AttributeNames=names
        )["Attributes"]
        return sum(int(attributes.get(name, 0)) for name in names)

    def start(self) -> None:
        self._stop.clear()
        self._executor = ThreadPoolExecutor(
            max_workers=self.mapping.maximum_concurrency,
            thread_name_prefix=f"sqs-{self.mapping.function_id}",
        )
        for target, name in ((self._poll, "poll"), (self._keep_invisible, "visibility")):
            thread = threading.Thread(
                target=target, name=f"sqs-{name}-{self.mapping.function_id}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        """Stop polling and wait for running batches to finish."""
        self._stop.set()
        for thread in self._threads:
            thread.join()
        self._threads.clear()
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None

    # ------------------------------------------------------------------ threads

    def _poll(self) -> None:
        while not self._stop.is_set():
            if not self._slots.acquire(timeout=0.2):
                continue
            try:
                messages = self._receive()
            except (BotoCoreError, ClientError):
                logger.exception("sqs receive failed", extra={"queue": self.mapping.queue_url})
                messages = []
                self._stop.wait(1)
            if not messages:
                self._slots.release()
                continue
            batch_id = next(self._ids)
            with self._lock:
                self._batches[batch_id] = [m["ReceiptHandle"] for m in messages]
            assert self._executor is not None
            self._executor.submit(self._run, batch_id, messages)

    def _receive(self) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = []
        wait = WAIT_TIME_SECONDS
        while len(messages) < self.mapping.batch_size and not self._stop.is_set():
            response = self._sqs.receive_message(
                QueueUrl=self.mapping.queue_url,
                MaxNumberOfMessages=min(_RECEIVE_LIMIT, self.mapping.batch_size - len(messages)),
                WaitTimeSeconds=wait,
                MessageSystemAttributeNames=["All"],
                MessageAttributeNames=["All"],
            )
            received = response.get("Messages") or []
            if not received:
                break
            messages.extend(received)
            wait = 0
        return messages

    def _run(self, batch_id: int, messages: list[dict[str, Any]]) -> None:
        try:
            self._process(messages)
        except Exception:
            logger.exception(
                "sqs batch bookkeeping failed", extra={"queue": self.mapping.queue_url}
            )
        finally:
            with self._lock:
                self._batches.pop(batch_id, None)
            self._slots.release()

    def _process(self, messages: list[dict[str, Any]]) -> None:
        mapping = self.mapping
        event = {
            "Records": [
                sqs_record(m, queue_arn=mapping.queue_arn, region=self._region) for m in messages
            ]
        }
        try:
            result = self._invoke(mapping.function_id, event)
        except Exception:
            logger.exception("sqs handler raised", extra={"function": mapping.function_id})
            return
        done = messages_to_delete(
            messages, result, report_batch_item_failures=mapping.report_batch_item_failures
        )
        if len(done) < len(messages):
            logger.info(
                "sqs batch partly failed",
                extra={"function": mapping.function_id, "failed": len(messages) - len(done)},
            )
        for chunk in _chunks(done, _RECEIVE_LIMIT):
            self._sqs.delete_message_batch(
                QueueUrl=mapping.queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(chunk)
                ],
            )

    def _keep_invisible(self) -> None:
        interval = max(1.0, self._visibility / 3)
        while not self._stop.wait(interval):
            with self._lock:
                handles = [h for batch in self._batches.values() for h in batch]
            # ten to a call, so a busy machine still renews every batch in time
            for start in range(0, len(handles), _RECEIVE_LIMIT):
                entries = [
                    {"Id": str(i), "ReceiptHandle": h, "VisibilityTimeout": self._visibility}
                    for i, h in enumerate(handles[start : start + _RECEIVE_LIMIT])
                ]
                try:
                    self._sqs.change_message_visibility_batch(
                        QueueUrl=self.mapping.queue_url, Entries=entries
                    )
                except (BotoCoreError, ClientError):
                    continue  # deleted meanwhile: nothing left to keep invisible


def _message_attribute(value: dict[str, Any]) -> dict[str, Any]:
    attribute: dict[str, Any] = {}
    if "StringValue" in value:
        attribute["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        attribute["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode()
    attribute["stringListValues"] = list(value.get("StringListValues") or [])
    attribute["binaryListValues"] = [
        base64.b64encode(item).decode() for item in value.get("BinaryListValues") or []
    ]
    attribute["dataType"] = value.get("DataType", "String")
    return attribute


def _chunks(items: list[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
