"""Cold start: importing each function's handler in a fresh interpreter, against the floor
every Python Lambda pays anyway, `import boto3` plus creating one client.

Each import runs in a new subprocess with the function's code directory and the common layer
on `sys.path` (as /var/task and /opt/python are on Lambda), the environment variables the
template gives the function (Globals included, resolved for the local stack), the variables
the Lambda runtime adds itself (function name, memory size, region, dummy credentials) and
nothing else. Interpreter start-up is outside the clock: the child times the import alone, on its
CPU clock (`time.process_time`). With its modules compiled and in the file cache an import is
CPU-bound, so on a dedicated core (as a Lambda has) its CPU time is its wall time; on a shared
machine the wall clock also counts whatever else ran, so it is recorded but not judged.
Bytecode is cached in a private directory, warmed by one untimed import of each, so both
sides are measured with compiled modules (as the runtime's own boto3 is). Three more runs per
function with `-X importtime` say which packages the time goes to (the median per package).
The child also counts the garbage collections that ran during the import, per generation: a full
collection scans every object loaded so far, so where it falls can weigh as much as a package.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import LAYER, REPO_ROOT
from .figures import Figure, Goal

Log = Callable[[str], None]
READ_FUNCTIONS = ("ReadsFunction",)  # the read routes: held to the tighter goal
_TIMER = ("import gc, time\nbefore = [g['collections'] for g in gc.get_stats()]\n"
          "c, w = time.process_time(), time.perf_counter()\n{body}\n"
          "cpu, wall = time.process_time() - c, time.perf_counter() - w\n"
          "print(cpu, wall, *(g['collections'] - n for g, n in zip(gc.get_stats(), before)))\n")
BOUND_BODY = "import boto3\nboto3.client('dynamodb')"
ATTRIBUTION_RUNS = 3


@dataclass
class Target:
    logical_id: str
    module: str
    code_dir: Path
    environment: dict[str, str]


def targets(stack: Any, only: tuple[str, ...] | None = None) -> list[Target]:
    """Every function of the template, with its environment resolved as on AWS."""
    found = []
    for fn in stack.template.functions.values():
        if only and fn.logical_id not in only:
            continue
        env = {}
        for name, raw in stack.resolver.resolve(fn.environment).items():
            env[name] = ("true" if raw else "false") if isinstance(raw, bool) else str(raw)
        name = str(stack.physical(fn.logical_id).ref)
        env.update({
            "AWS_LAMBDA_FUNCTION_NAME": name, "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(stack.resolver.resolve(fn.memory_size)),
            "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13", "_HANDLER": fn.handler,
            "LAMBDA_TASK_ROOT": str(REPO_ROOT / str(fn.code_uri)),
        })
        found.append(Target(fn.logical_id, fn.handler.rpartition(".")[0], (REPO_ROOT / str(fn.code_uri)).resolve(),
                            env))
    return sorted(found, key=lambda t: t.logical_id)


def _base_env(cache: str) -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", "PYTHONPYCACHEPREFIX": cache,
            "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing"}


@dataclass
class Timed:
    cpu: float  # the child's CPU seconds for the import: what the figure is made of
    wall: float
    collections: tuple[int, ...]  # garbage collections during the import, per generation
    trace: str  # `-X importtime` output, when asked for


def _time(body: str, env: dict[str, str], *, importtime: bool = False) -> Timed:
    argv = [sys.executable, "-s", *(["-X", "importtime"] if importtime else []), "-c", _TIMER.format(body=body)]
    done = subprocess.run(argv, env=env, cwd=tempfile.gettempdir(), capture_output=True, text=True, timeout=120,
                          check=False)
    if done.returncode != 0:
        raise RuntimeError(f"import failed: {done.stderr[-2000:]}")
    cpu, wall, *collections = done.stdout.strip().splitlines()[-1].split()
    return Timed(float(cpu), float(wall), tuple(int(n) for n in collections), done.stderr)


def _median_counts(timed: list[Timed]) -> list[int]:
    return [int(statistics.median_low(counts)) for counts in zip(*(t.collections for t in timed))]


def _median_by_package(traces: list[str]) -> Counter[str]:
    """Per package, the median over several `-X importtime` runs of its self time."""
    runs = [_by_package(trace) for trace in traces]
    packages = set().union(*runs)
    return Counter({name: statistics.median(run.get(name, 0.0) for run in runs) for name in packages})


def _by_package(importtime: str) -> Counter[str]:
    """Self time per top-level package from `-X importtime` lines, in seconds."""
    spent: Counter[str] = Counter()
    for line in importtime.splitlines():
        if not line.startswith("import time:"):
            continue
        parts = line[len("import time:"):].split("|")
        if len(parts) != 3 or not parts[0].strip().isdigit():
            continue  # the header line
        spent[parts[2].strip().split(".")[0]] += int(parts[0]) / 1e6
    return spent


def measure(stack: Any, *, runs: int, only: tuple[str, ...] | None, log: Log, attribution: bool = True
            ) -> list[Figure]:
    chosen = targets(stack, only)
    with tempfile.TemporaryDirectory(prefix="bench-pyc-") as cache:
        base = _base_env(cache)

        def env_of(target: Target) -> dict[str, str]:
            return {**base, **target.environment, "PYTHONPATH": f"{target.code_dir}{os.pathsep}{LAYER}"}

        bound_env = {**base}
        _time(BOUND_BODY, bound_env)  # warm the bytecode cache
        for target in chosen:
            _time(f"import {target.module}", env_of(target))
        bound: list[Timed] = []
        seconds: dict[str, list[Timed]] = {t.logical_id: [] for t in chosen}
        for _ in range(runs):  # interleaved, so drift in the machine hits every function alike
            bound.append(_time(BOUND_BODY, bound_env))
            for target in chosen:
                seconds[target.logical_id].append(_time(f"import {target.module}", env_of(target)))

        def traced(body: str, env: dict[str, str]) -> Counter[str]:
            return _median_by_package([_time(body, env, importtime=True).trace for _ in range(ATTRIBUTION_RUNS)])

        floor = traced(BOUND_BODY, bound_env) if attribution else Counter()
        figures = []
        for target in chosen:
            extra: Counter[str] = Counter()
            if attribution:
                extra = traced(f"import {target.module}", env_of(target)) - floor
            read = target.logical_id in READ_FUNCTIONS
            cpu = [t.cpu for t in seconds[target.logical_id]]
            log(f"    cold start {target.logical_id}: {statistics.median_low(cpu) * 1000:.0f} ms CPU "
                f"(boto3 + client {statistics.median_low([b.cpu for b in bound]) * 1000:.0f} ms)")
            figures.append(Figure(
                key=f"cold_start_{target.logical_id}", title=f"Cold start: import of {target.logical_id} (CPU)",
                size="-", unit="ms", goal=Goal("le", 1.5 if read else 2.0),
                bound_text="`import boto3` + one client, fresh interpreter, same run",
                measured=[t.cpu * 1000 for t in seconds[target.logical_id]], bound=[b.cpu * 1000 for b in bound],
                details={"read_route": read, "code_dir": str(target.code_dir.relative_to(REPO_ROOT)),
                         "wall_ms": [round(t.wall * 1000, 1) for t in seconds[target.logical_id]],
                         "bound_wall_ms": [round(b.wall * 1000, 1) for b in bound],
                         "beyond_boto3_ms_by_package": {k: round(v * 1000, 1) for k, v in extra.most_common()
                                                        if v >= 0.0005},
                         "collections_by_generation": _median_counts(seconds[target.logical_id]),
                         "bound_collections_by_generation": _median_counts(bound)}))
        return figures
