"""The SAM template passes cfn-lint and `sam validate --lint` offline."""

import os
import shutil
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


def _python_for_the_lambda_runtime() -> Path | None:
    """An interpreter of the functions' runtime (python3.13): `sam build` without a container
    needs one on PATH. pyenv on our machines carries it beside the default 3.11."""
    candidates = sorted((Path.home() / ".pyenv" / "versions").glob("3.13*/bin/python3.13"))
    if candidates:
        return candidates[-1]
    found = shutil.which("python3.13")
    # a pyenv shim is no interpreter unless that version is selected
    return Path(found) if found and "shims" not in Path(found).parts else None


def test_sam_build_without_a_container_passes(tmp_path):
    if not SAM.exists():
        pytest.fail("SAM CLI missing: run `make venv` (it installs .venv-tools)")
    python = _python_for_the_lambda_runtime()
    if python is None:
        if os.environ.get("CI"):
            pytest.fail("no python3.13 for `sam build` (the Lambda runtime's version)")
        pytest.skip("sam build needs a python3.13 interpreter (pyenv install 3.13)")
    env = {**os.environ, "SAM_CLI_TELEMETRY": "0", "AWS_DEFAULT_REGION": "us-east-1",
           "PATH": f"{python.parent}{os.pathsep}{os.environ['PATH']}"}
    result = subprocess.run(
        [str(SAM), "build", "--build-dir", str(tmp_path / "build"), "--cache-dir", str(tmp_path / "cache"),
         "--parallel"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    layer = tmp_path / "build" / "CommonLayer" / "python"
    assert (layer / "procore_sync" / "tokens.py").exists()
    assert list(layer.glob("pydantic_core/*aarch64*.so")), "the layer must carry arm64 wheels"
    for function in ("OAuthStartFunction", "EntitySyncFunction", "ReadsFunction"):
        assert (tmp_path / "build" / function / "app.py").exists()
