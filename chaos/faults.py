"""Faults the simulator has no knob for, injected from outside the product.

* `AwsFaults`: DynamoDB throttling and KMS errors as HTTP answers from a botocore `before-send`
  hook on the product's own clients (so botocore's retries see them, as they would see AWS's),
  and unprocessed batch items by holding back part of a `BatchWriteItem` and naming it in
  `UnprocessedItems` (so only a caller that resends them lands every record).
* `SqsChaos`: at-least-once delivery made visible: some messages the product sends are sent
  twice, messages get a random delay (so they arrive out of order), and old messages can be
  sent again long after their run finished.
* `Killer`: a worker dies at its n-th step (a Procore call, a batch of record writes, a
  checkpoint, marking deletions, recording a job's end), as a Lambda that times out or
  crashes does: nothing in the handler may catch it.
* `ProductClock`: our clock moved forward (to make every token due for a refresh), Procore's
  left alone.

Every random choice comes from the schedule's seed, so a run can be replayed.
"""

from __future__ import annotations

import json
import random
import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

from botocore.awsrequest import AWSResponse

WORKER_THREAD_PREFIX = "sqs-"  # the local stack's poller threads run the entity_sync function


class WorkerKilled(BaseException):
    """Not an Exception: nothing in the handler catches it, as nothing survives a killed Lambda."""


class _Body:
    def __init__(self, payload: bytes) -> None:
        self._payload = payload

    def stream(self, **_: Any):
        yield self._payload


def _error_response(request: Any, status: int, code: str, message: str) -> AWSResponse:
    body = json.dumps({"__type": code, "message": message}).encode()
    headers = {"Content-Type": "application/x-amz-json-1.0", "x-amzn-ErrorType": code,
               "x-amzn-RequestId": "chaos"}
    return AWSResponse(request.url, status, headers, _Body(body))


def _header(request: Any, name: str) -> str:
    value = request.headers.get(name, "")
    return value.decode() if isinstance(value, bytes) else str(value)


class AwsFaults:
    """DynamoDB throttling, unprocessed batch items and KMS errors for the product's clients."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._lock = threading.Lock()
        self.throttle_rate = 0.0  # share of DynamoDB requests answered 400 ThrottlingException
        self.unprocessed_rate = 0.0  # share of batch items held back and returned unprocessed
        self.kms_failures: Counter[str] = Counter()  # KMS operation -> how many next attempts fail
        self.kms_call_failures: Counter[str] = Counter()  # ... how many next calls fail, retries spent
        self.injected: Counter[str] = Counter()
        self._hooked: list[tuple[Any, str, Callable]] = []
        self._patched: list[tuple[Any, Callable]] = []

    def off(self) -> None:
        with self._lock:
            self.throttle_rate = self.unprocessed_rate = 0.0
            self.kms_failures.clear()
            self.kms_call_failures.clear()

    # ----------------------------------------------------------------- installing

    def install(self, dynamodb_tables: list[Any], records_table: Any, kms_clients: list[Any]) -> None:
        for table in dynamodb_tables:
            self._hook(table.meta.client, "before-send.dynamodb", self._throttle)
        for client in kms_clients:
            self._hook(client, "before-send.kms", self._kms)
            self._hook(client, "before-call.kms", self._kms_call)
        client = records_table.meta.client
        original = client.batch_write_item

        def batch_write_item(**kwargs: Any) -> Any:
            return self._unprocessed(original, **kwargs)

        client.batch_write_item = batch_write_item
        self._patched.append((client, original))

    def uninstall(self) -> None:
        for client, event, handler in self._hooked:
            client.meta.events.unregister(event, handler)
        for client, original in self._patched:
            client.batch_write_item = original
        self._hooked.clear()
        self._patched.clear()

    def _hook(self, client: Any, event: str, handler: Callable) -> None:
        client.meta.events.register(event, handler)
        self._hooked.append((client, event, handler))

    # ----------------------------------------------------------------- the faults

    def _roll(self, rate: float) -> bool:
        with self._lock:
            return rate > 0 and self._rng.random() < rate

    def _throttle(self, request: Any, **_: Any) -> AWSResponse | None:
        if not self._roll(self.throttle_rate):
            return None
        self.injected["dynamodb_throttle"] += 1
        return _error_response(request, 400, "com.amazonaws.dynamodb.v20120810#ThrottlingException",
                               "Rate of requests exceeds the allowed throughput (injected)")

    def _kms(self, request: Any, **_: Any) -> AWSResponse | None:
        operation = _header(request, "X-Amz-Target").rsplit(".", 1)[-1]
        with self._lock:
            if self.kms_failures[operation] <= 0:
                return None
            self.kms_failures[operation] -= 1
        self.injected[f"kms_{operation}"] += 1
        return _error_response(request, 500, "KMSInternalException", "KMS is having a bad day (injected)")

    def _kms_call(self, model: Any, **_: Any) -> tuple[AWSResponse, dict] | None:
        """A whole KMS call that fails as it would once botocore's retries are spent."""
        operation = model.name
        with self._lock:
            if self.kms_call_failures[operation] <= 0:
                return None
            self.kms_call_failures[operation] -= 1
        self.injected[f"kms_{operation}"] += 1
        response = AWSResponse("https://kms.invalid/", 500, {}, _Body(b""))
        parsed = {"Error": {"Code": "KMSInternalException", "Message": "KMS is having a bad day (injected)"},
                  "ResponseMetadata": {"HTTPStatusCode": 500, "RetryAttempts": 4}}
        return response, parsed

    def _unprocessed(self, original: Callable, **kwargs: Any) -> Any:
        requests_by_table = kwargs.get("RequestItems") or {}
        sent: dict[str, list] = {}
        held: dict[str, list] = {}
        for table, items in requests_by_table.items():
            keep = [i for i in items if not self._roll(self.unprocessed_rate)]
            if not keep:  # DynamoDB wants at least one request
                keep = items[:1]
            sent[table] = keep
            back = [i for i in items if all(i is not k for k in keep)]
            if back:
                held[table] = back
        answer = original(**{**kwargs, "RequestItems": sent})
        if held:
            self.injected["dynamodb_unprocessed"] += sum(len(v) for v in held.values())
            unprocessed = answer.setdefault("UnprocessedItems", {})
            for table, items in held.items():
                unprocessed.setdefault(table, []).extend(items)
        return answer


