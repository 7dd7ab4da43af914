"""Helpers shared by the REST handlers: company scoping, project lookup, paged answers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from flask import Response, request

from procore_simulator import churn, pagination, visibility
from procore_simulator.api_guard import check_company_access
from procore_simulator.context import current_company_id, current_state, current_user
from procore_simulator.filters import FilterError
from procore_simulator.responses import ApiError, json_response, not_found


def company_scope(value: int | str | None) -> int:
    """Resolve the company a call names (query or path) against the header company.

    A missing value is a 400. When ``require_company_header_match`` is on, a value that
    differs from the ``Procore-Company-Id`` header is a 400 too; otherwise it is checked
    for membership and installation like the header.
    """
    state = current_state()
    if value is None or str(value).strip() == "":
        raise ApiError(400, "Missing required parameter: company_id")

    if not str(value).strip().isdigit():
        raise ApiError(400, "company_id must be an integer")

    company_id = int(value)
    if company_id != current_company_id():
        if state.config.require_company_header_match:
            raise ApiError(400, "company_id does not match the Procore-Company-Id header")

        check_company_access(state, current_user(), company_id)

    return company_id


def query_company() -> int:
    return company_scope(request.args.get("company_id"))


def visible_project(project_id: int) -> dict[str, Any]:
    """The project, if it is in the header company and the user can see it; else 404."""
    state = current_state()
    project = state.world.get("projects", project_id)
    if project is None or project["_company_id"] != current_company_id():
        raise not_found()

    if not visibility.can_see_project(state.world, current_user(), project_id):
        raise not_found()

    return project


def filter_error(error: FilterError) -> ApiError:
    return ApiError(400, str(error))


def paged(
    records: Sequence[dict[str, Any]],
    to_json: Callable[[dict[str, Any]], Any],
    family: str = "default",
    per_page_override: int | None = None,
    wrap: str | None = None,
    churn_scope: churn.Scope | None = None,
) -> Response:
    """Answer one page of ``records`` with Procore's pagination headers.

    ``family`` picks the page-size cap from ``max_per_page``; ``wrap`` puts the list under
    a key (``{"bidPackages": [...]}``) instead of answering a bare array. With a
    ``churn_scope``, the page is rendered first and the churn knobs then change the data.
    """
    state = current_state()
    config = state.config
    maximum = config.max_per_page.get(family, config.max_per_page["default"])
    page_number, per_page = pagination.page_args(
        request.args.get("page"), request.args.get("per_page"), config.default_per_page, maximum
    )
    if per_page_override is not None:
        per_page = per_page_override

    page = pagination.cut(records, page_number, per_page)
    body: Any = [to_json(record) for record in page.items]
    if wrap is not None:
        body = {wrap: body}

    headers = pagination.headers(
        request.base_url,
        list(request.args.items(multi=True)),
        page,
        config.link_prev_on_page_2,
    )
    response = json_response(body, 200, headers)
    if churn_scope is not None:
        churn.after_page(state, churn_scope)

    return response


def sorted_records(
    records: list[dict[str, Any]],
    sort: tuple[str, bool] | None,
    text: Callable[[dict[str, Any], str], str] | None = None,
) -> list[dict[str, Any]]:
    """Sort by id, or by a text field (then id) when ``sort`` names one."""
    if sort is None:
        return sorted(records, key=lambda record: record["id"])

    field, descending = sort
    text_of = text or (lambda record, name: str(record.get(name) or ""))
    return sorted(
        records,
        key=lambda record: (text_of(record, field).lower(), record["id"]),
        reverse=descending,
    )
