"""Counting what the code under test asks of AWS and of Procore, from inside this process.

`AwsCalls` wraps botocore's one entry point for API calls, so every client (boto3 resources
included) is seen: per service and operation, and for DynamoDB the items each request writes
to each table. `HttpCalls` wraps requests' transport adapter to see every Procore request by
endpoint, with the size of each answer. Both count only while armed, so the benchmark's own
traffic (draining the queue, seeding, resetting) stays out of the figures.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import botocore.client
import requests.adapters

_WRITE_OPERATIONS = ("PutItem", "UpdateItem", "DeleteItem")
READ_OPERATIONS = ("GetItem", "BatchGetItem", "Query", "Scan")


@dataclass
class AwsSnapshot:
    """The counters at one moment; subtract two to get what happened in between."""

    calls: Counter[str]
    seconds: Counter[str]
    item_writes: Counter[str]
    cpu: Counter[str]

    def __sub__(self, earlier: AwsSnapshot) -> AwsSnapshot:
        return AwsSnapshot(self.calls - earlier.calls, self.seconds - earlier.seconds,
                           self.item_writes - earlier.item_writes, self.cpu - earlier.cpu)

    def dynamodb_reads(self) -> int:
        return sum(self.calls[f"dynamodb.{op}"] for op in READ_OPERATIONS)


class AwsCalls:
    """API calls by `service.Operation`, and DynamoDB item writes by table name."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.seconds: Counter[str] = Counter()  # wall time spent waiting for each kind of call
        self.cpu: Counter[str] = Counter()  # this process's CPU (the calling thread's) per kind of call
        self.item_writes: Counter[str] = Counter()
        self.armed = False
        self._lock = threading.Lock()
        self._original: Any = None

    def install(self) -> None:
        if self._original is not None:
            return
        original = botocore.client.BaseClient._make_api_call
        counter = self

        def counted(client: Any, operation: str, params: dict[str, Any]) -> Any:
            if not counter.armed:
                return original(client, operation, params)
            name = counter._note(client.meta.service_model.service_name, operation, params)
            began, cpu = time.perf_counter(), time.thread_time()
            try:
                return original(client, operation, params)
            finally:
                with counter._lock:
                    counter.seconds[name] += time.perf_counter() - began
                    counter.cpu[name] += time.thread_time() - cpu

        self._original = original
        botocore.client.BaseClient._make_api_call = counted  # type: ignore[method-assign]

    def uninstall(self) -> None:
        if self._original is not None:
            botocore.client.BaseClient._make_api_call = self._original  # type: ignore[method-assign]
            self._original = None

    def _note(self, service: str, operation: str, params: dict[str, Any]) -> str:
        name = f"{service}.{operation}"
        with self._lock:
            self.calls[name] += 1
            if service != "dynamodb":
                return name
            if operation == "BatchWriteItem":
                for table, requests_ in (params.get("RequestItems") or {}).items():
                    self.item_writes[table] += len(requests_)
            elif operation in _WRITE_OPERATIONS:
                self.item_writes[str(params.get("TableName"))] += 1
        return name

    def snapshot(self) -> AwsSnapshot:
        with self._lock:
            return AwsSnapshot(Counter(self.calls), Counter(self.seconds), Counter(self.item_writes),
                               Counter(self.cpu))



_ID = re.compile(r"/\d+(?=/|$)")


def endpoint(url: str) -> str:
    """`/rest/v1.0/projects/123/bids` → `/rest/v1.0/projects/{id}/bids`."""
    return _ID.sub("/{id}", urlsplit(url).path)


class HttpCalls:
    """Requests to one host (Procore's), by endpoint, with the largest answer seen."""

    def __init__(self, host_url: str) -> None:
        self._netloc = urlsplit(host_url).netloc
        self.by_endpoint: Counter[str] = Counter()
        self.largest_answer = 0
        self.cpu_seconds = 0.0  # the calling thread's CPU inside requests' transport
        self.armed = False
        self._lock = threading.Lock()
        self._original: Any = None

    def install(self) -> None:
        if self._original is not None:
            return
        original = requests.adapters.HTTPAdapter.send
        counter = self

        def counted(adapter: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
            cpu = time.thread_time()
            response = original(adapter, request, *args, **kwargs)
            streamed = kwargs.get("stream") or (args and args[0])
            if counter.armed and urlsplit(request.url).netloc == counter._netloc:
                path = endpoint(request.url)
                if not path.startswith(("/_simulator", "/oauth")):
                    # a streamed answer is sized by its header: reading it here would load it whole
                    size = (int(response.headers.get("Content-Length") or 0) if streamed
                            else len(response.content or b""))
                    with counter._lock:
                        counter.by_endpoint[path] += 1
                        counter.largest_answer = max(counter.largest_answer, size)
                        counter.cpu_seconds += time.thread_time() - cpu
            return response

        self._original = original
        requests.adapters.HTTPAdapter.send = counted  # type: ignore[method-assign]

    def uninstall(self) -> None:
        if self._original is not None:
            requests.adapters.HTTPAdapter.send = self._original  # type: ignore[method-assign]
            self._original = None

    def reset(self) -> None:
        with self._lock:
            self.by_endpoint.clear()
            self.largest_answer = 0
            self.cpu_seconds = 0.0


@contextmanager
def armed(*counters: AwsCalls | HttpCalls) -> Iterator[None]:
    for counter in counters:
        counter.armed = True
    try:
        yield
    finally:
        for counter in counters:
            counter.armed = False
