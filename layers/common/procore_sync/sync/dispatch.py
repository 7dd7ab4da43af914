"""Queuing sync work: one job per user and selected company, recorded as part of a sync run."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.metrics import MetricUnit

from .. import clock
from ..errors import describe
from ..observability import count, logger
from ..storage.connections import CONNECTED
from ..storage.sync_state import FINISHED, last_touched, new_run_id
from . import install_backoff
from .jobs import SyncJob

SQS_BATCH = 10  # jobs per SendMessageBatch request
QUEUED_ABANDONED_SECONDS = 86400  # a job never begun is abandoned only after a day (the queue keeps four)
ACTIVE_RUN_TRUSTED_SECONDS = 900  # most runs finish well within this; older notes are looked into

if TYPE_CHECKING:
    from ..services import Services


def selected_company_ids(companies: dict[str, Any], *, now: float | None = None) -> list[str]:
    """The companies to sync; with `now`, leaving out those whose app-install back-off still runs."""
    return sorted(
        cid for cid, company in (companies or {}).items()
        if company.get("selected", True) and not (now is not None and install_backoff.waiting(company, now=now))
    )


def queue_sync_for_user(
    services: Services, *, user_id: str, companies: dict[str, Any], trigger: str, run_id: str | None = None
) -> str | None:
    """Start a sync run for the user; returns its id, or None when there is nothing to sync.

    The schedule leaves out companies where the app was not installed until their back-off is
    over; a sync the user asked for (connect) tries every selected company.
    """
    jobs = record_run(services, user_id=user_id, companies=companies, trigger=trigger, run_id=run_id)
    if not jobs:
        return None
    services.queue.send(jobs)
    logger.info("sync run queued", user_id=user_id, sync_run_id=jobs[0].run_id, trigger=trigger,
                companies=len(jobs))
    return jobs[0].run_id


def record_run(
    services: Services, *, user_id: str, companies: dict[str, Any], trigger: str, run_id: str | None = None
) -> list[SyncJob]:
    """Record a new run and its company jobs (the caller queues them); [] when nothing is selected.
    The connection notes the run as its active one until the run's last job finishes."""
    company_ids = selected_company_ids(companies, now=clock.now() if trigger == "schedule" else None)
    if not company_ids:
        return []
    run_id = run_id or new_run_id()
    services.sync_state.start_run(user_id, run_id, trigger=trigger, company_ids=company_ids)
    jobs = [SyncJob(kind="company", user_id=user_id, company_id=int(cid), run_id=run_id) for cid in company_ids]
    for job in jobs:
        services.sync_state.add_job(user_id, run_id, job.job_id, {"company_id": job.company_id, "kind": job.kind})
    services.connections.set_active_run(user_id, run_id, now=clock.iso())
    return jobs


def run_in_progress(services: Services, user_id: str) -> bool:
    latest = services.sync_state.latest_run(user_id)
    return bool(latest) and _unfinished(services, user_id, latest)


def _unfinished(services: Services, user_id: str, run: dict[str, Any]) -> bool:
    """Whether a job of the run is still to finish. A job no worker has touched for
    `job_abandoned_seconds` is failed as abandoned instead, so one lost job never holds back
    the user's next runs."""
    now = clock.now()
    waiting = False
    for job in run["jobs"]:
        if job.get("state") in FINISHED:
            continue
        idle = now - last_touched(job)
        # a job no delivery began may only be waiting behind a long queue: give it a day
        limit = services.settings.job_abandoned_seconds if job.get("started_at") else QUEUED_ABANDONED_SECONDS
        if idle > limit and services.sync_state.abandon_job(
                user_id, str(job["run_id"]), str(job["job_id"]),
                idle_seconds=idle):
            logger.warning("sync job abandoned", sync_run_id=job["run_id"], job_id=job["job_id"],
                           idle_seconds=int(idle))
            count("SyncJobsAbandoned")
            continue
        waiting = True
    return waiting


def first_sync_still_coming(services: Services, user_id: str, previous: dict[str, Any] | None, *,
                            window_seconds: int = 120) -> bool:
    """Whether the connect just before this one queued a first sync that has not finished (or
    is about to be recorded): then it syncs with the newest tokens, and no second run is needed."""
    run_id = (previous or {}).get("first_sync_run_id")
    if not run_id or previous.get("status") != CONNECTED:
        return False
    run = services.sync_state.run(user_id, str(run_id))
    if run is None or not run["jobs"]:  # being recorded right now, unless that connect died
        return clock.now() - clock.parse_iso(str(previous.get("connected_at"))) < window_seconds
    return _unfinished(services, user_id, run)


