"""Running one sync job: a company (its projects and vendors, then one job per project) or a
project (its bid packages, open and closed, and its bids).

Outcomes: the job succeeds; is skipped when the app is not installed in the company (the
company is marked so, the others carry on); fails for good when the connection needs
reauthorization; or raises a retryable error so SQS delivers it again later, and on the
last delivery records the failure before it goes to the dead-letter queue.
"""

from __future__ import annotations

import random
import secrets
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.metrics import MetricUnit

from .. import clock, webhooks
from ..errors import NotConnectedError, ReauthorizationRequiredError, describe
from ..observability import count, count_by, logger
from ..procore.client import ProcoreClient
from ..procore.errors import (
    AppNotInstalledError,
    ProcoreError,
    ProcoreNotFoundError,
    ProcoreRateLimitedError,
    ProcoreUnauthorizedError,
)
from ..storage.connections import CONNECTED, REAUTHORIZATION_REQUIRED
from ..storage.records import partition
from ..storage.sync_state import CANCELLED, FAILED, SKIPPED, SUCCEEDED
from . import incremental, install_backoff
from . import listing as listing_reader
from .jobs import SyncJob, UnhookJob
from .listing import JobProgress
from .writer import EntityWriter

if TYPE_CHECKING:
    from ..services import Services

DELAYED = "delayed"
BUSY = "busy"
MAX_DELAYS = 20
MAX_INVALID_REPORTED = 20  # per job; the counts hold the full number
FAN_OUT_HEARTBEAT = 100  # project jobs recorded between lease renewals
DEFAULT_THROTTLE_WAIT = 60.0  # seconds, when Procore gives neither Retry-After nor a reset time
THROTTLE_JITTER = 5.0
MAX_SQS_DELAY = 900
PROJECTS_PER_PAGE = 300
PER_PAGE = 1000


def run_job(services: Services, job: SyncJob, *, final_attempt: bool = False) -> str:
    """Run the job; returns its final state. Raises a ProcoreError when a retry may help."""
    log = {"user_id": job.user_id, "company_id": job.company_id, "sync_run_id": job.run_id, "job_id": job.job_id}
    connection = services.connections.get(job.user_id, with_tokens=True)  # the client starts from it
    if connection is None or connection.get("status") != CONNECTED:
        why = "not_connected" if connection is None else str(connection.get("reason") or connection.get("status"))
        if services.sync_state.finish_job(job.user_id, job.run_id, job.job_id, state=CANCELLED, error=why):
            count("SyncJobsCancelled")
        logger.info("sync job cancelled: not connected", **log)
        return CANCELLED
    owner = secrets.token_hex(8)  # this delivery
    lease = services.settings.job_lease_seconds
    begun = services.sync_state.begin_job(job.user_id, job.run_id, job.job_id, owner=owner, lease_seconds=lease,
                                          replay=job.replayed_at is not None)
    if begun.outcome == "finished":
        count("DuplicateDeliveries")
        logger.info("sync job already finished", **log)
        return "duplicate"
    if begun.outcome == "busy":  # another delivery runs it: look again once its lease would lapse
        count("DuplicateDeliveries")
        delay = int(min(MAX_SQS_DELAY, begun.wait + 1 + random.random()))  # noqa: S311 - jitter
        services.queue.send([job], delay_seconds=delay)
        logger.info("sync job is running in another delivery; looking again later", delay_seconds=delay, **log)
        return BUSY

    started = time.monotonic()
    procore = services.procore(job.user_id, connection=connection)
    connection.pop("token_blob", None)  # the client keeps its own copy; nothing below wants the sealed pair
    guard = _still_connected(services, job)
    progress = JobProgress(services.checkpoints, job.user_id, job.run_id, job.job_id,
                           heartbeat=_heartbeat(services, job, owner, lease, guard))
    progress.resumable = begun.attempts > 1  # only an earlier delivery can have left checkpoints
    company = (connection.get("companies") or {}).get(str(job.company_id)) or {}
    finish = _Finisher(services, job, procore, owner, progress)
    try:
        if job.kind == "company":
            counts, invalid, fields = _sync_company(services, procore, job, guard, company, progress, log)
            if services.settings.webhook_url and webhooks.setup_due(company, now=clock.now()):
                fields.update(webhooks.set_up(services, procore, user_id=job.user_id, company_id=job.company_id))
            services.connections.set_company_fields(
                job.user_id, str(job.company_id),
                {"app_installed": True, "last_synced_at": clock.iso(), **fields},
                remove=install_backoff.FIELDS,
            )
        else:
            counts, invalid = _sync_project(services, procore, job, guard, progress, log)
    except AppNotInstalledError as exc:
        fields = install_backoff.after_refusal(company, now=clock.now())
        services.connections.set_company_fields(job.user_id, str(job.company_id), fields)
        finish(SKIPPED, error=exc.reason)
        logger.warning("procore app not installed in company", install_checks=fields["install_checks"],
                       next_install_check_at=fields["next_install_check_at"], **log)
        return SKIPPED
    except LeaseLostError:
        logger.warning("sync job stopped: another delivery took it over", **log)
        return BUSY
    except JobCancelledError:
        finish(CANCELLED, error="not_connected")
        logger.info("sync job cancelled: disconnected while it ran", **log)
        return CANCELLED
    except (ReauthorizationRequiredError, NotConnectedError) as exc:
        finish(FAILED, error=exc.reason)
        return FAILED
    except ProcoreUnauthorizedError:
        services.connections.mark_reauthorization_required(
            job.user_id, reason="access_token_rejected", now=clock.iso()
        )
        count("ReauthorizationsNeeded")
        finish(FAILED, error="access_token_rejected")
        return FAILED
    except ProcoreError as exc:
        if isinstance(exc, ProcoreNotFoundError) and job.kind == "project":
            # The project is gone from this user's view since the last full pass; that pass
            # (or the next) marks it and its bid packages and bids deleted. Nothing to sync.
            finish(SUCCEEDED, counts={})
            logger.info("sync job found its project gone", **log)
            return SUCCEEDED
        if isinstance(exc, ProcoreRateLimitedError) or (exc.status == 503 and exc.retry_after is not None):
            return _delay(services, job, exc, finish, log)  # Procore asks us to come back later
        error = f"{exc.reason}: {exc}"
        will_retry = exc.retryable and not final_attempt
        _record_failure(services, job, error, finish, will_retry=will_retry, log=log)
        if will_retry:
            logger.warning("sync job will be retried", error=error, **log)
        else:
            logger.error("sync job failed", error=error, **log)
        if exc.retryable:
            raise
        return FAILED
    except Exception as exc:  # AWS, KMS or our own bug: SQS delivers it again, and the last says why
        error = describe(exc)
        _record_failure(services, job, error, finish, will_retry=not final_attempt, log=log)
        logger.exception("sync job will be retried" if not final_attempt else "sync job failed unexpectedly",
                         error=error, **log)
        raise
    finish(SUCCEEDED, counts=counts, invalid=invalid)
    count("SyncJobSeconds", time.monotonic() - started, unit=MetricUnit.Seconds)
    logger.info("sync job succeeded", api_calls=procore.calls, counts=counts, **log)
    return SUCCEEDED


