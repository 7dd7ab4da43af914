"""The read routes of the Palcode.ai screens: projects, bid packages, bids and vendors.

Each answers `{"items": [...], "next_cursor": ...}` for the caller only; `limit` is bounded,
`cursor` is opaque, `include_deleted=true` adds records Procore no longer shows.

The screens wait on this function's cold start, so its imports run with the collector paused
and what they loaded is frozen (docs/design.md, "Cold starts").
"""

import gc

collecting = gc.isenabled()
gc.disable()
try:
    from typing import Annotated

    from aws_lambda_powertools.event_handler.openapi.params import Path, Query
    from aws_lambda_powertools.logging import correlation_paths

    from procore_sync import reads
    from procore_sync.cursor import CursorError
    from procore_sync.http import caller_user_id, error_response, make_resolver, responses
    from procore_sync.observability import logger
    from procore_sync.services import get_services

    gc.freeze()  # loaded for the container's life: no collection scans it again
finally:
    if collecting:
        gc.enable()  # also when an import failed

app = make_resolver(enable_validation=True)
PAGE = responses(200, 400, 401, 404, 422, ok="`{items: [...], next_cursor}`: Procore records with `synced_at`")

Id = Annotated[int, Path(gt=0, lt=2**63)]
Limit = Annotated[int, Query(ge=1, le=200, description="records per page")]
Cursor = Annotated[str | None, Query(max_length=2048, description="next_cursor of the previous page")]
IncludeDeleted = Annotated[bool, Query(description="also records Procore no longer shows")]


@app.exception_handler(reads.NotFound)
def _not_found(exc: reads.NotFound):
    return error_response(404, "not_found", "no such record among what was synced for you")


@app.exception_handler(CursorError)
def _bad_cursor(exc: CursorError):
    return error_response(400, "bad_request", "cursor is not one this listing issued", field="cursor")


def _page(listing: reads.Listing, limit: int, cursor: str | None, include_deleted: bool) -> dict:
    return reads.read_page(get_services(), user_id=caller_user_id(app), listing=listing, limit=limit,
                           cursor=cursor, include_deleted=include_deleted)


@app.get("/procore/companies/<company_id>/projects", responses=PAGE)
def list_projects(company_id: Id, limit: Limit = 50, cursor: Cursor = None,
                  include_deleted: IncludeDeleted = False) -> dict:
    return _page(reads.projects(company_id), limit, cursor, include_deleted)


@app.get("/procore/companies/<company_id>/projects/<project_id>/bid-packages", responses=PAGE)
def list_bid_packages(company_id: Id, project_id: Id, limit: Limit = 50, cursor: Cursor = None,
                      include_deleted: IncludeDeleted = False) -> dict:
    return _page(reads.bid_packages(company_id, project_id), limit, cursor, include_deleted)


@app.get("/procore/companies/<company_id>/projects/<project_id>/bid-packages/<bid_package_id>/bids", responses=PAGE)
def list_bids(company_id: Id, project_id: Id, bid_package_id: Id, limit: Limit = 50, cursor: Cursor = None,
              include_deleted: IncludeDeleted = False) -> dict:
    return _page(reads.bids(company_id, project_id, bid_package_id), limit, cursor, include_deleted)


@app.get("/procore/companies/<company_id>/vendors", responses=PAGE)
def list_vendors(company_id: Id, limit: Limit = 50, cursor: Cursor = None,
                 include_deleted: IncludeDeleted = False) -> dict:
    return _page(reads.vendors(company_id), limit, cursor, include_deleted)


# No Powertools tracer here: its X-Ray SDK would double this function's cold start, and the
# screens wait on it (Lambda's active tracing still records each invocation).
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event, context):
    return app.resolve(event, context)
