"""Full and incremental syncs at one size: Procore calls, DynamoDB writes and CPU time.

Each run starts from nothing (empty tables, the simulator's seeded world, no tokens), connects
the demo user through the real OAuth flow and drains the first sync job by job. Then, in the
same run: the bare loop (the CPU bound) over the same data; an incremental sync with nothing
changed; and an incremental sync after a few records were changed and deleted in Procore,
whose bound is the number of records that differ, found by comparing the simulator's records
before and after the change.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import bounds
from .attribution import timing_per_record_work
from .bare import bare_sync
from .counters import AwsSnapshot, armed
from .harness import LOGIN, Harness

LISTINGS = ("/rest/v1.1/projects", "/rest/v1.0/vendors", "/rest/v1.0/companies/{id}/vendors/inactive",
            "/rest/v1.1/projects/{id}/bid_packages", "/rest/v1.0/projects/{id}/bids")
ENTITIES = ("projects", "vendors", "bid_packages", "bids")
CHANGED_PER_ENTITY = 3
DELETED_BIDS = 2

Log = Callable[[str], None]


@dataclass
class Step:
    """What one sync (a drained queue) cost."""

    calls: int
    record_writes: int
    counts: dict[str, int]
    cpu_seconds: float
    jobs: int
    wall_seconds: float
    by_endpoint: dict[str, int]
    aws: dict[str, int]
    aws_seconds: dict[str, float]
    cpu_breakdown: dict[str, float] = field(default_factory=dict)

    @property
    def extra_calls(self) -> int:
        """Procore calls to anything but the five listings (/me, /companies, shows...)."""
        return sum(n for path, n in self.by_endpoint.items() if path not in LISTINGS)


@dataclass
class Run:
    full: Step
    bare: dict[str, Any]
    incremental: Step | None = None
    changed: Step | None = None
    changes: dict[str, int] = field(default_factory=dict)


def _cpu_breakdown(aws: AwsSnapshot, http_cpu: float, per_record: dict[str, float], total: float
                   ) -> dict[str, float]:
    """CPU seconds by where they went: each AWS operation, Procore requests, hashing, validation,
    and the rest (parsing pages, building items, logging, the handler's own work)."""
    parts = {f"aws {name}": cpu for name, cpu in aws.cpu.items()}
    parts["procore requests"] = http_cpu
    parts.update(per_record)
    parts["other"] = total - sum(parts.values())
    return {k: round(v, 3) for k, v in sorted(parts.items(), key=lambda kv: -kv[1])}


def _step(h: Harness, user_id: str, records_table: str, log: Log, label: str, *, attribute: bool = False) -> Step:
    calls_before = h.sim.api_calls()
    aws_before = h.aws.snapshot()
    h.http.reset()
    per_record: dict[str, float] = {}
    began = time.monotonic()
    if attribute:
        with timing_per_record_work(per_record):
            drained = h.drain()
    else:
        drained = h.drain()
    wall = time.monotonic() - began
    calls = h.sim.api_calls() - calls_before
    aws: AwsSnapshot = h.aws.snapshot() - aws_before
    counts, bad = h.run_counts(user_id)
    if drained.failures or bad:
        raise RuntimeError(f"{label}: {drained.failures} failed deliveries; jobs not succeeded: {bad[:5]}")
    log(f"    {label}: {calls} calls, {aws.item_writes[records_table]} record writes, "
        f"{drained.cpu_seconds:.1f} s CPU, {wall:.0f} s")
    return Step(calls=calls, record_writes=aws.item_writes[records_table], counts=counts,
                cpu_seconds=drained.cpu_seconds, jobs=len(drained.jobs), wall_seconds=wall,
                by_endpoint=dict(h.http.by_endpoint), aws=dict(aws.calls),
                aws_seconds={k: round(v, 3) for k, v in aws.seconds.items()},
                cpu_breakdown=_cpu_breakdown(aws, h.http.cpu_seconds, per_record, drained.cpu_seconds)
                if attribute else {})


def _records(h: Harness, shape: bounds.WorldShape) -> dict[tuple[int, str, int], dict]:
    found = {}
    for company in shape.companies:
        if not company.installed:
            continue
        for entity in ENTITIES:
            for record in h.sim.expected_records(LOGIN, company.id, entity):
                found[(company.id, entity, int(record["id"]))] = record
    return found


def _change_some(h: Harness, shape: bounds.WorldShape) -> dict[str, int]:
    """Change a few records of every entity in the largest company and delete two bids; return
    how many records now differ from before, as the list endpoints show them."""
    before = _records(h, shape)
    target = shape.largest_company().id

    def ids(entity: str) -> list[int]:
        return sorted(i for (c, e, i) in before if c == target and e == entity)

    for n, pid in enumerate(ids("projects")[:CHANGED_PER_ENTITY]):
        h.sim.update_record("projects", pid, phone=f"+1 (555) 010-{n:04d}")
    for n, vid in enumerate(ids("vendors")[:CHANGED_PER_ENTITY]):
        h.sim.update_record("vendors", vid, business_phone=f"+1 (555) 020-{n:04d}")
    for bpid in ids("bid_packages")[:CHANGED_PER_ENTITY]:
        current = before[(target, "bid_packages", bpid)].get("accept_post_due_submissions")
        h.sim.update_record("bid_packages", bpid, accept_post_due_submissions=not current)
    bids = ids("bids")
    for bid in bids[:CHANGED_PER_ENTITY]:
        h.sim.update_record("bids", bid, bidder_comments="changed by the benchmark")
    for bid in bids[-DELETED_BIDS:]:
        h.sim.delete_record("bids", bid)
    after = _records(h, shape)
    changed = sum(1 for key in before.keys() & after.keys() if before[key] != after[key])
    return {"changed": changed, "deleted": len(before.keys() - after.keys()),
            "created": len(after.keys() - before.keys())}


def run_once(h: Harness, size: str, shape: bounds.WorldShape, index: int, *, incremental: bool,
             changes: bool, log: Log) -> Run:
    assert h.stack is not None
    records_table = str(h.stack.physical("RecordsTable").ref)
    user_id = f"bench-{size.lower()}-{index}"
    h.fresh(size)
    h.connect(user_id)
    full = _step(h, user_id, records_table, log, "full sync", attribute=True)
    if full.counts["created"] != shape.records:
        raise RuntimeError(f"the full sync landed {full.counts['created']} records, not {shape.records}")

    from procore_sync import aws

    token = h.services.tokens(user_id).current()
    table = aws.table(records_table)
    calls_before = h.sim.api_calls()
    aws_before = h.aws.snapshot()
    h.http.reset()
    with armed(h.aws, h.http):
        bare = bare_sync(api_url=h.sim.url, token=token, table=table,
                         company_ids=[c.id for c in shape.companies if c.installed], pk_prefix=f"bare#{user_id}")
    bare["simulator_calls"] = h.sim.api_calls() - calls_before
    bare["cpu_breakdown"] = _cpu_breakdown(h.aws.snapshot() - aws_before, h.http.cpu_seconds, {},
                                           bare["cpu_seconds"])
    if bare["records"] != shape.records:
        raise RuntimeError(f"the bare loop wrote {bare['records']} records, not {shape.records}")
    log(f"    bare loop: {bare['calls']} calls, {bare['cpu_seconds']:.1f} s CPU")
    run = Run(full=full, bare=bare)
    if incremental or changes:
        h.schedule()
        run.incremental = _step(h, user_id, records_table, log, "incremental, no change")
    if changes:
        run.changes = _change_some(h, shape)
        h.schedule()
        run.changed = _step(h, user_id, records_table, log,
                            f"incremental after {sum(run.changes.values())} records differ")
    return run
