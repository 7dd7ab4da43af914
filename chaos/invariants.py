"""The invariants, checked by code. Each check returns a list of violations, empty when it holds.

After the faults stop and the syncs settle:

* `records`: DynamoDB holds exactly what Procore shows each connected user (nothing missing,
  nothing extra, content equal, deletions marked), by `tests/functional/convergence.py`.
* `rate_limits`: Procore never saw a token pair go over its rate limits (injected 429s aside).
* `refreshes`: no two refreshes of one connection were in flight at once, no refresh token
  was presented to Procore twice, and every refresh Procore got was one we made (none resent).
* `tokens`: a connection lost its tokens only when Procore invalidated them (the user revoked
  the app, or Procore lost its answer to our refresh), and then it says
  `reauthorization_required` with the matching reason; one whose tokens Procore invalidated and
  that has synced since says so.
* `dead_letters`: every message in the dead-letter queue is a job that failed, with a readable
  reason on its job item.
* `runs`: every job of every run finished, and a job failed only for a reason that lasts:
  reauthorization, an error Procore will give again, throttling `MAX_DELAYS` times in a row, or
  a retryable error on every one of its deliveries.
* `secrets`: no access or refresh token, client secret or webhook secret in any log line.
* `written_twice`: no record was written twice with the same content in one sync round.
"""

from __future__ import annotations

import string
from collections.abc import Iterable
from typing import Any

import boto3
from boto3.dynamodb.conditions import Key

from tests.functional.convergence import differences

from .observers import RefreshLog, Writes

MAX_RECEIVES = 5  # the sync queue's maxReceiveCount
MAX_DELAYS = 20  # procore_sync.sync.runner.MAX_DELAYS
REAUTHORIZATION_REASONS = {"refresh_token_rejected", "refresh_response_lost", "refresh_failed",
                           "access_token_rejected", "refresh_lease_lost", "not_connected",
                           "reauthorization_required", "disconnected"}
RETRYABLE_PREFIXES = ("procore_server_error:", "procore_unavailable:", "procore_rate_limited:")
BECAUSE_PROCORE_INVALIDATED = {"revoked": {"refresh_token_rejected", "access_token_rejected"},
                               "refresh_lost": {"refresh_response_lost"}}


def records(sim: Any, connected: dict[str, str]) -> list[str]:
    """`connected`: Palcode.ai user id → Procore login, for the users that should be in sync."""
    found = []
    for user_id, login in sorted(connected.items()):
        found += [f"{user_id} ({login}): {problem}" for problem in differences(sim, login, user_id)]
    return found


def wrongly_deleted(sim: Any, connected: dict[str, str]) -> list[str]:
    """Records Procore still shows that we marked deleted: what a listing taken for complete
    when it was not does. (Unlike a record missing for a while, no fault excuses this.)"""
    return [problem for problem in records(sim, connected) if "marked deleted but present" in problem]


def nothing_written(writes: Writes, epoch: int) -> list[str]:
    written = writes.in_round(epoch)
    return [f"a sync with nothing changed in Procore wrote {written} records"] if written else []


def rate_limits(sim: Any) -> list[str]:
    return [f"token {pair} of {info['user']} went over Procore's rate limit {info['exceeded']} times"
            for pair, info in sorted(sim.state.rate_limit_exceeded_by_pair().items())]


def refreshes(log: RefreshLog, sim: Any) -> list[str]:
    found = []
    by_user: dict[str, list] = {}
    for refresh in log.ours:
        by_user.setdefault(refresh.user_id, []).append(refresh)
    for user_id, made in by_user.items():
        made.sort(key=lambda r: r.started)
        for earlier, later in zip(made, made[1:], strict=False):
            if earlier.ended is None or later.started < earlier.ended:
                found.append(f"{user_id}: two token refreshes in flight at once")
    presented: dict[str, int] = {}
    for call in log.procore:
        presented[call.token] = presented.get(call.token, 0) + 1
    found += [f"a refresh token was presented to Procore {n} times" for n in presented.values() if n > 1]
    found += [f"a refresh presented a refresh token an earlier refresh had spent ({call.outcome})"
              for call in log.procore if call.state == "spent"]
    calls = sim.state.token_calls("refresh_token")
    if len(calls) != len(log.procore):
        found.append(f"Procore saw {len(calls)} refresh calls, {len(log.procore)} presented a refresh token")
    ours = {r.spent for r in log.ours}
    found += ["Procore got a refresh we did not make (resent?)" for call in log.procore if call.token not in ours]
    return found


