"""HTTP plumbing shared by the API functions: who the caller is, and errors as JSON."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

from .errors import IntegrationError
from .observability import logger


MAX_USER_ID_LENGTH = 200  # it leads every DynamoDB key of the user's data


class Unauthorized(Exception):
    """The request carries no usable Palcode.ai identity."""


def caller_user_id(app: APIGatewayHttpResolver) -> str:
    """The Palcode.ai user id (`sub`) from the HTTP API's JWT authorizer; never from the request."""
    claims = app.current_event.request_context.authorizer.jwt_claim or {}
    user_id = claims.get("sub")
    if not user_id or not isinstance(user_id, str) or len(user_id) > MAX_USER_ID_LENGTH:
        raise Unauthorized()
    return user_id


def json_body(app: APIGatewayHttpResolver) -> dict[str, Any]:
    """The request body as a JSON object (HTTP API base64-encodes bodies it deems binary)."""
    body = app.current_event.decoded_body
    if not body:
        return {}
    try:
        parsed = json.loads(body)
    except (ValueError, RecursionError):
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


def _no_store(app: APIGatewayHttpResolver, next_middleware: NextMiddleware) -> Response:
    # Every answer is about one user's connection: no browser or proxy may keep a copy.
    response = next_middleware(app)
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def make_resolver(*, enable_validation: bool = False) -> APIGatewayHttpResolver:
    """A resolver with our error shapes; `enable_validation` checks typed parameters (422)."""
    app = APIGatewayHttpResolver(enable_validation=enable_validation)
    app.use([_no_store])

    @app.exception_handler(RequestValidationError)
    def _invalid_parameter(exc: RequestValidationError) -> Response:
        # Powertools' own 422 names the field only deep in `loc`; give it our shape and headers.
        errors = list(exc.errors())
        first = errors[0] if errors else {}
        location = [str(part) for part in first.get("loc", ())]
        field = location[-1] if location else "request"
        message = str(first.get("msg") or first.get("type") or "invalid value")
        return error_response(422, "invalid_parameter", f"{field}: {message}", field=field,
                              location=location[0] if location else None)

    @app.exception_handler(Unauthorized)
    def _unauthorized(exc: Unauthorized) -> Response:
        return error_response(401, "unauthorized", "Unauthorized")

    @app.exception_handler(BadRequest)
    def _bad_request(exc: BadRequest) -> Response:
        return error_response(400, "bad_request", exc.message, field=exc.field)

    @app.exception_handler(IntegrationError)
    def _integration_error(exc: IntegrationError) -> Response:
        logger.info("request refused", reason=exc.reason)
        extra = {"field": exc.field} if exc.field else {}
        return error_response(400, exc.reason, str(exc), **extra)

    return app


def responses(*statuses: int, ok: str = "the answer") -> dict[int, dict[str, Any]]:
    """The OpenAPI responses of a route: its success, and each error it can answer."""
    meaning = {
        200: ok, 202: ok, 302: ok,
        400: "a bad parameter or body: `{error, message, field}`",
        401: "no usable Palcode.ai identity",
        404: "nothing the caller synced has that id",
        409: "not connected, or Procore must be authorized again: `{error, message, reason}`",
        422: "a parameter out of its bounds: `{error, message, field}`",
        429: "asked too often; `Retry-After` says when to ask again",
    }
    return {status: {"description": meaning[status]} for status in statuses}
