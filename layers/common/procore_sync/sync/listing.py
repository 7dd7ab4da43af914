"""Reading one Procore listing to its end, page by page, so that a killed job carries on where it
stopped and a listing that shifted under us is read again.

After each page is written, a checkpoint records it (`storage/checkpoints.py`; a listing's last
page needs none), and the job's lease is renewed as it goes. A job delivered again after it was killed loads those checkpoints, takes back
the keys and counts they hold, and asks Procore for the next page instead of the first.
A page is written as it streams in; one whose answer breaks off saves no checkpoint, so the job
is delivered again and reads it again (what it wrote meanwhile is found unchanged).

Procore pages by offset, so a record created or deleted on an earlier page while we read moves
the later ones: a record can be read twice (harmless) or skipped (not). A listing is taken as
complete only if every page gave the same `Total` and we saw that many records; otherwise it is
read again, up to `MAX_READS` times. A listing that never held still writes what it read, but
marks nothing deleted and moves no watermark, so the next run reads that ground again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass
from typing import Any

from .. import clock
from ..observability import count, logger
from ..procore.client import ProcoreClient
from ..storage.checkpoints import CheckpointRepository, PageCheckpoint
from .writer import EntityWriter

MAX_READS = 3


@dataclass
class Outcome:
    """How a listing ended: `settled` when its pages agreed with each other and with `Total`."""

    settled: bool
    updated_through: str | None  # the newest updated_at seen, no later than the listing's start
    reads: int


@dataclass
class JobProgress:
    """Where one delivery of a job saves its checkpoints, and how it keeps its lease."""

    checkpoints: CheckpointRepository
    user_id: str
    run_id: str
    job_id: str
    heartbeat: Callable[[], None]  # renews the lease; raises when the job is no longer ours

    resumable: bool = False  # an earlier delivery of the job began, so checkpoints may exist
    saved: bool = False  # this delivery saved one

    def load(self, listing: str) -> list[PageCheckpoint]:
        if not self.resumable:
            return []  # the first delivery: nothing to look for
        return self.checkpoints.load(self.user_id, self.run_id, self.job_id, listing)

    def save(self, listing: str, page: PageCheckpoint) -> None:
        self.checkpoints.save(self.user_id, self.run_id, self.job_id, listing, page)
        self.saved = True

    def forget(self, listing: str | None = None) -> None:
        if self.resumable or self.saved:
            self.checkpoints.clear(self.user_id, self.run_id, self.job_id, listing)


class _NoCheckpoints:
    """For reads too short to resume (a webhook's hint): nothing is saved, nothing is loaded."""

    def load(self, *args: Any) -> list[PageCheckpoint]:
        return []

    def save(self, *args: Any) -> None:
        return None

    def clear(self, *args: Any) -> None:
        return None


def no_checkpoints() -> JobProgress:
    return JobProgress(_NoCheckpoints(), "", "", "", heartbeat=lambda: None)  # type: ignore[arg-type]


def read(
    procore: ProcoreClient, writer: EntityWriter, progress: JobProgress, *, listing: str, path: str,
    company_id: int, params: dict[str, Any] | None, per_page: int, log: dict[str, Any],
) -> Outcome:
    """Read the listing `listing` (a name unique within the job) into `writer`."""
    reads = 0
    while True:
        reads += 1
        pages = progress.load(listing)
        if reads > 1 or not pages:
            pages = []
        for page in pages:
            writer.resume(page.keys, page.counts, page.invalid)
        if pages:
            logger.info("sync listing resumed from its checkpoint", listing=listing, pages_done=len(pages), **log)
            count("ListingsResumed")
        if not pages or pages[-1].next_url is not None:
            start = pages[-1].next_url if pages else None
            number = len(pages)
            # closing: a page that fails while it streams closes its answer at once
            with closing(procore.listing(path, company_id=company_id, params=params, per_page=per_page,
                                         start_url=start)) as listed:
                for page in listed:
                    number += 1
                    progress.heartbeat()  # before the page's writes: they are the slow part of a page
                    newest = _NewestUpdate()
                    result = writer.write(newest.watch(page.records))
                    checkpoint = PageCheckpoint(
                        number=number, keys=result.keys, next_url=page.next_url, total=page.total,
                        counts=result.counts, invalid=result.invalid, updated_through=newest.iso(),
                        listing_started_at=(clock.iso(page.served_at or clock.now()) if number == 1 else None),
                    )
                    if page.next_url is not None:  # a last page needs no checkpoint: nothing follows it
                        progress.save(listing, checkpoint)
                    pages.append(checkpoint)
        if _settled(pages):
            return Outcome(True, _updated_through(pages), reads)
        if reads >= MAX_READS:
            logger.warning("sync listing kept changing while it was read; deletions wait for the next run",
                           listing=listing, reads=reads, **log)
            count("ListingsUnsettled")
            return Outcome(False, None, reads)
        logger.info("sync listing changed while it was read; reading it again", listing=listing, **log)
        progress.forget(listing)


def _settled(pages: list[PageCheckpoint]) -> bool:
    totals = {p.total for p in pages if p.total is not None}
    if not totals:
        return True  # Procore gave no Total: nothing to check against
    if len(totals) > 1:
        return False
    seen = {key for p in pages for key in p.keys}
    unkeyed = sum(1 for p in pages for i in p.invalid if i.get("procore_id") is None)
    return len(seen) + unkeyed == totals.pop()


class _NewestUpdate:
    """The newest `updated_at` among the records that pass through `watch()`: a page's records
    are a stream that only the writer reads, so the newest is noted on their way to it."""

    def __init__(self) -> None:
        self._newest: float | None = None

    def watch(self, records: Iterable[Any]) -> Iterator[Any]:
        for record in records:
            self._note(record)
            yield record

    def _note(self, record: Any) -> None:
        updated = record.get("updated_at") if isinstance(record, dict) else None
        if not isinstance(updated, str):
            return
        try:
            moment = clock.parse_iso(updated)
        except ValueError:
            return  # reported by validation
        if self._newest is None or moment > self._newest:
            self._newest = moment

    def iso(self) -> str | None:
        return None if self._newest is None else clock.iso(self._newest)


def _updated_through(pages: list[PageCheckpoint]) -> str | None:
    """The newest updated_at the listing saw, but never later than when Procore began serving
    it: a record changed while we read has an updated_at after that, so the next window,
    which starts here less the overlap, reads it again."""
    newest = [clock.parse_iso(p.updated_through) for p in pages if p.updated_through]
    if not newest:
        return None
    through = max(newest)
    if pages and pages[0].listing_started_at:
        through = min(through, clock.parse_iso(pages[0].listing_started_at))
    return clock.iso(through)
