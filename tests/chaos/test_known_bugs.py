"""Product bugs the chaos suite found, each as the smallest schedule that shows it, expected to
fail until the product is fixed (`strict`: a fix turns them into failures to be removed).

Each reason says what breaks; `docs/reliability.md` says more. The random schedules of
`test_schedules.py` stay clear of these (see `chaos/strategies.py`, `known_bugs`).
"""

from __future__ import annotations

import pytest

from procore_sync.services import get_services

from chaos import invariants
from chaos.harness import play, session
from chaos.schedule import Schedule

pytestmark = pytest.mark.stack


class BugStillThere(AssertionError):
    """The bug's own violations, and only those: what these tests expect until it is fixed."""


def expect_bug(outcome, **signs: str) -> None:
    """Raise BugStillThere if every `invariant=substring` sign shows; fail outright on any other
    violation (the xfail covers this bug only); pass once the bug is fixed."""
    shown = {name: any(sign in p for p in outcome.violations.get(name, [])) for name, sign in signs.items()}
    others = {name: problems for name, problems in outcome.violations.items() if name not in signs}
    assert not others, outcome.report()
    if all(shown.values()):
        raise BugStillThere(outcome.report())
    assert not any(shown.values()), f"only part of the bug shows: {shown}\n{outcome.report()}"


def production_leases(mp) -> None:
    """A job lease shorter than the visibility timeout, as on AWS (60 s against 720 s): each
    redelivery of a failing job then counts toward the five that send it to the dead letters.
    (Locally the lease, 3 s, outlives the 2 s visibility timeout, and a redelivery that finds it
    live goes back to the queue as a new message, so the count starts again.) The refresh lease is
    shortened too, so that a lapsed one does not hold the test for 30 s."""
    mp.setattr(get_services().settings, "job_lease_seconds", 1.0)
    mp.setattr(get_services().settings, "refresh_lease_seconds", 3)


@pytest.mark.xfail(strict=True, raises=BugStillThere, reason=(
    "B1: a job whose every delivery fails with an error that is not a ProcoreError (here KMS "
    "failing to decrypt the token; equally DynamoDB throttling past botocore's retries, or a Lambda "
    "timeout) reaches the dead-letter queue without being finished: its job item stays 'running' "
    "with no error, status and procore-ops show no reason, and since the run never finishes the "
    "dispatcher skips that user on every schedule from then on (runner.run_job only records the "
    "last delivery for ProcoreError)."))
def test_b1_a_job_failing_outside_procore_on_every_delivery_dead_letters_without_a_reason(chaos_stack):
    schedule = Schedule(seed=5, cast=("dana",), steps=(
        ("kms", 12, "Decrypt", "calls"), ("update", "vendors", 1), ("sync",),
    ))
    outcome = play(chaos_stack, schedule, patch=production_leases)
    expect_bug(outcome, dead_letters="no readable reason", runs="left 'running'", records="stale")


@pytest.mark.xfail(strict=True, raises=BugStillThere, reason=(
    "B2: a KMS error while sealing a refreshed token pair (after Procore rotated it) loses the "
    "connection although Procore invalidated nothing: the new pair is never stored nor revoked, "
    "the refresh lease is left to lapse, and the next worker presents the spent refresh token, "
    "so the connection ends 'reauthorization_required' with the misleading reason "
    "'refresh_token_rejected' (tokens.ConnectionTokens._refresh_under_lease does not guard "
    "seal/store after the token call)."))
def test_b2_a_kms_error_while_storing_a_refreshed_pair_loses_the_connection(chaos_stack):
    schedule = Schedule(seed=6, cast=("dana",), steps=(
        ("refresh", False), ("kms", 5, "GenerateDataKey"), ("sync",),
    ))
    outcome = play(chaos_stack, schedule, patch=production_leases)
    expect_bug(outcome, tokens="invalidated nothing", refreshes="an earlier refresh had spent")


@pytest.mark.xfail(strict=True, raises=BugStillThere, reason=(
    "B3: a listing read again because it shifted while it was paged writes again, with the same "
    "content, every record its earlier read already wrote: EntityWriter keeps the fingerprints it "
    "loaded when the job began and never updates them after a write. Wasted writes, no wrong data."))
def test_b3_a_listing_read_again_after_churn_writes_what_it_wrote_again(chaos_stack):
    churn = {"churn_inserts_per_page": 1, "churn_updates_per_page": 1, "churn_deletes_per_page": 1,
             "churn_budget": 6}
    with session(chaos_stack, Schedule(seed=7, cast=("dana",), steps=(("procore", churn), ("sync",)))) as harness:
        harness.begin()
        harness.play_steps()
        harness.stop_faults()
        harness.check("written_twice", invariants.written_twice(harness.writes,
                                                                set(range(harness.writes.epoch + 1))))
    expect_bug(harness.outcome, written_twice="written twice with the same content")
