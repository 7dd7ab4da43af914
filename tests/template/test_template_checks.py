"""The SAM template passes cfn-lint and `sam validate --lint` offline."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAM = ROOT / ".venv-tools" / "bin" / "sam"


def _run(command: list[str]) -> subprocess.CompletedProcess:
    env = {**os.environ, "SAM_CLI_TELEMETRY": "0", "AWS_DEFAULT_REGION": "us-east-1"}
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def test_cfn_lint_passes():
    result = _run([str(Path(sys.executable).parent / "cfn-lint"), "template.yaml"])
    assert result.returncode == 0, result.stdout + result.stderr


def test_sam_validate_lint_passes():
    if not SAM.exists():
        pytest.fail("SAM CLI missing: run `make venv` (it installs .venv-tools)")
    result = _run([str(SAM), "validate", "--lint", "--template-file", "template.yaml"])
    assert result.returncode == 0, result.stdout + result.stderr