def tokens(stack: Any, cast: dict[str, str], invalidated: dict[str, str | None], synced_since: dict[str, bool],
           refresh_log: RefreshLog) -> list[str]:
    """`invalidated`: user id → why Procore killed its tokens ("revoked") or None; "refresh_lost" is
    learnt from the refresh log. `synced_since`: a sync ran after that."""
    from procore_sync.services import get_services

    found = []
    for user_id in sorted(cast):
        item = get_services().connections.get(user_id, with_tokens=True) or {}
        status, reason = item.get("status"), item.get("reason")
        why = invalidated.get(user_id)
        if why is None and refresh_log.dropped_for(user_id):
            why = "refresh_lost"
        if status == "connected":
            if "token_blob" not in item:
                found.append(f"{user_id}: connected without tokens")
            if why == "revoked" and synced_since.get(user_id):
                found.append(f"{user_id}: Procore revoked its tokens and a sync ran, yet it says connected")
            continue
        if status != "reauthorization_required":
            found.append(f"{user_id}: status {status!r} ({reason})")
        elif why is None:
            found.append(f"{user_id}: lost its tokens ({reason}) though Procore invalidated nothing")
        elif reason not in BECAUSE_PROCORE_INVALIDATED[why]:
            found.append(f"{user_id}: Procore's tokens were {why}, yet the reason given is {reason!r}")
        if "token_blob" in item:
            found.append(f"{user_id}: needs reauthorization but still holds tokens")
    return found


def dead_letters(stack: Any) -> list[str]:
    from procore_sync.sync.jobs import MESSAGE, SyncJob

    found = []
    for body in stack.dead_letters():
        job = MESSAGE.validate_python(body)
        if not isinstance(job, SyncJob):
            found.append(f"a {job.kind} message reached the dead-letter queue")
            continue
        item = _table(stack, "sync_state").get_item(
            Key={"pk": f"user#{job.user_id}", "sk": f"run#{job.run_id}#job#{job.job_id}"}).get("Item")
        if item is None:
            found.append(f"dead letter {job.job_id} of run {job.run_id}: no job item")
            continue
        if item.get("state") != "failed":
            found.append(f"dead letter {job.job_id} of run {job.run_id}: job is {item.get('state')!r}, not failed")
        if not readable(item.get("error")):
            found.append(f"dead letter {job.job_id} of run {job.run_id}: no readable reason ({item.get('error')!r})")
    return found


def runs(stack: Any, user_ids: Iterable[str]) -> list[str]:
    found = []
    for user_id in sorted(user_ids):
        for job in _jobs(stack, user_id):
            name = f"{user_id} {job['sk'].split('#job#')[1]} of run {job['run_id']}"
            state, error = job.get("state"), job.get("error")
            if state not in ("succeeded", "failed", "skipped", "cancelled"):
                found.append(f"{name}: left {state!r} (attempts {job.get('attempts')}, error {error!r})")
            elif state == "failed":
                found += [f"{name}: {problem}" for problem in _unearned(job)]
    return found


def settled_runs(stack: Any, user_ids: Iterable[str], *, since: str) -> list[str]:
    """Once the faults have stopped, every job queued since `since` succeeds (or is skipped, in a
    company where the app is not installed)."""
    found = []
    for user_id in sorted(user_ids):
        for job in _jobs(stack, user_id):
            if str(job.get("queued_at", "")) >= since and job.get("state") not in ("succeeded", "skipped"):
                found.append(f"{user_id} {job['sk'].split('#job#')[1]}: {job.get('state')!r} after the faults "
                             f"stopped ({job.get('error')!r})")
    return found


