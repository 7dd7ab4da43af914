"""Compares a listing from Procore with what is stored, and writes only what changed.

A record whose content hash is unchanged costs no write. A stored record missing from the
listing is marked deleted, but only once the whole listing has been read: a listing that
failed partway marks nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from typing import Any

from .. import clock
from ..storage.records import RecordRepository


def content_hash(record: dict[str, Any]) -> str:
    canonical = json.dumps(record, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


class EntityWriter:
    """Writes one entity's listing under one key prefix, counting what happened."""

    def __init__(
        self, records: RecordRepository, *, pk: str, prefix: str, entity: str,
        guard: Callable[[], None] | None = None,
    ) -> None:
        """`guard` runs before every write and may raise to stop it (the user disconnected)."""
        self._records = records
        self._guard = guard or (lambda: None)
        self._pk = pk
        self._prefix = prefix
        self.entity = entity
        self._stored = records.fingerprints(pk, prefix)
        self._seen: set[str] = set()
        self.counts = {"created": 0, "updated": 0, "unchanged": 0, "deleted": 0}

    def write(self, rows: Iterable[tuple[str, dict[str, Any], dict[str, Any]]]) -> None:
        """Each row is (sk, Procore record, extra key attributes such as project_id)."""
        now = clock.iso()
        changed = []
        for sk, record, extra in rows:
            self._seen.add(sk)
            digest = content_hash(record)
            stored = self._stored.get(sk)
            if stored is not None and stored[0] == digest and not stored[1]:
                self.counts["unchanged"] += 1
                continue
            self.counts["created" if stored is None else "updated"] += 1
            changed.append({
                "pk": self._pk, "sk": sk, "entity": self.entity, "procore_id": record.get("id"),
                "record": record, "content_hash": digest, "synced_at": now, **extra,
            })
        if changed:
            self._guard()
            self._records.put_many(changed)

    def present_keys(self) -> set[str]:
        """Every key this listing saw, and every stored key not marked deleted."""
        return self._seen | {sk for sk, (_, deleted) in self._stored.items() if not deleted}

    def finish(self) -> list[str]:
        """The listing was complete: mark what it no longer holds deleted; return those keys."""
        gone = [sk for sk, (_, deleted) in self._stored.items() if sk not in self._seen and not deleted]
        if gone:
            self._guard()
            self.counts["deleted"] += self._records.mark_deleted(self._pk, gone, clock.iso())
        return gone
