"""Acting on a webhook's hint: fetch the one record it names, through the same listings, writer
and rate budget as the scheduled sync, so what lands is the same record the schedule would land.

- a project: the projects listing filtered to its id (the same shape as the full listing); a
  new project's bid packages and bids are listed too;
- a vendor: the vendors listing filtered to its id, else the inactive list;
- a bid (or bid package): that project's bid packages and bids, listed whole and compared.

A record the filtered listing no longer shows is gone from the user's view: it is marked deleted,
which is how a delete event is confirmed with Procore before anything is marked. A hint never
fails a sync: Procore errors are logged and counted, and the schedule catches up; throttling
sends the hint back to wait like any job.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

from .. import clock
from ..observability import count, logger
from ..procore.client import ProcoreClient
from ..procore.errors import ProcoreError, ProcoreRateLimitedError
from ..storage.connections import CONNECTED
from ..storage.records import partition
from . import listing as listing_reader
from .jobs import HintJob
from .writer import EntityWriter

if TYPE_CHECKING:
    from ..services import Services

MAX_HINT_DELAYS = 5
PER_PAGE = 1000


def run_hint(services: Services, hint: HintJob) -> str:
    log = {"user_id": hint.user_id, "company_id": hint.company_id, "webhook_event_id": hint.event_id,
           "entity": hint.entity, "procore_id": hint.record_id}
    connection = services.connections.get(hint.user_id, with_tokens=True)  # the client starts from it
    company = ((connection or {}).get("companies") or {}).get(str(hint.company_id)) or {}
    if (connection is None or connection.get("status") != CONNECTED or not company.get("selected", True)
            or not company.get("app_installed", True)):
        logger.info("webhook hint ignored: company not synced", **log)
        return "ignored"
    procore = services.procore(hint.user_id, connection=connection)
    try:
        if hint.entity == "project":
            changed = _project(services, procore, hint, log)
        elif hint.entity == "vendor":
            changed = _vendor(services, procore, hint)
        else:
            changed = _project_bids(services, procore, hint, hint.project_id or hint.record_id, log)
    except ProcoreRateLimitedError as exc:
        if hint.delays >= MAX_HINT_DELAYS:
            logger.warning("webhook hint dropped: throttled too often; the schedule will catch up", **log)
            return "dropped"
        delay = int(min(900, max(1.0, exc.retry_after or 60.0) + random.random()))  # noqa: S311 - jitter
        services.queue.send([hint.model_copy(update={"delays": hint.delays + 1})], delay_seconds=delay)
        return "delayed"
    except ProcoreError as exc:
        count("WebhookHintsFailed")
        logger.warning("webhook hint failed; the schedule will catch up", error=exc.reason, **log)
        return "failed"
    count("WebhookHintsApplied")
    logger.info("webhook hint applied", records_written=changed, api_calls=procore.calls, **log)
    return "applied"


def _filtered(procore: ProcoreClient, path: str, company_id: int, params: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for page in procore.pages(path, company_id=company_id, params=params, per_page=PER_PAGE):
        found.extend(page)
    return found


def _write_one(services: Services, hint: HintJob, entity: str, sk: str, record: dict[str, Any] | None,
               extra: dict[str, Any]) -> int:
    """Write the record if it changed, or mark it deleted when Procore no longer shows it."""
    pk = partition(hint.user_id, hint.company_id)
    writer = EntityWriter(services.records, pk=pk, prefix=sk, entity=entity, key=lambda r: (sk, extra))
    if record is not None:
        writer.write([record])
    else:
        services.records.mark_deleted(pk, [sk], clock.iso())
    counts = writer.counts
    return counts["created"] + counts["updated"]


def _project(services: Services, procore: ProcoreClient, hint: HintJob, log: dict[str, Any]) -> int:
    rows = _filtered(procore, "/rest/v1.1/projects", hint.company_id,
                     {"company_id": hint.company_id, "filters[by_status]": "All", "filters[id]": hint.record_id})
    record = next((r for r in rows if isinstance(r, dict) and r.get("id") == hint.record_id), None)
    written = _write_one(services, hint, "project", f"project#{hint.record_id}", record,
                         {"project_id": hint.record_id})
    if record is None:  # gone from view: its bid packages and bids with it, as a full pass does
        pk = partition(hint.user_id, hint.company_id)
        for prefix, entity in ((f"bid_package#{hint.record_id}#", "bid_package"), (f"bid#{hint.record_id}#", "bid")):
            EntityWriter(services.records, pk=pk, prefix=prefix, entity=entity, key=_no_key).finish()
    elif hint.event_type == "create":
        written += _project_bids(services, procore, hint, hint.record_id, log)
    return written


def _vendor(services: Services, procore: ProcoreClient, hint: HintJob) -> int:
    company = hint.company_id
    rows = _filtered(procore, "/rest/v1.0/vendors", company, {"company_id": company, "filters[id][]": hint.record_id})
    record = next((r for r in rows if isinstance(r, dict) and r.get("id") == hint.record_id), None)
    if record is None:
        inactive = _filtered(procore, f"/rest/v1.0/companies/{company}/vendors/inactive", company, {})
        record = next((r for r in inactive if isinstance(r, dict) and r.get("id") == hint.record_id), None)
    return _write_one(services, hint, "vendor", f"vendor#{hint.record_id}", record, {})


def _project_bids(services: Services, procore: ProcoreClient, hint: HintJob, project: int,
                  log: dict[str, Any]) -> int:
    """The project's bid packages and bids, listed whole and compared, as a project job does."""
    from .runner import sync_project_listings  # the runner imports this module's neighbours

    counts, _ = sync_project_listings(services, procore, user_id=hint.user_id, company_id=hint.company_id,
                                      project_id=project, guard=lambda: None,
                                      progress=listing_reader.no_checkpoints(), log=log)
    return sum(c["created"] + c["updated"] + c["deleted"] for c in counts.values())


def _no_key(record: dict[str, Any]) -> tuple[str, dict[str, Any]]:  # pragma: no cover - never writes
    raise AssertionError("this writer only marks records deleted")
