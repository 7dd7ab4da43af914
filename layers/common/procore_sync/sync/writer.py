"""Compares a listing from Procore with what is stored, and writes only what changed.

A record whose content hash is unchanged costs no write. A record that fails validation is
not written (the copy we had stays, and is not taken for deleted) and is reported. A stored
record missing from the listing is marked deleted, but only once the whole listing has been
read: a listing that failed partway marks nothing.

A page comes as a stream of records; the changed ones are written 25 at a time (one
BatchWriteItem) as they come, so a page is never held whole.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from .. import clock
from ..storage.records import RecordRepository
from . import models

KeyOf = Callable[[dict[str, Any]], tuple[str, dict[str, Any]]]
KINDS = ("created", "updated", "unchanged", "deleted", "invalid")
BATCH = 25  # items in one BatchWriteItem, DynamoDB's limit


def content_hash(record: dict[str, Any]) -> str:
    canonical = json.dumps(record, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _compact(hex_hash: str) -> bytes:
    """A content hash as its 32 bytes: the writer keeps one per record of its listings, and
    as text (with a tuple beside it) they were most of what a job's memory grew by."""
    try:
        return bytes.fromhex(hex_hash)
    except ValueError:
        return b""  # not a hash of ours: matches none, so the record is written again


def zero_counts() -> dict[str, int]:
    return dict.fromkeys(KINDS, 0)


@dataclass
class PageResult:
    """What one page did: the keys it held, its counts and its invalid records."""

    keys: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=zero_counts)
    invalid: list[dict[str, Any]] = field(default_factory=list)


class EntityWriter:
    """Writes one entity's listings under one key prefix, counting what happened."""

    def __init__(
        self, records: RecordRepository, *, pk: str, prefix: str, entity: str, key: KeyOf,
        guard: Callable[[], None] | None = None,
    ) -> None:
        """`key` gives a valid record's sort key and extra attributes (such as project_id);
        `guard` runs before a page's first write and before marking deletions, and may raise to
        stop them (the user disconnected)."""
        self._records = records
        self._guard = guard or (lambda: None)
        self._pk = pk
        self._prefix = prefix
        self._key = key
        self.entity = entity
        self._hashes: dict[str, bytes] = {}  # every stored key, and the hash of its record
        self._deleted: set[str] = set()  # the stored keys marked deleted
        for sk, (hex_hash, deleted) in records.fingerprints(pk, prefix).items():
            self._hashes[sk] = _compact(hex_hash)
            if deleted:
                self._deleted.add(sk)
        self._stored_by_id: dict[str, list[str]] | None = None
        self._seen: set[str] = set()
        self.counts = zero_counts()
        self.invalid: list[dict[str, Any]] = []

    def resume(self, keys: list[str], counts: dict[str, int], invalid: list[dict[str, Any]]) -> None:
        """Take back what pages read before a restart did (their checkpoints)."""
        self._seen.update(keys)
        for kind, n in counts.items():
            self.counts[kind] = self.counts.get(kind, 0) + n
        self.invalid.extend(invalid)

    def write(self, records: Iterable[Any]) -> PageResult:
        """Compare one page's records with what is stored, as they come, and write the changed
        ones a batch at a time, each batch dropped once written. A page that fails partway
        (its stream broke) has written some batches: they are kept, and counted unchanged when
        the page is read again."""
        now = clock.iso()
        result = PageResult()
        pending: list[dict[str, Any]] = []
        first = True
        for record in records:
            item = self._compare(record, now, result)
            if item is None:
                continue
            pending.append(item)
            if len(pending) == BATCH:
                self._put(pending, first=first)
                pending, first = [], False
        if pending:
            self._put(pending, first=first)
        self.resume(result.keys, result.counts, result.invalid)
        return result

    def _compare(self, record: Any, now: str, result: PageResult) -> dict[str, Any] | None:
        """Count the record into `result`; return its item when it must be written."""
        problem = models.problems(self.entity, record)
        if problem is not None:
            self._invalid(record, problem, result)
            return None
        sk, extra = self._key(record)
        result.keys.append(sk)
        digest = content_hash(record)
        stored = self._hashes.get(sk)
        if stored and stored == _compact(digest) and sk not in self._deleted:
            if sk not in self._seen:  # a listing read again counts each record once
                result.counts["unchanged"] += 1
            return None
        result.counts["created" if stored is None else "updated"] += 1
        return {
            "pk": self._pk, "sk": sk, "entity": self.entity, "procore_id": record["id"],
            "record": record, "content_hash": digest, "synced_at": now, **extra,
        }

    def _put(self, items: list[dict[str, Any]], *, first: bool) -> None:
        if first:  # once a page, before its first write: the guard is a DynamoDB read
            self._guard()
        self._records.put_many(items)
        for item in items:  # a listing read again (it shifted) finds these unchanged
            self._hashes[item["sk"]] = _compact(item["content_hash"])
            self._deleted.discard(item["sk"])

    def _invalid(self, record: Any, problem: str, result: PageResult) -> None:
        """Report the record and keep our copy of it, which the listing still shows exists."""
        procore_id = models.procore_id(record)
        result.counts["invalid"] += 1
        result.invalid.append({"entity": self.entity, "procore_id": procore_id, "problem": problem[:300]})
        if procore_id is not None:  # a key that matches no stored one still counts it as listed
            result.keys.extend(self._stored_keys_of(procore_id) or [f"invalid#{procore_id}"])

    def _stored_keys_of(self, procore_id: int) -> list[str]:
        if self._stored_by_id is None:
            self._stored_by_id = {}
            for sk in self._hashes:
                self._stored_by_id.setdefault(sk.rsplit("#", 1)[1], []).append(sk)
        return self._stored_by_id.get(str(procore_id), [])

    def present_keys(self) -> set[str]:
        """Every key the listings saw, and every stored key not marked deleted."""
        seen = {sk for sk in self._seen if sk.startswith(self._prefix)}
        return seen | {sk for sk in self._hashes if sk not in self._deleted}

    def finish(self) -> list[str]:
        """The listings were complete: mark what they no longer hold deleted; return those keys."""
        gone = [sk for sk in self._hashes if sk not in self._seen and sk not in self._deleted]
        if gone:
            self._guard()
            self.counts["deleted"] += self._records.mark_deleted(self._pk, gone, clock.iso())
        return gone
