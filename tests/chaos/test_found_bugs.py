"""Product bugs the chaos suite found, each kept as the smallest schedule that showed it, now a
test that every invariant holds for it. `docs/reliability.md` tells what each bug was and how
it was fixed.
"""

from __future__ import annotations

import pytest

from procore_sync.services import get_services

from chaos import invariants
from chaos.harness import play, session
from chaos.schedule import Schedule

pytestmark = pytest.mark.stack


def production_job_leases(mp) -> None:
    """A job lease shorter than the visibility timeout, as on AWS (60 s against 720 s): each
    redelivery of a failing job then counts toward the five that send it to the dead letters."""
    mp.setattr(get_services().settings, "job_lease_seconds", 1.0)


def production_leases(mp) -> None:
    """The job lease as above, and a refresh lease shortened so that a lapsed one does not hold
    the test for 30 s."""
    production_job_leases(mp)
    mp.setattr(get_services().settings, "refresh_lease_seconds", 3)


def test_b1_a_job_failing_outside_procore_on_every_delivery_dead_letters_with_its_reason(chaos_stack):
    """B1: a job that failed outside Procore on every delivery (KMS, DynamoDB past botocore's
    retries) reached the dead letters still 'running', with no reason, and its unfinished run
    made the dispatcher skip the user from then on. The last delivery now records the failure."""
    schedule = Schedule(seed=5, cast=("dana",), steps=(
        ("kms", 12, "Decrypt", "calls"), ("update", "vendors", 1), ("sync",),
    ))
    outcome = play(chaos_stack, schedule, patch=production_leases)
    assert outcome.ok, outcome.report()


def test_b2_a_kms_error_while_storing_a_refreshed_pair_keeps_the_connection(chaos_stack):
    """B2: a KMS error while encrypting a pair Procore had just rotated left the new pair
    unstored and the spent refresh token in place, so the connection was lost though Procore
    invalidated nothing. Encrypting a rotated pair is now tried again while KMS fails."""
    schedule = Schedule(seed=6, cast=("dana",), steps=(
        ("refresh", False), ("kms", 5, "GenerateDataKey"), ("sync",),
    ))
    outcome = play(chaos_stack, schedule, patch=production_job_leases)  # the 30 s refresh lease: half of it for KMS
    assert outcome.ok, outcome.report()


def test_b3_a_listing_read_again_after_churn_writes_nothing_twice(chaos_stack):
    """B3: a listing read again because it shifted while paged wrote every record of its earlier
    read again: the writer compared with what was stored when the job began. It now keeps what it
    wrote."""
    churn = {"churn_inserts_per_page": 1, "churn_updates_per_page": 1, "churn_deletes_per_page": 1,
             "churn_budget": 6}
    with session(chaos_stack, Schedule(seed=7, cast=("dana",), steps=(("procore", churn), ("sync",)))) as harness:
        harness.begin()
        harness.play_steps()
        harness.stop_faults()
        harness.check("written_twice", invariants.written_twice(harness.writes,
                                                                set(range(harness.writes.epoch + 1))))
    assert harness.outcome.ok, harness.outcome.report()
