"""`python -m bench.moto_server`: moto's server, with DynamoDB Query narrowed to its key condition.

moto answers a Query on a table by walking every item of the table (all partitions), sizing
each one for the 1 MB page limit and only then applying the key condition. So a Query costs
time in proportion to the whole table, where DynamoDB reads only the items the key condition
selects. On the benchmark's tables (tens of thousands of records) that made moto, not the
sync, the slowest part of every run.

Here a Query on a table's own key (no index, no legacy KeyConditions filter) is handed only
the items of its partition that match the sort-key condition; everything after that (sorting,
paging at 1 MB, Limit, filters, projection) is moto's own code, unchanged, so the answers are
what moto would give. Scans, indexes and every other call are untouched.
"""

from __future__ import annotations

import inspect
import threading
from typing import Any

from moto.dynamodb.models.table import Table
from moto.server import main

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
    if comparison:
        items = [item for item in items if item.range_key is not None and item.range_key.compare(comparison, values)]
    return items


Table.query = _query_by_key  # type: ignore[method-assign]
Table.all_items = _items_for_query  # type: ignore[method-assign]

if __name__ == "__main__":
    main()
