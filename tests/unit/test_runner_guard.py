"""The check a sync job makes before each page's writes: is the user still connected?"""

from types import SimpleNamespace

import pytest

from procore_sync.errors import ReauthorizationRequiredError
from procore_sync.sync.jobs import SyncJob
from procore_sync.sync.runner import JobCancelledError, _still_connected


def guard_for(item):
    services = SimpleNamespace(connections=SimpleNamespace(status=lambda user_id: item))
    return _still_connected(services, SyncJob(kind="company", user_id="u1", company_id=1, run_id="r1"))


def test_a_connected_user_lets_the_writes_go_on():
    guard_for({"user_id": "u1", "status": "connected"})()


@pytest.mark.parametrize("item", [None, {"user_id": "u1", "status": "not_connected", "reason": "disconnected"}])
def test_a_user_who_disconnected_stops_the_job(item):
    with pytest.raises(JobCancelledError):
        guard_for(item)()


def test_a_connection_that_needs_authorizing_again_fails_the_job_with_its_reason():
    # the job's client read its tokens when the job began, so this check is where it learns
    guard = guard_for({"user_id": "u1", "status": "reauthorization_required", "reason": "refresh_token_rejected"})
    with pytest.raises(ReauthorizationRequiredError) as caught:
        guard()
    assert caught.value.reason == "refresh_token_rejected"
