"""Running one sync job: a company (its projects and vendors, then one job per project) or a
project (its bid packages, open and closed, and its bids).

Outcomes: the job succeeds; is skipped when the app is not installed in the company (the
company is marked so, the others carry on); fails for good when the connection needs
reauthorization; or raises a retryable error so SQS delivers it again later, and on the
last delivery records the failure before it goes to the dead-letter queue.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.metrics import MetricUnit

from .. import clock
from ..errors import NotConnectedError, ReauthorizationRequiredError
from ..observability import count, count_by, logger
from ..procore.client import ProcoreClient
from ..procore.errors import (
    AppNotInstalledError,
    ProcoreError,
    ProcoreNotFoundError,
    ProcoreRateLimitedError,
    ProcoreUnauthorizedError,
)
from ..storage.connections import CONNECTED
from ..storage.records import partition
from ..storage.sync_state import CANCELLED, FAILED, SKIPPED, SUCCEEDED
from . import incremental, install_backoff
from .jobs import SyncJob
from .writer import EntityWriter

if TYPE_CHECKING:
    from ..services import Services

DELAYED = "delayed"
MAX_DELAYS = 20
DEFAULT_THROTTLE_WAIT = 60.0  # seconds, when Procore gives neither Retry-After nor a reset time
THROTTLE_JITTER = 5.0
MAX_SQS_DELAY = 900
PROJECTS_PER_PAGE = 300
PER_PAGE = 1000


def run_job(services: Services, job: SyncJob, *, final_attempt: bool = False) -> str:
    """Run the job; returns its final state. Raises a ProcoreError when a retry may help."""
    log = {"user_id": job.user_id, "company_id": job.company_id, "sync_run_id": job.run_id, "job_id": job.job_id}
    connection = services.connections.get(job.user_id)
    if connection is None or connection.get("status") != CONNECTED:
        why = "not_connected" if connection is None else str(connection.get("reason") or connection.get("status"))
        services.sync_state.finish_job(job.user_id, job.run_id, job.job_id, state=CANCELLED, error=why)
        count("SyncJobsCancelled")
        logger.info("sync job cancelled: not connected", **log)
        return CANCELLED
    if not services.sync_state.begin_job(job.user_id, job.run_id, job.job_id, replay=job.replayed_at is not None):
        count("DuplicateDeliveries")
        logger.info("sync job already finished", **log)
        return "duplicate"

    started = time.monotonic()
    procore = services.procore(job.user_id)
    guard = _still_connected(services, job)
    company = (connection.get("companies") or {}).get(str(job.company_id)) or {}
    try:
        if job.kind == "company":
            counts, fields = _sync_company(services, procore, job, guard, company)
            services.connections.set_company_fields(
                job.user_id, str(job.company_id),
                {"app_installed": True, "last_synced_at": clock.iso(), **fields},
                remove=install_backoff.FIELDS,
            )
        else:
            counts = _sync_project(services, procore, job, guard)
    except AppNotInstalledError as exc:
        fields = install_backoff.after_refusal(company, now=clock.now())
        services.connections.set_company_fields(job.user_id, str(job.company_id), fields)
        _finish(services, job, SKIPPED, procore, error=exc.reason)
        logger.warning("procore app not installed in company", install_checks=fields["install_checks"],
                       next_install_check_at=fields["next_install_check_at"], **log)
        return SKIPPED
    except JobCancelledError:
        _finish(services, job, CANCELLED, procore, error="not_connected")
        logger.info("sync job cancelled: disconnected while it ran", **log)
        return CANCELLED
    except (ReauthorizationRequiredError, NotConnectedError) as exc:
        _finish(services, job, FAILED, procore, error=exc.reason)
        return FAILED
    except ProcoreUnauthorizedError:
        services.connections.mark_reauthorization_required(
            job.user_id, reason="access_token_rejected", now=clock.iso()
        )
        count("ReauthorizationsNeeded")
        _finish(services, job, FAILED, procore, error="access_token_rejected")
        return FAILED
    except ProcoreError as exc:
        if isinstance(exc, ProcoreNotFoundError) and job.kind == "project":
            # The project is gone from this user's view since the last full pass; that pass
            # (or the next) marks it and its bid packages and bids deleted. Nothing to sync.
            _finish(services, job, SUCCEEDED, procore, counts={})
            logger.info("sync job found its project gone", **log)
            return SUCCEEDED
        if isinstance(exc, ProcoreRateLimitedError) or (exc.status == 503 and exc.retry_after is not None):
            return _delay(services, job, exc, procore, log)  # Procore asks us to come back later
        error = f"{exc.reason}: {exc}"
        if exc.retryable and not final_attempt:
            services.sync_state.note_job_error(job.user_id, job.run_id, job.job_id, error)
            logger.warning("sync job will be retried", error=error, **log)
            raise
        _finish(services, job, FAILED, procore, error=error)
        logger.error("sync job failed", error=error, **log)
        if exc.retryable:
            raise
        return FAILED
    _finish(services, job, SUCCEEDED, procore, counts=counts)
    count("SyncJobSeconds", time.monotonic() - started, unit=MetricUnit.Seconds)
    logger.info("sync job succeeded", api_calls=procore.calls, counts=counts, **log)
    return SUCCEEDED


def _delay(services: Services, job: SyncJob, exc: ProcoreError, procore: ProcoreClient, log: dict) -> str:
    """Procore throttled us for longer than a job may wait in-process: send the job back to the
    queue to start again after Procore's wait (with jitter, so delayed jobs do not return in a
    storm). It is not a failure, and costs no SQS delivery; after MAX_DELAYS it fails for good,
    with the reason in its run (status shows it)."""
    if job.delays >= MAX_DELAYS:
        error = f"{exc.reason}: throttled {job.delays} times in a row: {exc}"
        _finish(services, job, FAILED, procore, error=error)
        logger.error("sync job failed: throttled too often", error=error, **log)
        return FAILED
    wait = exc.retry_after if exc.retry_after is not None else DEFAULT_THROTTLE_WAIT
    delay = int(min(MAX_SQS_DELAY, max(1.0, wait) + random.uniform(0, THROTTLE_JITTER)))  # noqa: S311
    services.sync_state.note_job_error(job.user_id, job.run_id, job.job_id,
                                       f"throttled by Procore ({exc.status}); starting again in {delay} s")
    services.queue.send([job.model_copy(update={"delays": job.delays + 1})], delay_seconds=delay)
    count("SyncJobsThrottled")
    logger.warning("sync job throttled; queued again", delay_seconds=delay, delays=job.delays + 1, **log)
    return DELAYED


def _finish(services: Services, job: SyncJob, state: str, procore: ProcoreClient, *,
            counts: dict[str, dict[str, int]] | None = None, error: str | None = None) -> None:
    services.sync_state.finish_job(job.user_id, job.run_id, job.job_id, state=state, counts=counts,
                                   api_calls=procore.calls, error=error)
    _measure(state, procore, counts)


def _measure(state: str, procore: ProcoreClient, counts: dict[str, dict[str, int]] | None) -> None:
    count("SyncJobsFinished")
    if state == FAILED:
        count("SyncJobsFailed")
    count("ProcoreApiCalls", procore.calls)
    if procore.throttles:
        count("ProcoreThrottles", procore.throttles)
    written = 0
    for entity, entity_counts in (counts or {}).items():
        changed = entity_counts["created"] + entity_counts["updated"] + entity_counts["deleted"]
        if changed:
            count_by("RecordsWritten", "entity", entity, changed)
        written += changed
    count("RecordsWritten", written)


class JobCancelledError(Exception):
    """The user disconnected while the job ran: it writes nothing more."""


def _still_connected(services: Services, job: SyncJob) -> Callable[[], None]:
    def guard() -> None:
        connection = services.connections.get(job.user_id)
        if connection is None or connection.get("status") != CONNECTED:
            raise JobCancelledError()
    return guard


def _sync_company(
    services: Services, procore: ProcoreClient, job: SyncJob, guard: Callable[[], None], state: dict[str, Any]
) -> tuple[dict[str, dict[str, int]], dict[str, Any]]:
    """Projects and vendors of the company, then one job per project. A full pass (the first,
    then daily) reads everything and marks what is gone; in between, only what Procore says
    changed since the last listings, and nothing is marked gone."""
    pk = partition(job.user_id, job.company_id)
    company = job.company_id
    full = incremental.full_pass_due(state, now=clock.now(), interval=services.settings.full_sync_interval_seconds)
    project_params: dict[str, Any] = {"company_id": company, "filters[by_status]": "All"}
    vendor_params: dict[str, Any] = {"company_id": company}
    if not full:  # only what changed since the last listings, by Procore's own updated_at
        project_params["filters[updated_at]"] = incremental.window(state.get("projects_updated_through"))
        vendor_params["filters[updated_at]"] = incremental.window(state.get("vendors_updated_through"))
    projects_through = incremental.Watermark(state.get("projects_updated_through"))
    vendors_through = incremental.Watermark(state.get("vendors_updated_through"))

    projects = EntityWriter(services.records, pk=pk, prefix="project#", entity="project", guard=guard)
    for page in procore.pages("/rest/v1.1/projects", company_id=company, params=project_params,
                              per_page=PROJECTS_PER_PAGE):
        projects_through.see(page)
        projects.write((f"project#{p['id']}", p, {"project_id": p["id"]}) for p in page)

    vendors = EntityWriter(services.records, pk=pk, prefix="vendor#", entity="vendor", guard=guard)
    for page in procore.pages("/rest/v1.0/vendors", company_id=company, params=vendor_params, per_page=PER_PAGE):
        vendors_through.see(page)
        vendors.write((f"vendor#{v['id']}", v, {}) for v in page)
    # no change filter here: the inactive list is always read whole (it is short)
    for page in procore.pages(f"/rest/v1.0/companies/{company}/vendors/inactive", company_id=company,
                              per_page=PER_PAGE):
        vendors.write((f"vendor#{v['id']}", v, {}) for v in page)

    if full:  # only a complete listing may say that a record is gone
        vendors.finish()
        gone_projects = projects.finish()
        for sk in gone_projects:  # a project gone from view takes its bid packages and bids with it
            project_id = sk.split("#", 1)[1]
            for prefix, entity in ((f"bid_package#{project_id}#", "bid_package"), (f"bid#{project_id}#", "bid")):
                EntityWriter(services.records, pk=pk, prefix=prefix, entity=entity, guard=guard).finish()

    guard()  # no fan-out for a user who disconnected meanwhile
    project_ids = sorted(int(sk.split("#", 1)[1]) for sk in projects.present_keys())
    children = [SyncJob(kind="project", user_id=job.user_id, company_id=company, run_id=job.run_id,
                        project_id=pid) for pid in project_ids]
    for child in children:
        services.sync_state.add_job(job.user_id, job.run_id, child.job_id,
                                    {"company_id": company, "project_id": child.project_id, "kind": child.kind})
    services.queue.send(children)
    fields = {"projects_updated_through": projects_through.value, "vendors_updated_through": vendors_through.value}
    if full:
        fields["last_full_sync_at"] = clock.iso()
    counts = {"projects": projects.counts, "vendors": vendors.counts}
    return counts, {k: v for k, v in fields.items() if v is not None}


def _sync_project(
    services: Services, procore: ProcoreClient, job: SyncJob, guard: Callable[[], None]
) -> dict[str, dict[str, int]]:
    pk = partition(job.user_id, job.company_id)
    project = job.project_id
    packages = EntityWriter(services.records, pk=pk, prefix=f"bid_package#{project}#", entity="bid_package",
                            guard=guard)
    bids = EntityWriter(services.records, pk=pk, prefix=f"bid#{project}#", entity="bid", guard=guard)
    for page in procore.pages(f"/rest/v1.1/projects/{project}/bid_packages", company_id=job.company_id,
                              params={"view": "all"}, per_page=PER_PAGE):
        packages.write((f"bid_package#{project}#{p['id']}", p,
                        {"project_id": project, "bid_package_id": p["id"]}) for p in page)
    # One listing for every bid of the project (bids carry their bid_package_id): the coarsest
    # endpoint, so a project costs two calls however many bid packages it has.
    for page in procore.pages(f"/rest/v1.0/projects/{project}/bids", company_id=job.company_id,
                              per_page=PER_PAGE):
        bids.write((f"bid#{project}#{b['bid_package_id']}#{b['id']}", b,
                    {"project_id": project, "bid_package_id": b["bid_package_id"]}) for b in page)
    packages.finish()
    bids.finish()
    return {"bid_packages": packages.counts, "bids": bids.counts}
