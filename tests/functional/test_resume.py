"""A sync job killed at any point (a Lambda timeout, a crash) is delivered again and converges:
it carries on from its last checkpoint rather than from the first page, and writes nothing twice."""

from __future__ import annotations

import random
import threading

import pytest

from procore_sync.procore.client import ProcoreClient
from procore_sync.services import get_services
from procore_sync.storage.checkpoints import CheckpointRepository
from procore_sync.storage.records import RecordRepository

from .conftest import DEMO_LOGIN
from .convergence import WriteLog, assert_converged


class WorkerKilled(BaseException):
    """Not an Exception: nothing in the handler catches it, as nothing survives a killed Lambda."""


class Killer:
    """Kills the worker once, at its n-th step: a Procore call, a batch of record writes or a
    checkpoint save (so the kill can fall between a page's writes and its checkpoint)."""

    def __init__(self, monkeypatch, at_step: int, only_job_kind: str | None = None) -> None:
        self.at_step = at_step
        self.steps = 0
        self.fired = False
        self.only = only_job_kind
        self._lock = threading.Lock()
        for cls, name in ((ProcoreClient, "_request"), (RecordRepository, "put_many"),
                          (CheckpointRepository, "save")):
            monkeypatch.setattr(cls, name, self._wrap(getattr(cls, name)))

    def _wrap(self, original):
        killer = self

        def step(*args, **kwargs):
            if killer._due(args):
                raise WorkerKilled()
            return original(*args, **kwargs)
        return step

    def _due(self, args) -> bool:
        if self.only is not None and not (isinstance(args[0], CheckpointRepository) and self.only in args[3]):
            return False  # counting only the checkpoints of one job
        with self._lock:
            if self.fired:
                return False
            self.steps += 1
            if self.steps >= self.at_step:
                self.fired = True
                return True
        return False


def change_procore(sim, company_id: int) -> None:
    projects = sim.state.expected_records(DEMO_LOGIN, company_id, "projects")
    vendors = sim.state.expected_records(DEMO_LOGIN, company_id, "vendors")
    bids = sim.state.expected_records(DEMO_LOGIN, company_id, "bids")
    sim.state.update_record("projects", projects[0]["id"], name="Renamed after the first sync")
    sim.state.update_record("bids", bids[0]["id"], lump_sum_amount=98765.43)
    sim.state.delete_record("vendors", vendors[-1]["id"])
    sim.state.create_record("vendors", company_id, name="Newco Glazing")


@pytest.fixture
def small_pages(local, monkeypatch):
    """Pages of three records, and a full pass on every run (so deletions are checked each time)."""
    local.sim.state.set_config(max_per_page={k: 3 for k in local.sim.state.config.max_per_page},
                               spike_limit=200)  # rate limits on, but not what these tests are about
    monkeypatch.setattr(get_services().settings, "full_sync_interval_seconds", 0)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_sync_killed_at_a_random_step_converges_and_writes_nothing_twice(local, user_id, small_pages,
                                                                           monkeypatch, seed):
    # GIVEN a connected user whose first sync finished, and changes made in Procore since
    local.connect(user_id)
    local.settle()
    company_id = int(sorted(local.sim.state.expected(DEMO_LOGIN))[0])
    change_procore(local.sim, company_id)

    # WHEN the next sync's worker is killed at a random step, and SQS delivers its jobs again
    writes = WriteLog(monkeypatch)
    killer = Killer(monkeypatch, at_step=random.Random(seed).randint(1, 60))
    local.stack.trigger_schedule()
    local.settle()

    # THEN the worker was killed, yet the run finished and DynamoDB holds what Procore holds,
    # each record written at most once
    assert killer.fired
    assert_converged(local, DEMO_LOGIN, user_id)
    assert writes.twice() == []
    status = local.status(user_id)
    assert status["last_sync"]["state"] == "succeeded", status["last_sync"]


def test_a_killed_listing_carries_on_from_its_checkpoint_not_from_the_first_page(local, user_id, small_pages,
                                                                                monkeypatch):
    # GIVEN a connected user and pages of two records; a full company sync (its webhooks set up
    # already) costs a known number of calls
    local.sim.state.set_config(max_per_page={k: 2 for k in local.sim.state.config.max_per_page})
    local.connect(user_id)
    local.settle()
    local.stack.trigger_schedule()
    local.settle()
    company_id = sorted(local.sim.state.expected(DEMO_LOGIN))[0]
    full_calls = company_job(user_id, company_id)["api_calls"]

    # WHEN the next company job is killed as it saves its fourth checkpoint
    killer = Killer(monkeypatch, at_step=4, only_job_kind=f"company#{company_id}")
    local.stack.trigger_schedule()
    local.settle()

    # THEN its second delivery finished the job, reading only the pages after its checkpoints
    assert killer.fired
    job = company_job(user_id, company_id)
    assert job["state"] == "succeeded" and int(job["attempts"]) == 2
    assert int(job["api_calls"]) <= int(full_calls) - 3, (job["api_calls"], full_calls)
    assert_converged(local, DEMO_LOGIN, user_id)


def company_job(user_id: str, company_id) -> dict:
    jobs = get_services().sync_state.latest_run(user_id)["jobs"]
    return next(j for j in jobs if j["kind"] == "company" and str(j["company_id"]) == str(company_id))


def test_the_same_job_delivered_twice_at_once_writes_each_record_once(local, user_id, small_pages, monkeypatch):
    from procore_sync.storage.sync_state import new_run_id
    from procore_sync.sync.jobs import SyncJob

    # GIVEN a connected user, and changes in Procore since the first sync
    local.connect(user_id)
    local.settle()
    company_id = int(sorted(local.sim.state.expected(DEMO_LOGIN))[0])
    change_procore(local.sim, company_id)
    services = get_services()
    run_id = new_run_id()
    services.sync_state.start_run(user_id, run_id, trigger="schedule", company_ids=[str(company_id)])
    job = SyncJob(kind="company", user_id=user_id, company_id=company_id, run_id=run_id)
    services.sync_state.add_job(user_id, run_id, job.job_id, {"company_id": company_id, "kind": "company"})
    writes = WriteLog(monkeypatch)

    # WHEN SQS hands the same job to two workers at the same moment
    services.queue.send([job, job])
    local.settle()

    # THEN one ran it and the other stood aside: every changed record was written once
    assert writes.twice() == []
    assert writes.total() > 0
    item = services.sync_state.job(user_id, run_id, job.job_id)
    assert item["state"] == "succeeded"
    assert_converged(local, DEMO_LOGIN, user_id)