def run_unhook(services: Services, job: UnhookJob) -> str:
    """Take our webhook down in a company the user deselected (or keep it, if they chose it again)."""
    connection = services.connections.get(job.user_id)
    company = ((connection or {}).get("companies") or {}).get(str(job.company_id)) or {}
    if connection is None or connection.get("status") != CONNECTED or company.get("selected", True) \
            or company.get("webhook_hook_id") is None:
        return "ignored"
    removed = webhooks.take_down(services, services.procore(job.user_id), user_id=job.user_id,
                                 company_id=job.company_id, company=company)
    if removed:
        services.connections.set_company_fields(job.user_id, str(job.company_id), {}, remove=webhooks.FIELDS)
    return "removed" if removed else "kept"


def _record_failure(services: Services, job: SyncJob, error: str, finish: _Finisher, *, will_retry: bool,
                    log: dict) -> None:
    """Record a failed delivery before its error goes back to SQS. When SQS will deliver it again,
    the error is noted and the lease released, so that delivery runs at once (and counts toward
    the dead-letter queue) instead of finding the job busy; the checkpoints stay. On the last
    delivery the job fails with the error, so its run finishes and status says why. Recording is
    best effort: it may fail for the same reason the job did, and the job's error is what SQS must
    see."""
    try:
        if will_retry:
            services.sync_state.note_job_error(job.user_id, job.run_id, job.job_id, error)
            services.sync_state.release_job(job.user_id, job.run_id, job.job_id, owner=finish.owner)
        else:
            finish(FAILED, error=error)
    except Exception as again:  # noqa: BLE001 - the original error is what SQS must see
        logger.warning("sync job's failure could not be recorded", error=describe(again), **log)


