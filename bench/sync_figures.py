"""The figures of the sync runs at one size: Procore calls, DynamoDB writes and CPU time."""

from __future__ import annotations

from . import bounds
from .figures import Figure, Goal
from .sync_runs import Run

FULL_FORMULA = ("per company pages(projects, 300) + pages(active vendors, 1000) + pages(inactive, 1000); "
                "per project pages(bid packages, 1000) + pages(bids, 1000); pages(n, p) = max(1, ceil(n/p))")
COMPANY_BIDS = "as above, but bids by company: pages(company bids, 1000) from /companies/{id}/bids"
INCREMENTAL = ("per company pages(projects updated in the 10-min overlap, 300) + pages(active vendors "
               "in it, 1000) + pages(inactive, 1000); per project as a full sync")


def sync_figures(size: str, shape: bounds.WorldShape, caps: bounds.PageSizes, runs: list[Run]) -> list[Figure]:
    figures: list[Figure] = []
    full_bound = bounds.full_sync_calls(shape, caps)
    coarse_bound = bounds.full_sync_calls(shape, caps, company_bids=True)
    records = shape.records
    endpoints = runs[0].full.by_endpoint
    figures.append(Figure(
        key="api_calls_full", title="Procore API calls, full sync", size=size, unit="calls",
        goal=Goal("le", 1.05), bound_text=FULL_FORMULA,
        measured=[r.full.calls for r in runs], bound=[full_bound + r.full.extra_calls for r in runs],
        details={"records": records, "by_endpoint": endpoints, "bare_loop_calls": [r.bare["calls"] for r in runs]}))
    figures.append(Figure(
        key="api_calls_full_company_bids", title="Procore API calls, full sync (coarsest endpoints)", size=size,
        unit="calls", goal=Goal("le", 1.05), bound_text=COMPANY_BIDS,
        measured=[r.full.calls for r in runs], bound=[coarse_bound + r.full.extra_calls for r in runs],
        details={"records": records, "bid_calls_per_project": bounds.bid_calls(shape, caps),
                 "bid_calls_per_company": bounds.bid_calls(shape, caps, company_bids=True),
                 "per_project_bound": full_bound}))
    incremental = [r for r in runs if r.incremental is not None]
    if incremental:
        inc_bound = bounds.incremental_calls(shape, caps)
        inc_coarse = bounds.incremental_calls(shape, caps, company_bids=True)
        figures.append(Figure(
            key="api_calls_incremental", title="Procore API calls, incremental sync, no change", size=size,
            unit="calls", goal=Goal("eq"), bound_text=INCREMENTAL,
            measured=[r.incremental.calls for r in incremental],  # type: ignore[union-attr]
            bound=[inc_bound + r.incremental.extra_calls for r in incremental],  # type: ignore[union-attr]
            details={"by_endpoint": incremental[0].incremental.by_endpoint,  # type: ignore[union-attr]
                     "bound_with_company_bids": inc_coarse}))
    figures.append(Figure(
        key="writes_full", title="DynamoDB record writes, full sync (1 per created record)", size=size,
        unit="writes", goal=Goal("eq"), bound_text="records created (every record: the table starts empty)",
        measured=[r.full.record_writes for r in runs], bound=[r.full.counts["created"] for r in runs]))
    if incremental:
        figures.append(Figure(
            key="writes_unchanged", title="DynamoDB record writes, incremental sync, no change", size=size,
            unit="writes", goal=Goal("eq"), bound_text="0: every record is unchanged",
            measured=[r.incremental.record_writes for r in incremental],  # type: ignore[union-attr]
            bound=[0 for _ in incremental],
            details={"unchanged_records": [r.incremental.counts["unchanged"] for r in incremental]}))  # type: ignore[union-attr]
    changed = [r for r in runs if r.changed is not None]
    if changed:
        figures.append(Figure(
            key="writes_changed", title="DynamoDB record writes, incremental sync after changes", size=size,
            unit="writes", goal=Goal("eq"),
            bound_text="records that differ in Procore (changed, created or deleted), found by comparing "
                       "the simulator's records before and after",
            measured=[r.changed.record_writes for r in changed],  # type: ignore[union-attr]
            bound=[sum(r.changes.values()) for r in changed],
            details={"differences": changed[0].changes, "engine_counts": changed[0].changed.counts}))  # type: ignore[union-attr]
    figures.append(Figure(
        key="cpu_per_1000", title="CPU seconds per 1,000 records, full sync (sync thread)", size=size,
        unit="s", goal=Goal("le", 1.5),
        bound_text="the bare loop in the same run: same pages, same items batch-written, no validation, "
                   "hashing or state",
        measured=[r.full.cpu_seconds / (r.full.counts["created"] / 1000) for r in runs],
        bound=[r.bare["cpu_seconds"] / (r.bare["records"] / 1000) for r in runs],
        details={"engine_cpu_seconds": [round(r.full.cpu_seconds, 3) for r in runs],
                 "bare_cpu_seconds": [round(r.bare["cpu_seconds"], 3) for r in runs],
                 "engine_aws_calls": runs[0].full.aws, "engine_aws_wait_seconds": runs[0].full.aws_seconds,
                 "engine_cpu_breakdown": runs[0].full.cpu_breakdown, "bare_cpu_breakdown": runs[0].bare["cpu_breakdown"],
                 "jobs": runs[0].full.jobs, "full_sync_wall_seconds": [round(r.full.wall_seconds, 1) for r in runs]}))
    return figures
