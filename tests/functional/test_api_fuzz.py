"""Schemathesis against the local gateway, from docs/openapi.json: no route answers a server
error to any input it generates. Bounded in examples and time, seeded so a failure replays."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SEED = "20261203"


def test_no_route_answers_a_server_error_to_generated_input(local, user_id):
    local.sim.state.set_config(rate_limits_enabled=False)
    local.connect(user_id)
    local.settle()
    token = local.token(user_id)
    command = [
        str(Path(sys.executable).with_name("st")), "run", str(ROOT / "docs" / "openapi.json"),
        "--url", local.api, "--header", f"Authorization: Bearer {token}",
        "--checks", "not_a_server_error", "--max-examples", "15", "--max-time", "60", "--seed", SEED,
    ]
    ran = subprocess.run(command, capture_output=True, text=True, timeout=240, check=False)
    report = (ran.stdout + ran.stderr).replace(token, "<user token>")  # no token in test output
    assert ran.returncode == 0, report[-6000:]
    assert "passed" in report
