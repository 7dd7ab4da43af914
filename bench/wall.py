"""Wall time of a full sync under Procore's rate limits, with simulated latency.

The stack's own SQS pollers run the sync here (the template's batch size and concurrency), as
Lambda would. The clock starts before the connect (whose callback queues the sync) and stops
when the queue is empty and no handler runs. The bound is the time the limits themselves
impose on the fewest calls a full sync needs (`bounds.full_sync_calls`):

    N × spike window ÷ spike limit, or, if N exceeds the hourly limit, the hour's share as well:
    max(N × W_spike / L_spike, (N − L_hour) × W_hour / L_hour)
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from . import bounds
from .figures import Figure, Goal
from .counters import armed
from .harness import Harness

Log = Callable[[str], None]


@dataclass
class WallPlan:
    size: str = "M"
    runs: int = 3
    latency_ms: int = 100
    spike_limit: int = 25
    spike_window_seconds: int = 10
    hourly_limit: int = 3600


def bound_seconds(calls: int, plan: WallPlan) -> float:
    spike = calls * plan.spike_window_seconds / plan.spike_limit
    hourly = max(0, calls - plan.hourly_limit) * 3600 / plan.hourly_limit
    return max(spike, hourly)


def measure(h: Harness, plan: WallPlan, shape: bounds.WorldShape, caps: bounds.PageSizes, log: Log) -> Figure:
    needed = bounds.full_sync_calls(shape, caps)
    seconds, calls, throttled, aws_wait = [], [], [], []
    for index in range(plan.runs):
        user_id = f"bench-wall-{plan.size.lower()}-{index}"
        h.fresh(plan.size, rate_limits_enabled=True, latency_ms=plan.latency_ms, spike_limit=plan.spike_limit,
                spike_window_seconds=plan.spike_window_seconds, hourly_limit=plan.hourly_limit)
        assert h.stack is not None
        before = h.sim.stats()
        aws_before = h.aws.snapshot()
        with h.pollers(), armed(h.aws):
            began = time.monotonic()
            h.connect(user_id)
            h.stack.wait_until_idle(timeout=3600)
            seconds.append(time.monotonic() - began)
        after = h.sim.stats()
        aws = h.aws.snapshot() - aws_before
        aws_wait.append(round(sum(aws.seconds.values()), 1))
        counts, bad = h.run_counts(user_id)
        if bad or counts["created"] != shape.records:
            raise RuntimeError(f"the rate-limited sync did not land every record: {counts}, {bad[:5]}")
        calls.append(after["api_calls"]["total"] - before["api_calls"]["total"])
        throttled.append(after["rate_limit"]["total"] - before["rate_limit"]["total"])
        log(f"    wall time: {seconds[-1]:.1f} s for {calls[-1]} calls ({throttled[-1]} answered 429)")
    bound = bound_seconds(needed, plan)
    return Figure(
        key="wall_full_sync", title="Wall time of a full sync, rate-limited, 100 ms latency", size=plan.size,
        unit="s", goal=Goal("le", 1.2),
        bound_text=(f"{needed} calls needed × {plan.spike_window_seconds} s ÷ {plan.spike_limit} calls "
                    f"(the spike limit" + (f"; {plan.hourly_limit}/h does not bind)" if needed <= plan.hourly_limit
                                           else f" and {plan.hourly_limit}/h)")),
        measured=seconds, bound=[bound] * len(seconds),
        details={"calls_needed": needed, "calls_made": calls, "answered_429": throttled,
                 "latency_ms": plan.latency_ms, "spike_limit": plan.spike_limit,
                 "spike_window_seconds": plan.spike_window_seconds, "hourly_limit": plan.hourly_limit,
                 "aws_wait_seconds_all_workers": aws_wait,
                 "includes": "the connect flow (about 1 s) and the stack's 0.3 s idle check"})
