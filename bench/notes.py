"""The prose of BENCHMARKS.md: how each figure is measured, why a figure misses (with the run's
numbers) and what change in the engine would fix it, and the caveats of the local stack.

Each miss note reads the figure's details from the results, so the page never states a number
the run did not measure.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from typing import Any

Figure = dict[str, Any]
Results = dict[str, Any]


def _find(results: Results, key: str, size: str | None = None) -> Figure | None:
    for figure in results["figures"]:
        if figure["key"] == key and (size is None or figure["size"] == size):
            return figure
    return None


def _med(figure: Figure, part: str = "measured") -> float:
    return figure[part]["median"]


def _ratio(figure: Figure) -> str:
    return f"{figure['ratio']['median']:.2f}×" if figure["ratio"] else "–"


# ---------------------------------------------------------------------------------------- method

def method(results: Results) -> list[str]:
    wall = results["config"].get("wall") or {}
    conns = results["config"]["dispatcher_connections"]
    return [
        "## How each figure is measured",
        "",
        "**Setup.** `python -m bench` runs moto (`local_stack/moto_process.py`, see the caveats) and the Procore "
        "simulator (`python -m procore_simulator`) as child processes, and the local stack's gateway and "
        "functions in its own process, without the stack's SQS pollers: the benchmark takes the sync jobs off "
        "the queue itself and hands them to the real `EntitySyncFunction` handler in the template's batches "
        "of 5, in its main thread, until the queue is empty. Every run starts from empty tables and queues, "
        "the simulator's seeded world and no tokens, and connects the demo user (`demo@palcode.test`, admin of "
        "every company) through the real OAuth flow (`scripts/connect_flow.py`); the callback queues the "
        "first sync. Every run checks that every record of the world landed and every job succeeded, or the "
        "suite stops. Rate limits and latency are off except for the wall-time figure. The engine under test "
        "is this checkout's `layers/common`.",
        "",
        "* **Procore API calls, full sync.** The simulator's own count of API calls (`/_simulator/stats`) "
        "across the first sync (the connect's `/me` and `/companies` are before it). Bound: the fewest calls "
        "that return the same records, at the largest page each endpoint allows, worked out from the "
        "simulator's world in `bench/bounds.py`: per company `pages(projects, 300) + pages(active vendors, "
        "1000) + pages(inactive vendors, 1000)`, per project `pages(bid packages, 1000) + pages(bids, 1000)`, "
        "1 per company where the app is not installed, with `pages(n, p) = max(1, ceil(n / p))` (an empty "
        "listing still costs the call that says so), plus any other call the sync makes (it makes none). "
        "The row *(coarsest endpoints)* holds the same calls against a tighter bound: bids listed per company "
        "(`/rest/v1.0/companies/{id}/bids` returns the same bid records), `pages(company bids, 1000)`.",
        "* **Procore API calls, incremental sync with no change.** Right after the first sync, the dispatcher "
        "(as the hourly schedule runs it) queues a second run, drained the same way. Bound: the list calls "
        "that cannot be avoided: projects and active vendors asked for by `updated_at` from the watermark less "
        "the engine's 10-minute overlap (`pages(records updated in the overlap, page)`, here 1 each), and, "
        "having no change filter, the inactive vendors, bid packages and bids read whole, as above.",
        "* **DynamoDB record writes.** Items written to the records table, counted at botocore's API-call "
        "entry point (each BatchWriteItem's items for that table, and every PutItem, UpdateItem or DeleteItem "
        "on it), around the handler calls only. Full sync: bound = records created (the table starts empty). "
        "No change: bound 0. After changes: the benchmark changes 3 projects, 3 vendors, 3 bid packages and "
        "3 bids of the largest company and deletes 2 bids in the simulator, compares every record the list "
        "endpoints show before and after, and the bound is the number that differ (changed, created, "
        "deleted); then a third run is drained.",
        "* **CPU seconds per 1,000 records.** `time.thread_time()` around each handler call, summed over the "
        "full sync, per 1,000 records created. moto and the simulator are other processes, so none of their "
        "work counts. Bound: `bench/bare.py` in the same run, on the same thread clock: it fetches the same "
        "pages (same endpoints and page sizes, following `Link`), parses them as DynamoDB needs (numbers as "
        "Decimal) and batch-writes the same items, without validation, hashing or any state.",
        "* **Peak memory of one entity_sync job.** After a fresh connect, another company job runs first "
        "(untraced, to warm every code path), then the largest company's job runs alone under `tracemalloc` "
        "and its peak is read; then another project job, and the largest project job (most bids) of that "
        "company the same way. L against S, run by run; M is in `results.json` too.",
        f"* **Wall time.** A full sync of {wall.get('size', 'M')} with the stack's own SQS pollers (the "
        f"template's batch size 5 and concurrency 10), the simulator's latency at {wall.get('latency_ms')} ms "
        f"and its rate limits on ({wall.get('spike_limit')} calls per {wall.get('spike_window_seconds')} s, "
        f"{wall.get('hourly_limit')} an hour, per token). The clock runs from before the connect to the moment "
        "the queue is empty and no handler runs. Bound: the fewest calls of a full sync ÷ the rate the "
        "limits allow (`N × window ÷ spike limit`; the hourly limit binds only above 3,600 calls).",
        f"* **Dispatcher over {conns:,} connections.** {conns:,} connected users (one selected company each) "
        "are written straight into the connections table; then `procore_sync.sync.dispatch.dispatch_all` "
        "runs once with every AWS call counted. Bounds: SQS requests `ceil(connections ÷ 10)` (ten jobs per "
        "SendMessageBatch); DynamoDB reads: the pages a plain paginated Scan of the connections table needs "
        "(1 MB pages, same filter and projection), read in the same run. The counts do not vary from run to "
        "run (the same code over the same items), so it runs once.",
        "* **Cold start.** Each function's handler module is imported in a fresh interpreter with its code "
        "directory and `layers/common` on `sys.path`, the environment the template gives it (Globals "
        "included), what the Lambda runtime adds (function name, memory, region, dummy credentials) and "
        "nothing else; the child times the import alone (interpreter start-up excluded) on its CPU clock, with "
        "bytecode cached (warmed once). An import from a warm file cache is CPU-bound, so on a Lambda's "
        "dedicated core its CPU time is its wall time; on a shared machine the wall clock also counts other "
        "work, so it is kept in `results.json` but not judged. Bound in the same run, interleaved: "
        "`import boto3` plus one `boto3.client('dynamodb')`. "
        "Goal: the read routes (`ReadsFunction`) ≤ 1.5 ×, every other function ≤ 2 ×. Three more imports per "
        "function with `-X importtime` give the packages the extra time goes to (median per package), and the "
        "child counts the garbage collections that ran during the import, per generation (a full collection "
        "scans everything loaded so far).",
    ]


# ---------------------------------------------------------------------------------------- misses

def _calls_coarse(f: Figure, results: Results) -> str:
    d = f["details"]
    base = _find(results, "api_calls_full", f["size"])
    per_project = f"{_ratio(base)} against the per-project formula, a pass" if base else ""
    return (
        f"At {f['size']} the full sync made {_med(f):,.0f} calls, {d['bid_calls_per_project']:,} of them bid "
        f"listings, one per project; the company-wide listing `/rest/v1.0/companies/{{id}}/bids` (the same "
        f"bid records, 1,000 a page) needs {d['bid_calls_per_company']:,} for the whole world, so the bound is "
        f"{_med(f, 'bound'):,.0f} and the sync is {_ratio(f)} ({per_project}). **Engine change:** list bids "
        "once per company instead of once per project. Bids carry `bid_package_id` but not their project's "
        "id, so the job that files them under `bid#<project>#<package>#<id>` must first know each bid "
        "package's project, from the bid package listings, which stay per project (no company-wide listing "
        "returns the same bid-package records). A project job would then cost 1 call instead of 2; a company "
        "job would add `ceil(company bids / 1000)` calls and write every bid of the company. **Not made, "
        "for now:** Procore documents the company-wide list as the user's \"assigned\" bids, and whether it "
        "honours project membership the way the per-project list does is UNCONFIRMED (API-NOTES §3.3); "
        "what lands must be what the user can see, so the switch waits for a sandbox check. It also needs "
        "a barrier (the bids job may start only once every project job of the company has listed its bid "
        "packages), and company-wide deletion of bids, which the per-project jobs do now."
    )


STATE_OPS = ("dynamodb.GetItem", "dynamodb.UpdateItem", "dynamodb.Query", "dynamodb.PutItem",
             "dynamodb.TransactWriteItems", "kms.Decrypt", "sqs.SendMessageBatch")
# What a project job (most jobs) asks of DynamoDB, each for a guarantee the sync makes.
PROJECT_JOB_STATE = (
    "the connection read as the job begins (is the user still connected; the tokens)",
    "the job's lease (a second delivery never runs it beside the first)",
    "the connection's rate budget, shared with its other workers",
    "two Queries for the fingerprints of the project's stored bid packages and bids (an unchanged "
    "record costs no write, a vanished one is marked deleted)",
    "a status read before each of its two listings' writes (a user who disconnects stops the writes)",
    "the job's outcome, recorded once",
    "its run's counters (what status shows, and how the run's end is known)",
    "its entry in the run, written with the run's count when the company job fans out",
)


def _cpu(f: Figure, results: Results) -> str:
    d = f["details"]
    engine, bare = d["engine_cpu_breakdown"], d["bare_cpu_breakdown"]
    calls = d["engine_aws_calls"]
    jobs = d["jobs"]
    records = results["worlds"][f["size"]]["records"]
    total, bare_total = d["engine_cpu_seconds"][0], d["bare_cpu_seconds"][0]
    state = sum(engine.get(f"aws {op}", 0.0) for op in STATE_OPS)
    requests_ = sum(calls.get(op, 0) for op in STATE_OPS)
    per_request = state / requests_ if requests_ else 0.0
    allowance = f["goal"]["factor"] * bare_total - (total - state)
    allowed = allowance / jobs / per_request if per_request else 0.0
    counts = ", ".join(f"{calls[op]:,} {op.split('.')[1]}" for op in STATE_OPS if calls.get(op))
    batch, bare_batch = engine.get("aws dynamodb.BatchWriteItem", 0.0), bare.get("aws dynamodb.BatchWriteItem", 0.0)
    per_record = engine.get("hashing", 0.0) + engine.get("validation", 0.0)
    return (
        f"At {f['size']} the sync spent {_med(f):.2f} s of CPU per 1,000 records, the bare loop "
        f"{_med(f, 'bound'):.2f} s ({_ratio(f)}), over {jobs} jobs of {records / jobs:.0f} records each. In the "
        f"first run ({total:.2f} s against {bare_total:.2f} s), {state:.2f} s went to the {requests_:,} requests "
        f"that keep the jobs' state, which the bare loop does not make ({counts}): {requests_ / jobs:.1f} "
        f"requests and {state / jobs * 1000:.1f} ms a job, {per_request * 1000:.2f} ms a request. The rest, "
        f"the work per record, is {(total - state) / bare_total:.2f}× the bare loop: batch writes "
        f"{batch:.2f} s against {bare_batch:.2f} s, hashing and validation {per_record:.2f} s, the rest "
        f"(parsing pages as they stream, the handler, logging) {engine.get('other', 0):.2f} s against "
        f"{bare.get('other', 0):.2f} s. So the goal leaves {max(allowance, 0.0):.2f} s for the state, "
        f"{max(allowed, 0.0):.1f} requests a job at this run's cost of one, and a project job needs "
        f"{len(PROJECT_JOB_STATE) + 2}: " + "; ".join(PROJECT_JOB_STATE) + ". Already out of the way: the "
        "tokens are read once a job, not before every call; the rate budget is written on the version "
        "last seen instead of read before each call; KMS unwraps a stored pair's data key once per "
        "container (the SDK's caching materials manager); a listing of one page keeps no checkpoint. **Why it cannot, at this job size:** each "
        "request left carries a guarantee above, and at this many records a job their cost alone is more "
        "than the goal allows. Dropping the status reads would let writes land after a disconnect or a "
        "purge; skipping the fingerprint Queries for projects the same run has just created (a first "
        "sync) would save two a job, but a webhook's hint may have written a new project's bids first, "
        "which would then be written again and miscounted; recording the job's outcome and its run's "
        "counters in one transaction would lose the counters' new values, which tell the run is over. "
        "The cost is per job, not per record, so it weighs less as projects grow: L has "
        f"{results['worlds']['L']['records'] / (results['worlds']['L']['projects'] + results['worlds']['L']['companies']):.0f} "
        "records a job." if "L" in results["worlds"] else "records a job."
    )


def _cpu_short(f: Figure, results: Results) -> str:
    d = f["details"]
    records = results["worlds"][f["size"]]["records"]
    engine = d["engine_cpu_breakdown"]
    calls = d["engine_aws_calls"]
    jobs = d["jobs"]
    total, bare_total = d["engine_cpu_seconds"][0], d["bare_cpu_seconds"][0]
    state = sum(engine.get(f"aws {op}", 0.0) for op in STATE_OPS)
    requests_ = sum(calls.get(op, 0) for op in STATE_OPS)
    allowance = f["goal"]["factor"] * bare_total - (total - state)
    allowed = allowance / jobs / (state / requests_) if requests_ and state else 0.0
    parts = ", ".join(f"{name.removeprefix('aws dynamodb.').removeprefix('aws ')} {sec:.2f} s"
                      for name, sec in engine.items())
    return (f"At {f['size']}: {_med(f):.2f} s against {_med(f, 'bound'):.2f} s per 1,000 records ({_ratio(f)}) "
            f"over {jobs} jobs ({records / jobs:.0f} records a job). The first run's {total:.1f} s by part: "
            f"{parts}; the bare loop's {bare_total:.1f} s. The state took {state:.2f} s in "
            f"{requests_ / jobs:.1f} requests a job; without it the sync is {(total - state) / bare_total:.2f}× "
            f"the bare loop, and the goal leaves {max(allowed, 0.0):.1f} requests a job: the same limit as "
            "above, with more records a job to spread it over.")


def _memory(f: Figure, results: Results) -> str:
    d = f["details"]
    kind = "company" if "company" in f["key"] else "project"
    parts = []
    for size, runs in d.items():
        peaks = sorted(run["peak_mb"] for run in runs)
        parts.append(f"{size} {peaks[len(peaks) // 2]:.2f} MB for {runs[0]['records']:,} records "
                     f"(largest Procore answer {runs[0]['largest_answer_kb']:,.0f} KB)")
    listing = ("projects (300 a page), active and inactive vendors (1,000 a page)" if kind == "company"
               else "bid packages and bids (1,000 a page)")
    return (
        f"{'; '.join(parts)}; L ÷ S = {_ratio(f)}. The job streams its {listing}: each answer is parsed "
        "as it arrives and its changed records are written 25 at a time, so what it holds of a page is a "
        "batch, alike at every size. What grows with the listing is the keys it has seen and the "
        "fingerprints of what is stored (a 32-byte hash a record), which deletion needs: a stored record "
        "the complete listing did not show is marked deleted. Keeping those in DynamoDB instead would "
        "cost a read or a write per record, which the write figures forbid."
    )


BUDGET_MARGIN_SECONDS = 1.0 + 0.125  # rate_budget.NEW_WINDOW_MARGIN plus its mean jitter


def _wall(f: Figure, results: Results) -> str:
    d = f["details"]
    made = d["calls_made"]
    windows = -(-d["calls_needed"] // d["spike_limit"])
    waits = d.get("aws_wait_seconds_all_workers") or []
    over = _med(f) - _med(f, "bound")
    margin = windows * BUDGET_MARGIN_SECONDS
    load = results["machine"].get("load_average_before") or [0]
    return (
        f"The sync took {_med(f):.0f} s against {_med(f, 'bound'):.0f} s ({_ratio(f)}), making "
        f"{min(made):,}–{max(made):,} calls (bound {d['calls_needed']:,}), {max(d['answered_429'])} answered "
        f"429. {d['calls_needed']:,} calls need {windows} spike windows of {d['spike_window_seconds']} s; the "
        "rate budget (`procore/rate_budget.py`) ends its estimate of a window 1 s late on purpose "
        "(`NEW_WINDOW_MARGIN`) and adds up to 0.25 s of jitter to each wait, and the simulator opens a "
        f"window only at the first call after the last one closed, so each window costs about "
        f"{d['spike_window_seconds'] + BUDGET_MARGIN_SECONDS:.1f} s: about {margin:.0f} s of the {over:.0f} s "
        f"over the bound. The other {max(0.0, over - margin):.0f} s are the local stack keeping up: its "
        f"workers waited {min(waits, default=0):,.0f}–{max(waits, default=0):,.0f} s on moto in all (summed "
        f"over workers), on a machine whose load average was {load[0]:g} on {results['machine']['cores']} "
        "cores. **Engine change:** for the margin, take a window's end from Procore's `X-Rate-Limit-Reset` "
        "when an answer gave one and keep the margin only for a window estimated without it; fewer calls per "
        "full sync (see the call figures) lower the bound itself. The rest is not the engine's: rerun on a "
        "quiet machine."
    )


def _dispatch_sqs(f: Figure, results: Results) -> str:
    d = f["details"]
    return (
        f"`dispatch_all` sent {_med(f):,.0f} SendMessageBatch requests for {d['connections']:,} connections, "
        f"bound {_med(f, 'bound'):,.0f}: `queue_sync_for_user` sends each user's company jobs in requests of "
        "their own, so one user with one company costs one request carrying one job. **Engine change:** let "
        "`dispatch_all` collect the jobs of every run it starts and send them ten to a request "
        "(`SyncQueue.send` already batches by ten), recording each run before its jobs are sent."
    )


def _dispatch_reads(f: Figure, results: Results) -> str:
    d = f["details"]
    calls = d["aws_calls"]
    scans, queries = calls.get("dynamodb.Scan", 0), calls.get("dynamodb.Query", 0)
    writes = ", ".join(f"{n:,} {op.split('.')[1]}" for op, n in calls.items()
                       if op.endswith(("PutItem", "UpdateItem")))
    return (
        f"`dispatch_all` made {_med(f):,.0f} reads for {d['connections']:,} connections: {scans:,} Scan pages "
        f"(`iter_connected` asks for `Limit=100`, 100 connections a page, where DynamoDB's 1 MB pages hold them "
        f"in {d['plain_scan_pages']}) and {queries:,} Queries, one per connection (`run_in_progress` → "
        f"`latest_run`; a user with a run costs a second Query for its jobs). Its writes: {writes}. "
        "**Engine change:** scan without the small `Limit`, and keep on the connection item whether its "
        "latest run is unfinished (set when a run is queued, cleared when its last job finishes), so the Scan "
        "alone decides who to sync; the dispatcher would read the table's pages and nothing else."
    )


_UNUSED_BY_READS = ("requests", "charset_normalizer", "idna", "authlib", "joserfc", "ijson",
                    "aws_encryption_sdk", "cryptography", "_cffi_backend", "cffi", "attr", "attrs")


def _cold_starts(missed: list[Figure], results: Results) -> str:
    lines = []
    for f in missed:
        d = f["details"]
        extra = d["beyond_boto3_ms_by_package"]
        top = ", ".join(f"{name} {ms:.0f} ms" for name, ms in list(extra.items())[:6])
        unused = sum(ms for name, ms in extra.items() if name in _UNUSED_BY_READS)
        line = (f"`{f['title'].split(' of ')[-1].removesuffix(' (CPU)')}` {_med(f):.0f} ms against "
                f"{_med(f, 'bound'):.0f} ms "
                f"({_ratio(f)}, goal {f['goal']['text']})")
        if top:
            line += f"; beyond what boto3 imports (median of three `-X importtime` runs): {top}"
            if unused >= 1:
                line += f"; {unused:.0f} ms of it in HTTP, OAuth and encryption packages its requests never use"
        collections = d.get("collections_by_generation")
        if collections:
            line += (f"; the collector ran {collections[-1]} full collection(s) during the import "
                     f"({sum(collections)} in all)")
        lines.append(line)
    heavy = {}
    for f in missed:
        extra = f["details"]["beyond_boto3_ms_by_package"]
        heavy = {"powertools": extra.get("aws_lambda_powertools", 0.0), "asyncio": extra.get("asyncio", 0.0),
                 "pydantic": extra.get("pydantic", 0.0) + extra.get("pydantic_core", 0.0)}
    return (
        "Cold starts: " + "; ".join(lines) + ". Done already: the read routes load with the "
        "garbage collector paused and freeze what they loaded; `procore_sync.services` imports the token "
        "cipher (`aws_encryption_sdk`, `cryptography`) and the Procore client and OAuth (`requests`, "
        "`authlib`, `ijson`) only in the members that build them, and the read routes do without the "
        "Powertools Tracer (its `aws_xray_sdk` cost some 100 ms; Lambda's active tracing still records "
        "their invocations). What remains above boto3 is Powertools "
        f"({heavy.get('powertools', 0):.0f} ms of its own: the event handler and the logger; the handler's "
        f"package also loads `asyncio`, {heavy.get('asyncio', 0):.0f} ms, for its AppSync resolver) and "
        f"pydantic ({heavy.get('pydantic', 0):.0f} ms), which both the routes' request validation "
        "(`enable_validation=True`, whose models are built as the routes are declared) and our settings "
        "model use. **Why it is not made:** meeting the goal would take validating the routes' parameters "
        "and the settings by hand, our own code in place of the library's validation and of the OpenAPI "
        "document built from the same annotations; this project keeps the library where it costs only "
        "time (a cold start of the read routes, once per container)."
    )


_NOTES: dict[str, Callable[[Figure, Results], str]] = {
    "api_calls_full_company_bids": _calls_coarse,
    "cpu_per_1000": _cpu,
    "memory_company_job": _memory,
    "memory_project_job": _memory,
    "wall_full_sync": _wall,
    "dispatch_sqs": _dispatch_sqs,
    "dispatch_reads": _dispatch_reads,
}


def _generic(f: Figure, results: Results) -> str:
    return (f"{f['title']} ({f['size']}): measured {_med(f):g} against a bound of {_med(f, 'bound'):g} "
            f"({f['goal']['text']}); the run's details are in `bench/results.json` under `{f['key']}`.")


def misses(results: Results) -> list[str]:
    missed = [f for f in results["figures"] if not f["pass"]]
    out = ["## Misses: why, with this run's numbers", ""]
    if not missed:
        return [*out, "None: every figure meets its goal."]
    out.append("The engine (`layers/`, `functions/`, `template.yaml`) is not changed by this suite; each "
               "note says what holds the figure back, with this run's numbers, what change would meet the "
               "goal, and why it is not made.")
    out.append("")
    done: set[str] = set()
    for f in missed:
        if f["key"].startswith("cold_start_"):
            continue
        note = _NOTES.get(f["key"], _generic)
        if f["key"] == "cpu_per_1000" and "cpu_per_1000" in done:
            note = _cpu_short
        out.append(f"* **{f['title']} ({f['size']}).** {note(f, results)}")
        done.add(f["key"])
    cold = [f for f in missed if f["key"].startswith("cold_start_")]
    if cold:
        out.append(f"* **Cold start.** {_cold_starts(cold, results)}")
    return out


# ---------------------------------------------------------------------------------------- caveats

def caveats(results: Results) -> list[str]:
    sizes = results["config"]["sizes"]
    memory_only = [s for s, plan in sizes.items() if plan["runs"] == 0 and plan["memory_runs"]]
    out = ["## Caveats", ""]
    dispatch = _find(results, "dispatch_sqs")
    dispatch_requests = sum(dispatch["details"]["aws_calls"].values()) if dispatch else 0
    dispatch_seconds = dispatch["details"]["seconds"] if dispatch else 0
    out.append(
        "* **The bench's moto.** moto answers a Query by walking every item of the table and sizing each "
        "one before it applies the key condition, so a Query costs time in proportion to the whole table; "
        "and it counts every message in a queue on every SendMessage. The benchmark's moto "
        "(`local_stack/moto_process.py`, `local_stack/moto_patch.py`) hands a Query on a table's own key only the items its "
        "key condition selects, as DynamoDB reads them (sorting, 1 MB paging, limits, filters and "
        "projections stay moto's own code), and skips the count while sending. Nothing else of moto is "
        "changed, and the checks of every run (every record landed, nothing written twice) hold with it. "
        "The dispatcher figure runs against moto inside a process of its own (`bench/dispatch_probe.py`, "
        "the same fixes applied): it consists of counts only, and without moto's HTTP server in between its "
        f"{dispatch_requests:,} requests took {dispatch_seconds:.0f} s.")
    if memory_only:
        m = _find(results, "cpu_per_1000", "M")
        estimate = ""
        if m:
            seconds = m["details"]["full_sync_wall_seconds"]
            scale = results["worlds"][memory_only[-1]]["records"] / results["worlds"]["M"]["records"]
            estimate = (f" A full sync of M takes {min(seconds):.0f}–{max(seconds):.0f} s here; "
                        f"{memory_only[-1]} has {scale:.1f}× its records, so a full sync of it would take about "
                        f"{scale * statistics.median(seconds) / 60:.0f} min, and one run of it (full sync, bare "
                        "loop, two incremental syncs, each about as long) most of an hour, beyond the "
                        "whole suite's budget.")
        out.append(f"* **{', '.join(memory_only)}: memory only.** The sync figures (calls, writes, CPU) are "
                   f"measured at {', '.join(s for s, p in sizes.items() if p['runs'])}.{estimate}")
    out.append(
        "* **What the CPU figure counts.** The handler's thread only: the Lambda wrapper (Powertools' batch "
        "processor, JSON logging, metrics) is part of the sync's time, as on AWS; moto's and the simulator's "
        "time is not. The timers that split the CPU by part (around AWS calls, Procore requests, hashing and "
        "validation) add about a microsecond per record and per call to the sync's side.")
    out.append(
        "* **Wall time includes the local stack.** The sync's workers share this process (and its GIL) and "
        "one moto process on the same cores; on AWS each worker is a Lambda of its own and DynamoDB answers "
        "in milliseconds.")
    machine = results["machine"]
    if machine.get("load_average_before"):
        out.append(
            f"* **A shared machine.** The load average was {machine['load_average_before'][0]:g} when the run "
            f"began and {machine['load_average_after'][0]:g} when it ended, on {machine['cores']} cores: other "
            "work ran beside it. Clock time (cold starts, wall time, the suite's own duration) suffers most, "
            "which shows in the spread of those rows; the CPU and memory figures and every count much less.")
    out.append(
        "* **Counts do not vary.** Procore calls and DynamoDB writes are the same in every run (the same code "
        "over the same seeded world); their spread is shown anyway. The incremental and change runs are "
        "fewer than the full-sync runs at M for time; the CPU, memory, wall-time and cold-start figures are "
        "the ones that vary.")
    return out
