"""POST /integrations/procore/disconnect for the caller, or a direct invocation by an operator
with `{"user_id": "...", "purge": false}`."""

from aws_lambda_powertools.logging import correlation_paths

from procore_sync.disconnect import disconnect
from procore_sync.http import BadRequest, caller_user_id, json_body, make_resolver, responses
from procore_sync.observability import logger, tracer
from procore_sync.services import get_services

app = make_resolver()


def _purge(value: object) -> bool:
    if not isinstance(value, bool):
        raise BadRequest("purge", "must be true or false")
    return value


@app.post("/integrations/procore/disconnect", responses=responses(200, 400, 401, ok="disconnected: `{status, revoked, purged_records}`"))
def disconnect_route() -> dict:
    body = json_body(app)
    result = disconnect(get_services(), user_id=caller_user_id(app), purge=_purge(body.get("purge", False)))
    return {"status": "not_connected", "revoked": result["revoked"], "purged_records": result["purged_records"]}


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event, context):
    if isinstance(event, dict) and "requestContext" not in event:  # an operator's direct invocation
        user_id = event.get("user_id")
        if not isinstance(user_id, str) or not user_id:
            return {"error": "bad_request", "field": "user_id", "message": "user_id is required"}
        try:
            purge = _purge(event.get("purge", False))
        except BadRequest as exc:
            return {"error": "bad_request", "field": exc.field, "message": exc.message}
        return disconnect(get_services(), user_id=user_id, purge=purge)
    return app.resolve(event, context)
