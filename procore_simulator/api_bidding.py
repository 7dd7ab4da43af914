"""REST: bid packages and bids, per project and per company.

The v1.1 project list returns open packages by default; ``view=all`` adds closed ones and
``filter=open|closed|hidden|has_bid_forms`` narrows. Bids have no filters. Everything is
limited to projects the user can see.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from procore_simulator import filters, serialize, visibility
from procore_simulator.api_common import (
    company_scope,
    filter_error,
    paged,
    sorted_records,
    visible_project,
)
from procore_simulator.churn import Scope
from procore_simulator.context import current_state, current_user
from procore_simulator.responses import ApiError, json_response, not_found

blueprint = Blueprint("api_bidding", __name__)

PACKAGE_FILTERS = ("open", "closed", "hidden", "has_bid_forms")
PACKAGE_SORTS = (
    "number",
    "title",
    "bid_due_date",
    "invited_bids_count",
    "bids_will_bid_count",
    "submitted_bids_count",
    "status",
)


@blueprint.get("/rest/v1.1/projects/<int:project_id>/bid_packages")
def list_bid_packages(project_id: int) -> Response:
    state = current_state()
    view = request.args.get("view") or ""
    chosen = request.args.get("filter") or ""
    if chosen and chosen not in PACKAGE_FILTERS:
        raise ApiError(400, f"filter must be one of {', '.join(PACKAGE_FILTERS)}")

    with state.lock:
        visible_project(project_id)
        scope = Scope("bid_packages", project_id=project_id)
        records = [
            state.world.records["bid_packages"][package_id]
            for package_id in state.world.package_ids(project_id)
        ]
        records = [record for record in records if _package_matches(record, view, chosen)]
        if view == "internal":
            try:
                sort = filters.sort_key(request.args.get("sort"), PACKAGE_SORTS)
            except filters.FilterError as error:
                raise filter_error(error) from error

            records = sorted_records(records, sort, lambda r, f: f"{r.get(f, ''):>20}")
            return paged(
                records,
                lambda record: serialize.bid_package(state.world, record),
                churn_scope=scope,
            )

        shape = state.config.bid_package_list_view
        return paged(
            records,
            lambda record: serialize.bid_package_list_item(state.world, record, shape),
            churn_scope=scope,
        )


@blueprint.get("/rest/v1.0/projects/<int:project_id>/bid_packages/<int:package_id>")
def show_bid_package(project_id: int, package_id: int) -> Response:
    state = current_state()
    with state.lock:
        package = _project_package(project_id, package_id)
        return json_response(serialize.bid_package(state.world, package))


@blueprint.get("/rest/v1.0/projects/<int:project_id>/bid_packages/<int:package_id>/bids")
def list_package_bids(project_id: int, package_id: int) -> Response:
    state = current_state()
    with state.lock:
        _project_package(project_id, package_id)
        records = [
            state.world.records["bids"][bid_id]
            for bid_id in state.world.bid_ids_for_package(package_id)
        ]
        return paged(
            records,
            lambda record: serialize.bid(state.world, record),
            churn_scope=Scope("bids", project_id=project_id, package_id=package_id),
        )


@blueprint.get(
    "/rest/v1.0/projects/<int:project_id>/bid_packages/<int:package_id>/bids/<int:bid_id>"
)
def show_package_bid(project_id: int, package_id: int, bid_id: int) -> Response:
    state = current_state()
    with state.lock:
        _project_package(project_id, package_id)
        record = state.world.get("bids", bid_id)
        if record is None or record["bid_package_id"] != package_id:
            raise not_found()

        return json_response(serialize.bid_show(state.world, record))


@blueprint.get("/rest/v1.0/projects/<int:project_id>/bids")
def list_project_bids(project_id: int) -> Response:
    state = current_state()
    with state.lock:
        visible_project(project_id)
        records = [
            state.world.records["bids"][bid_id]
            for bid_id in state.world.bid_ids_for_project(project_id)
        ]
        return paged(
            records,
            lambda record: serialize.bid(state.world, record),
            churn_scope=Scope("bids", project_id=project_id),
        )


@blueprint.get("/rest/v1.0/projects/<int:project_id>/bids/<int:bid_id>")
def show_project_bid(project_id: int, bid_id: int) -> Response:
    state = current_state()
    with state.lock:
        visible_project(project_id)
        record = state.world.get("bids", bid_id)
        if record is None or record["_project_id"] != project_id:
            raise not_found()

        return json_response(serialize.bid_show(state.world, record))


@blueprint.get("/rest/v1.0/companies/<int:company_id>/bid_packages")
def list_company_bid_packages(company_id: int) -> Response:
    """The company-wide list; Procore wraps it as ``{"bidPackages": [...]}``."""
    state = current_state()
    with state.lock:
        company_scope(company_id)
        package_ids = sorted(
            package_id
            for project_id in _visible_project_ids(company_id)
            for package_id in state.world.package_ids(project_id)
        )
        records = [state.world.records["bid_packages"][package_id] for package_id in package_ids]
        return paged(
            records,
            lambda record: serialize.company_bid_package(state.world, record),
            wrap="bidPackages",
        )


@blueprint.get("/rest/v1.0/companies/<int:company_id>/bids")
def list_company_bids(company_id: int) -> Response:
    state = current_state()
    with state.lock:
        company_scope(company_id)
        bid_ids = sorted(
            bid_id
            for project_id in _visible_project_ids(company_id)
            for bid_id in state.world.bid_ids_for_project(project_id)
        )
        records = [state.world.records["bids"][bid_id] for bid_id in bid_ids]
        return paged(records, lambda record: serialize.bid(state.world, record))


@blueprint.get("/rest/v1.0/companies/<int:company_id>/bids/<int:bid_id>")
def show_company_bid(company_id: int, bid_id: int) -> Response:
    state = current_state()
    with state.lock:
        company_scope(company_id)
        record = state.world.get("bids", bid_id)
        if record is None or record["company_id"] != company_id:
            raise not_found()

        if not visibility.can_see_project(state.world, current_user(), record["_project_id"]):
            raise not_found()

        return json_response(serialize.bid_show(state.world, record))


def _project_package(project_id: int, package_id: int) -> dict[str, Any]:
    visible_project(project_id)
    package = current_state().world.get("bid_packages", package_id)
    if package is None or package["project_id"] != project_id:
        raise not_found()

    return package


def _package_matches(record: dict[str, Any], view: str, chosen: str) -> bool:
    if chosen == "hidden":
        return bool(record.get("hidden"))
    if record.get("hidden"):
        return False
    if chosen == "open":
        return bool(record.get("open"))
    if chosen == "closed":
        return not record.get("open")
    if chosen == "has_bid_forms" or view == "all":
        return True

    return bool(record.get("open"))


def _visible_project_ids(company_id: int) -> list[int]:
    state = current_state()
    return visibility.project_ids(state.world, current_user(), company_id)
