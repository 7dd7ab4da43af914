"""The command line starts a server and prints its URL."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]


def test_cli_prints_url_and_serves() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "procore_simulator", "--port", "0", "--size", "tiny"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()

        response = requests.get(f"{url}/_simulator/config", timeout=10)

        assert url.startswith("http://127.0.0.1:")
        assert response.json()["size"] == "tiny"
    finally:
        process.terminate()
        process.wait(timeout=10)
