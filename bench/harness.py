"""The bench's environment: moto and the Procore simulator in processes of their own, the local
stack (gateway, functions) in this one, and the sync driven job by job.

The stack starts without its SQS pollers: `drain()` takes the sync jobs off the queue itself
and hands them to the real entity_sync handler in this thread, in the template's batch size,
so each job's CPU time can be read off this thread's clock and its memory traced alone.
`pollers()` turns the stack's own pollers on, for the figure that needs the sync as it runs on
Lambda (several workers at once).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from local_stack.aws import LocalAws
from local_stack.poller import SqsPoller, event_source_mappings, sqs_record
from local_stack.stack import LocalStack

from .counters import AwsCalls, HttpCalls, armed
from .processes import HOST, SimulatorProcess, free_port

LOGIN = "demo@palcode.test"
PASSWORD = "procore"
ENTITY_SYNC = "EntitySyncFunction"
DISPATCHER = "SyncDispatcherFunction"
NO_LIMITS = {"rate_limits_enabled": False, "latency_ms": 0}


@dataclass
class Job:
    """One sync job as it came off the queue, and what running it cost this thread."""

    kind: str
    company_id: int
    project_id: int | None
    cpu_seconds: float = 0.0


@dataclass
class Drained:
    jobs: list[Job] = field(default_factory=list)
    failures: int = 0

    @property
    def cpu_seconds(self) -> float:
        return sum(j.cpu_seconds for j in self.jobs)


class Harness:
    """Start with `start()`, stop with `stop()`; everything in between is one stack."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.api_port = free_port()
        self.sim = SimulatorProcess(
            log_dir, redirect_uri=f"http://{HOST}:{self.api_port}/integrations/procore/callback")
        self.stack: LocalStack | None = None
        self.aws = AwsCalls()
        self.http = HttpCalls(self.sim.url)
        self._mapping: Any = None

    # ------------------------------------------------------------------ lifecycle

    def start(self, size: str) -> Harness:
        self.sim.start(size)
        # no webhooks: setting them up is a one-off per connection (some 20 calls a company),
        # not part of what a sync costs, and the call bounds count listings only
        stack = LocalStack(api_port=self.api_port, simulator_url=self.sim.url, start_timer=False,
                           start_pollers=False, parameter_overrides={"WebhookUrl": ""})
        stack.aws = LocalAws(host=HOST, region=stack.region, process=True)  # whatever LOCAL_MOTO says
        stack.start()
        self.stack = stack
        self._mapping = next(m for m in event_source_mappings(stack.template, stack.resolver)
                             if m.function_id == ENTITY_SYNC)
        for function_id in (ENTITY_SYNC, DISPATCHER):
            stack.runtime.handler(function_id)  # imported now, not inside a measured job
        self.aws.install()
        self.http.install()
        return self

    def stop(self) -> None:
        self.aws.uninstall()
        self.http.uninstall()
        if self.stack is not None:
            self.stack.stop()
            self.stack = None
        self.sim.stop()
        from procore_sync import aws, config, services

        services.reset_services()  # nothing cached here points at the servers just stopped
        aws.reset_clients()
        config.get_settings.cache_clear()

    @property
    def services(self) -> Any:
        from procore_sync.services import get_services

        return get_services()

    @property
    def sqs(self) -> Any:
        assert self.stack is not None
        return self.stack.aws.client("sqs")

    # ------------------------------------------------------------------ a fresh world

    def fresh(self, size: str, **knobs: Any) -> None:
        """Empty tables and queues, the simulator at `size` with its seeded world and no tokens,
        then the given knobs (by default: no rate limits, no latency)."""
        assert self.stack is not None
        self.stack.reset()
        self.sim.start(size)
        self.sim.reset()
        self.sim.configure(**{**NO_LIMITS, **knobs})

    def connect(self, user_id: str) -> None:
        """The real connect flow (authorize page, sign-in, Allow, callback); the callback queues
        the first sync."""
        from scripts.connect_flow import connect

        assert self.stack is not None
        result = connect(self.stack.api_url, self.stack.make_user_token(user_id), login=LOGIN,
                         password=PASSWORD)
        if result.outcome != "connected":
            raise RuntimeError(f"connect failed: {result.reason}")

    def schedule(self) -> None:
        """What the hourly schedule does: the dispatcher queues a run for every connected user."""
        assert self.stack is not None
        self.stack.trigger_schedule(DISPATCHER)

    # ------------------------------------------------------------------ running jobs

    def receive(self, limit: int = 10, *, hold_seconds: int | None = None) -> list[dict[str, Any]]:
        """Up to `limit` (at most 10) visible messages; `hold_seconds` keeps them invisible that
        long instead of the queue's visibility timeout."""
        extra = {} if hold_seconds is None else {"VisibilityTimeout": hold_seconds}
        answer = self.sqs.receive_message(
            QueueUrl=self._mapping.queue_url, MaxNumberOfMessages=min(10, limit), WaitTimeSeconds=0,
            MessageSystemAttributeNames=["All"], MessageAttributeNames=["All"], **extra)
        return answer.get("Messages") or []

    def queue_depth(self) -> int:
        names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
                 "ApproximateNumberOfMessagesDelayed"]
        attributes = self.sqs.get_queue_attributes(QueueUrl=self._mapping.queue_url,
                                                   AttributeNames=names)["Attributes"]
        return sum(int(attributes.get(n, 0)) for n in names)

    def run(self, messages: list[dict[str, Any]], *, around: Callable[[], Any] | None = None
            ) -> tuple[list[Job], int]:
        """Hand one batch to the entity_sync handler in this thread; delete what succeeded.

        The counters are armed around the handler call only (not around this method's own
        receive and delete); `around`, a context manager factory, is wrapped around it too."""
        assert self.stack is not None
        event = {"Records": [sqs_record(m, queue_arn=self._mapping.queue_arn, region=self.stack.region)
                             for m in messages]}
        jobs = [_job(m) for m in messages]
        with armed(self.aws, self.http), (around() if around else _nothing()):
            began = time.thread_time()
            result = self.stack.invoke(ENTITY_SYNC, event)
            spent = time.thread_time() - began
        for job in jobs:
            job.cpu_seconds = spent / len(jobs)
        failed = {f["itemIdentifier"] for f in (result or {}).get("batchItemFailures") or []}
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            self.sqs.delete_message_batch(QueueUrl=self._mapping.queue_url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)])
        return jobs, len(failed)

    def drain(self, *, batch_size: int | None = None, timeout: float = 1800.0) -> Drained:
        """Run queued jobs, and those they queue, until the queue is empty."""
        size = batch_size or self._mapping.batch_size
        drained = Drained()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            messages = self.receive(size)
            if not messages:
                if self.queue_depth() == 0:
                    return drained
                time.sleep(0.2)  # delayed or invisible (a failed job waiting for redelivery)
                continue
            jobs, failed = self.run(messages)
            drained.jobs.extend(jobs)
            drained.failures += failed
        raise TimeoutError(f"the sync queue did not empty within {timeout} s")

    @contextmanager
    def pollers(self) -> Iterator[None]:
        """The stack's own SQS pollers (the template's batch size and concurrency) while inside."""
        stack = self.stack
        assert stack is not None and stack.runtime is not None
        pollers = [SqsPoller(mapping, invoke=stack.runtime.invoke, sqs_client=stack.aws.client("sqs"),
                             region=stack.region, visibility_timeout=stack.visibility_timeout)
                   for mapping in event_source_mappings(stack.template, stack.resolver)]
        for poller in pollers:
            poller.start()
        stack.pollers = pollers
        try:
            yield
        finally:
            for poller in pollers:
                poller.stop()
            stack.pollers = []

    # ------------------------------------------------------------------ what a run did

    def run_counts(self, user_id: str) -> tuple[dict[str, int], list[str]]:
        """Totals of the user's latest run (created, updated, unchanged, deleted, invalid) and
        the states of its jobs that did not succeed."""
        latest = self.services.sync_state.latest_run(user_id)
        totals = dict.fromkeys(("created", "updated", "unchanged", "deleted", "invalid"), 0)
        unfinished = []
        for job in (latest or {}).get("jobs", []):
            if job.get("state") != "succeeded":
                unfinished.append(f"{job.get('job_id')}: {job.get('state')} {job.get('error') or ''}".strip())
            for entity_counts in (job.get("counts") or {}).values():
                for kind in totals:
                    totals[kind] += int(entity_counts.get(kind, 0))
        return totals, unfinished


def _job(message: dict[str, Any]) -> Job:
    body = json.loads(message["Body"])
    return Job(kind=body["kind"], company_id=int(body["company_id"]), project_id=body.get("project_id"))


@contextmanager
def _nothing() -> Iterator[None]:
    yield
