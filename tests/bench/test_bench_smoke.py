"""The benchmark suite still works: one quick pass at size S (`bench.config.smoke()`).

It checks that every figure is measured and reported against its bound, not that the goals are
met (that is what `make bench` and BENCHMARKS.md are for). It writes to a temporary directory,
never over bench/results.json or BENCHMARKS.md.
"""

from __future__ import annotations

import json

import pytest

from bench.config import smoke
from bench.report import render, write
from bench.suite import run_suite

EXPECTED = {
    "api_calls_full", "api_calls_full_company_bids", "api_calls_incremental", "writes_full",
    "writes_unchanged", "writes_changed", "cpu_per_1000", "wall_full_sync", "memory_company_job",
    "memory_project_job", "dispatch_sqs", "dispatch_reads", "cold_start_ReadsFunction",
}


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    return run_suite(smoke(), log_dir=out, command="pytest tests/bench", log=lambda line: None), out


def test_every_figure_is_measured_against_a_bound(results):
    found, _ = results
    figures = {f["key"]: f for f in found["figures"]}
    assert set(figures) == EXPECTED
    for f in figures.values():
        assert f["runs"] >= 1 and f["measured"]["values"] and f["bound"]["values"], f["key"]
        assert isinstance(f["pass"], bool) and f["goal"]["text"]
        if f["ratio"] is not None:
            assert f["ratio"]["median"] > 0, f["key"]


def test_the_counts_are_those_of_a_complete_sync(results):
    found, _ = results
    figures = {f["key"]: f for f in found["figures"]}
    world = found["worlds"]["S"]
    assert figures["writes_full"]["bound"]["median"] == world["records"]
    assert figures["api_calls_full"]["bound"]["median"] == world["full_sync_call_bound"]
    assert figures["api_calls_full"]["measured"]["median"] > 0
    assert figures["writes_changed"]["bound"]["median"] > 0
    assert figures["cpu_per_1000"]["bound"]["median"] > 0
    assert figures["dispatch_reads"]["bound"]["median"] >= 1


def test_the_report_shows_machine_date_command_and_every_figure(results):
    found, out = results
    path = out / "BENCHMARKS.md"
    write(found, path)
    page = path.read_text(encoding="utf-8")
    assert "**Machine:**" in page and found["date"] in page and "pytest tests/bench" in page
    for f in found["figures"]:
        assert f["title"] in page
    assert page == render(json.loads(json.dumps(found, default=str)))
