"""A schedule prints as Python source that builds the same schedule, so a failing one can be
pasted into an `@example` or `CHAOS_REPLAY` and played again."""

from __future__ import annotations

from hypothesis import given, settings

from chaos.schedule import Schedule, parse
from chaos.strategies import schedules


@settings(max_examples=50, deadline=None, database=None)
@given(schedule=schedules(max_segments=4, max_faults=3, wide=True))
def test_a_printed_schedule_builds_the_same_schedule(schedule):
    assert parse(schedule.literal()) == schedule
    assert eval(schedule.literal(), {"Schedule": Schedule}) == schedule  # noqa: S307 - our own literal


def test_an_empty_schedule_prints_and_parses():
    assert parse(Schedule(seed=1).literal()) == Schedule(seed=1)
