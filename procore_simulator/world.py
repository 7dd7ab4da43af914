"""The in-memory Procore world: users, companies, projects, bid packages, bids and vendors.

Records are stored as plain dicts keyed by id. Keys without a leading underscore are API
fields (timestamps as unix seconds); keys starting with ``_`` are internal links or facts the
serializers derive API fields from. The world keeps parent-to-child indices so list calls do
not scan everything, and cascades deletes down the tree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

ENTITIES = ("companies", "projects", "bid_packages", "bids", "vendors")

# Entities that expose updated_at; bid packages and companies have none in Procore.
ENTITIES_WITH_UPDATED_AT = frozenset({"projects", "bids", "vendors"})

# Keys a mutation may not change, because indices and links depend on them.
_FROZEN_KEYS = frozenset(
    {"id", "_company_id", "project_id", "bid_package_id", "company_id", "_project_id"}
)


class WorldError(LookupError):
    """A record that a mutation names does not exist, or a change is not allowed."""


@dataclass
class User:
    """A Procore login with its company and project memberships."""

    id: int
    login: str
    name: str
    password: str
    employer_id: int
    admin_of: set[int] = field(default_factory=set)
    member_of: set[int] = field(default_factory=set)
    projects: set[int] = field(default_factory=set)


class World:
    """Records by entity plus the indices that link them."""

    def __init__(self) -> None:
        self.users: dict[int, User] = {}
        self.records: dict[str, dict[int, dict[str, Any]]] = {name: {} for name in ENTITIES}
        self.trades: dict[int, dict[str, Any]] = {}
        self.trades_by_company: dict[int, list[int]] = {}
        self.projects_by_company: dict[int, dict[int, None]] = {}
        self.vendors_by_company: dict[int, dict[int, None]] = {}
        self.packages_by_project: dict[int, dict[int, None]] = {}
        self.bids_by_package: dict[int, dict[int, None]] = {}
        self.bids_by_project: dict[int, dict[int, None]] = {}
        self.next_ids: dict[tuple[str, int], int] = {}

    # Lookups

    def get(self, entity: str, record_id: int) -> dict[str, Any] | None:
        """Return the stored record or None."""
        return self.records[entity].get(record_id)

    def require(self, entity: str, record_id: int) -> dict[str, Any]:
        """Return the stored record or raise ``WorldError``."""
        record = self.get(entity, record_id)
        if record is None:
            raise WorldError(f"no {entity} record with id {record_id}")

        return record

    def find_user(self, login_or_id: str | int) -> User | None:
        """Find a user by login (case-insensitive) or by id (int or digit string)."""
        if isinstance(login_or_id, int) or str(login_or_id).isdigit():
            return self.users.get(int(login_or_id))

        wanted = str(login_or_id).strip().lower()
        return next((user for user in self.users.values() if user.login == wanted), None)

    def company_of_project(self, project_id: int) -> int | None:
        project = self.get("projects", project_id)
        return None if project is None else project["_company_id"]

    def project_ids(self, company_id: int) -> list[int]:
        return sorted(self.projects_by_company.get(company_id, {}))

    def vendor_ids(self, company_id: int) -> list[int]:
        return sorted(self.vendors_by_company.get(company_id, {}))

    def package_ids(self, project_id: int) -> list[int]:
        return sorted(self.packages_by_project.get(project_id, {}))

    def bid_ids_for_package(self, package_id: int) -> list[int]:
        return sorted(self.bids_by_package.get(package_id, {}))

    def bid_ids_for_project(self, project_id: int) -> list[int]:
        return sorted(self.bids_by_project.get(project_id, {}))

    def allocate_id(self, entity: str, company_id: int) -> int:
        """Return the next unused id in a company's id range for that entity."""
        key = (entity, company_id)
        next_id = self.next_ids[key]
        self.next_ids[key] = next_id + 1
        return next_id

    # Inserts

    def add(self, entity: str, record: dict[str, Any]) -> dict[str, Any]:
        """Insert a record and index it under its parent."""
        record_id = record["id"]
        if record_id in self.records[entity]:
            raise WorldError(f"{entity} record {record_id} already exists")

        self.records[entity][record_id] = record
        for index, parent_key in self._indices(entity):
            index.setdefault(record[parent_key], {})[record_id] = None

        if entity == "companies":
            self.projects_by_company.setdefault(record_id, {})
            self.vendors_by_company.setdefault(record_id, {})
        elif entity == "projects":
            self.packages_by_project.setdefault(record_id, {})
            self.bids_by_project.setdefault(record_id, {})
        elif entity == "bid_packages":
            self.bids_by_package.setdefault(record_id, {})

        return record

    def add_trade(self, trade: dict[str, Any]) -> None:
        self.trades[trade["id"]] = trade
        self.trades_by_company.setdefault(trade["_company_id"], []).append(trade["id"])

    # Changes

    def update(
        self,
        entity: str,
        record_id: int,
        changes: dict[str, Any],
        now: int,
        strictly_later: bool = True,
    ) -> dict[str, Any]:
        """Apply field changes; bump ``updated_at`` where the entity has one.

        ``updated_at`` becomes ``now``; with ``strictly_later`` it also moves at least one
        second past its old value, so a second update within one second still shows. A
        frozen clock passes False: then every update lands on the same second.
        """
        record = self.require(entity, record_id)
        frozen = _FROZEN_KEYS.intersection(changes)
        if frozen:
            raise WorldError(f"cannot change {', '.join(sorted(frozen))}")

        record.update(changes)
        if entity in ENTITIES_WITH_UPDATED_AT and "updated_at" not in changes:
            floor = record.get("updated_at", 0) + 1 if strictly_later else now
            record["updated_at"] = max(now, floor)

        return record

    def delete(self, entity: str, record_id: int) -> None:
        """Remove a record and everything below it (projects take packages and bids)."""
        record = self.require(entity, record_id)
        for child_entity, child_ids in self._children(entity, record_id):
            for child_id in list(child_ids):
                if child_id in self.records[child_entity]:
                    self.delete(child_entity, child_id)

        for index, parent_key in self._indices(entity):
            index.get(record[parent_key], {}).pop(record_id, None)

        del self.records[entity][record_id]
        if entity == "projects":
            for user in self.users.values():
                user.projects.discard(record_id)

    def subtree(self, entity: str, record_id: int) -> list[tuple[str, dict[str, Any]]]:
        """The record and everything a delete would take with it, in deletion order."""
        record = self.require(entity, record_id)
        found: list[tuple[str, dict[str, Any]]] = []
        for child_entity, child_ids in self._children(entity, record_id):
            for child_id in list(child_ids):
                if child_id in self.records[child_entity]:
                    found.extend(self.subtree(child_entity, child_id))

        found.append((entity, record))
        return found

    def _indices(self, entity: str) -> list[tuple[dict[int, dict[int, None]], str]]:
        if entity == "projects":
            return [(self.projects_by_company, "_company_id")]
        if entity == "vendors":
            return [(self.vendors_by_company, "_company_id")]
        if entity == "bid_packages":
            return [(self.packages_by_project, "project_id")]
        if entity == "bids":
            return [(self.bids_by_package, "bid_package_id"), (self.bids_by_project, "_project_id")]

        return []

    def _children(self, entity: str, record_id: int) -> Iterable[tuple[str, Iterable[int]]]:
        if entity == "companies":
            yield "projects", self.project_ids(record_id)
            yield "vendors", self.vendor_ids(record_id)
        elif entity == "projects":
            yield "bid_packages", self.package_ids(record_id)
        elif entity == "bid_packages":
            yield "bids", self.bid_ids_for_package(record_id)

    def counts(self) -> dict[str, int]:
        """Return how many records of each entity exist."""
        return {name: len(records) for name, records in self.records.items()}