class _Finisher:
    """Records a job's outcome for the delivery that holds it, then drops its checkpoints."""

    def __init__(self, services: Services, job: SyncJob, procore: ProcoreClient, owner: str,
                 progress: JobProgress) -> None:
        self._services, self._job, self._procore, self._progress = services, job, procore, progress
        self.owner = owner

    def __call__(self, state: str, *, counts: dict[str, dict[str, int]] | None = None,
                 error: str | None = None, invalid: list[dict[str, Any]] | None = None) -> None:
        job = self._job
        recorded = self._services.sync_state.finish_job(
            job.user_id, job.run_id, job.job_id, state=state, counts=counts, api_calls=self._procore.calls,
            error=error, invalid=(invalid or [])[:MAX_INVALID_REPORTED], owner=self.owner)
        if recorded:
            _measure(state, self._procore, counts)
            self._progress.forget()


def _delay(services: Services, job: SyncJob, exc: ProcoreError, finish: _Finisher, log: dict) -> str:
    """Procore throttled us for longer than a job may wait in-process: send the job back to the
    queue to start again after Procore's wait (with jitter, so delayed jobs do not return in a
    storm). It is not a failure, and costs no SQS delivery; after MAX_DELAYS it fails for good,
    with the reason in its run (status shows it)."""
    if job.delays >= MAX_DELAYS:
        error = f"{exc.reason}: throttled {job.delays} times in a row: {exc}"
        finish(FAILED, error=error)
        logger.error("sync job failed: throttled too often", error=error, **log)
        return FAILED
    wait = exc.retry_after if exc.retry_after is not None else DEFAULT_THROTTLE_WAIT
    delay = int(min(MAX_SQS_DELAY, max(1.0, wait) + random.uniform(0, THROTTLE_JITTER)))  # noqa: S311
    services.sync_state.note_job_error(job.user_id, job.run_id, job.job_id,
                                       f"throttled by Procore ({exc.status or 'rate budget'}); "
                                       f"carrying on in {delay} s")
    services.sync_state.release_job(job.user_id, job.run_id, job.job_id, owner=finish.owner)
    services.queue.send([job.model_copy(update={"delays": job.delays + 1})], delay_seconds=delay)
    count("SyncJobsThrottled")
    logger.warning("sync job throttled; queued again", delay_seconds=delay, delays=job.delays + 1, **log)
    return DELAYED


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
    """Before a write: stop if the user disconnected, or fail with the connection's reason if it
    needs authorizing again (the client, which reads its tokens once a job, may not have seen it)."""
    def guard() -> None:
        connection = services.connections.status(job.user_id)
        status = None if connection is None else connection.get("status")
        if status == REAUTHORIZATION_REQUIRED:
            raise ReauthorizationRequiredError("Procore connection needs to be authorized again",
                                               reason=str(connection.get("reason") or status))
        if status != CONNECTED:
            raise JobCancelledError()
    return guard


def _heartbeat(services: Services, job: SyncJob, owner: str, lease: float,
               guard: Callable[[], None]) -> Callable[[], None]:
    """Between pages: keep the lease (renewed once a third of it has passed) or stop writing.
    (Whether the user disconnected is checked before every write by the writers' guard.)"""
    renewed = time.monotonic()

    def heartbeat() -> None:
        nonlocal renewed
        if time.monotonic() - renewed < lease / 3:
            return
        if not services.sync_state.renew_lease(job.user_id, job.run_id, job.job_id, owner=owner,
                                               lease_seconds=lease):
            raise LeaseLostError()
        renewed = time.monotonic()
    return heartbeat


class LeaseLostError(Exception):
    """Another delivery of the job took it over (ours outlived its lease): stop writing."""


Counts = dict[str, dict[str, int]]


