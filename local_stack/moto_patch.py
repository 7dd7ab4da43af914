"""Four of moto's costs taken out of the local stack's moto (`apply()`), answers unchanged.

moto answers a Query on a table by walking every item of the table (all partitions), sizing
each one for the 1 MB page limit and only then applying the key condition. So a Query costs
time in proportion to the whole table, where DynamoDB reads only the items the key condition
selects. On the benchmark's tables (tens of thousands of records) that made moto, not the
sync, the slowest part of every run.

Here a Query on a table's own key (no index, no legacy KeyConditions filter) is handed only
the items of its partition that match the sort-key condition; everything after that (sorting,
paging at 1 MB, Limit, filters, projection) is moto's own code, unchanged, so the answers are
what moto would give, with one difference: a page that stops at `Limit` on the last item its
key condition selects carries no `LastEvaluatedKey` here, where moto (and DynamoDB, which cannot
know nothing follows) may give one; the next page would be empty. The product pages until no key
comes back, so both read the same items. Scans, indexes and every other call are untouched.

SendMessage: moto reads the queue's `attributes` to see whether content-based deduplication is
on, and computing them counts every message in the queue (visible, delayed, in flight), so
sending to a queue of n messages costs time in proportion to n, and the dispatcher's 10,000
sends cost time in proportion to 10,000². While a message is sent, the attributes moto reads are
computed one by one as it asks for them, so none of the counts is; GetQueueAttributes counts as
before.

ReceiveMessage asks for the queue's retention period for every message it looks at, which again
computed every attribute, counts included: with a few thousand jobs queued (a company of
thousands of projects fans out that many) each receive cost time in proportion to n². It reads
the attributes on demand too.

TransactWriteItems deep-copies every table a transaction touches, whole, before it begins, to
roll back on failure: a transaction against a table of n items costs time and memory in
proportion to n (10,000 connections' runs took 18 GB). Here only the items the transaction
names are copied, and restored if it fails; moto's own code does everything else.
"""

from __future__ import annotations

import copy
import inspect
import threading
from collections.abc import Iterator
from typing import Any

from moto.core.utils import camelcase_to_underscores
from moto.dynamodb.comparisons import get_comparison_func
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table
from moto.sqs.models import Queue, SQSBackend

_query = Table.query
_all_items = Table.all_items
_signature = inspect.signature(_query)
_narrowed = threading.local()  # moto's server answers each request on a thread of its own


def _query_by_key(self: Table, *args: Any, **kwargs: Any) -> Any:
    given = _signature.bind(self, *args, **kwargs).arguments
    plain = (given.get("index_name") is None and given.get("hash_key") is not None
             and not given.get("filter_kwargs") and len(given.get("range_key_conditions") or []) <= 1)
    _narrowed.key = (given["hash_key"], given.get("range_comparison"), given.get("range_objs")) if plain else None
    try:
        return _query(self, *args, **kwargs)
    finally:
        _narrowed.key = None


def _items_for_query(self: Table) -> list[Any]:
    key = getattr(_narrowed, "key", None)
    if key is None or not self.range_key_attr:
        return _all_items(self)
    hash_key, comparison, values = key
    items = list((self.items.get(hash_key) or {}).values())
    if not comparison:
        return items
    if comparison.upper() == "BEGINS_WITH" and len(values) == 1 and values[0].type == "S":
        # the common case (a key prefix), without moto's per-item set-up: the same test
        prefix = values[0].value
        return [item for item in items if item.range_key is not None and item.range_key.type == "S"
                and item.range_key.value.startswith(prefix)]
    test = get_comparison_func(comparison)
    wanted = [value.cast_value for value in values]
    return [item for item in items if item.range_key is not None and test(item.range_key.cast_value, *wanted)]


_send_message = SQSBackend.send_message
_attributes = Queue.attributes
_COUNTS = ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesDelayed",
           "ApproximateNumberOfMessagesNotVisible")


def _send_without_counting(self: SQSBackend, *args: Any, **kwargs: Any) -> Any:
    _narrowed.sending = True
    try:
        return _send_message(self, *args, **kwargs)
    finally:
        _narrowed.sending = False


_receive_message = SQSBackend.receive_message


