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
        "read-only functions (reads, status) are timed once more with `procore_sync.services` replaced by a "
        "stub, to see what lazy imports there would leave.",
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


def _cpu(f: Figure, results: Results) -> str:
    d = f["details"]
    engine, bare = d["engine_cpu_breakdown"], d["bare_cpu_breakdown"]
    calls = d["engine_aws_calls"]
    jobs = d["jobs"]
    records = results["worlds"][f["size"]]["records"]
    total = d["engine_cpu_seconds"][0]
    state_ops = ("dynamodb.GetItem", "dynamodb.UpdateItem", "dynamodb.Query", "dynamodb.PutItem",
                 "kms.Decrypt", "sqs.SendMessageBatch")
    state = sum(engine.get(f"aws {op}", 0.0) for op in state_ops)
    per_record = engine.get("hashing", 0.0) + engine.get("validation", 0.0)
    counts = ", ".join(f"{calls.get(op, 0):,} {op.split('.')[1]} ({calls.get(op, 0) / jobs:.1f} a job)"
                       for op in state_ops[:4])
    bare_batches = round(records / 25)
    return (
        f"At {f['size']} the sync spent {_med(f):.2f} s of CPU per 1,000 records, the bare loop "
        f"{_med(f, 'bound'):.2f} s ({_ratio(f)}). In the first run's {total:.2f} s over {jobs} jobs "
        f"({records / jobs:.0f} records a job): {engine.get('aws dynamodb.BatchWriteItem', 0):.2f} s making "
        f"{calls.get('dynamodb.BatchWriteItem', 0):,} BatchWriteItem requests (the bare loop "
        f"{bare.get('aws dynamodb.BatchWriteItem', 0):.2f} s for about {bare_batches:,}: the sync flushes a "
        f"batch per page, so every page ends in a short request of its own); {state:.2f} s in DynamoDB, KMS "
        f"and SQS calls the bare loop does not make at all: {counts}; {per_record:.2f} s hashing and "
        f"validating records ({engine.get('hashing', 0):.2f} + {engine.get('validation', 0):.2f} s, "
        f"{per_record / total:.0%} of the total); {engine.get('other', 0):.2f} s else (the handler and its "
        f"batch processor, JSON logging, job models, parsing pages; the bare loop's else is "
        f"{bare.get('other', 0):.2f} s). So the excess is bookkeeping per job and per page, not the "
        "per-record work. **Engine change:** fewer DynamoDB round trips per page and per job: the rate "
        "budget is read with a consistent GetItem before every Procore call, even while it knows no window "
        "(as here, with the limits off); the connection is read before each page that writes and again after "
        "each page, whose lease renewal is an UpdateItem of its own; each page's checkpoint is a PutItem, and "
        "each listing Queries for checkpoints before it starts and the job Queries them again to delete them "
        "when it finishes, even for listings of one page. "
        "Checking the connection inside the lease renewal's condition (one call per page), skipping the "
        "budget read while no window is known, keeping checkpoints only once a listing has a second page, and "
        "one batch writer per job instead of per page would remove most of them."
    )


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
        f"{'; '.join(parts)}; L ÷ S = {_ratio(f)}. The job reads its {listing} a page at a time, and its "
        "peak follows the largest page it holds: the answer's bytes, the records parsed from them and the "
        "items built for DynamoDB are all alive while the page is written. Pages grow with the world until "
        "they reach the endpoint's limit, so a job at S, whose listings are a fraction of a page, peaks "
        "lower than the same job at L. (The keys a listing collects, in the writer's set, the checkpoints "
        "and the fingerprints of stored records, grow with the listing too, but at tens of bytes a record "
        "they are small next to the page.) **Engine change:** hold less than a page: ask for the answer as "
        "a stream and parse it incrementally, writing records 25 at a time as they arrive, and drop the raw "
        "answer as soon as it is parsed; the peak would then follow a batch of 25 records, alike at S and "
        "L. Asking for smaller pages would do it too, at the price of more calls (the call figures' bound "
        "assumes the largest pages). Either way the peak is a few MB, far inside the function's 1,024 MB."
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


_UNUSED_BY_READS = ("requests", "urllib3", "charset_normalizer", "idna", "certifi", "authlib", "joserfc",
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
            line += (f"; beyond what boto3 imports (median of three `-X importtime` runs): {top}; "
                     f"{unused:.0f} ms of it in HTTP, OAuth and encryption packages its requests never use")
        if d.get("lazy_services_ms"):
            lazy = statistics.median_low(d["lazy_services_ms"])
            verdict = "within" if d["lazy_services_ratio"] <= f["goal"]["factor"] else "still over"
            line += (f"; with `procore_sync.services` stubbed out (the handler otherwise as it is) the import "
                     f"takes {lazy:.0f} ms, {d['lazy_services_ratio']:.2f}× the bound, {verdict} the goal")
        lines.append(line)
    return (
        "Cold starts: " + "; ".join(lines) + ". Done already: `procore_sync.services` imports the token "
        "cipher (`aws_encryption_sdk`, `cryptography`) and the Procore client and OAuth (`requests`, "
        "`authlib`) only in the members that build them, and the read routes do without the Powertools "
        "Tracer (its `aws_xray_sdk` cost some 100 ms; Lambda's active tracing still records their "
        "invocations). The read routes load none of those any more; what remains above boto3 is "
        "Powertools' event handler, whose request validation (`enable_validation=True`) builds pydantic "
        "models for every route at import, some 45 ms. **Not made, for now:** validating the routes' "
        "path and query parameters by hand would take pydantic out of the import and meet the goal, but "
        "it replaces the library's validation (and the OpenAPI document built from the same "
        "annotations) with our own code for 80 ms of one cold start."
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
    out = ["## Misses: why, and what change in the engine would fix it", ""]
    if not missed:
        return [*out, "None: every figure meets its goal."]
    out.append("The engine (`layers/`, `functions/`, `template.yaml`) is not changed by this suite; each "
               "note says what change would meet the goal, with this run's numbers.")
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


def _cpu_short(f: Figure, results: Results) -> str:
    d = f["details"]
    records = results["worlds"][f["size"]]["records"]
    engine, bare = d["engine_cpu_breakdown"], d["bare_cpu_breakdown"]
    parts = ", ".join(f"{name.removeprefix('aws dynamodb.').removeprefix('aws ')} {sec:.2f} s"
                      for name, sec in engine.items())
    return (f"At {f['size']}: {_med(f):.2f} s against {_med(f, 'bound'):.2f} s per 1,000 records ({_ratio(f)}) "
            f"over {d['jobs']} jobs ({records / d['jobs']:.0f} records a job): the same bookkeeping as above, "
            f"spread over more records a job. The first run's {d['engine_cpu_seconds'][0]:.1f} s by part: {parts}; "
            f"the bare loop's {d['bare_cpu_seconds'][0]:.1f} s: BatchWriteItem "
            f"{bare.get('aws dynamodb.BatchWriteItem', 0):.2f} s, Procore requests "
            f"{bare.get('procore requests', 0):.2f} s, else {bare.get('other', 0):.2f} s.")


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