def summaries(stack: Any, user_ids: Iterable[str]) -> list[str]:
    """Each run's summary (what status lists) counts every job once: as many queued as there are
    jobs, and per finished state as many as are in it."""
    found = []
    finished = ("succeeded", "failed", "skipped", "cancelled")
    for user_id in sorted(user_ids):
        jobs = _jobs(stack, user_id)
        by_run: dict[str, list[dict]] = {}
        for job in jobs:
            by_run.setdefault(str(job["run_id"]), []).append(job)
        for run_id, run_jobs in by_run.items():
            summary = _table(stack, "sync_state").get_item(
                Key={"pk": f"user#{user_id}", "sk": f"runs#{run_id}"}, ConsistentRead=True).get("Item") or {}
            for company_id in {str(j.get("company_id")) for j in run_jobs}:
                mine = [j for j in run_jobs if str(j.get("company_id")) == company_id]
                counted = int(summary.get(f"{company_id}:jobs:queued", 0))
                if counted != len(mine):
                    found.append(f"{user_id} run {run_id} company {company_id}: {counted} jobs queued in the "
                                 f"summary, {len(mine)} jobs")
                for state in finished:
                    have = sum(1 for j in mine if j.get("state") == state)
                    said = int(summary.get(f"{company_id}:jobs:{state}", 0))
                    if said != have:
                        found.append(f"{user_id} run {run_id} company {company_id}: the summary says {said} "
                                     f"{state}, the jobs {have}")
    return found


def _unearned(job: dict) -> list[str]:
    error = job.get("error")
    if not readable(error):
        return [f"failed without a readable reason ({error!r})"]
    if error in REAUTHORIZATION_REASONS:
        return []
    if "throttled" in error and "times in a row" in error:
        times = int(error.split("throttled", 1)[1].split()[0])
        return [] if times >= MAX_DELAYS else [f"failed after {times} throttling delays: {error}"]
    if error.startswith(RETRYABLE_PREFIXES) and int(job.get("attempts", 0)) < MAX_RECEIVES:
        return [f"failed on a passing error after {job.get('attempts')} deliveries: {error}"]
    return []


def secrets(sim: Any, client_secret: str, log_text: str) -> list[str]:
    found = []
    for name, value in secret_values(sim, client_secret).items():
        if value and value in log_text:
            found.append(f"{name} appears in a log line")
    return found


def secret_values(sim: Any, client_secret: str) -> dict[str, str]:
    values = {"the client secret": client_secret}
    for pair in sim.state.token_pairs():
        values[f"access token of {pair.id}"] = pair.access_token
        values[f"refresh token of {pair.id}"] = pair.refresh_token
    with sim.state.lock:
        hooks = list(sim.state.webhooks.hooks.values())
    for hook in hooks:
        header = (getattr(hook, "destination_headers", None) or {}).get("Authorization", "")
        if header:
            values[f"webhook secret of hook {hook.id}"] = header.rsplit(".", 1)[-1]
    return values


def written_twice(writes: Writes, epochs: set[int]) -> list[str]:
    return [f"round {epoch}: {sk} of {pk} written twice with the same content"
            for epoch, pk, sk, _ in writes.twice(epochs)][:20]


def readable(error: Any) -> bool:
    if not isinstance(error, str) or len(error.strip()) < 5 or error.strip() in ("None", "null"):
        return False
    return all(ch in string.printable for ch in error)


def _table(stack: Any, name: str) -> Any:
    from procore_sync.services import get_services

    settings = get_services().settings
    table_name = {"sync_state": settings.sync_state_table, "connections": settings.connections_table}[name]
    resource = boto3.resource("dynamodb", endpoint_url=stack.stack.endpoint_url, region_name=stack.stack.region,
                              aws_access_key_id="testing", aws_secret_access_key="testing")  # noqa: S106
    return resource.Table(table_name)


def _jobs(stack: Any, user_id: str) -> list[dict]:
    table = _table(stack, "sync_state")
    kwargs: dict[str, Any] = {"KeyConditionExpression": Key("pk").eq(f"user#{user_id}") & Key("sk").begins_with("run#"),
                              "ConsistentRead": True}
    found = []
    while True:
        page = table.query(**kwargs)
        found += [i for i in page.get("Items", []) if "#job#" in str(i["sk"])]
        if "LastEvaluatedKey" not in page:
            return found
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