def _receive_without_counting(self: SQSBackend, *args: Any, **kwargs: Any) -> Any:
    """ReceiveMessage reads the queue's retention period for every message it looks at, and
    reading `attributes` counts the whole queue each time: here it counts nothing."""
    _narrowed.sending = True
    try:
        return _receive_message(self, *args, **kwargs)
    finally:
        _narrowed.sending = False


class _AttributesOnDemand:
    """What `queue.attributes` is while a message is sent: each attribute computed by moto's own
    getter when it is asked for, so reading one (`ContentBasedDeduplication`) counts nothing."""

    def __init__(self, queue: Queue) -> None:
        self._queue = queue

    def get(self, name: str, default: Any = None) -> Any:
        queue = self._queue
        names = list(queue.BASE_ATTRIBUTES) + (list(queue.FIFO_ATTRIBUTES) if queue.fifo_queue else [])
        if name not in names:
            if name in ("Policy", "RedrivePolicy", *queue.KMS_ATTRIBUTES):
                return _attributes.fget(queue).get(name, default)  # type: ignore[union-attr]
            return default  # not an attribute this queue has: the full set would not hold it either
        value = getattr(queue, camelcase_to_underscores(name))
        return str(value).lower() if isinstance(value, bool) else value

    def __getitem__(self, name: str) -> Any:
        return _attributes.fget(self._queue)[name]  # type: ignore[union-attr]

    def __contains__(self, name: str) -> bool:
        return self.get(name) is not None


def _attributes_when_sending(self: Queue) -> Any:
    if getattr(_narrowed, "sending", False):
        return _AttributesOnDemand(self)
    return _attributes.fget(self)  # type: ignore[union-attr]


_transact_write_items = DynamoDBBackend.transact_write_items


def _touched(backend: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> Iterator[tuple[Table, Any, Any]]:
    """(table, hash key, range key) of every item the transaction names."""
    for entry in transact_items:
        _, operation = next(iter(entry.items()))
        table = backend.tables.get(operation.get("TableName"))
        if table is None:
            continue
        key = operation.get("Key") or operation.get("Item") or {}
        if table.hash_key_attr not in key:
            continue
        range_value = key.get(table.range_key_attr) if table.range_key_attr else None
        yield table, DynamoType(key[table.hash_key_attr]), None if range_value is None else DynamoType(range_value)


def _transact_copying_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> Any:
    saved = []
    for table, hash_key, range_key in _touched(self, transact_items):
        if table.has_range_key and range_key is None:
            continue  # moto refuses such a transaction before it changes anything
        saved.append((table, hash_key, range_key, copy.deepcopy(table.get_item(hash_key, range_key))))
    _narrowed.light_tables = True  # moto's whole-table copies become the tables themselves
    try:
        return _transact_write_items(self, transact_items)
    except Exception:
        for table, hash_key, range_key, item in reversed(saved):  # the first copy of a key is its state before
            if range_key is None:
                if item is None:
                    table.items.pop(hash_key, None)
                else:
                    table.items[hash_key] = item
            elif item is None:
                table.items[hash_key].pop(range_key, None)
            else:
                table.items[hash_key][range_key] = item
        raise
    finally:
        _narrowed.light_tables = False


def _table_deepcopy(self: Table, memo: dict[int, Any]) -> Table:
    if getattr(_narrowed, "light_tables", False):
        return self
    copied = self.__class__.__new__(self.__class__)
    memo[id(self)] = copied
    for name, value in self.__dict__.items():
        setattr(copied, name, copy.deepcopy(value, memo))
    return copied


def apply() -> None:
    """Take these costs out of moto in this process (idempotent)."""
    Table.query = _query_by_key  # type: ignore[method-assign]
    Table.all_items = _items_for_query  # type: ignore[method-assign]
    SQSBackend.send_message = _send_without_counting  # type: ignore[method-assign]
    SQSBackend.receive_message = _receive_without_counting  # type: ignore[method-assign]
    Queue.attributes = property(_attributes_when_sending)  # type: ignore[assignment]
    DynamoDBBackend.transact_write_items = _transact_copying_items  # type: ignore[method-assign]
    Table.__deepcopy__ = _table_deepcopy  # type: ignore[attr-defined]
