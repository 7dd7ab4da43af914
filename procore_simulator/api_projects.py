"""REST: project lists (v1.1 and v1.0) and the v1.0 project show.

Lists return active projects unless ``filters[by_status]`` says ``Inactive`` or ``All``, and
only the projects the user can see.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from procore_simulator import filters, serialize, visibility
from procore_simulator.api_common import (
    filter_error,
    paged,
    query_company,
    sorted_records,
    visible_project,
)
from procore_simulator.churn import Scope
from procore_simulator.context import current_state, current_user
from procore_simulator.responses import ApiError, json_response

blueprint = Blueprint("api_projects", __name__)

V1_1_VIEWS = ("ids", "compact", "normal", "extended")
IDS_VIEW_PER_PAGE = 200_000


@blueprint.get("/rest/v1.1/projects")
def list_projects_v1_1() -> Response:
    view = request.args.get("view") or "normal"
    if view not in V1_1_VIEWS:
        raise ApiError(400, f"view must be one of {', '.join(V1_1_VIEWS)}")

    state = current_state()
    with state.lock:
        company_id = query_company()
        records = _matching_projects(company_id)
        return paged(
            records,
            lambda record: serialize.project(state.world, record, "v1.1", view),
            family="projects_v1_1",
            per_page_override=IDS_VIEW_PER_PAGE if view == "ids" else None,
            churn_scope=Scope("projects", company_id=company_id),
        )


@blueprint.get("/rest/v1.0/projects")
def list_projects_v1_0() -> Response:
    view = "compact" if request.args.get("serializer_view") == "compact" else "normal"
    state = current_state()
    with state.lock:
        company_id = query_company()
        records = _matching_projects(company_id)
        return paged(
            records,
            lambda record: serialize.project(state.world, record, "v1.0", view),
            churn_scope=Scope("projects", company_id=company_id),
        )


@blueprint.get("/rest/v1.0/projects/<int:project_id>")
def show_project(project_id: int) -> Response:
    state = current_state()
    with state.lock:
        query_company()
        project = visible_project(project_id)
        return json_response(serialize.project(state.world, project, "v1.0"))


def _matching_projects(company_id: int) -> list[dict[str, Any]]:
    state = current_state()
    args = request.args
    status = (args.get("filters[by_status]") or "Active").lower()
    if status not in ("active", "inactive", "all"):
        raise ApiError(400, "filters[by_status] must be Active, Inactive or All")

    try:
        updated = filters.optional_range(args, "updated_at")
        created = filters.optional_range(args, "created_at")
        ids = filters.parse_ids(args, "id")
        sort = filters.sort_key(args.get("sort"), ("name", "display_name"))
    except filters.FilterError as error:
        raise filter_error(error) from error

    name = (args.get("filters[name]") or "").lower()
    number = args.get("filters[project_number]")
    records = []
    for project_id in visibility.project_ids(state.world, current_user(), company_id):
        record = state.world.records["projects"][project_id]
        if status != "all" and record["active"] is not (status == "active"):
            continue
        if ids is not None and project_id not in ids:
            continue
        if name and name not in str(record.get("name", "")).lower():
            continue
        if number is not None and record.get("project_number") != number:
            continue
        if not filters.in_range(record.get("updated_at"), updated):
            continue
        if not filters.in_range(record.get("created_at"), created):
            continue

        records.append(record)

    return sorted_records(records, sort, _sort_text)


def _sort_text(record: dict[str, Any], field: str) -> str:
    if field == "display_name" and "display_name" not in record:
        return f"{record.get('project_number')} - {record.get('name')}"

    return str(record.get(field) or "")
