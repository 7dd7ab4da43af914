"""AWS clients, created once per container and only when first used.

Creating them lazily keeps import time low (cold starts) and lets moto, in-process or in
server mode through AWS_ENDPOINT_URL, intercept every call.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any

import boto3
from botocore.config import Config

_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=5, read_timeout=20)


@lru_cache(maxsize=None)
def client(service: str) -> Any:
    return boto3.session.Session().client(service, config=_CONFIG)


@lru_cache(maxsize=None)
def _dynamodb() -> Any:
    return boto3.session.Session().resource("dynamodb", config=_CONFIG)


@lru_cache(maxsize=None)
def table(name: str) -> Any:
    """A table of the container's one DynamoDB resource (a resource of its own per table would
    load the service model again, some 50 ms of the first invocation each)."""
    return _dynamodb().Table(name)


def reset_clients() -> None:
    """Forget cached clients (tests that switch endpoints between runs call this)."""
    client.cache_clear()
    _dynamodb.cache_clear()
    table.cache_clear()


def query_items(table: Any, **kwargs: Any) -> Iterator[dict[str, Any]]:
    """Every item a DynamoDB Query matches, page after page."""
    while True:
        page = table.query(**kwargs)
        yield from page.get("Items", [])
        if "LastEvaluatedKey" not in page:
            return
        kwargs = {**kwargs, "ExclusiveStartKey": page["LastEvaluatedKey"]}
