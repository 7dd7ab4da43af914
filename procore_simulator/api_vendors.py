"""REST: the company vendor directory (active list, inactive list, show).

``/rest/v1.0/vendors`` lists active vendors only; inactive ones are on
``/rest/v1.0/companies/{company_id}/vendors/inactive``. Every company member sees the
directory.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from procore_simulator import filters, serialize
from procore_simulator.api_common import (
    company_scope,
    filter_error,
    paged,
    query_company,
    sorted_records,
)
from procore_simulator.churn import Scope
from procore_simulator.context import current_state
from procore_simulator.responses import json_response, not_found

blueprint = Blueprint("api_vendors", __name__)

VENDOR_SORTS = ("name", "main_office_name", "project_and_bid_counts")


@blueprint.get("/rest/v1.0/vendors")
def list_vendors() -> Response:
    state = current_state()
    view = request.args.get("view") or "extended"
    with state.lock:
        company_id = query_company()
        records = _vendors(company_id, active=True, with_filters=True)
        return paged(
            records,
            lambda record: serialize.vendor(state.world, record, view),
            churn_scope=Scope("vendors", company_id=company_id),
        )


@blueprint.get("/rest/v1.0/companies/<int:company_id>/vendors/inactive")
def list_inactive_vendors(company_id: int) -> Response:
    state = current_state()
    view = request.args.get("view") or "extended"
    with state.lock:
        company_scope(company_id)
        records = _vendors(company_id, active=False, with_filters=False)
        return paged(
            records,
            lambda record: serialize.vendor(state.world, record, view),
            churn_scope=Scope("vendors", company_id=company_id),
        )


@blueprint.get("/rest/v1.0/vendors/<int:vendor_id>")
def show_vendor(vendor_id: int) -> Response:
    state = current_state()
    view = request.args.get("view") or "extended"
    with state.lock:
        company_id = query_company()
        record = state.world.get("vendors", vendor_id)
        if record is None or record["_company_id"] != company_id:
            raise not_found()

        return json_response(serialize.vendor(state.world, record, view))


def _vendors(company_id: int, active: bool, with_filters: bool) -> list[dict[str, Any]]:
    state = current_state()
    args = request.args
    try:
        sort = filters.sort_key(args.get("sort"), VENDOR_SORTS)
        updated = filters.optional_range(args, "updated_at") if with_filters else None
        created = filters.optional_range(args, "created_at") if with_filters else None
        ids = filters.parse_ids(args, "id") if with_filters else None
        trade_ids = filters.parse_ids(args, "trade_id") if with_filters else None
    except filters.FilterError as error:
        raise filter_error(error) from error

    search = (args.get("filters[search]") or "").lower() if with_filters else ""
    records = []
    for vendor_id in state.world.vendor_ids(company_id):
        record = state.world.records["vendors"][vendor_id]
        if bool(record.get("is_active")) is not active:
            continue
        if ids is not None and vendor_id not in ids:
            continue
        if trade_ids is not None and not trade_ids.intersection(record.get("_trade_ids", [])):
            continue
        if search and search not in str(record.get("name", "")).lower():
            continue
        if not filters.in_range(record.get("updated_at"), updated):
            continue
        if not filters.in_range(record.get("created_at"), created):
            continue

        records.append(record)

    if sort is not None and sort[0] != "name":
        sort = None

    return sorted_records(records, sort)
