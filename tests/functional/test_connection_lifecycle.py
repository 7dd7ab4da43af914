"""The connection over its life, on the local stack against the Procore simulator: refreshes of
single-use refresh tokens, revocation at Procore, an app uninstalled in one company, disconnect
when Procore's revoke fails, and no secret in any log line."""

from __future__ import annotations

import io
import logging
import threading
import time
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
import requests

from procore_sync import clock
from procore_sync.observability import logger as product_logger
from procore_sync.services import get_services
from procore_sync.storage.records import partition
from procore_sync.sync import install_backoff
from scripts.connect_flow import authorize, follow_callback

from .conftest import DEMO_LOGIN, PASSWORD

PREFIXES = {"projects": "project#", "bid_packages": "bid_package#", "bids": "bid#", "vendors": "vendor#"}


def refresh_calls(local) -> list[dict]:
    return local.sim.state.token_calls("refresh_token")


def landed(user_id: str, company_id) -> dict[str, int]:
    records = get_services().records
    return {e: records.count(partition(user_id, company_id), p) for e, p in PREFIXES.items()}


def expire_soon(monkeypatch, user_id: str, seconds: int = 60) -> None:
    """Move our clock to `seconds` before the connection's access token expires (Procore's
    clock stays put, so the token itself is still good there)."""
    expires_at = int(get_services().connections.get(user_id)["token_expires_at"])
    offset = expires_at - seconds - clock.now()
    real_now = clock.now
    monkeypatch.setattr(clock, "now", lambda: real_now() + offset)


def synced_companies(local, user_id: str) -> set[str]:
    latest = get_services().sync_state.latest_run(user_id)
    return {str(job["company_id"]) for job in latest["jobs"]}


