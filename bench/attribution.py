"""Where the sync's CPU time goes, roughly: the per-record work the bare loop does not do.

While installed, the writer's content hash and the per-record validation are timed on the
calling thread's CPU clock. Together with the counters' CPU per AWS operation and inside
Procore requests, that splits a full sync's CPU into what it shares with the bare loop and what
it adds. The wrappers cost a microsecond or so per record, small against what they time.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def timing_per_record_work(into: dict[str, float]) -> Iterator[None]:
    """Add CPU seconds of hashing and validation to `into["hashing"]`, `into["validation"]`."""
    from procore_sync.sync import models, writer

    into.setdefault("hashing", 0.0)
    into.setdefault("validation", 0.0)

    def timed(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            began = time.thread_time()
            try:
                return fn(*args, **kwargs)
            finally:
                into[name] += time.thread_time() - began
        return wrapper

    hash_, problems = writer.content_hash, models.problems
    writer.content_hash = timed("hashing", hash_)
    models.problems = timed("validation", problems)
    try:
        yield
    finally:
        writer.content_hash, models.problems = hash_, problems
