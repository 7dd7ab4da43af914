"""The SQS poller: Lambda SQS events, partial batch responses, retries and the DLQ."""

from __future__ import annotations

from typing import Any

import pytest
from stack_fixtures import fake_module, load_event

from local_stack import LocalStack
from local_stack.poller import messages_to_delete


def _send(stack: LocalStack, *bodies: str, **kwargs: Any) -> None:
    sqs = stack.aws.client("sqs")
    for body in bodies:
        sqs.send_message(QueueUrl=stack.physical("WorkQueue").ref, MessageBody=body, **kwargs)


def _dead_letters(stack: LocalStack) -> list[str]:
    sqs = stack.aws.client("sqs")
    response = sqs.receive_message(
        QueueUrl=stack.physical("WorkDeadLetterQueue").ref, MaxNumberOfMessages=10
    )
    return sorted(m["Body"] for m in response.get("Messages", []))


def test_poller_deletes_successes_and_retries_reported_failures(stack: LocalStack) -> None:
    # given one message that succeeds and one the handler reports as failed
    _send(stack, "ok:a", "fail:b")

    # when the poller has drained the queue
    stack.wait_until_idle(timeout=30)

    # then the success ran once and was deleted; the failure came back until the redrive
    seen = fake_module("worker").SEEN
    assert seen.count("ok:a") == 1
    assert seen.count("fail:b") == 2  # maxReceiveCount in the fixture template
    assert _dead_letters(stack) == ["fail:b"]


@pytest.mark.parametrize("body", ["raise:x", "bad:x"], ids=["handler-raises", "bad-response"])
def test_poller_keeps_whole_batch_on_error_or_bad_response(stack: LocalStack, body: str) -> None:
    _send(stack, body)

    stack.wait_until_idle(timeout=30)

    assert fake_module("worker").SEEN.count(body) == 2
    assert _dead_letters(stack) == [body]


def test_poller_builds_lambda_sqs_records(stack: LocalStack) -> None:
    # given a message with attributes
    _send(
        stack,
        "ok:shape",
        MessageAttributes={"kind": {"DataType": "String", "StringValue": "sync"}},
    )

    stack.wait_until_idle(timeout=30)

    # then the record has the shape of `sam local generate-event sqs receive-message`
    sample = load_event("sam_sqs_receive_message.json")["Records"][0]
    (event,) = fake_module("worker").EVENTS
    (record,) = event["Records"]
    assert set(record) == set(sample) | {"md5OfMessageAttributes"}
    assert set(record["attributes"]) >= set(sample["attributes"])
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"] == stack.physical("WorkQueue").attributes["Arn"]
    assert record["awsRegion"] == "us-east-1"
    assert record["body"] == "ok:shape"
    assert record["messageAttributes"] == {
        "kind": {
            "stringValue": "sync",
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": "String",
        }
    }


def test_poller_respects_batch_size(stack: LocalStack) -> None:
    bodies = [f"ok:{i}" for i in range(12)]
    _send(stack, *bodies)

    stack.wait_until_idle(timeout=30)

    worker = fake_module("worker")
    assert sorted(worker.SEEN) == sorted(bodies)
    assert all(1 <= len(event["Records"]) <= 5 for event in worker.EVENTS)
    (poller,) = stack.pollers
    assert poller.mapping.maximum_concurrency == 2


def test_poller_wait_until_idle_times_out_while_retries_pending(stack: LocalStack) -> None:
    _send(stack, "fail:slow")

    with pytest.raises(TimeoutError):
        stack.wait_until_idle(timeout=0.3)
    stack.wait_until_idle(timeout=30)


def _messages(*ids: str) -> list[dict[str, Any]]:
    return [{"MessageId": i, "ReceiptHandle": f"rh-{i}"} for i in ids]


@pytest.mark.parametrize(
    ("result", "reports", "deleted"),
    [
        ({"batchItemFailures": [{"itemIdentifier": "b"}]}, True, ["a", "c"]),
        ({"batchItemFailures": []}, True, ["a", "b", "c"]),
        ({"batchItemFailures": None}, True, ["a", "b", "c"]),
        (None, True, ["a", "b", "c"]),
        ({}, True, ["a", "b", "c"]),
        ({"batchItemFailures": [{"itemIdentifier": "zzz"}]}, True, []),
        ({"batchItemFailures": [{"itemIdentifier": ""}]}, True, []),
        ({"batchItemFailures": [{"wrong": "b"}]}, True, []),
        ("not an object", True, []),
        ({"batchItemFailures": [{"itemIdentifier": "b"}]}, False, ["a", "b", "c"]),
    ],
)
def test_messages_to_delete_follows_lambda_rules(
    result: Any, reports: bool, deleted: list[str]
) -> None:
    done = messages_to_delete(_messages("a", "b", "c"), result, report_batch_item_failures=reports)
    assert [m["MessageId"] for m in done] == deleted
