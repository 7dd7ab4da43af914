"""The schedule's dispatcher: one run per connected user not already syncing, decided from the
connections table alone, the jobs queued ten to a request; a run left with an abandoned job
does not stop the user's next runs."""

import time
from collections import Counter

import boto3
import pytest
from moto import mock_aws

from local_stack.template import load_template
from procore_sync import aws
from procore_sync.config import Settings
from procore_sync.services import Services
from procore_sync.storage.connections import ConnectionRepository
from procore_sync.sync.dispatch import dispatch_all


@pytest.fixture
def services():
    template = load_template("template.yaml")
    with mock_aws():
        aws.reset_clients()
        dynamodb = boto3.client("dynamodb")
        for logical_id in ("ConnectionsTable", "SyncStateTable"):
            table = template.tables[logical_id]
            dynamodb.create_table(TableName=logical_id, KeySchema=table.key_schema,
                                  AttributeDefinitions=table.attribute_definitions, BillingMode="PAY_PER_REQUEST")
        queue_url = boto3.client("sqs").create_queue(QueueName="SyncQueue")["QueueUrl"]
        settings = Settings(
            connections_table="ConnectionsTable", sync_state_table="SyncStateTable", oauth_states_table="unused",
            records_table="unused", sync_queue_url=queue_url, token_key_arn="arn:aws:kms:us-east-1:1:key/unused",
            procore_login_url="http://procore.invalid", procore_api_url="http://procore.invalid",
            procore_client_id="unused", procore_redirect_uri="http://localhost/callback",
            integrations_page_url="http://localhost/app",
        )
        yield Services(settings)
        aws.reset_clients()


def connect(services, users: int) -> None:
    table = boto3.resource("dynamodb").Table("ConnectionsTable")
    for i in range(users):
        table.put_item(Item={"user_id": f"user-{i:03d}", "status": "connected", "token_version": 1,
                             "companies": {"8089": {"name": "Acme", "selected": True}}})


def calls_while(fn):
    """Run fn, counting every AWS request the product's clients make."""
    seen: Counter[str] = Counter()

    def count(event_name, **kwargs):
        seen[event_name.split(".", 1)[1]] += 1

    clients = [aws.client("sqs"), aws.table("ConnectionsTable").meta.client]
    for client in clients:
        client.meta.events.register("before-call", count)
    try:
        result = fn()
    finally:
        for client in clients:
            client.meta.events.unregister("before-call", count)
    return result, seen


def test_the_schedule_queues_every_users_run_ten_jobs_to_a_request_reading_only_the_connections(services):
    # GIVEN 25 connected users, none syncing
    connect(services, 25)

    # WHEN the schedule runs
    result, calls = calls_while(lambda: dispatch_all(services))

    # THEN each has a run, the 25 jobs went in 3 requests, and the only reads were the Scan's
    assert result == {"queued": 25, "skipped": 0}
    assert calls["sqs.SendMessageBatch"] == 3 and calls["sqs.SendMessage"] == 0
    assert calls["dynamodb.Scan"] == 1
    assert calls["dynamodb.Query"] == 0 and calls["dynamodb.GetItem"] == 0


def test_a_user_whose_run_is_under_way_is_skipped_and_synced_again_once_it_finishes(services):
    # GIVEN one user whose run was queued by an earlier schedule
    connect(services, 1)
    dispatch_all(services)

    # WHEN the schedule runs again before the job finished, then after it did
    during = dispatch_all(services)
    run = services.sync_state.latest_run("user-000")
    job = run["jobs"][0]
    services.sync_state.begin_job("user-000", job["run_id"], job["job_id"], owner="w", lease_seconds=60)
    services.sync_state.finish_job("user-000", job["run_id"], job["job_id"], state="succeeded", owner="w")
    noted = services.connections.get("user-000").get("active_run_id")
    after = dispatch_all(services)

    # THEN it was skipped while running, and its connection no longer notes a run once it finished
    assert during == {"queued": 0, "skipped": 1}
    assert noted is None
    assert after == {"queued": 1, "skipped": 0}


def test_a_run_whose_job_no_worker_touches_is_abandoned_and_the_user_synced_again(services, monkeypatch):
    # GIVEN a run whose job a worker began and never finished, older than the abandonment limit
    connect(services, 1)
    dispatch_all(services)
    stalled = services.sync_state.latest_run("user-000")
    job = stalled["jobs"][0]
    services.sync_state.begin_job("user-000", job["run_id"], job["job_id"], owner="killed", lease_seconds=1)
    later = time.time() + 3 * 3600
    monkeypatch.setattr("procore_sync.clock.now", lambda: later)

    # WHEN the schedule runs
    result = dispatch_all(services)

    # THEN the stalled job failed as abandoned and a new run was queued
    assert result == {"queued": 1, "skipped": 0}
    failed = services.sync_state.job("user-000", job["run_id"], job["job_id"])
    assert failed["state"] == "failed" and failed["error"].startswith("abandoned")
    assert services.sync_state.latest_run("user-000")["run"]["run_id"] != job["run_id"]


def test_a_finished_run_whose_note_was_not_cleared_holds_the_user_back_fifteen_minutes_at_most(services, monkeypatch):
    # GIVEN a user whose run finished, but whose connection still notes it (the worker died
    # between recording the last job and clearing the note)
    monkeypatch.setattr(ConnectionRepository, "clear_active_run", lambda self, user_id, run_id: None)
    connect(services, 1)
    dispatch_all(services)
    job = services.sync_state.latest_run("user-000")["jobs"][0]
    services.sync_state.begin_job("user-000", job["run_id"], job["job_id"], owner="w", lease_seconds=60)
    services.sync_state.finish_job("user-000", job["run_id"], job["job_id"], state="succeeded", owner="w")

    # WHEN the schedule runs at once, and again sixteen minutes later
    soon = dispatch_all(services)
    later = time.time() + 16 * 60
    monkeypatch.setattr("procore_sync.clock.now", lambda: later)
    after = dispatch_all(services)

    # THEN the note is trusted at first, and looked into (and found finished) once it is old
    assert soon == {"queued": 0, "skipped": 1}
    assert after == {"queued": 1, "skipped": 0}


def test_one_user_the_dispatcher_fails_on_does_not_hold_back_the_others(services, monkeypatch):
    # GIVEN three connected users, and recording the second one's run failing (DynamoDB throttled)
    connect(services, 3)
    from procore_sync.sync import dispatch

    record = dispatch.record_run

    def flaky(services, *, user_id, **kwargs):
        if user_id == "user-001":
            raise RuntimeError("throttled")
        return record(services, user_id=user_id, **kwargs)

    monkeypatch.setattr(dispatch, "record_run", flaky)

    # WHEN the schedule runs
    result = dispatch_all(services)

    # THEN the other two are queued, and their jobs are on the queue
    assert result == {"queued": 2, "skipped": 0}
    sqs = boto3.client("sqs")
    url = services.settings.sync_queue_url
    depth = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    assert depth["Attributes"]["ApproximateNumberOfMessages"] == "2"