def dispatch_all(services: Services) -> dict[str, int]:
    """What the schedule runs: a sync run for every connected user not already syncing.

    It reads the connections table by the page and nothing else while each user's active run is
    younger than ACTIVE_RUN_TRUSTED_SECONDS (only an older one is looked into, and jobs of it
    nobody touched for `job_abandoned_seconds` failed); the jobs of all the runs it starts are
    queued ten to an SQS request."""
    queued = skipped = 0
    oldest = 0.0
    now = clock.now()
    failed = 0
    pending: list[SyncJob] = []
    try:
        for connection in services.connections.iter_connected():
            user_id = str(connection["user_id"])
            oldest = max(oldest, _oldest_sync_age(connection.get("companies") or {}, now=now))
            try:
                if _syncing(services, user_id, connection, now=now):
                    skipped += 1
                    continue
                jobs = record_run(services, user_id=user_id, companies=connection.get("companies", {}),
                                  trigger="schedule")
            except Exception as exc:  # noqa: BLE001 - one user's failure must not hold back the others
                failed += 1
                logger.warning("sync dispatch failed for a user", user_id=user_id, error=describe(exc))
                continue
            if jobs:
                queued += 1
                pending += jobs
                logger.debug("sync run recorded", user_id=user_id, sync_run_id=jobs[0].run_id, companies=len(jobs))
            if len(pending) >= SQS_BATCH:
                services.queue.send(pending)
                pending = []
    finally:  # whatever stopped the loop, the runs already recorded get their jobs
        services.queue.send(pending)
    if failed:
        count("SyncDispatchFailures", failed)
    count("OldestCompanySyncAgeSeconds", oldest, unit=MetricUnit.Seconds)
    logger.info("sync dispatch finished", queued=queued, skipped=skipped, failed=failed,
                oldest_company_sync_age=int(oldest))
    return {"queued": queued, "skipped": skipped}


def _syncing(services: Services, user_id: str, connection: dict[str, Any], *, now: float) -> bool:
    """Whether the user's active run (as the connection notes it) is still under way. A note
    older than ACTIVE_RUN_TRUSTED_SECONDS is checked against the run itself: a long run, one with
    an abandoned job, or a note whose clearing was lost (the worker died between the two writes)."""
    if not connection.get("active_run_id"):
        return False
    since = clock.parse_iso(str(connection.get("active_run_at") or "1970-01-01T00:00:00Z"))
    if now - since < ACTIVE_RUN_TRUSTED_SECONDS:
        return True
    return run_in_progress(services, user_id)


def _oldest_sync_age(companies: dict[str, Any], *, now: float) -> float:
    """How stale the stalest synced company of a connection is (data freshness), in seconds."""
    ages = []
    for company in companies.values():
        synced = company.get("last_synced_at")
        if company.get("selected", True) and company.get("app_installed", True) and synced:
            ages.append(now - clock.parse_iso(str(synced)))
    return max(ages, default=0.0)


def dispatch_one(services: Services, user_id: str, *, trigger: str) -> dict[str, Any]:
    """A sync run for one user now (an operator's request): the run under way, or a new one."""
    connection = services.connections.get(user_id)
    if connection is None or connection.get("status") != CONNECTED:
        return {"user_id": user_id, "queued": False, "sync_run_id": None,
                "reason": "not_connected" if connection is None else str(connection.get("reason") or
                                                                         connection.get("status"))}
    run_id, queued = queue_unless_running(services, user_id=user_id, companies=connection.get("companies") or {},
                                          trigger=trigger)
    reason = None if queued else ("run_in_progress" if run_id else "no_company_selected")
    return {"user_id": user_id, "queued": queued, "sync_run_id": run_id, "reason": reason}


def queue_unless_running(
    services: Services, *, user_id: str, companies: dict[str, Any], trigger: str
) -> tuple[str | None, bool]:
    """(run id, queued?): the run still under way, or a new one (None when nothing is selected)."""
    latest = services.sync_state.latest_run(user_id)
    if latest and _unfinished(services, user_id, latest):
        return str(latest["run"]["run_id"]), False
    run_id = queue_sync_for_user(services, user_id=user_id, companies=companies, trigger=trigger)
    return run_id, run_id is not None
