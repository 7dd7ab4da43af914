"""Assemble the Flask application: login-host routes, API routes and the control API.

``DropConnectionMiddleware`` sits outside Flask: when a handler marks the request, it
closes the socket without writing the response, so the client sees a connection error
(used for "the refresh happened but the answer was lost" and for injected resets).
"""

from __future__ import annotations

import contextlib
import socket
import uuid
from collections.abc import Iterable
from typing import Any

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException

from procore_simulator import (
    api_account,
    api_bidding,
    api_guard,
    api_projects,
    api_vendors,
    api_webhooks,
    control,
    oauth_authorize,
    oauth_token,
)
from procore_simulator.context import DROP_CONNECTION_KEY, EXTENSION_KEY
from procore_simulator.responses import ApiError, json_response
from procore_simulator.state import SimulatorState


class DropConnectionMiddleware:
    """Close the connection instead of answering when a handler asked for it."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        result = self.app(environ, start_response)
        if not environ.get(DROP_CONNECTION_KEY):
            return result

        if hasattr(result, "close"):
            result.close()

        connection = environ.get("werkzeug.socket")
        if connection is not None:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

        # The development server treats ConnectionError as a client that went away.
        raise ConnectionAbortedError("response dropped on purpose")


def create_app(state: SimulatorState) -> Flask:
    """Build the WSGI app serving ``state``."""
    app = Flask("procore_simulator")
    app.extensions[EXTENSION_KEY] = state
    app.url_map.strict_slashes = False

    for module in (
        oauth_authorize,
        oauth_token,
        api_account,
        api_projects,
        api_bidding,
        api_vendors,
        api_webhooks,
        control,
    ):
        app.register_blueprint(module.blueprint)

    app.before_request(_assign_request_id)
    app.before_request(api_guard.guard)
    app.after_request(api_guard.add_response_headers)
    app.register_error_handler(ApiError, _api_error)
    app.register_error_handler(HTTPException, _http_error)
    app.wsgi_app = DropConnectionMiddleware(app.wsgi_app)  # type: ignore[method-assign]
    return app


def _assign_request_id() -> None:
    g.simulator_request_id = uuid.uuid4().hex


def _api_error(error: ApiError) -> Response:
    return error.response()


def _http_error(error: HTTPException) -> Response:
    """JSON for routing errors on the API and the control API; plain pages elsewhere."""
    status = error.code or 500
    if request.path.startswith("/rest/"):
        return json_response({"errors": [_reason(status)]}, status)
    if request.path.startswith("/_simulator/"):
        return json_response({"error": _reason(status)}, status)

    return Response(_reason(status), status=status, content_type="text/plain; charset=utf-8")


def _reason(status: int) -> str:
    return {404: "Not found", 405: "Method not allowed"}.get(status, "Request failed")
