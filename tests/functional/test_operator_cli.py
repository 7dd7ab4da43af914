"""The operator CLI against the local stack: list, show, and disconnect a user by invoking the
disconnect function (through the gateway's Lambda Invoke API, as `aws lambda invoke` would)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from procore_ops.cli import main
from procore_sync.services import get_services

from .conftest import DEMO_LOGIN

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def stack_file(local, tmp_path, monkeypatch):
    path = tmp_path / "stack.json"
    path.write_text(json.dumps(local.stack.describe()), encoding="utf-8")
    # the CLI points the process's AWS clients at the stack: put the variables back afterwards
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_LAMBDA", "AWS_DEFAULT_REGION"):
        if name in os.environ:
            monkeypatch.setenv(name, os.environ[name])
        else:
            monkeypatch.delenv(name, raising=False)
    return str(path)


def run(capsys, *args: str) -> tuple[int, str]:
    """The CLI's exit code and output. In this test process the invoked functions run too, so
    their JSON log and metric lines are left out; against AWS they go to CloudWatch."""
    code = main(list(args))
    lines = capsys.readouterr().out.splitlines()
    return code, "\n".join(line for line in lines if not line.startswith(('{"_aws"', '{"level"')))


def test_operator_lists_shows_and_disconnects_a_user(local, user_id, stack_file, capsys):
    local.connect(user_id)
    local.settle()
    held = get_services().tokens(user_id).current()

    code, out = run(capsys, "--local", "--local-file", stack_file, "--json", "list")
    assert code == 0
    rows = {row["user_id"]: row for row in json.loads(out)}
    assert rows[user_id]["status"] == "connected" and rows[user_id]["procore_login"] == DEMO_LOGIN
    assert held not in out

    code, out = run(capsys, "--local", "--local-file", stack_file, "show", user_id)
    assert code == 0 and "connected" in out and DEMO_LOGIN in out and held not in out

    code, out = run(capsys, "--local", "--local-file", stack_file, "disconnect", user_id, "--purge")
    assert code == 0 and "revoked at Procore: True" in out
    assert "token_blob" not in get_services().connections.get(user_id, with_tokens=True)
    me = requests.get(f"{local.sim.url}/rest/v1.0/me", headers={"Authorization": f"Bearer {held}"}, timeout=30)
    assert me.status_code == 401
    assert local.status(user_id)["status"] == "not_connected"


def test_operator_cli_says_clearly_when_there_is_no_local_stack(tmp_path, capsys):
    code = main(["--local", "--local-file", str(tmp_path / "missing.json"), "list"])
    assert code == 2
    assert "make local" in capsys.readouterr().err


def test_disconnecting_a_user_without_a_connection_says_so(local, stack_file, capsys):
    code, out = run(capsys, "--local", "--local-file", stack_file, "disconnect", "palcode-user-nobody")
    assert code == 0 and "had no Procore connection" in out


def test_the_documented_command_line_parses_as_written():
    from procore_ops.cli import _parser

    args = _parser().parse_args(["--local", "list"])
    assert args.local and args.command == "list"
    args = _parser().parse_args(["--local", "show", "demo-user"])
    assert args.command == "show" and args.user_id == "demo-user"


def test_a_refused_disconnect_and_a_stack_that_is_gone_are_clear_errors(local, stack_file, tmp_path, capsys):
    with pytest.raises(SystemExit) as refused:
        main(["--local", "--local-file", stack_file, "disconnect", ""])
    assert refused.value.code == 2 and "user id" in capsys.readouterr().err
    gone = tmp_path / "gone.json"
    described = json.loads(open(stack_file, encoding="utf-8").read())
    described["endpoints"] = {"aws": "http://127.0.0.1:9", "lambda": "http://127.0.0.1:9", "api": "http://127.0.0.1:9"}
    gone.write_text(json.dumps(described), encoding="utf-8")
    ran = subprocess.run([sys.executable, "-m", "procore_ops.cli", "--local", "--local-file", str(gone), "list"],
                         capture_output=True, text=True, timeout=120, check=False, cwd=ROOT)
    assert ran.returncode == 2 and "AWS call failed" in ran.stderr and "Traceback" not in ran.stderr


def test_operator_syncs_a_user_and_replays_a_dead_letter(local, user_id, stack_file, capsys):
    from procore_sync.storage.sync_state import new_run_id
    from procore_sync.sync.jobs import SyncJob

    local.sim.state.set_config(rate_limits_enabled=False)
    local.connect(user_id)
    local.settle()
    services = get_services()

    # sync: a new run for this user, then nothing more while it is under way
    code, out = run(capsys, "--local", "--local-file", stack_file, "--json", "sync", user_id)
    assert code == 0 and json.loads(out)["queued"] is True
    local.settle()
    latest = services.sync_state.latest_run(user_id)
    assert latest["run"]["trigger"] == "operator"

    # GIVEN a project job that failed for good and sits in the dead-letter queue
    job_item = next(j for j in latest["jobs"] if j["kind"] == "project")
    run_id = new_run_id()
    job = SyncJob(kind="project", user_id=user_id, company_id=int(job_item["company_id"]),
                  run_id=run_id, project_id=int(job_item["project_id"]))
    services.sync_state.start_run(user_id, run_id, trigger="schedule", company_ids=[str(job.company_id)])
    services.sync_state.add_job(user_id, run_id, job.job_id, {"company_id": job.company_id, "kind": job.kind,
                                                              "project_id": job.project_id})
    services.sync_state.begin_job(user_id, run_id, job.job_id, owner="worker-1", lease_seconds=60)
    services.sync_state.finish_job(user_id, job.run_id, job.job_id, state="failed", owner="worker-1",
                                   error="procore_server_error: 500: Internal Server Error")
    local.stack.aws.client("sqs").send_message(QueueUrl=local.stack.physical("SyncDeadLetterQueue").ref,
                                               MessageBody=job.model_dump_json())

    # WHEN the operator looks at the dead letters, then replays them
    code, out = run(capsys, "--local", "--local-file", stack_file, "--json", "dead-letters")
    letters = json.loads(out)
    assert code == 0 and [(d["job"], d["state"]) for d in letters] == [(job.job_id, "failed")]
    assert "Internal Server Error" in letters[0]["error"]
    code, out = run(capsys, "--local", "--local-file", stack_file, "replay")
    assert code == 0 and "replayed 1 job" in out
    local.settle()

    # THEN the job ran again and succeeded, and the dead-letter queue is empty
    assert services.sync_state.job(user_id, job.run_id, job.job_id)["state"] == "succeeded"
    code, out = run(capsys, "--local", "--local-file", stack_file, "--json", "dead-letters")
    assert json.loads(out) == []
