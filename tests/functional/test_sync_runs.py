"""Every run is recorded per connection and company, and status lists the latest ones with
their counts per entity, API calls and errors."""

from __future__ import annotations

import time

from procore_sync.services import get_services
from procore_sync.sync.dispatch import record_run

from .conftest import DEMO_LOGIN
from .convergence import stored


def sync_again(local) -> None:
    local.stack.trigger_schedule()
    local.settle()


def test_status_lists_the_latest_runs_newest_first_with_their_counts(local, user_id):
    # GIVEN a first sync, then a project renamed in Procore and a second sync
    local.sim.state.set_config(rate_limits_enabled=False)
    local.connect(user_id)
    local.settle()
    expected = local.sim.state.expected(DEMO_LOGIN)
    company_id = sorted(expected)[0]
    project = local.sim.state.expected_records(DEMO_LOGIN, company_id, "projects")[0]
    local.sim.state.update_record("projects", project["id"], name="Renamed Tower")
    sync_again(local)

    # WHEN the user looks at the status
    runs = local.status(user_id)["recent_syncs"]

    # THEN both runs are listed, newest first, finished, with what each did per company
    assert [r["trigger"] for r in runs] == ["schedule", "connect"]
    assert all(r["state"] == "succeeded" and r["finished_at"] for r in runs)
    first = runs[1]["companies"][str(company_id)]
    assert first["counts"]["projects"]["created"] == expected[company_id]["projects"]
    assert first["counts"]["bids"]["created"] == expected[company_id]["bids"]
    assert first["api_calls"] > 0 and first["last_error"] is None
    second = runs[0]["companies"][str(company_id)]
    assert second["counts"]["projects"]["updated"] == 1
    assert second["counts"]["vendors"]["created"] == 0 and second["counts"]["vendors"]["updated"] == 0
    assert second["jobs"]["queued"] == second["jobs"]["succeeded"]


def test_a_job_that_keeps_failing_lands_in_the_dead_letter_queue_and_status_says_why(local, user_id,
                                                                                   monkeypatch):
    # GIVEN a connection, then Procore answering every call with a 500 (the client's back-off
    # between its own attempts is shortened so the test does not wait it out)
    monkeypatch.setattr("procore_sync.procore.client._backoff", lambda retry_after, attempt: 0.01)
    local.sim.state.set_config(rate_limits_enabled=False)
    local.connect(user_id)
    local.settle()
    local.sim.state.set_config(error_rate_5xx=1.0, fault_5xx_status=500)

    # WHEN the scheduled sync runs into it, delivery after delivery, until SQS gives up
    local.stack.trigger_schedule()
    local.settle()

    # THEN each company job went to the dead-letter queue after its deliveries, and the run is
    # listed as failed with Procore's error, after the successful first one
    sqs = local.stack.aws.client("sqs")
    dead = sqs.get_queue_attributes(QueueUrl=local.stack.physical("SyncDeadLetterQueue").ref,
                                    AttributeNames=["ApproximateNumberOfMessages"])
    assert int(dead["Attributes"]["ApproximateNumberOfMessages"]) == len(local.sim.state.expected(DEMO_LOGIN))
    runs = local.status(user_id)["recent_syncs"]
    assert runs[0]["state"] == "failed" and runs[1]["state"] == "succeeded"
    failed = [c for c in runs[0]["companies"].values() if c["jobs"].get("failed")]
    assert failed and "500" in failed[0]["last_error"] and "Internal Server Error" in failed[0]["last_error"]


def test_a_job_left_running_by_a_worker_that_died_is_abandoned_and_the_user_syncs_again(local, user_id,
                                                                                       monkeypatch):
    # GIVEN a synced connection, then a run whose one job a worker began and never finished (its
    # Lambda timed out on the last delivery: no message is left, the job item says 'running')
    services = get_services()
    local.sim.state.set_config(rate_limits_enabled=False)
    local.connect(user_id)
    local.settle()
    company_id = int(sorted(local.sim.state.expected(DEMO_LOGIN))[0])
    companies = services.connections.get(user_id)["companies"]
    [job] = [j for j in record_run(services, user_id=user_id, companies=companies, trigger="schedule")
             if j.company_id == company_id]
    stalled_run = job.run_id
    services.sync_state.begin_job(user_id, job.run_id, job.job_id, owner="killed", lease_seconds=0.1)
    monkeypatch.setattr(services.settings, "job_abandoned_seconds", 1.0)
    monkeypatch.setattr("procore_sync.sync.dispatch.ACTIVE_RUN_TRUSTED_SECONDS", 1.0)
    monkeypatch.setattr("procore_sync.sync.dispatch.QUEUED_ABANDONED_SECONDS", 1.0)  # the other companies' jobs
    project = local.sim.state.expected_records(DEMO_LOGIN, company_id, "projects")[0]
    local.sim.state.update_record("projects", project["id"], name="Renamed After The Stall")
    time.sleep(1.5)

    # WHEN the schedule runs
    local.stack.trigger_schedule()
    local.settle()

    # THEN the stalled job is failed as abandoned, with a reason status shows, and a new run
    # synced the change instead of the user being skipped as "already syncing"
    runs = {r["run_id"]: r for r in local.status(user_id)["recent_syncs"]}
    stalled = runs[stalled_run]
    assert stalled["state"] == "failed"
    assert "abandoned" in stalled["companies"][str(company_id)]["last_error"]
    newest = local.status(user_id)["recent_syncs"][0]
    assert newest["trigger"] == "schedule" and newest["state"] == "succeeded"
    assert newest["run_id"] != stalled_run
    live, _ = stored(user_id, [company_id])
    assert live[str(company_id)]["projects"][project["id"]]["name"] == "Renamed After The Stall"
