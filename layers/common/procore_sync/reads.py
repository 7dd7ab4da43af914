"""What the Palcode.ai screens read: one user's synced records, a page at a time.

Every read is scoped by the caller's identity: the partition is built from the user id the
authorizer gave, and a company, project or bid package the user has not synced answers
"not found", the same as one that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .cursor import CursorCodec
from .status import json_ready
from .storage.records import partition

if TYPE_CHECKING:
    from .services import Services


class NotFound(LookupError):
    """Nothing the caller synced has that id."""


@dataclass(frozen=True)
class Listing:
    """One list route: the records under a sort-key prefix of one company's partition."""

    company_id: int
    prefix: str
    parents: tuple[str, ...] = ()  # sort keys that must exist first (project, bid package)

    @property
    def name(self) -> str:
        return f"{self.company_id}/{self.prefix}"


def projects(company_id: int) -> Listing:
    return Listing(company_id, "project#")


def vendors(company_id: int) -> Listing:
    return Listing(company_id, "vendor#")


def bid_packages(company_id: int, project_id: int) -> Listing:
    return Listing(company_id, f"bid_package#{project_id}#", parents=(f"project#{project_id}",))


def bids(company_id: int, project_id: int, bid_package_id: int) -> Listing:
    return Listing(
        company_id,
        f"bid#{project_id}#{bid_package_id}#",
        parents=(f"project#{project_id}", f"bid_package#{project_id}#{bid_package_id}"),
    )


def read_page(
    services: Services, *, user_id: str, listing: Listing, limit: int, cursor: str | None,
    include_deleted: bool,
) -> dict[str, Any]:
    """`{"items": [...], "next_cursor": ...}`; each item is the Procore record plus `synced_at`
    (and `deleted_at` once Procore no longer shows it)."""
    connection = services.connections.get(user_id)
    if connection is None or str(listing.company_id) not in (connection.get("companies") or {}):
        raise NotFound("company")
    pk = partition(user_id, listing.company_id)
    for sk in listing.parents:
        if not services.records.exists(pk, sk):
            raise NotFound(sk.split("#", 1)[0])
    codec = CursorCodec(services.settings.token_key_arn)
    after = codec.decode(cursor, user_id=user_id, listing=listing.name) if cursor else None
    found, more = services.records.page(
        pk, listing.prefix, limit=limit, after=after, include_deleted=include_deleted
    )
    items = []
    for item in found:
        record = dict(item.get("record") or {})
        record["synced_at"] = item.get("synced_at")
        if include_deleted:
            record["deleted_at"] = item.get("deleted_at")
        items.append(record)
    next_cursor = (
        codec.encode(user_id=user_id, listing=listing.name, sort_key=str(found[-1]["sk"])) if more else None
    )
    return {"items": json_ready(items), "next_cursor": next_cursor}
