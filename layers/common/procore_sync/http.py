"""HTTP plumbing shared by the API functions: who the caller is, and errors as JSON."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import UnauthorizedError

from .errors import IntegrationError
from .observability import logger


def caller_user_id(app: APIGatewayHttpResolver) -> str:
    """The Palcode.ai user id (`sub`) from the HTTP API's JWT authorizer; never from the request."""
    claims = app.current_event.request_context.authorizer.jwt_claim or {}
    user_id = claims.get("sub")
    if not user_id:
        raise UnauthorizedError("Unauthorized")
    return str(user_id)


def json_body(app: APIGatewayHttpResolver) -> dict[str, Any]:
    body = app.current_event.body
    if not body:
        return {}
    try:
        parsed = json.loads(body)
    except ValueError:
        raise BadRequest("body", "must be a JSON object") from None
    if not isinstance(parsed, dict):
        raise BadRequest("body", "must be a JSON object")
    return parsed


class BadRequest(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def error_response(status: int, error: str, message: str, **extra: Any) -> Response:
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps({"error": error, "message": message, **extra}),
        headers={"Cache-Control": "no-store"},
    )


def make_resolver() -> APIGatewayHttpResolver:
    app = APIGatewayHttpResolver()

    @app.exception_handler(BadRequest)
    def _bad_request(exc: BadRequest) -> Response:
        return error_response(400, "bad_request", exc.message, field=exc.field)

    @app.exception_handler(IntegrationError)
    def _integration_error(exc: IntegrationError) -> Response:
        logger.info("request refused", reason=exc.reason)
        return error_response(400, exc.reason, str(exc))

    return app