def test_five_workers_on_a_token_that_expires_in_a_minute_make_exactly_one_refresh(local, user_id, monkeypatch):
    # GIVEN a connected user whose access token expires in a minute
    local.sim.state.set_config(rate_limits_enabled=False)
    local.connect(user_id)
    local.settle()
    assert refresh_calls(local) == []
    expire_soon(monkeypatch, user_id, 60)

    # WHEN five workers, each with its own view of the connection, need a token at once
    services = get_services()
    gate = threading.Barrier(5)
    got: list[str] = []

    def worker() -> None:
        tokens = services.tokens(user_id)
        gate.wait()
        got.append(tokens.current())

    threads = [threading.Thread(target=worker) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # THEN Procore saw exactly one refresh, all five hold the same new token, which works,
    # and the connection stays connected
    assert len(refresh_calls(local)) == 1 and refresh_calls(local)[0]["outcome"] == "issued"
    assert len(got) == 5 and len(set(got)) == 1
    me = requests.get(f"{local.sim.url}/rest/v1.0/me", headers={"Authorization": f"Bearer {got[0]}"}, timeout=30)
    assert me.status_code == 200
    assert local.status(user_id)["status"] == "connected"


def test_a_refresh_whose_answer_is_lost_is_never_resent_and_needs_reauthorization(local, user_id, monkeypatch):
    # GIVEN a connected user whose token is about to expire, and Procore dropping the answer
    # to the next refresh after it has already rotated the pair
    local.sim.state.set_config(rate_limits_enabled=False)
    local.connect(user_id)
    local.settle()
    expire_soon(monkeypatch, user_id, 60)
    local.sim.state.set_config(drop_next_refresh_response=True)

    # WHEN the schedule runs a sync
    local.stack.trigger_schedule()
    local.settle()

    # THEN exactly one refresh reached Procore, and the connection says why it stopped
    assert len(refresh_calls(local)) == 1
    assert refresh_calls(local)[0]["dropped"] is True
    status = local.status(user_id)
    assert status["status"] == "reauthorization_required"
    assert status["reason"] == "refresh_response_lost"
    # AND the schedule leaves the connection alone: no further token call, no new run
    run_before = get_services().sync_state.latest_run(user_id)["run"]["run_id"]
    local.stack.trigger_schedule()
    local.settle()
    assert len(refresh_calls(local)) == 1
    assert get_services().sync_state.latest_run(user_id)["run"]["run_id"] == run_before


def test_revoked_in_procore_needs_reauthorization_and_reconnect_keeps_the_synced_records(local, user_id):
    # GIVEN a connected, synced user
    local.sim.state.set_config(rate_limits_enabled=False)
    local.connect(user_id)
    local.settle()
    company_id = sorted(local.sim.state.expected(DEMO_LOGIN))[0]
    synced = landed(user_id, company_id)
    assert synced["bids"] > 0

    # WHEN they revoke the app in Procore (My Profile > Connected Apps) and the schedule runs
    local.sim.state.revoke_user_tokens(DEMO_LOGIN)
    local.stack.trigger_schedule()
    local.settle()

    # THEN status says Procore must be authorized again, and why; nothing synced was lost
    status = local.status(user_id)
    assert status["status"] == "reauthorization_required"
    assert status["reason"] in {"access_token_rejected", "refresh_token_rejected"}
    assert status["last_sync"]["state"] == "failed"
    assert landed(user_id, company_id) == synced

    # WHEN they connect again
    result = local.connect(user_id)
    local.settle()

    # THEN the connection is restored and the records are still exactly Procore's
    assert result.outcome == "connected"
    assert local.status(user_id)["status"] == "connected"
    assert local.status(user_id)["reason"] is None
    assert landed(user_id, company_id) == synced


def test_a_company_without_the_app_is_asked_again_with_back_off_not_every_run(local, user_id, monkeypatch):
    # GIVEN the app is not installed in one of the user's two or more companies
    local.sim.state.set_config(rate_limits_enabled=False)
    truth = local.sim.state.expected(DEMO_LOGIN)
    uninstalled = str(sorted(truth)[0])
    local.sim.state.set_company_installed(int(uninstalled), False)
    local.connect(user_id)
    local.settle()
    company = next(c for c in local.status(user_id)["companies"] if c["id"] == uninstalled)
    assert company["reason"] == "app_not_installed"
    assert company["next_install_check_at"] is not None

    # WHEN the schedule runs again before the back-off is over
    local.stack.trigger_schedule()
    local.settle()

    # THEN that company was not asked (the others were)
    assert uninstalled not in synced_companies(local, user_id)
    assert synced_companies(local, user_id) == {str(c) for c in truth} - {uninstalled}

    # WHEN a Company Admin installs the app and the back-off is over
    local.sim.state.set_company_installed(int(uninstalled), True)
    real_now = clock.now
    monkeypatch.setattr(clock, "now", lambda: real_now() + install_backoff.FIRST_WAIT_SECONDS + 60)
    local.stack.trigger_schedule()
    local.settle()

    # THEN the company syncs, and status no longer shows it as not installed
    assert uninstalled in synced_companies(local, user_id)
    company = next(c for c in local.status(user_id)["companies"] if c["id"] == uninstalled)
    assert company["app_installed"] is True
    assert company["reason"] is None and company["next_install_check_at"] is None
    expected = {e: truth[int(uninstalled)][e] for e in PREFIXES}
    assert landed(user_id, uninstalled) == expected


def test_disconnect_deletes_our_tokens_even_when_procores_revoke_fails(local, user_id):
    local.connect(user_id)
    local.settle()
    local.sim.state.set_config(fail_next_revoke=True)

    response = requests.post(f"{local.api}/integrations/procore/disconnect",
                             headers={"Authorization": f"Bearer {local.token(user_id)}"}, timeout=30)

    assert response.status_code == 200, response.text
    assert response.json()["revoked"] is False
    assert "token_blob" not in get_services().connections.get(user_id, with_tokens=True)
    assert local.status(user_id)["status"] == "not_connected"


def test_status_never_refreshes_a_token(local, user_id, monkeypatch):
    # GIVEN a connection whose access token is about to expire
    local.connect(user_id)
    local.settle()
    expire_soon(monkeypatch, user_id, 30)

    # WHEN the user looks at the status, many times
    for _ in range(3):
        assert local.status(user_id)["status"] == "connected"

    # THEN no call reached Procore's token endpoint
    assert refresh_calls(local) == []


class _Capture(logging.Handler):
    """Every log record of the server side (the gateway's threads: functions, pollers, timer),
    formatted as it would be written. The test's own thread is the browser, whose request lines
    rightly hold the code and state Procore put in the callback URL."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == threading.main_thread().ident:
            return
        try:
            self.lines.append(self.format(record))
        except Exception:  # noqa: BLE001 - a record that cannot be formatted still counts
            self.lines.append(repr(record.__dict__))


@pytest.fixture
def debug_logs(monkeypatch):
    """Every function's log line at DEBUG, and every library's log record, captured."""
    capture = _Capture()
    stream = io.StringIO()
    product_handler = logging.StreamHandler(stream)
    product_handler.setFormatter(product_logger.registered_formatter)
    product_logger.addHandler(product_handler)
    level = product_logger.log_level
    product_logger.setLevel("DEBUG")
    root = logging.getLogger()
    root_level = root.level
    root.addHandler(capture)
    root.setLevel(logging.DEBUG)
    try:
        yield lambda: "\n".join([stream.getvalue(), *capture.lines])
    finally:
        root.removeHandler(capture)
        root.setLevel(root_level)
        product_logger.handlers.remove(product_handler)
        product_logger.setLevel(level)


def test_no_secret_appears_in_any_log_line_at_debug(local, user_id, debug_logs, capfd, monkeypatch):
    # GIVEN the whole flow at DEBUG: connect, sync (which sets up webhooks), a webhook delivery,
    # refresh, sync again, status, disconnect
    local.sim.state.set_config(rate_limits_enabled=False, webhooks_enabled=True)
    browser, callback_url = authorize(local.api, local.token(user_id), login=DEMO_LOGIN, password=PASSWORD)
    query = parse_qs(urlsplit(callback_url).query)
    states = boto3.client("dynamodb").scan(TableName=get_services().settings.oauth_states_table)["Items"]
    verifiers = [item["code_verifier"]["S"] for item in states if "code_verifier" in item]
    cookie = browser.cookies.get("procore_connect")
    result = follow_callback(browser, callback_url)
    assert result.outcome == "connected"
    local.settle()
    expire_soon(monkeypatch, user_id, 60)
    local.stack.trigger_schedule()
    local.settle()
    assert len(refresh_calls(local)) == 1
    local.status(user_id)
    company_id = int(sorted(local.sim.state.expected(DEMO_LOGIN))[0])
    hooks = local.sim.state.webhooks.hooks_of_company(company_id)
    project = local.sim.state.expected_records(DEMO_LOGIN, company_id, "projects")[0]
    local.sim.state.update_record("projects", project["id"], name="Renamed while logging at DEBUG")
    time.sleep(1)
    local.settle()
    pairs = local.sim.state.token_pairs(DEMO_LOGIN)
    requests.post(f"{local.api}/integrations/procore/disconnect",
                  headers={"Authorization": f"Bearer {local.token(user_id)}"}, timeout=30)

    secrets = {
        "authorization code": query["code"][0],
        "state": query["state"][0],
        "browser cookie": cookie,
        "client secret": local.stack.procore_client_secret,
        **{f"code verifier {i}": v for i, v in enumerate(verifiers)},
        **{f"access token {p.id}": p.access_token for p in pairs},
        **{f"refresh token {p.id}": p.refresh_token for p in pairs},
        **{f"webhook secret {h.id}": h.destination_headers["Authorization"].rsplit(".", 1)[1] for h in hooks},
    }
    assert all(secrets.values()) and len(pairs) >= 2 and verifiers and hooks

    # THEN none of them is in any log line, nor anywhere in what the process printed
    out, err = capfd.readouterr()
    everything = "\n".join([debug_logs(), out, err])
    assert "procore connected" in everything  # the capture did see the functions' lines
    leaked = [name for name, value in secrets.items() if value in everything]
    assert leaked == []


def test_connect_sends_pkce_s256_along_with_the_client_secret(local, user_id):
    # GIVEN a Procore that refuses any code exchange without a valid S256 PKCE verifier
    local.sim.state.set_config(pkce="require")
    browser, callback_url = authorize(local.api, local.token(user_id), login=DEMO_LOGIN, password=PASSWORD)
    # WHEN the callback exchanges the code (the client secret goes in the body, as Procore wants)
    result = follow_callback(browser, callback_url)
    # THEN Procore accepted the verifier, and the connection is made
    assert result.outcome == "connected", result.reason
    exchanges = local.sim.state.token_calls("authorization_code")
    assert [call["outcome"] for call in exchanges] == ["issued"]


def test_parallel_connects_leave_one_connection_one_sync_and_one_live_token_pair(local, user_id):
    # GIVEN five browsers of the same user each through Procore's Allow
    from concurrent.futures import ThreadPoolExecutor

    local.sim.state.set_config(rate_limits_enabled=False)
    flows = [authorize(local.api, local.token(user_id), login=DEMO_LOGIN, password=PASSWORD) for _ in range(5)]

    # WHEN their callbacks arrive at the same moment
    with ThreadPoolExecutor(5) as pool:
        results = list(pool.map(lambda flow: follow_callback(*flow), flows))
    local.settle()

    # THEN every browser lands connected, one sync ran, and Procore holds one live pair
    assert [r.outcome for r in results] == ["connected"] * 5
    runs = boto3.client("dynamodb").query(
        TableName=get_services().settings.sync_state_table,
        KeyConditionExpression="pk = :pk AND begins_with(sk, :run)",
        FilterExpression="attribute_exists(#trigger)", ExpressionAttributeNames={"#trigger": "trigger"},
        ExpressionAttributeValues={":pk": {"S": f"user#{user_id}"}, ":run": {"S": "run#"}},
    )["Items"]
    assert len(runs) == 1
    live = [p for p in local.sim.state.token_pairs(DEMO_LOGIN) if not p.access_revoked]
    assert len(live) == 1
    held = get_services().tokens(user_id).current()
    assert live[0].access_token == held
    assert local.status(user_id)["status"] == "connected"


def test_a_purge_while_a_sync_runs_leaves_no_record_behind(local, user_id):
    # GIVEN a slow Procore, so the first sync is still writing when the user purges
    local.sim.state.set_config(latency_ms=40, rate_limits_enabled=False)
    local.connect(user_id)
    services = get_services()
    company_ids = sorted(str(c) for c in local.sim.state.expected(DEMO_LOGIN))
    import time

    deadline = time.monotonic() + 30
    while sum(landed(user_id, c)["bids"] for c in company_ids) == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sum(landed(user_id, c)["bids"] for c in company_ids) > 0, "the sync should be under way"

    # WHEN they disconnect with purge mid-sync, and the running jobs finish what they were doing
    response = requests.post(f"{local.api}/integrations/procore/disconnect", json={"purge": True},
                             headers={"Authorization": f"Bearer {local.token(user_id)}"}, timeout=60)
    assert response.status_code == 200
    local.settle()
    # (a write that was already in flight at the purge is caught by purging again)
    again = requests.post(f"{local.api}/integrations/procore/disconnect", json={"purge": True},
                          headers={"Authorization": f"Bearer {local.token(user_id)}"}, timeout=60)
    assert again.status_code == 200

    # THEN nothing of theirs is left in the records or the sync state
    assert all(landed(user_id, c) == {e: 0 for e in PREFIXES} for c in company_ids)
    assert services.sync_state.latest_run(user_id) is None
    assert local.status(user_id)["status"] == "not_connected"


def test_a_job_procore_throttles_for_long_is_delayed_through_the_queue_not_failed(local, user_id):
    # GIVEN a slow Procore that, once the user is connected, answers every call 429 with a
    # Retry-After longer than a job may wait in-process
    import time

    local.sim.state.set_config(latency_ms=100)
    assert local.connect(user_id).outcome == "connected"
    local.sim.state.set_config(rate_429=1.0, retry_after_on_429=True, spike_window_seconds=20)

    deadline, throttled = time.monotonic() + 20, False
    while not throttled and time.monotonic() < deadline:
        jobs = get_services().sync_state.latest_run(user_id)["jobs"]
        throttled = any("throttled by Procore" in str(j.get("error")) for j in jobs)
        time.sleep(0.2)
    assert throttled, "a job should have been sent back to wait"

    # WHEN Procore recovers
    local.sim.state.set_config(rate_429=0.0, latency_ms=0, rate_limits_enabled=False)
    local.settle()

    # THEN the delayed jobs came back and succeeded; nothing failed or went to the dead letters
    status = local.status(user_id)
    assert status["last_sync"]["state"] == "succeeded", status["last_sync"]
    dead = local.stack.aws.client("sqs").get_queue_attributes(
        QueueUrl=local.stack.physical("SyncDeadLetterQueue").ref, AttributeNames=["ApproximateNumberOfMessages"])
    assert dead["Attributes"]["ApproximateNumberOfMessages"] == "0"
    truth = local.sim.state.expected(DEMO_LOGIN)
    for company_id, counts in truth.items():
        assert landed(user_id, company_id) == {e: counts[e] for e in PREFIXES}
