"""Stands in for the EventBridge schedules, which never fire under moto.

Every `LOCAL_SYNC_INTERVAL` seconds (default 300; 0 disables the timer) the `ScheduleTimer`
invokes each function with an enabled Schedule or ScheduleV2 event, one after the other, with
the event AWS would send: an EventBridge Scheduler event for ScheduleV2 (`source`
`aws.scheduler`, the schedule's ARN in `resources`, and `detail` the string `"{}"` exactly as
the Scheduler sends it), an EventBridge rule event for Schedule (`source` `aws.events`,
`detail` `{}`), or the event's `Input` when the template sets one. `trigger()` fires a
schedule now, in the caller's thread, and returns the handler's result.

NOTE: the ScheduleExpression itself is not interpreted locally; the interval replaces it,
and failed runs are logged rather than retried.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from local_stack.intrinsics import Resolver
from local_stack.template import Template

logger = logging.getLogger(__name__)

DEFAULT_SYNC_INTERVAL = 300.0
Invoke = Callable[[str, Any], Any]


@dataclass(frozen=True)
class Schedule:
    """One schedule event of one function, resolved."""

    function_id: str
    event_name: str
    type: str
    arn: str
    expression: str
    input: Any = None
    enabled: bool = True


def schedules(template: Template, resolver: Resolver) -> list[Schedule]:
    """The Schedule and ScheduleV2 events of the template's active functions."""
    found = []
    region, account = resolver.region, resolver.account_id
    for function in template.functions.values():
        if not resolver.is_active(function.condition):
            continue
        for event in function.schedule_events:
            name = resolver.resolve(event.schedule_name) or f"{function.logical_id}{event.name}"
            if event.type == "ScheduleV2":
                group = resolver.resolve(event.group_name) or "default"
                arn = f"arn:aws:scheduler:{region}:{account}:schedule/{group}/{name}"
            else:
                arn = f"arn:aws:events:{region}:{account}:rule/{name}"
            raw_input = resolver.resolve(event.input)
            found.append(
                Schedule(
                    function_id=function.logical_id,
                    event_name=event.name,
                    type=event.type,
                    arn=arn,
                    expression=str(resolver.resolve(event.schedule_expression)),
                    input=json.loads(raw_input) if isinstance(raw_input, str) else raw_input,
                    enabled=event.enabled,
                )
            )
    return found


def schedule_event(schedule: Schedule, *, region: str, account_id: str) -> Any:
    """The event a scheduled invocation of `schedule` delivers."""
    if schedule.input is not None:
        return schedule.input
    scheduler = schedule.type == "ScheduleV2"
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.scheduler" if scheduler else "aws.events",
        "account": account_id,
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [schedule.arn],
        "detail": "{}" if scheduler else {},
    }


class ScheduleTimer:
    """Fires every enabled schedule each `interval` seconds on a background thread."""

    def __init__(
        self,
        schedules: list[Schedule],
        *,
        invoke: Invoke,
        interval: float = DEFAULT_SYNC_INTERVAL,
        region: str,
        account_id: str,
    ) -> None:
        self.schedules = list(schedules)
        self.interval = interval
        self._invoke = invoke
        self._region = region
        self._account_id = account_id
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the periodic thread (not when the interval is 0 or there is no schedule)."""
        if self.interval <= 0 or not self.schedules:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="schedule-timer", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def trigger(self, logical_id: str) -> Any:
        """Fire the schedule(s) of one function now; returns the last handler result."""
        matching = [s for s in self.schedules if s.function_id == logical_id]
        if not matching:
            raise KeyError(f"{logical_id} has no schedule")
        result = None
        for schedule in matching:
            event = schedule_event(schedule, region=self._region, account_id=self._account_id)
            result = self._invoke(schedule.function_id, event)
        return result

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            for schedule in self.schedules:
                if self._stop.is_set() or not schedule.enabled:
                    continue
                event = schedule_event(schedule, region=self._region, account_id=self._account_id)
                try:
                    self._invoke(schedule.function_id, event)
                except Exception:
                    logger.exception(
                        "scheduled run failed", extra={"function": schedule.function_id}
                    )
