"""API Gateway HTTP API behaviour that does not depend on the server: events, responses, CORS.

`build_event` makes the payload format 2.0 event AWS hands a Lambda integration, `to_response`
turns a handler's result into the HTTP answer the way HTTP API does for that format, and
`CorsPolicy` applies an HttpApi `CorsConfiguration` (preflight answers, allowed-origin headers,
integration CORS headers overridden).
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_TEXT_TYPES = ("application/json", "application/javascript", "application/xml")


@dataclass(frozen=True)
class HttpRequest:
    """What the gateway read off the wire, before routing."""

    method: str
    raw_path: str
    raw_query: str
    headers: list[tuple[str, str]]
    body: bytes
    source_ip: str
    protocol: str


@dataclass(frozen=True)
class HttpResponse:
    """An HTTP answer: status, ordered header pairs (repeats allowed) and body bytes."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


def gateway_error(status: int, message: str) -> HttpResponse:
    """One of API Gateway's own JSON error answers, e.g. 404 `{"message":"Not Found"}`."""
    body = json.dumps({"message": message}, separators=(",", ":")).encode()
    return HttpResponse(status, [("content-type", "application/json")], body)


def new_request_id() -> str:
    """An id shaped like API Gateway's (`JKJaXmPLvHcESHA=`)."""
    return base64.b64encode(secrets.token_bytes(10)).decode()


def header_map(headers: Sequence[tuple[str, str]]) -> dict[str, str]:
    """Header names lower-cased, repeated headers joined with commas, as HTTP API does."""
    merged: dict[str, str] = {}
    for name, value in headers:
        key = name.lower()
        merged[key] = f"{merged[key]},{value}" if key in merged else value
    return merged


def query_map(raw_query: str) -> dict[str, str]:
    """Decoded query parameters, repeated names joined with commas, as HTTP API does."""
    merged: dict[str, str] = {}
    for name, value in parse_qsl(raw_query, keep_blank_values=True):
        merged[name] = f"{merged[name]},{value}" if name in merged else value
    return merged


