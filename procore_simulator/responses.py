"""JSON responses and the API error type the REST handlers raise.

Procore's REST errors are ``{"errors": [...]}``; OAuth errors are Doorkeeper-style
``{"error": ..., "error_description": ...}`` and are built in ``oauth_errors``.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Response

JSON_TYPE = "application/json; charset=utf-8"


class ApiError(Exception):
    """A REST error answer: HTTP status plus Procore's ``errors`` list."""

    def __init__(self, status: int, *messages: str, headers: dict[str, str] | None = None):
        super().__init__(f"{status}: {'; '.join(messages)}")
        self.status = status
        self.messages = list(messages)
        self.headers = headers or {}

    def response(self) -> Response:
        return json_response({"errors": self.messages}, self.status, self.headers)


def not_found() -> ApiError:
    return ApiError(404, "Not found")


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(data, separators=(",", ":"))
    return Response(body, status=status, headers=headers or {}, content_type=JSON_TYPE)
