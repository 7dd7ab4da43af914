"""Sending sync jobs (and webhook hints) to SQS, ten to a request."""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel

from .. import aws


class SyncQueue:
    def __init__(self, queue_url: str) -> None:
        self._url = queue_url

    def send(self, jobs: Iterable[BaseModel], *, delay_seconds: int = 0) -> int:
        """Queue the jobs; with `delay_seconds` (at most 900) they become visible only then."""
        batch: list[BaseModel] = []
        sent = 0
        for job in jobs:
            batch.append(job)
            if len(batch) == 10:
                sent += self._send_batch(batch, delay_seconds)
                batch = []
        if batch:
            sent += self._send_batch(batch, delay_seconds)
        return sent

    def _send_batch(self, jobs: list[BaseModel], delay_seconds: int) -> int:
        entries = [{"Id": str(i), "MessageBody": job.model_dump_json(), "DelaySeconds": delay_seconds}
                   for i, job in enumerate(jobs)]
        response = aws.client("sqs").send_message_batch(QueueUrl=self._url, Entries=entries)
        failed = response.get("Failed") or []
        if failed:
            retry = [entries[int(f["Id"])] for f in failed]
            response = aws.client("sqs").send_message_batch(QueueUrl=self._url, Entries=retry)
            if response.get("Failed"):
                raise RuntimeError(f"{len(response['Failed'])} sync jobs could not be queued")
        return len(jobs)
