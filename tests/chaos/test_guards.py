"""The checkers can fail: for each fault kind, the guard that absorbs it is turned off (from the
test side) and the matching invariant check reports the violation.

With the guards on, the same faults are in `test_schedules.py`'s fixed schedules, where every
check passes. Each test here plays one short schedule for one user, so the suite stays quick.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import uuid
from collections.abc import Iterator

import pytest

from procore_sync.services import get_services

from chaos import invariants
from chaos.harness import Harness, session
from chaos.schedule import Schedule

pytestmark = pytest.mark.stack

DELETING_CHURN = {"churn_deletes_per_page": 1, "churn_budget": 6}


@contextlib.contextmanager
def guard_off(stack, patch, steps=(), *, before=(), first=(), cast=("dana",), spike_limit=25) -> Iterator[Harness]:
    """`before` runs ahead of everything, `first` once the user connected (so both are on for the
    first sync; Procore's faults would fail the connect itself), then the first sync settles and
    `steps` run; the faults stop and the harness is handed over for checking."""
    schedule = Schedule(seed=11, cast=cast, steps=tuple(steps), spike_limit=spike_limit)
    with session(stack, schedule, patch=patch) as harness:
        for step in before:
            harness.step(step)
        harness.begin(after_connect=tuple(first))
        harness.play_steps()
        harness.stop_faults()
        yield harness


def short_job_leases(mp) -> None:
    """Job leases shorter than the local 2 s visibility timeout, so that each redelivery of a
    failing job counts as one (a live lease sends it back as a new message instead)."""
    mp.setattr(get_services().settings, "job_lease_seconds", 1.0)


# ---------------------------------------------------------------------- Procore's rate limits, 429s, 503s


def test_without_the_rate_budget_procore_sees_a_token_over_its_limit(chaos_stack):
    def off(mp):
        mp.setattr("procore_sync.procore.rate_budget.RateBudget.take", lambda self: 0.0)

    with guard_off(chaos_stack, off, spike_limit=10) as harness:  # the first sync is enough
        assert invariants.rate_limits(harness.sim)


def test_without_sending_throttled_jobs_back_to_the_queue_429s_and_503s_fail_jobs(chaos_stack):
    def off(mp):
        mp.setattr("procore_sync.sync.runner.MAX_DELAYS", 0)

    throttled = [("procore", {"rate_429": 0.5, "retry_after_on_429": False}),
                 ("procore", {"error_rate_5xx": 0.5, "fault_5xx_status": 503})]
    with guard_off(chaos_stack, off, first=throttled) as harness:
        assert any("throttling delays" in p for p in invariants.runs(harness.stack, harness.users))


def test_without_retrying_500s_a_job_fails_on_the_first_one(chaos_stack):
    def off(mp):
        mp.setattr("procore_sync.procore.errors.ProcoreServerError.retryable", False)

    with guard_off(chaos_stack, off, first=[("procore", {"error_rate_5xx": 0.3, "fault_5xx_status": 500})]) as harness:
        assert any("passing error" in p for p in invariants.runs(harness.stack, harness.users))


def test_without_retrying_timeouts_and_resets_a_slow_answer_fails_the_job(chaos_stack):
    def off(mp):
        mp.setattr("procore_sync.procore.errors.ProcoreUnavailableError.retryable", False)

    slow = [("procore", {"timeout_rate": 0.15}), ("procore", {"reset_rate": 0.15}), ("procore", {"latency_ms": 40})]
    with guard_off(chaos_stack, off, first=slow) as harness:
        assert any("procore_unavailable" in p for p in invariants.runs(harness.stack, harness.users))


def test_without_recording_the_last_delivery_a_dead_letter_has_no_reason(chaos_stack):
    def off(mp):
        from functions.entity_sync import app

        mp.setattr(app, "MAX_RECEIVES", 99)  # the final delivery is not recognised as such
        short_job_leases(mp)

    with guard_off(chaos_stack, off, first=[("procore", {"error_rate_5xx": 1.0, "fault_5xx_status": 500})]) as harness:
        assert invariants.dead_letters(harness.stack)


# ---------------------------------------------------------------------- listings, writes and workers


def test_without_the_hash_check_a_sync_with_nothing_changed_writes_everything_again(chaos_stack):
    def off(mp):
        mp.setattr("procore_sync.sync.writer.content_hash", lambda record: uuid.uuid4().hex)

    with guard_off(chaos_stack, off) as harness:
        quiet = harness.sync("a sync with nothing changed")
        assert invariants.nothing_written(harness.writes, quiet)


def test_without_the_settle_check_churn_marks_present_records_deleted(chaos_stack):
    def off(mp):
        mp.setattr("procore_sync.sync.listing._settled", lambda pages: True)

    with guard_off(chaos_stack, off, [("procore", DELETING_CHURN), ("sync",)]) as harness:
        assert invariants.wrongly_deleted(harness.sim, harness._still_connected())


def test_without_the_lease_duplicate_deliveries_write_twice(chaos_stack):
    """Two deliveries of one job overlap only if the copy arrives before the first has written,
    which a quick job makes rare; so each delivery that begins waits (up to 3 s) for its twin."""
    def off(mp):
        from procore_sync.storage.sync_state import Begin, SyncStateRepository

        begin_job = SyncStateRepository.begin_job
        twins: dict[str, threading.Barrier] = {}
        lock = threading.Lock()

        def begin_ignoring_the_lease(self, user_id, run_id, job_id, **kwargs):
            begun = begin_job(self, user_id, run_id, job_id, **kwargs)
            if begun.outcome == "finished":
                return begun
            with lock:
                twin = twins.setdefault(f"{run_id}#{job_id}", threading.Barrier(2, timeout=3))
            with contextlib.suppress(threading.BrokenBarrierError):
                twin.wait()
            return Begin("started") if begun.outcome == "busy" else begun

        mp.setattr(SyncStateRepository, "begin_job", begin_ignoring_the_lease)
        mp.setattr(SyncStateRepository, "renew_lease", lambda self, *a, **k: True)

    duplicates = [("sqs", 1.0, 1), ("procore", {"latency_ms": 80})]
    with guard_off(chaos_stack, off, before=duplicates) as harness:
        assert invariants.written_twice(harness.writes, {0, 1})  # round 0: while the connect's sync began


def test_without_taking_back_checkpointed_keys_a_killed_job_marks_what_it_saw_deleted(chaos_stack):
    def off(mp):
        from procore_sync.sync.writer import EntityWriter

        resume = EntityWriter.resume
        mp.setattr(EntityWriter, "resume", lambda self, keys, counts, invalid: resume(self, [], counts, invalid))

    kills = [("kill", 2, "checkpoint"), ("kill", 6, "checkpoint"), ("update", "bids", 0), ("sync",)]
    with guard_off(chaos_stack, off, kills) as harness:
        assert harness.killer.kills
        assert invariants.wrongly_deleted(harness.sim, harness._still_connected())


def test_without_the_inactive_vendor_list_a_deactivated_vendor_is_taken_for_deleted(chaos_stack):
    def off(mp):
        from procore_sync.sync import listing
        from procore_sync.sync.listing import Outcome

        read = listing.read

        def read_skipping_inactive(procore, writer, progress, *, listing, **kwargs):
            if listing == "inactive_vendors":
                return Outcome(settled=True, updated_through=None, reads=1)
            return read(procore, writer, progress, listing=listing, **kwargs)

        mp.setattr(listing, "read", read_skipping_inactive)

    with guard_off(chaos_stack, off, [("deactivate", "vendors", 1), ("sync",)]) as harness:
        assert invariants.wrongly_deleted(harness.sim, harness._still_connected())


def test_without_finished_jobs_refusing_a_late_delivery_the_run_counts_a_job_twice(chaos_stack):
    def off(mp):
        from procore_sync.storage.sync_state import SyncStateRepository

        begin_job = SyncStateRepository.begin_job

        def begin_forgetting_it_finished(self, user_id, run_id, job_id, **kwargs):
            self._update_existing(user_id, run_id, job_id, UpdateExpression="SET #state = :q",
                                  ExpressionAttributeNames={"#state": "state"},
                                  ExpressionAttributeValues={":q": "queued"})
            return begin_job(self, user_id, run_id, job_id, **kwargs)

        mp.setattr(SyncStateRepository, "begin_job", begin_forgetting_it_finished)

    with guard_off(chaos_stack, off, [("replay", 6), ("sync",)]) as harness:
        assert invariants.summaries(harness.stack, harness.users)


# ---------------------------------------------------------------------- AWS: DynamoDB and KMS


def test_without_resending_unprocessed_batch_items_records_go_missing(chaos_stack):
    def off(mp):
        from boto3.dynamodb.table import BatchWriter

        def flush_dropping_unprocessed(self):  # boto3's _flush, less putting UnprocessedItems back
            items = self._items_buffer[:self._flush_amount]
            self._items_buffer = self._items_buffer[self._flush_amount:]
            self._client.batch_write_item(RequestItems={self._table_name: items})

        mp.setattr(BatchWriter, "_flush", flush_dropping_unprocessed)

    with guard_off(chaos_stack, off, before=[("dynamodb", 0.0, 0.5)]) as harness:
        assert any("missing" in p for p in invariants.records(harness.sim, harness._still_connected()))


def test_without_botocore_retrying_dynamodb_throttling_the_sync_does_not_land(chaos_stack):
    def off(mp):
        from botocore.config import Config

        from procore_sync import aws, services

        mp.setattr(aws, "_CONFIG", Config(retries={"mode": "standard", "max_attempts": 1}))
        mp.setattr(services, "_services", None)
        aws.reset_clients()

    changes = [("update", "projects", 0), ("update", "vendors", 1), ("create", "bids", 2), ("delete", "bids", 3)]
    try:
        with guard_off(chaos_stack, off, [("dynamodb", 0.4, 0.0), *changes, ("sync",)]) as harness:
            assert invariants.records(harness.sim, harness._still_connected())
    finally:
        from procore_sync import aws

        aws.reset_clients()  # the retrying clients again, for whatever comes next


def test_taking_a_kms_error_for_a_dead_token_loses_the_connection(chaos_stack):
    def off(mp):
        from procore_sync.errors import TokenDecryptionError
        from procore_sync.tokens import ConnectionTokens

        tokens_of = ConnectionTokens._tokens_of

        def giving_up_on_kms(self, item):
            try:
                return tokens_of(self, item)
            except TokenDecryptionError:
                return self._give_up("refresh_failed", int(item["token_version"]), "token did not decrypt")

        mp.setattr(ConnectionTokens, "_tokens_of", giving_up_on_kms)

    with guard_off(chaos_stack, off, before=[("kms", 1, "Decrypt", "calls")]) as harness:
        assert any("invalidated nothing" in p for p in invariants.tokens(
            harness.stack, harness.users, harness.invalidated, harness.synced_since, harness.refreshes))


# ---------------------------------------------------------------------- tokens and connections


def test_resending_a_refresh_whose_answer_was_lost_is_caught(chaos_stack):
    def off(mp):
        from procore_sync.procore.errors import ProcoreUnavailableError
        from procore_sync.procore.oauth import ProcoreOAuth

        refresh = ProcoreOAuth.refresh

        def resending(self, **kwargs):
            try:
                return refresh(self, **kwargs)
            except ProcoreUnavailableError:
                return refresh(self, **kwargs)  # what a client that retries every failure would do

        mp.setattr(ProcoreOAuth, "refresh", resending)

    with guard_off(chaos_stack, off, [("refresh", True), ("sync",)]) as harness:
        assert invariants.refreshes(harness.refreshes, harness.sim)
        assert invariants.tokens(harness.stack, harness.users, harness.invalidated, harness.synced_since,
                                 harness.refreshes)


def test_without_the_refresh_lease_racing_workers_refresh_at_once(chaos_stack):
    def off(mp):
        mp.setattr("procore_sync.storage.connections.ConnectionRepository.try_acquire_lease",
                   lambda self, user_id, **kwargs: True)

    with guard_off(chaos_stack, off, [("refresh", False), ("race", 5)]) as harness:
        assert invariants.refreshes(harness.refreshes, harness.sim)


def test_without_marking_the_connection_a_revoked_user_still_looks_connected(chaos_stack):
    def off(mp):
        mp.setattr("procore_sync.storage.connections.ConnectionRepository.mark_reauthorization_required",
                   lambda self, user_id, **kwargs: True)
        # the refresh lease, left behind by a give-up that marked nothing, lapses sooner
        mp.setattr(get_services().settings, "refresh_lease_seconds", 3)

    with guard_off(chaos_stack, off, [("revoke", "dana"), ("sync",)]) as harness:
        assert any("yet it says connected" in p for p in invariants.tokens(
            harness.stack, harness.users, harness.invalidated, harness.synced_since, harness.refreshes))


def test_without_asking_again_after_the_back_off_a_reinstalled_app_never_syncs(chaos_stack):
    def off(mp):
        # a company that refused us once is left out for good, however long ago that was
        mp.setattr("procore_sync.sync.install_backoff.waiting",
                   lambda company, *, now: not company.get("app_installed", True))

    steps = [("uninstall", 1), ("sync",), ("reinstall", 1), ("update", "projects", 0), ("update", "projects", 1),
             ("update", "projects", 2), ("update", "projects", 3), ("sync",)]
    with guard_off(chaos_stack, off, steps) as harness:
        harness.settle()
        assert invariants.records(harness.sim, harness._still_connected())


def test_with_botocore_at_debug_the_client_secret_reaches_the_logs(chaos_stack):
    wire = logging.getLogger("botocore")
    level = wire.level

    def off(mp):
        from aws_lambda_powertools.utilities import parameters

        wire.setLevel(logging.DEBUG)  # undo observability.py's hold on botocore
        parameters.clear_caches()  # so the client secret is read from SSM again

    try:
        with guard_off(chaos_stack, off) as harness:  # the connect reads the client secret
            assert any("client secret" in p for p in invariants.secrets(
                harness.sim, harness.stack.stack.procore_client_secret, harness.logs.text()))
    finally:
        wire.setLevel(level)
