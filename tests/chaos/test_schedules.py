"""Whatever the schedule of Procore changes and faults, once the faults stop and the syncs settle
every invariant holds (`chaos/invariants.py`).

The `@example`s are fixed schedules that together switch on every fault kind; hypothesis then
draws `CHAOS_EXAMPLES` more from `CHAOS_SEED`. A failing schedule is shrunk by hypothesis and
printed as an `@example(...)` to paste above the test, and as a `CHAOS_REPLAY=...` line that
`test_replay_a_printed_schedule` plays once.
"""

from __future__ import annotations

import json
import os

import pytest
from hypothesis import HealthCheck, example, given, note, seed, settings

from chaos.harness import play
from chaos.schedule import Schedule, parse
from chaos.strategies import schedules

from .conftest import EXAMPLES, LONG, SEED

CHURN = {"churn_inserts_per_page": 1, "churn_updates_per_page": 1, "churn_deletes_per_page": 1, "churn_budget": 4}

PROCORE_ANSWERS = Schedule(seed=1, steps=(
    ("procore", {"rate_429": 0.05, "retry_after_on_429": False}),
    ("procore", {"error_rate_5xx": 0.15, "fault_5xx_status": 0}),
    ("update", "bids", 3), ("delete", "vendors", 2), ("create", "bids", 1), ("create", "projects", 0),
    ("sync",), ("calm",),
    ("procore", {"rate_429": 0.05, "retry_after_on_429": True}),
    ("procore", {"timeout_rate": 0.1}), ("procore", {"reset_rate": 0.1}), ("procore", {"latency_ms": 60}),
    ("deactivate", "projects", 1), ("deactivate", "bid_packages", 2), ("deactivate", "vendors", 3),
    ("sync",),
))
WORKERS_QUEUES_AND_AWS = Schedule(seed=2, steps=(
    ("kill", 7), ("kill", 3, "checkpoint"), ("sqs", 0.5, 2), ("dynamodb", 0.03, 0.4), ("kms", 2, "Decrypt"),
    ("kms", 1, "Decrypt", "calls"),
    ("update", "projects", 0), ("create", "vendors", 1), ("delete", "bids", 5),
    ("sync",),
    ("replay", 4), ("race", 4), ("procore", {"error_rate_5xx": 0.15, "fault_5xx_status": 503}),
    ("update", "vendors", 4),
    ("sync",),
))
CONNECTIONS_AND_CHURN = Schedule(seed=3, steps=(
    ("refresh", True), ("procore", CHURN), ("uninstall", 1), ("delete", "bid_packages", 3),
    ("sync",),
    ("revoke", "pat"), ("reinstall", 1), ("unshare", 0),
    ("sync",), ("calm",),
    ("reconnect", "pat"), ("webhooks", True), ("refresh", False), ("update", "projects", 2),
    ("sync",),
))


if LONG:
    DRAWN = schedules(max_segments=4, max_faults=3, casts=(("dana", "pat"), ("dana", "dee", "pat")))
else:  # one draw, and not the near-empty schedule hypothesis tries first
    DRAWN = schedules(max_segments=2, max_faults=2).filter(lambda s: len(s.steps) >= 5)


@pytest.mark.stack
@settings(max_examples=EXAMPLES, deadline=None, database=None, print_blob=False,
          suppress_health_check=list(HealthCheck))
@seed(SEED)
@example(schedule=PROCORE_ANSWERS)
@example(schedule=WORKERS_QUEUES_AND_AWS)
@example(schedule=CONNECTIONS_AND_CHURN)
@given(schedule=DRAWN)
def test_every_invariant_holds_after_any_schedule_settles(chaos_stack, schedule):
    outcome = play(chaos_stack, schedule)
    note(f"CHAOS_SEED={SEED}; figures: {outcome.figures}")
    record(outcome)
    assert outcome.ok, outcome.report()


def record(outcome) -> None:
    """With CHAOS_REPORT set (the long run), one JSON line per schedule played, for its summary."""
    path = os.environ.get("CHAOS_REPORT")
    if path:
        line = {"schedule": outcome.schedule.literal(), "kinds": sorted(outcome.schedule.kinds()),
                "ok": outcome.ok, "violated": sorted(outcome.violations), "figures": outcome.figures}
        with open(path, "a", encoding="utf-8") as report:
            report.write(json.dumps(line, default=str) + "\n")


@pytest.mark.stack
@pytest.mark.skipif(not os.environ.get("CHAOS_REPLAY"), reason="set CHAOS_REPLAY to a printed Schedule(...)")
def test_replay_a_printed_schedule(chaos_stack):
    outcome = play(chaos_stack, parse(os.environ["CHAOS_REPLAY"]))
    assert outcome.ok, outcome.report()
