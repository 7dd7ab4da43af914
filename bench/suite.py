"""The whole suite in one run: every figure at every size the config asks for.

Order: per size (smallest first) the sync runs, then the memory passes, then the wall-time runs
if they are at that size; then the dispatcher and the cold starts, which do not depend on a
size. Everything shares one moto process, one simulator process (restarted per size) and one
local stack.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import bounds, cold_start, dispatcher, machine, memory, wall
from .config import SuiteConfig
from .figures import Figure
from .harness import LOGIN, Harness
from .sync_figures import sync_figures
from .sync_runs import run_once

SIZE_ORDER = ("tiny", "S", "M", "L")
Log = Callable[[str], None]


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _world(shape: bounds.WorldShape, caps: bounds.PageSizes) -> dict[str, Any]:
    projects = [p for c in shape.companies for p in c.projects]
    return {"records": shape.records, "companies": len(shape.companies), "projects": len(projects),
            "bid_packages": sum(p.bid_packages for p in projects), "bids": sum(p.bids for p in projects),
            "vendors": sum(c.active_vendors + c.inactive_vendors for c in shape.companies),
            "full_sync_call_bound": bounds.full_sync_calls(shape, caps),
            "full_sync_call_bound_company_bids": bounds.full_sync_calls(shape, caps, company_bids=True),
            "incremental_call_bound": bounds.incremental_calls(shape, caps)}


def run_suite(config: SuiteConfig, *, log_dir: Path, command: str, log: Log = _stderr) -> dict[str, Any]:
    began = time.monotonic()
    load_before = machine.load_average()
    sizes = sorted(config.sizes, key=SIZE_ORDER.index)
    figures: list[Figure] = []
    worlds: dict[str, Any] = {}
    peaks: dict[str, list[list[memory.Peak]]] = {}
    harness = Harness(log_dir)
    try:
        harness.start(sizes[0])
        caps = bounds.PageSizes.from_simulator(harness.sim.config())
        for size in sizes:
            plan = config.sizes[size]
            shape = bounds.shape(size, LOGIN)
            worlds[size] = _world(shape, caps)
            log(f"size {size}: {shape.records:,} records")
            runs = []
            for i in range(plan.runs):
                log(f"  run {i + 1}/{plan.runs}")
                incremental = i < plan.incremental_runs
                runs.append(run_once(harness, size, shape, i, incremental=incremental, changes=incremental, log=log))
            if runs:
                figures += sync_figures(size, shape, caps, runs)
            for i in range(plan.memory_runs):
                peaks.setdefault(size, []).append(memory.measure(harness, size, shape, i, log))
            if config.wall is not None and config.wall.size == size:
                log(f"  wall time at {size}, {config.wall.runs} runs")
                figures.append(wall.measure(harness, config.wall, shape, caps, log))
        if peaks:
            large = max(peaks, key=SIZE_ORDER.index)
            figures += memory.memory_figures(peaks, large=large, small=min(peaks, key=SIZE_ORDER.index))
        log("dispatcher")
        figures += dispatcher.measure(config.dispatcher_connections, log_dir, log)
        log("cold starts")
        assert harness.stack is not None
        figures += cold_start.measure(harness.stack, runs=config.cold_start_runs,
                                      only=config.cold_start_functions, log=log,
                                      attribution=config.cold_start_attribution)
    finally:
        harness.stop()
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": command,
        "duration_seconds": round(time.monotonic() - began, 1),
        "machine": {**machine.describe(), "load_average_before": load_before,
                    "load_average_after": machine.load_average()},
        "config": config.to_dict(),
        "worlds": worlds,
        "figures": [f.to_dict() for f in figures],
    }
