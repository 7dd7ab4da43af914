"""Which companies sync (GET and PUT /integrations/procore/companies), and "Sync now"
(POST /integrations/procore/sync) for the caller."""

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.logging import correlation_paths

from procore_sync import sync_control
from procore_sync.errors import NotConnectedError
from procore_sync.http import (
    BadRequest,
    caller_user_id,
    error_response,
    json_body,
    make_resolver,
    responses,
)
from procore_sync.observability import logger, tracer
from procore_sync.services import get_services

app = make_resolver()
MAX_COMPANIES = 1000


@app.exception_handler(NotConnectedError)
def _not_connected(exc: NotConnectedError) -> Response:
    return error_response(409, exc.reason, "connect Procore first")


@app.exception_handler(sync_control.NotSyncableError)
def _not_syncable(exc: sync_control.NotSyncableError) -> Response:
    error = "no_company_selected" if exc.reason == "no_company_selected" else "reauthorization_required"
    return error_response(409, error, str(exc), reason=exc.reason)


@app.exception_handler(sync_control.SyncTooSoonError)
def _too_soon(exc: sync_control.SyncTooSoonError) -> Response:
    response = error_response(429, exc.reason, str(exc), retry_after=exc.retry_after)
    response.headers["Retry-After"] = str(exc.retry_after)
    return response


@app.exception_handler(sync_control.UnknownCompanyError)
def _unknown_company(exc: sync_control.UnknownCompanyError) -> Response:
    return error_response(422, exc.reason, str(exc), field="company_ids")


def _company_ids(body: dict) -> list[int]:
    value = body.get("company_ids")
    if not isinstance(value, list) or len(value) > MAX_COMPANIES:
        raise BadRequest("company_ids", f"must be a list of at most {MAX_COMPANIES} company ids")
    ids = []
    for item in value:
        if isinstance(item, str) and item.isascii() and item.isdigit() and len(item) <= 19:
            item = int(item)
        if isinstance(item, bool) or not isinstance(item, int) or not 0 < item < 2**63:
            raise BadRequest("company_ids", "each company id must be a positive integer")
        ids.append(item)
    return ids


@app.get("/integrations/procore/companies", responses=responses(200, 401, 409, ok="`{companies: [...]}`"))
def get_companies() -> dict:
    return {"companies": sync_control.companies(get_services(), caller_user_id(app))}


@app.put("/integrations/procore/companies", responses=responses(200, 400, 401, 409, 422, ok="the new selection"))
def put_companies() -> dict:
    company_ids = _company_ids(json_body(app))
    return {"companies": sync_control.select_companies(get_services(), caller_user_id(app), company_ids)}


@app.post("/integrations/procore/sync", responses=responses(202, 401, 409, 429, ok="`{sync_run_id, queued}`"))
def sync():
    result = sync_control.sync_now(get_services(), caller_user_id(app))
    return Response(status_code=202, content_type=content_types.APPLICATION_JSON, body=result)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event, context):
    return app.resolve(event, context)
