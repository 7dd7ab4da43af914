"""What a Procore record must hold before we store it, per entity.

Only what the product relies on is checked: the ids that place a record (its key, its parent),
the `updated_at` that incremental listings follow, and the money and flags the screens show.
Everything else Procore sends is kept as it came. A record that fails is not stored (the copy
we had stays), is reported with the fields at fault, and never sinks the rest of its page.
Error messages name fields, never values: bid amounts are commercially sensitive.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

ProcoreId = Field(strict=True, gt=0)


class _Record(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: int = ProcoreId


class Project(_Record):
    name: str | None = None
    active: bool | None = None
    updated_at: datetime | None = None


class Vendor(_Record):
    name: str | None = None
    is_active: bool | None = None
    updated_at: datetime | None = None


class BidPackage(_Record):
    title: str | None = None
    open: bool | None = None


class Bid(_Record):
    bid_package_id: int = ProcoreId
    lump_sum_amount: Decimal | None = None
    awarded: bool | None = None
    submitted: bool | None = None


MODELS: dict[str, type[_Record]] = {
    "project": Project, "vendor": Vendor, "bid_package": BidPackage, "bid": Bid,
}


def problems(entity: str, record: Any) -> str | None:
    """None when the record may be stored; else which fields are wrong, without their values."""
    if not isinstance(record, dict):
        return "not a JSON object"
    try:
        MODELS[entity].model_validate(record)
    except ValidationError as exc:
        return "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or 'record'}: {error['msg']}"
            for error in exc.errors(include_input=False, include_url=False)
        )
    return None


def procore_id(record: Any) -> int | None:
    """The record's Procore id when it has a usable one, even if other fields are wrong."""
    value = record.get("id") if isinstance(record, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None