def build_event(
    request: HttpRequest,
    *,
    route_key: str,
    path_parameters: Mapping[str, str],
    api_id: str,
    account_id: str,
    request_id: str,
    domain_name: str,
    authorizer: Mapping[str, Any] | None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The payload format 2.0 event for one request on one route."""
    now = now or datetime.now(UTC)
    text: str | None = None
    headers = header_map(request.headers)
    cookie_header = headers.pop("cookie", "")
    cookies = [c.strip() for c in cookie_header.split(";") if c.strip()]
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": request.raw_path,
        "rawQueryString": request.raw_query,
    }
    if cookies:
        event["cookies"] = cookies
    event["headers"] = headers
    query = query_map(request.raw_query)
    if query:
        event["queryStringParameters"] = query
    context: dict[str, Any] = {
        "accountId": account_id,
        "apiId": api_id,
    }
    if authorizer is not None:
        context["authorizer"] = dict(authorizer)
    context.update(
        {
            "domainName": domain_name,
            "domainPrefix": domain_name.split(".", 1)[0],
            "http": {
                "method": request.method,
                "path": request.raw_path,
                "protocol": request.protocol,
                "sourceIp": request.source_ip,
                "userAgent": headers.get("user-agent", ""),
            },
            "requestId": request_id,
            "routeKey": route_key,
            "stage": "$default",
            "time": f"{now:%d}/{_MONTHS[now.month - 1]}/{now:%Y:%H:%M:%S} +0000",
            "timeEpoch": int(now.timestamp() * 1000),
        }
    )
    event["requestContext"] = context
    if request.body:
        text = _text_body(request.body, headers.get("content-type", ""))
        event["body"] = text if text is not None else base64.b64encode(request.body).decode()
    if path_parameters:
        event["pathParameters"] = dict(path_parameters)
    event["isBase64Encoded"] = bool(request.body) and text is None
    return event


def to_response(result: Any) -> HttpResponse | None:
    """The HTTP answer for a handler's result, or None when HTTP API would call it malformed.

    A dict with `statusCode` is taken field by field (`headers`, `multiValueHeaders`,
    `cookies` as one Set-Cookie each, `body`, `isBase64Encoded`); anything else is sent as
    a 200 JSON body, the way payload format 2.0 infers a response.
    """
    if not (isinstance(result, dict) and "statusCode" in result):
        return HttpResponse(
            200, [("content-type", "application/json")], json.dumps(result).encode()
        )
    status = result["statusCode"]
    body = result.get("body")
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        return None
    if body is not None and not isinstance(body, str):
        return None
    pairs: list[tuple[str, str]] = []
    for name, value in (result.get("headers") or {}).items():
        pairs.append((str(name), _header_text(value)))
    for name, values in (result.get("multiValueHeaders") or {}).items():
        if str(name).lower() in {key.lower() for key, _ in pairs}:
            continue
        for value in values if isinstance(values, list) else [values]:
            pairs.append((str(name), _header_text(value)))
    for cookie in result.get("cookies") or []:
        pairs.append(("set-cookie", str(cookie)))
    raw = body or ""
    try:
        payload = base64.b64decode(raw) if result.get("isBase64Encoded") else raw.encode()
    except ValueError:
        return None
    return HttpResponse(status, pairs, payload)


@dataclass(frozen=True)
class CorsPolicy:
    """An HttpApi CorsConfiguration with its values resolved."""

    allow_origins: tuple[str, ...] = ()
    allow_methods: tuple[str, ...] = ()
    allow_headers: tuple[str, ...] = ()
    expose_headers: tuple[str, ...] = ()
    allow_credentials: bool = False
    max_age: int | None = None

    @classmethod
    def from_config(cls, config: Any) -> CorsPolicy | None:
        """Build from a resolved CorsConfiguration (`true` means every origin, method, header)."""
        if config is None or config is False:
            return None
        if config is True:
            return cls(allow_origins=("*",), allow_methods=("*",), allow_headers=("*",))
        return cls(
            allow_origins=_strings(config.get("AllowOrigins")),
            allow_methods=tuple(m.upper() for m in _strings(config.get("AllowMethods"))),
            allow_headers=tuple(h.lower() for h in _strings(config.get("AllowHeaders"))),
            expose_headers=_strings(config.get("ExposeHeaders")),
            allow_credentials=config.get("AllowCredentials") in (True, "true"),
            max_age=int(config["MaxAge"]) if config.get("MaxAge") is not None else None,
        )

    def allowed_origin(self, origin: str | None) -> str | None:
        """The value for Access-Control-Allow-Origin, or None when the origin is not allowed."""
        if not origin:
            return None
        if origin in self.allow_origins:
            return origin
        return "*" if "*" in self.allow_origins else None

    def preflight(self, headers: Mapping[str, str]) -> HttpResponse:
        """API Gateway's own answer to an OPTIONS preflight (204, headers only when allowed)."""
        origin = self.allowed_origin(headers.get("origin"))
        method = headers.get("access-control-request-method", "").upper()
        if (
            origin is None
            or not method
            or not ("*" in self.allow_methods or method in self.allow_methods)
        ):
            return HttpResponse(204)
        asked = headers.get("access-control-request-headers", "")
        requested = [h.strip().lower() for h in asked.split(",") if h.strip()]
        if "*" not in self.allow_headers and any(h not in self.allow_headers for h in requested):
            return HttpResponse(204)
        pairs = [("access-control-allow-origin", origin)]
        pairs.append(("access-control-allow-methods", ",".join(self.allow_methods)))
        if requested:
            pairs.append(("access-control-allow-headers", ",".join(requested)))
        elif self.allow_headers:
            pairs.append(("access-control-allow-headers", ",".join(self.allow_headers)))
        if self.allow_credentials:
            pairs.append(("access-control-allow-credentials", "true"))
        if self.max_age is not None:
            pairs.append(("access-control-max-age", str(self.max_age)))
        return HttpResponse(204, pairs)

    def apply(self, response: HttpResponse, origin: str | None) -> HttpResponse:
        """Replace any CORS headers of the integration with the API's own, as HTTP API does."""
        pairs = [(k, v) for k, v in response.headers if not k.lower().startswith("access-control-")]
        allowed = self.allowed_origin(origin)
        if allowed is not None:
            pairs.append(("access-control-allow-origin", allowed))
            if self.allow_credentials:
                pairs.append(("access-control-allow-credentials", "true"))
            if self.expose_headers:
                pairs.append(("access-control-expose-headers", ",".join(self.expose_headers)))
        return HttpResponse(response.status, pairs, response.body)


def _text_body(body: bytes, content_type: str) -> str | None:
    """The body as text when HTTP API would pass it unencoded, else None (base64 it)."""
    if not _is_text(content_type):
        return None
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _is_text(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    if not media:
        return False
    return (
        media.startswith("text/")
        or media in _TEXT_TYPES
        or media.endswith("+json")
        or media.endswith("+xml")
    )


def _header_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(v.strip() for v in value.split(",") if v.strip())
    return tuple(str(v) for v in value)
