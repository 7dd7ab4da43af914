"""`make chaos`: the long chaos run, then the load run.

    python -m chaos            # both
    python -m chaos long       # many more, longer random schedules (CHAOS_EXAMPLES, CHAOS_SEED)
    python -m chaos load       # 200 users syncing at once (CHAOS_LOAD_USERS, CHAOS_LOAD_SECONDS)

The long run is `tests/chaos/test_schedules.py` under `CHAOS_PROFILE=long`; every schedule it
plays is recorded in `.local/chaos-schedules.jsonl` and summarised per fault kind. The load run's
figures go to `.local/chaos-load.json`. Both print what `docs/reliability.md` reports. The exit
status is non-zero when an invariant broke.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCAL = ROOT / ".local"
SCHEDULES = LOCAL / "chaos-schedules.jsonl"
LOAD = LOCAL / "chaos-load.json"
FUNCTION_LOG = LOCAL / "chaos-functions.log"


def main(argv: list[str]) -> int:
    what = argv[1:] or ["long", "load"]
    LOCAL.mkdir(exist_ok=True)
    failed = 0
    for part in what:
        began = time.monotonic()
        failed |= {"long": long_run, "load": load_run}[part]()
        print(f"chaos {part}: {time.monotonic() - began:.0f} s", flush=True)
    return 1 if failed else 0


def long_run() -> int:
    SCHEDULES.unlink(missing_ok=True)
    env = {**os.environ, "CHAOS_PROFILE": "long", "CHAOS_REPORT": str(SCHEDULES)}
    env.setdefault("CHAOS_EXAMPLES", "24")
    code = subprocess.call([sys.executable, "-m", "pytest", "tests/chaos/test_schedules.py", "-q",
                            "-p", "no:cacheprovider", "-p", "no:logging"], cwd=ROOT, env=env)
    print(summarise(SCHEDULES))
    return code


def summarise(path: Path) -> str:
    """A markdown table: per fault kind, the schedules that had it and how they ended."""
    if not path.exists():
        return "no schedules were played"
    played = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    kinds: dict[str, dict] = defaultdict(lambda: {"schedules": 0, "held": 0, "broke": defaultdict(int),
                                                  "injected": defaultdict(int)})
    for schedule in played:
        for kind in schedule["kinds"]:
            row = kinds[kind]
            row["schedules"] += 1
            row["held"] += schedule["ok"]
            for name in schedule["violated"]:
                row["broke"][name] += 1
        for name, n in schedule["figures"].get("injected", {}).items():
            kinds["(all)"]["injected"][name] += n
    seconds = sum(s["figures"].get("seconds", 0) for s in played)
    lines = [f"{len(played)} schedules played, {sum(s['ok'] for s in played)} with every invariant holding, "
             f"{seconds:.0f} s of schedules",
             "", "| step kind | schedules | all invariants held | invariants broken |", "|---|---|---|---|"]
    for kind, row in sorted(kinds.items()):
        if kind == "(all)":
            continue
        broke = ", ".join(f"{k} ({n})" for k, n in sorted(row["broke"].items())) or "none"
        lines.append(f"| `{kind}` | {row['schedules']} | {row['held']} | {broke} |")
    injected = kinds["(all)"]["injected"]
    lines += ["", "faults injected in all: " + ", ".join(f"{k} {v}" for k, v in sorted(injected.items()))]
    return "\n".join(lines)


def load_run() -> int:
    """In this process: the functions' log lines go to a file, as they would go to CloudWatch."""
    terminal = sys.stdout

    def say(line: str) -> None:
        print(line, file=terminal, flush=True)

    with FUNCTION_LOG.open("w", encoding="utf-8") as function_log:
        sys.stdout = function_log  # before the product's logger is made, so it writes here
        try:
            _product_on_path()
            from chaos.load import LoadPlan, run

            plan = LoadPlan(users=int(os.environ.get("CHAOS_LOAD_USERS", "200")),
                            seconds=float(os.environ.get("CHAOS_LOAD_SECONDS", "90")))
            say(f"load: {plan.users} users on {plan.logins} Procore logins, {plan.seconds:.0f} s of changes")
            figures = run(plan, say=say)
        finally:
            sys.stdout = terminal
    LOAD.write_text(json.dumps(figures, indent=1, default=str))
    say(json.dumps({k: v for k, v in figures.items() if k != "violations"}, indent=1, default=str))
    for name, problems in figures["violations"].items():
        for problem in problems:
            say(f"VIOLATED {name}: {problem}")
    say(f"load figures: {LOAD}; the functions' log: {FUNCTION_LOG}")
    return 0 if figures["ok"] else 1


def _product_on_path() -> None:
    """The repository's own product code first (an editable install may point elsewhere), and the
    test-wide settings the functions expect locally."""
    for path in (ROOT / "layers" / "common", ROOT):
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))
    for name, value in {"POWERTOOLS_TRACE_DISABLED": "true", "POWERTOOLS_METRICS_NAMESPACE": "PalcodeProcoreChaos",
                        "POWERTOOLS_SERVICE_NAME": "procore-integration", "AWS_DEFAULT_REGION": "us-east-1",
                        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}.items():
        os.environ.setdefault(name, value)
    os.environ.pop("AWS_PROFILE", None)
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
