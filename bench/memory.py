"""Peak memory of one entity_sync job: the largest company job and the largest project job.

After a fresh connect, the company jobs are on the queue. One other company job runs first,
untraced, so that every code path and client is warm; then the largest company's job runs
alone under tracemalloc, and its peak is read. The same for project jobs: another project job
first, then the project with the most bids in that company. moto and the simulator are other
processes, so tracemalloc sees the sync's allocations only. The figure is the peak at L over
the peak of the same job at S.
"""

from __future__ import annotations

import json
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from . import bounds
from .figures import Figure, Goal
from .harness import Harness

Log = Callable[[str], None]


@dataclass
class Peak:
    kind: str
    company_id: int
    project_id: int | None
    records: int
    peak_bytes: int
    largest_answer_bytes: int


class _Tracer:
    def __init__(self) -> None:
        self.peak = 0

    @contextmanager
    def __call__(self) -> Iterator[None]:
        tracemalloc.start()
        tracemalloc.reset_peak()
        try:
            yield
        finally:
            self.peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()


class _Inbox:
    """Messages taken off the queue and held (invisible) until one of them is wanted; those
    never wanted are dropped by the next reset."""

    def __init__(self, h: Harness) -> None:
        self._h = h
        self._held: list[dict[str, Any]] = []

    def take(self, want: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        while True:
            for message in self._held:
                if want(json.loads(message["Body"])):
                    self._held.remove(message)
                    return message
            received = self._h.receive(10, hold_seconds=900)
            if not received:
                raise LookupError("the job was not on the queue")
            self._held.extend(received)


def _traced(h: Harness, message: dict[str, Any]) -> tuple[int, int]:
    tracer = _Tracer()
    h.http.reset()
    jobs, failed = h.run([message], around=tracer)
    if failed:
        raise RuntimeError(f"the traced job failed: {jobs[0]}")
    return tracer.peak, h.http.largest_answer


def measure(h: Harness, size: str, shape: bounds.WorldShape, index: int, log: Log) -> list[Peak]:
    target = shape.largest_company()
    warm = shape.smallest_company()
    h.fresh(size)
    h.connect(f"bench-memory-{size.lower()}-{index}")
    inbox = _Inbox(h)
    company_job = lambda cid: lambda body: body["kind"] == "company" and body["company_id"] == cid  # noqa: E731
    if warm.id != target.id:
        h.run([inbox.take(company_job(warm.id))])
    peak, answer = _traced(h, inbox.take(company_job(target.id)))
    company_records = len(target.projects) + target.active_vendors + target.inactive_vendors
    peaks = [Peak("company", target.id, None, company_records, peak, answer)]

    biggest = max(target.projects, key=lambda p: (p.bids + p.bid_packages, p.id))
    other = next((p for p in target.projects if p.id != biggest.id), None)
    project_job = lambda pid: lambda body: body["kind"] == "project" and body.get("project_id") == pid  # noqa: E731
    if other is not None:
        h.run([inbox.take(project_job(other.id))])
    peak, answer = _traced(h, inbox.take(project_job(biggest.id)))
    peaks.append(Peak("project", target.id, biggest.id, biggest.bids + biggest.bid_packages, peak, answer))
    log(f"    memory: company job {peaks[0].peak_bytes / 1e6:.2f} MB peak ({company_records} records), "
        f"project job {peaks[1].peak_bytes / 1e6:.2f} MB ({peaks[1].records} records)")
    return peaks


def memory_figures(by_size: dict[str, list[list[Peak]]], *, large: str = "L", small: str = "S") -> list[Figure]:
    """L against S, per job kind, run by run (runs paired in order; the shorter list decides)."""
    figures = []
    if large not in by_size or small not in by_size:
        return figures
    for i, (kind, title) in enumerate((("company", "company job"), ("project", "project job"))):
        big = [run[i] for run in by_size[large]]
        base = [run[i] for run in by_size[small]]
        n = min(len(big), len(base))
        figures.append(Figure(
            key=f"memory_{kind}_job", title=f"Peak memory of one entity_sync {title} (tracemalloc)",
            size=f"{large} vs {small}", unit="MB", goal=Goal("le", 1.3),
            bound_text=f"the same job at size {small}",
            measured=[p.peak_bytes / 1e6 for p in big[:n]], bound=[p.peak_bytes / 1e6 for p in base[:n]],
            details={size: [{"records": run[i].records, "peak_mb": round(run[i].peak_bytes / 1e6, 3),
                             "largest_answer_kb": round(run[i].largest_answer_bytes / 1e3, 1),
                             "company_id": run[i].company_id, "project_id": run[i].project_id}
                            for run in runs] for size, runs in by_size.items()}))
    return figures
