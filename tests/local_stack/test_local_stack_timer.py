"""The schedule timer, direct invocation, waiting for idleness and user tokens."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from stack_fixtures import fake_module, load_event

from local_stack import LocalStack
from local_stack.errors import TemplateError
from local_stack.timer import Schedule, ScheduleTimer, schedule_event


def test_timer_trigger_sends_a_scheduler_event(stack: LocalStack) -> None:
    results = stack.trigger_schedule()

    assert results == {"TickFunction": {"queued": 0, "function": "procore-local-TickFunction"}}
    (event,) = fake_module("tick").EVENTS
    assert set(event) == {
        "version",
        "id",
        "detail-type",
        "source",
        "account",
        "time",
        "region",
        "resources",
        "detail",
    }
    assert event["version"] == "0"
    assert event["detail-type"] == "Scheduled Event"
    assert event["source"] == "aws.scheduler"
    assert event["account"] == "123456789012"
    assert event["region"] == "us-east-1"
    assert event["resources"] == [
        "arn:aws:scheduler:us-east-1:123456789012:schedule/default/TickFunctionTick"
    ]
    assert event["detail"] == "{}"  # the Scheduler sends an empty JSON object as a string
    time.strptime(event["time"], "%Y-%m-%dT%H:%M:%SZ")


def test_timer_trigger_then_wait_until_idle_drains_the_fan_out(stack: LocalStack) -> None:
    # given a dispatcher that queues three jobs
    fake_module("tick").JOBS.extend(["ok:1", "ok:2", "ok:3"])

    # when the schedule fires and the stack settles
    stack.trigger_schedule("TickFunction")
    stack.wait_until_idle(timeout=30)

    # then the worker consumed every job
    assert sorted(fake_module("worker").SEEN) == ["ok:1", "ok:2", "ok:3"]


def test_timer_fires_periodically_until_stopped() -> None:
    fired: list[Any] = []
    done = threading.Event()

    def invoke(logical_id: str, event: Any) -> None:
        fired.append((logical_id, event))
        if len(fired) >= 2:
            done.set()

    schedule = Schedule(
        "Fn", "Tick", "Schedule", "arn:aws:events:us-east-1:1:rule/r", "rate(1 hour)"
    )
    timer = ScheduleTimer(
        [schedule], invoke=invoke, interval=0.05, region="us-east-1", account_id="1"
    )
    timer.start()
    try:
        assert done.wait(5)
    finally:
        timer.stop()
    logical_id, event = fired[0]
    assert logical_id == "Fn"
    assert event["source"] == "aws.events" and event["detail"] == {}
    assert event["resources"] == ["arn:aws:events:us-east-1:1:rule/r"]


def test_timer_uses_input_when_the_template_sets_one() -> None:
    schedule = Schedule("Fn", "Tick", "ScheduleV2", "arn", "rate(1 hour)", input={"mode": "full"})
    assert schedule_event(schedule, region="us-east-1", account_id="1") == {"mode": "full"}


def test_timer_disabled_by_zero_interval() -> None:
    schedule = Schedule("Fn", "Tick", "ScheduleV2", "arn", "rate(1 hour)")
    timer = ScheduleTimer(
        [schedule], invoke=lambda *_: None, interval=0, region="r", account_id="1"
    )
    timer.start()
    assert timer._thread is None
    timer.stop()


def test_invoke_runs_a_function_directly(stack: LocalStack) -> None:
    event = load_event("sam_sqs_receive_message.json")

    result = stack.invoke("WorkerFunction", event)

    assert result == {"batchItemFailures": []}
    assert fake_module("worker").SEEN == ["Hello from SQS!"]
    with pytest.raises(TemplateError):
        stack.invoke("NoSuchFunction", {})


def test_make_user_token_is_accepted_by_the_authorizer(stack: LocalStack) -> None:
    assert stack.gateway is not None
    authorizer = next(
        r.authorizer for api in stack.gateway.apis for r in api.routes if r.authorizer
    )
    token = stack.make_user_token("user-9", role="admin")

    verdict = authorizer.verify(token)

    assert verdict.allowed
    assert verdict.claims["sub"] == "user-9" and verdict.claims["role"] == "admin"
    assert verdict.claims["iss"] == "https://auth.palcode.local"
    assert verdict.claims["aud"] == "palcode-app"
    assert 3500 <= verdict.claims["exp"] - time.time() <= 3600