def _sync_company(
    services: Services, procore: ProcoreClient, job: SyncJob, guard: Callable[[], None], state: dict[str, Any],
    progress: JobProgress, log: dict[str, Any],
) -> tuple[Counts, list[dict[str, Any]], dict[str, Any]]:
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

    def read(writer: EntityWriter, listing: str, path: str, params: dict[str, Any] | None, per_page: int):
        return listing_reader.read(procore, writer, progress, listing=listing, path=path, company_id=company,
                                   params=params, per_page=per_page, log=log)

    projects = EntityWriter(services.records, pk=pk, prefix="project#", entity="project", guard=guard,
                            key=lambda p: (f"project#{p['id']}", {"project_id": p["id"]}))
    listed_projects = read(projects, "projects", "/rest/v1.1/projects", project_params, PROJECTS_PER_PAGE)

    vendors = EntityWriter(services.records, pk=pk, prefix="vendor#", entity="vendor", guard=guard,
                           key=lambda v: (f"vendor#{v['id']}", {}))
    listed_vendors = read(vendors, "vendors", "/rest/v1.0/vendors", vendor_params, PER_PAGE)
    # no change filter here: the inactive list is always read whole (it is short)
    listed_inactive = read(vendors, "inactive_vendors", f"/rest/v1.0/companies/{company}/vendors/inactive",
                           None, PER_PAGE)

    if full and listed_vendors.settled and listed_inactive.settled:  # only a complete listing may say
        vendors.finish()                                              # that a record is gone
    if full and listed_projects.settled:
        for sk in projects.finish():  # a project gone from view takes its bid packages and bids with it
            project_id = sk.split("#", 1)[1]
            for prefix, entity in ((f"bid_package#{project_id}#", "bid_package"), (f"bid#{project_id}#", "bid")):
                EntityWriter(services.records, pk=pk, prefix=prefix, entity=entity, guard=guard,
                             key=_no_key).finish()

    guard()  # no fan-out for a user who disconnected meanwhile
    project_ids = sorted(int(sk.split("#", 1)[1]) for sk in projects.present_keys())
    children = [SyncJob(kind="project", user_id=job.user_id, company_id=company, run_id=job.run_id,
                        project_id=pid) for pid in project_ids]
    for i, child in enumerate(children, 1):
        services.sync_state.add_job(job.user_id, job.run_id, child.job_id,
                                    {"company_id": company, "project_id": child.project_id, "kind": child.kind})
        if i % FAN_OUT_HEARTBEAT == 0:
            progress.heartbeat()
    services.queue.send(children)
    fields: dict[str, Any] = {}
    if listed_projects.settled and listed_projects.updated_through:
        fields["projects_updated_through"] = listed_projects.updated_through
    if listed_vendors.settled and listed_vendors.updated_through:
        fields["vendors_updated_through"] = listed_vendors.updated_through
    if full and listed_projects.settled and listed_vendors.settled and listed_inactive.settled:
        fields["last_full_sync_at"] = clock.iso()
    counts = {"projects": projects.counts, "vendors": vendors.counts}
    return counts, projects.invalid + vendors.invalid, fields


def _no_key(record: dict[str, Any]) -> tuple[str, dict[str, Any]]:  # pragma: no cover - never writes
    raise AssertionError("this writer only marks records deleted")


def _sync_project(
    services: Services, procore: ProcoreClient, job: SyncJob, guard: Callable[[], None], progress: JobProgress,
    log: dict[str, Any],
) -> tuple[Counts, list[dict[str, Any]]]:
    assert job.project_id is not None
    return sync_project_listings(services, procore, user_id=job.user_id, company_id=job.company_id,
                                 project_id=job.project_id, guard=guard, progress=progress, log=log)


def sync_project_listings(
    services: Services, procore: ProcoreClient, *, user_id: str, company_id: int, project_id: int,
    guard: Callable[[], None], progress: JobProgress, log: dict[str, Any],
) -> tuple[Counts, list[dict[str, Any]]]:
    """A project's bid packages (open and closed) and all its bids, each listing compared with what
    is stored and, once settled, what it no longer holds marked deleted."""
    pk = partition(user_id, company_id)
    project = project_id
    packages = EntityWriter(services.records, pk=pk, prefix=f"bid_package#{project}#", entity="bid_package",
                            guard=guard, key=lambda p: (f"bid_package#{project}#{p['id']}",
                                                        {"project_id": project, "bid_package_id": p["id"]}))
    bids = EntityWriter(services.records, pk=pk, prefix=f"bid#{project}#", entity="bid", guard=guard,
                        key=lambda b: (f"bid#{project}#{b['bid_package_id']}#{b['id']}",
                                       {"project_id": project, "bid_package_id": b["bid_package_id"]}))
    listed_packages = listing_reader.read(
        procore, packages, progress, listing="bid_packages", path=f"/rest/v1.1/projects/{project}/bid_packages",
        company_id=company_id, params={"view": "all"}, per_page=PER_PAGE, log=log)
    # One listing for every bid of the project (bids carry their bid_package_id): the coarsest
    # endpoint, so a project costs two calls however many bid packages it has.
    listed_bids = listing_reader.read(
        procore, bids, progress, listing="bids", path=f"/rest/v1.0/projects/{project}/bids",
        company_id=company_id, params=None, per_page=PER_PAGE, log=log)
    if listed_packages.settled:
        packages.finish()
    if listed_bids.settled:
        bids.finish()
    return {"bid_packages": packages.counts, "bids": bids.counts}, packages.invalid + bids.invalid
