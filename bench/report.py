"""BENCHMARKS.md, written from the results of one run (`bench/results.json` holds every number).

The page is generated whole, so it always shows one run: the machine, the date, the command,
every figure against its bound and goal with pass or miss, how each is measured, and for each
miss why, with that run's numbers, and what change in the engine would fix it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import notes

Figure = dict[str, Any]


def _num(value: float, unit: str) -> str:
    if unit in ("calls", "writes", "requests"):
        return f"{value:,.0f}"
    if unit == "ms":
        return f"{value:,.0f} ms"
    if unit == "s":
        return f"{value:.3g} s" if value < 10 else f"{value:,.1f} s"
    if unit == "MB":
        return f"{value:.2f} MB"
    return f"{value:g}"


def _spread(summary: dict[str, float], unit: str, fmt: Callable[[float, str], str] = _num) -> str:
    median = fmt(summary["median"], unit)
    if summary["min"] == summary["max"]:
        return median
    return f"{median} ({fmt(summary['min'], unit)}–{fmt(summary['max'], unit)})"


def _ratio(value: float, _unit: str) -> str:
    return f"{value:.2f}×"


def _row(f: Figure) -> str:
    ratio = _spread(f["ratio"], "", _ratio) if f["ratio"] else "–"
    result = "**pass**" if f["pass"] else "**MISS**"
    return (f"| {f['title']} | {f['size']} | {f['runs']} | {_spread(f['measured'], f['unit'])} | "
            f"{_spread(f['bound'], f['unit'])} | {ratio} | {f['goal']['text']} | {result} |")


def _machine(results: dict[str, Any]) -> list[str]:
    m = results["machine"]
    dirty = " (with uncommitted changes to the engine)" if m.get("dirty") else ""
    load = ""
    if m.get("load_average_before") and m.get("load_average_after"):
        load = (f"; load average {m['load_average_before'][0]:g} at the start, "
                f"{m['load_average_after'][0]:g} at the end (other work on the machine)")
    return [
        f"* **Machine:** {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB RAM; {m['os']}; "
        f"Python {m['python']}{load}",
        f"* **Date:** {results['date']}",
        f"* **Command:** `{results['command']}` (took {results['duration_seconds'] / 60:.1f} min)",
        f"* **Code:** commit `{m.get('commit')}`{dirty}",
    ]


def _worlds(results: dict[str, Any]) -> list[str]:
    lines = ["| Size | Records | Companies | Projects | Bid packages | Bids | Vendors | Runs (sync / memory) |",
             "|---|---|---|---|---|---|---|---|"]
    plans = results["config"]["sizes"]
    for size, w in results["worlds"].items():
        plan = plans.get(size, {})
        lines.append(f"| {size} | {w['records']:,} | {w['companies']} | {w['projects']:,} | "
                     f"{w['bid_packages']:,} | {w['bids']:,} | {w['vendors']:,} | "
                     f"{plan.get('runs', 0)} / {plan.get('memory_runs', 0)} |")
    return lines


def render(results: dict[str, Any]) -> str:
    figures = results["figures"]
    passed = sum(1 for f in figures if f["pass"])
    out = [
        "# Benchmarks",
        "",
        "What a sync costs, each figure measured against a bound in the same run. This page and "
        "`bench/results.json` are written by `make bench` (the suite is in `bench/`; "
        "`tests/bench/test_bench_smoke.py` runs a quick version of it in `make test`). Do not edit "
        "by hand: the next run rewrites it.",
        "",
        *_machine(results),
        "",
        f"**{passed} of {len(figures)} figures meet their goal.** Each figure is the median of its runs, "
        "with the lowest and highest run in brackets; the ratio is measured ÷ bound, run by run.",
        "",
        "| Figure | Size | Runs | Measured | Bound | Ratio | Goal | Result |",
        "|---|---|---|---|---|---|---|---|",
        *[_row(f) for f in figures],
        "",
        "The worlds (the simulator's seeded sizes, seed 7, as the demo user sees them):",
        "",
        *_worlds(results),
        "",
        *notes.method(results),
        "",
        *notes.misses(results),
        "",
        *notes.caveats(results),
        "",
    ]
    return "\n".join(out)


def write(results: dict[str, Any], path: Path) -> None:
    path.write_text(render(results), encoding="utf-8")
