"""The Procore simulator in a process of its own (moto is one too: the local stack's own
`LocalAws(process=True)`).

The sync runs in the benchmark's process; moto and the simulator run beside it, so neither
their CPU time nor their memory is counted as the sync's (a thread CPU clock and tracemalloc
only see this process).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import requests

from local_stack.aws import free_port as _free_port

from . import REPO_ROOT

HOST = "127.0.0.1"


def free_port() -> int:
    return _free_port(HOST)


def _child_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(extra)
    return env


def _wait_until_up(url: str, process: subprocess.Popen, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode} before it answered")
        try:
            requests.get(url, timeout=2)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise RuntimeError(f"{what} did not answer at {url} within {timeout} s")


class _Child:
    """One child process with its log file; stopped by its own pid only."""

    def __init__(self, name: str, log_dir: Path) -> None:
        self.name = name
        self.log_path = log_dir / f"bench-{name}.log"
        self.process: subprocess.Popen | None = None

    def _spawn(self, argv: list[str], env: dict[str, str]) -> subprocess.Popen:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        try:
            self.process = subprocess.Popen(argv, cwd=REPO_ROOT, env=env, stdout=log, stderr=log,
                                            stdin=subprocess.DEVNULL)
        finally:
            log.close()
        return self.process

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None


class SimulatorProcess(_Child):
    """`python -m procore_simulator` at one size, always on the same port, so the local stack's
    Procore URLs stay valid when the benchmark moves to another size."""

    def __init__(self, log_dir: Path, *, redirect_uri: str, seed: int = 7) -> None:
        super().__init__("simulator", log_dir)
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.redirect_uri = redirect_uri
        self.seed = seed
        self.size: str | None = None

    def start(self, size: str) -> SimulatorProcess:
        if self.size == size and self.process is not None:
            return self
        self.stop()
        argv = [sys.executable, "-m", "procore_simulator", "--host", HOST, "--port", str(self.port),
                "--size", size, "--seed", str(self.seed), "--redirect-uri", self.redirect_uri]
        process = self._spawn(argv, _child_env(PYTHONUNBUFFERED="1"))
        _wait_until_up(f"{self.url}/_simulator/config", process, f"the Procore simulator (size {size})",
                       timeout=120)
        self.size = size
        return self

    def stop(self) -> None:
        super().stop()
        self.size = None

    # the control API (not counted as API calls, not rate limited)

    def configure(self, **knobs: object) -> dict:
        response = requests.post(f"{self.url}/_simulator/config", json=knobs, timeout=30)
        response.raise_for_status()
        return response.json()

    def config(self) -> dict:
        response = requests.get(f"{self.url}/_simulator/config", timeout=30)
        response.raise_for_status()
        return response.json()

    def reset(self) -> None:
        requests.post(f"{self.url}/_simulator/reset", timeout=120).raise_for_status()

    def stats(self) -> dict:
        response = requests.get(f"{self.url}/_simulator/stats", timeout=30)
        response.raise_for_status()
        return response.json()

    def api_calls(self) -> int:
        return int(self.stats()["api_calls"]["total"])

    def expected_records(self, login: str, company_id: int, entity: str) -> list[dict]:
        response = requests.get(f"{self.url}/_simulator/expected_records", timeout=120,
                                params={"user": login, "company_id": company_id, "entity": entity})
        response.raise_for_status()
        return response.json()

    def update_record(self, entity: str, record_id: int, **changes: object) -> None:
        requests.patch(f"{self.url}/_simulator/records/{entity}/{record_id}", json=changes,
                       timeout=30).raise_for_status()

    def delete_record(self, entity: str, record_id: int) -> None:
        requests.delete(f"{self.url}/_simulator/records/{entity}/{record_id}", timeout=30).raise_for_status()