class SqsChaos:
    """Duplicate, delayed (so reordered) and replayed deliveries of what the product sends."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._lock = threading.Lock()
        self.duplicate_rate = 0.0
        self.max_extra_delay = 0  # seconds of random delay added to each message
        self.sent: list[tuple[str, str]] = []  # (queue url, body) of everything the product sent
        self.injected: Counter[str] = Counter()
        self._client: Any = None
        self._original: Callable | None = None

    def off(self) -> None:
        with self._lock:
            self.duplicate_rate = 0.0
            self.max_extra_delay = 0

    def install(self, client: Any) -> None:
        self._client, self._original = client, client.send_message_batch
        client.send_message_batch = self._send

    def uninstall(self) -> None:
        if self._client is not None:
            self._client.send_message_batch = self._original
            self._client = None

    def _send(self, **kwargs: Any) -> Any:
        assert self._original is not None
        url = kwargs["QueueUrl"]
        entries = [dict(e) for e in kwargs["Entries"]]
        copies = []
        with self._lock:
            self.sent.extend((url, e["MessageBody"]) for e in entries)
            for entry in entries:
                if self.max_extra_delay:
                    extra = self._rng.randint(0, self.max_extra_delay)
                    entry["DelaySeconds"] = min(900, int(entry.get("DelaySeconds", 0)) + extra)
                    self.injected["sqs_delayed"] += 1
                if self.duplicate_rate and self._rng.random() < self.duplicate_rate:
                    copy = {**entry, "Id": f"copy-{entry['Id']}",
                            "DelaySeconds": min(900, int(entry.get("DelaySeconds", 0))
                                                + self._rng.randint(0, max(1, self.max_extra_delay)))}
                    copies.append(copy)
                    self.injected["sqs_duplicated"] += 1
        answer = self._original(**{**kwargs, "Entries": entries})
        for start in range(0, len(copies), 10):
            self._original(QueueUrl=url, Entries=copies[start:start + 10])
        return answer

    def replay(self, count: int) -> int:
        """Send `count` messages the product sent earlier once more, chosen by the seed."""
        assert self._original is not None
        with self._lock:
            chosen = [self.sent[self._rng.randrange(len(self.sent))] for _ in range(count)] if self.sent else []
        for i, (url, body) in enumerate(chosen):
            self._original(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": body}])
            self.injected["sqs_replayed"] += 1
        return len(chosen)


class Killer:
    """Kills a worker at its n-th step from when it was armed; several kills can be armed."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._due: list[int] = []
        self._due_saves: list[int] = []
        self.steps = 0
        self.saves = 0
        self.kills = 0

    def arm(self, at_step: int, *, only_checkpoints: bool = False) -> None:
        """Kill at the `at_step`-th step from now (or, `only_checkpoints`, the n-th checkpoint save)."""
        with self._lock:
            if only_checkpoints:
                self._due_saves.append(self.saves + max(1, at_step))
            else:
                self._due.append(self.steps + max(1, at_step))

    def off(self) -> None:
        with self._lock:
            self._due.clear()
            self._due_saves.clear()

    def install(self, monkeypatch: Any) -> None:
        from procore_sync.procore.client import ProcoreClient
        from procore_sync.storage.checkpoints import CheckpointRepository
        from procore_sync.storage.records import RecordRepository
        from procore_sync.storage.sync_state import SyncStateRepository
        from procore_sync.sync.writer import EntityWriter

        for cls, name in ((ProcoreClient, "_request"), (RecordRepository, "put_many"),
                          (CheckpointRepository, "save"), (EntityWriter, "finish"),
                          (SyncStateRepository, "finish_job")):
            monkeypatch.setattr(cls, name, self._wrap(getattr(cls, name), checkpoint=cls is CheckpointRepository))

    def _wrap(self, original: Callable, *, checkpoint: bool) -> Callable:
        killer = self

        def step(*args: Any, **kwargs: Any) -> Any:
            if killer._fires(checkpoint):
                raise WorkerKilled()
            return original(*args, **kwargs)

        return step

    def _fires(self, checkpoint: bool) -> bool:
        if not threading.current_thread().name.startswith(WORKER_THREAD_PREFIX):
            return False  # the gateway's threads (connect, status) are not sync workers
        with self._lock:
            if not self._due and not self._due_saves:
                return False
            self.steps += 1
            self.saves += checkpoint
            if self.steps in self._due:
                self._due.remove(self.steps)
            elif checkpoint and self.saves in self._due_saves:
                self._due_saves.remove(self.saves)
            else:
                return False
            self.kills += 1
            return True


class ProductClock:
    """Our clock, ahead of the real one by `offset` seconds; Procore's clock is not touched."""

    def __init__(self, monkeypatch: Any) -> None:
        from procore_sync import clock

        self.offset = 0.0
        real = clock.now
        monkeypatch.setattr(clock, "now", lambda: real() + self.offset)

    def advance(self, seconds: float) -> None:
        self.offset += max(0.0, seconds)
