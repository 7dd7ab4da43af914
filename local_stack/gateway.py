"""A local API Gateway HTTP API: the template's routes served by a threaded Werkzeug server.

Routes, authorizers and CORS come from the template's HttpApi resources and HttpApi events
(`{param}` and `{proxy+}` path segments, `ANY`, `$default`). For each request the gateway
answers CORS preflights itself, matches the route (404 `{"message":"Not Found"}` if none),
runs the route's JWT authorizer (401 `{"message":"Unauthorized"}` without calling the
function), builds the payload format 2.0 event, calls the handler in-process and translates
its result the way HTTP API does (500 `{"message":"Internal Server Error"}` if it raises or
returns something malformed). Extra directories can be served as static files under a
prefix (`static_dirs={"/app/": path}`), checked before the routes.

The gateway also answers Lambda's Invoke API (`POST /2015-03-31/functions/<name or ARN>/invocations`),
so `boto3.client("lambda", endpoint_url=<gateway>).invoke(...)` runs the real handler, as
`aws lambda invoke` does on AWS (moto's own Lambda never runs code without Docker). Like the
rest of the local stack it checks no credentials: it listens on loopback only.

`POST /_local/sign-in` `{"user_id": "..."}` answers `{"token": <JWT>}` for that Palcode.ai user,
signed with the local secret: the local stand-in for Palcode.ai's own sign-in, used by the web
page in `web/`. It exists only here, never in the template.

NOTE: locally the API is served at the root with stage `$default`, whatever `StageName` says,
and `domainName` is the request's Host header.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from werkzeug.exceptions import NotFound
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.utils import send_from_directory
from werkzeug.wrappers import Request, Response

from local_stack.authorizer import JwtAuthorizer, claims_as_strings
from local_stack.aws import silence_werkzeug
from local_stack.errors import TemplateError
from local_stack.http_api import (
    CorsPolicy,
    HttpRequest,
    HttpResponse,
    build_event,
    gateway_error,
    header_map,
    new_request_id,
    query_map,
    to_response,
)
from local_stack.intrinsics import MOTO_ACCOUNT_ID, Resolver
from local_stack.template import NO_AUTHORIZER, Template

logger = logging.getLogger(__name__)

DEFAULT_API_PORT = 8080
_INVOKE_PATH = re.compile(r"/2015-03-31/functions/([^/]+)/invocations")
_LOCAL_USER = re.compile(r"[A-Za-z0-9._@-]{1,64}")
Invoke = Callable[[str, Any], Any]


def api_id_for(logical_id: str) -> str:
    """A stable 10-character API id (AWS ids look like `a1b2c3d4e5`)."""
    return hashlib.sha256(logical_id.encode()).hexdigest()[:10]


@dataclass(frozen=True)
class Route:
    """One route of an HTTP API, with its authorizer resolved."""

    api_logical_id: str
    method: str
    path: str
    function_id: str
    authorizer: JwtAuthorizer | None = None
    scopes: tuple[str, ...] = ()

    @property
    def route_key(self) -> str:
        return "$default" if self.path == "$default" else f"{self.method} {self.path}"

    @property
    def priority(self) -> tuple[int, int, int, int]:
        """Sort key: exact paths before parameters, before greedy paths, before `$default`."""
        parts = self._parts
        greedy = 1 if parts and parts[-1].endswith("+}") else 0
        literals = sum(1 for part in parts if not part.startswith("{"))
        return (self.path == "$default", greedy, -literals, self.method == "ANY")

    @property
    def _parts(self) -> list[str]:
        return [] if self.path == "$default" else self.path.split("/")[1:]

    def match(self, method: str, segments: list[str]) -> dict[str, str] | None:
        """Path parameters if the route takes this method and path, else None."""
        if self.method not in ("ANY", method):
            return None
        if self.path == "$default":
            return {}
        params: dict[str, str] = {}
        parts = self._parts
        for index, part in enumerate(parts):
            if part.startswith("{") and part.endswith("+}"):
                rest = segments[index:]
                if not rest or rest == [""]:
                    return None
                params[part[1:-2]] = "/".join(rest)
                return params
            if index >= len(segments):
                return None
            if part.startswith("{") and part.endswith("}"):
                if not segments[index]:
                    return None
                params[part[1:-1]] = segments[index]
            elif part != segments[index]:
                return None
        return params if len(segments) == len(parts) else None


@dataclass(frozen=True)
class HttpApiConfig:
    """One HTTP API as served locally."""

    logical_id: str
    api_id: str
    cors: CorsPolicy | None
    routes: tuple[Route, ...]


def build_http_apis(
    template: Template, resolver: Resolver, *, jwt_secret: str
) -> list[HttpApiConfig]:
    """Resolve every HttpApi of the template (authorizers, CORS, routes) for the gateway."""
    configs: list[HttpApiConfig] = []
    for api in template.http_apis.values():
        if not resolver.is_active(api.condition):
            continue
        authorizers = {
            name: JwtAuthorizer(
                name=name,
                issuer=str(resolver.resolve(spec.issuer)),
                audiences=_audiences(resolver.resolve(spec.audience)),
                secret=jwt_secret,
                identity_source=spec.identity_source,
            )
            for name, spec in api.authorizers.items()
        }
        routes = []
        for function, event in template.routes():
            if event.api_id != api.logical_id or not resolver.is_active(function.condition):
                continue
            if event.payload_format_version != "2.0":
                raise TemplateError(
                    f"{function.logical_id}.{event.name}: only payload format 2.0 runs locally"
                )
            name = api.default_authorizer if event.authorizer is None else event.authorizer
            if name is not None and name != NO_AUTHORIZER and name not in authorizers:
                raise TemplateError(
                    f"{function.logical_id}.{event.name}: unknown authorizer {name}"
                )
            routes.append(
                Route(
                    api_logical_id=api.logical_id,
                    method=event.method,
                    path=event.path,
                    function_id=function.logical_id,
                    authorizer=None if name in (None, NO_AUTHORIZER) else authorizers[name],
                    scopes=event.authorization_scopes,
                )
            )
        configs.append(
            HttpApiConfig(
                logical_id=api.logical_id,
                api_id=api_id_for(api.logical_id),
                cors=CorsPolicy.from_config(resolver.resolve(api.cors)),
                routes=tuple(sorted(routes, key=lambda r: r.priority)),
            )
        )
    return configs


class Gateway:
    """The HTTP server; binds its socket at construction so its URL is known before start."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = DEFAULT_API_PORT,
        static_dirs: Mapping[str, str | Path] | None = None,
        account_id: str = MOTO_ACCOUNT_ID,
    ) -> None:
        silence_werkzeug()
        self._host = host
        self._account_id = account_id
        self._apis: list[HttpApiConfig] = []
        self._invoke: Invoke | None = None
        self._function_ids: dict[str, str] = {}
        self._sign_in: Callable[[str], str] | None = None
        self._static: dict[str, Path] = {}
        for prefix, directory in (static_dirs or {}).items():
            self.mount(prefix, directory)
        self._server: BaseWSGIServer = make_server(host, port, self._wsgi, threaded=True)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_port)

    @property
    def url(self) -> str:
        return f"http://{self._host}:{self.port}"

    @property
    def apis(self) -> list[HttpApiConfig]:
        return list(self._apis)

    def mount(self, prefix: str, directory: str | Path) -> None:
        """Serve files of `directory` under the URL prefix (e.g. `/app/`)."""
        self._static["/" + prefix.strip("/") + "/"] = Path(directory).resolve()

    def start(
        self,
        apis: Iterable[HttpApiConfig],
        invoke: Invoke,
        functions: Mapping[str, str] | None = None,
        sign_in: Callable[[str], str] | None = None,
    ) -> None:
        """Start serving `apis`, calling handlers through `invoke(logical_id, event)`.

        `functions` maps each function's name and ARN to its logical id, for the Invoke API.
        """
        self._apis = list(apis)
        self._invoke = invoke
        self._function_ids = dict(functions or {})
        self._sign_in = sign_in
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="local-gateway", daemon=True
        )
        self._thread.start()
        logger.info("gateway started", extra={"url": self.url})

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()

    # ------------------------------------------------------------------ request handling

    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        if request.path == "/_local/sign-in" and self._sign_in is not None:
            return self._local_sign_in(request)(environ, start_response)
        invocation = _INVOKE_PATH.fullmatch(request.path)
        if invocation is not None:
            return self._lambda_invoke(request, unquote(invocation.group(1)))(environ, start_response)
        static = self._serve_static(request, environ)
        if static is not None:
            return static(environ, start_response)
        raw_uri = environ.get("RAW_URI") or environ.get("REQUEST_URI") or request.path
        http_request = HttpRequest(
            method=request.method.upper(),
            raw_path=raw_uri.split("?", 1)[0],
            raw_query=request.query_string.decode("latin-1"),
            headers=_with_forwarding_headers(list(request.headers.items()), request, self.port),
            body=request.get_data(),
            source_ip=request.remote_addr or "127.0.0.1",
            protocol=environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
        )
        request_id = new_request_id()
        answer = self._answer(http_request, request_id)
        response = Response(answer.body, status=answer.status)
        response.headers.clear()
        for name, value in answer.headers:
            response.headers.add(name, value)
        response.headers["apigw-requestid"] = request_id
        return response(environ, start_response)

    def _local_sign_in(self, request: Request) -> Response:
        headers = {"Content-Type": "application/json", "Cache-Control": "no-store"}
        try:
            user_id = json.loads(request.get_data() or b"{}").get("user_id")
        except (ValueError, AttributeError):
            user_id = None
        if request.method != "POST":
            return Response(json.dumps({"message": "Method Not Allowed"}), status=405,
                            headers={**headers, "Allow": "POST"})
        if not isinstance(user_id, str) or not _LOCAL_USER.fullmatch(user_id):
            body = {"message": "POST {\"user_id\": \"...\"} (letters, digits, . _ @ -; at most 64)"}
            return Response(json.dumps(body), status=400, headers=headers)
        assert self._sign_in is not None
        return Response(json.dumps({"token": self._sign_in(user_id)}), status=200, headers=headers)

    def _lambda_invoke(self, request: Request, name: str) -> Response:
        """Lambda's Invoke API, RequestResponse only: the handler's result, or its error."""
        headers = {"Content-Type": "application/json", "x-amzn-RequestId": new_request_id()}
        logical_id = self._function_ids.get(name)
        if request.method != "POST" or self._invoke is None:
            return Response(json.dumps({"message": "Method Not Allowed"}), status=405, headers=headers)
        if logical_id is None:
            body = {"Type": "User", "message": f"Function not found: {name}"}
            headers["x-amzn-ErrorType"] = "ResourceNotFoundException"
            return Response(json.dumps(body), status=404, headers=headers)
        try:
            event = json.loads(request.get_data() or b"{}")
        except ValueError:
            headers["x-amzn-ErrorType"] = "InvalidRequestContentException"
            body = {"Type": "User", "message": "Could not parse request body into json"}
            return Response(json.dumps(body), status=400, headers=headers)
        try:
            result = self._invoke(logical_id, event)
        except Exception as exc:  # noqa: BLE001 - reported to the caller as Lambda does
            logger.exception("invoked function failed", extra={"function": logical_id})
            headers["X-Amz-Function-Error"] = "Unhandled"
            result = {"errorMessage": str(exc), "errorType": type(exc).__name__}
        headers["X-Amz-Executed-Version"] = "$LATEST"
        return Response(json.dumps(result), status=200, headers=headers)

    def _answer(self, request: HttpRequest, request_id: str) -> HttpResponse:
        if self._invoke is None:
            return gateway_error(503, "Service Unavailable")
        headers = header_map(request.headers)
        segments = [unquote(part) for part in request.raw_path.split("/")[1:]]
        found = self._find_route(request.method, segments)
        api = self._api_of(found[0] if found else None, segments)
        cors = api.cors if api else None
        if request.method == "OPTIONS" and cors is not None:
            return cors.preflight(headers)
        answer = self._route(request, request_id, headers, found, api)
        return cors.apply(answer, headers.get("origin")) if cors else answer

    def _route(
        self,
        request: HttpRequest,
        request_id: str,
        headers: dict[str, str],
        found: tuple[Route, dict[str, str]] | None,
        api: HttpApiConfig | None,
    ) -> HttpResponse:
        if found is None or api is None or self._invoke is None:
            return gateway_error(404, "Not Found")
        route, path_parameters = found
        authorizer_context: dict[str, Any] | None = None
        if route.authorizer is not None:
            token = route.authorizer.token_from(headers, query_map(request.raw_query))
            verdict = route.authorizer.verify(token, scopes=route.scopes)
            if verdict.status == 403:
                return gateway_error(403, "Forbidden")
            if not verdict.allowed:
                return gateway_error(401, "Unauthorized")
            authorizer_context = {
                "jwt": {"claims": claims_as_strings(verdict.claims), "scopes": verdict.scopes}
            }
        event = build_event(
            request,
            route_key=route.route_key,
            path_parameters=path_parameters,
            api_id=api.api_id,
            account_id=self._account_id,
            request_id=request_id,
            domain_name=headers.get("host", f"{self._host}:{self.port}"),
            authorizer=authorizer_context,
        )
        try:
            result = self._invoke(route.function_id, event)
        except Exception:
            logger.exception("handler raised", extra={"function": route.function_id})
            return gateway_error(500, "Internal Server Error")
        response = to_response(result)
        if response is None:
            logger.error("malformed lambda response", extra={"function": route.function_id})
            return gateway_error(500, "Internal Server Error")
        return response

    def _find_route(self, method: str, segments: list[str]) -> tuple[Route, dict[str, str]] | None:
        candidates = []
        for api in self._apis:
            for route in api.routes:
                params = route.match(method, segments)
                if params is not None:
                    candidates.append((route.priority, route, params))
        if not candidates:
            return None
        _, route, params = min(candidates, key=lambda c: c[0])
        return route, params

    def _api_of(self, route: Route | None, segments: list[str]) -> HttpApiConfig | None:
        """The API a request belongs to: its route's, else one with a route on that path."""
        if route is not None:
            return next(api for api in self._apis if api.logical_id == route.api_logical_id)
        for api in self._apis:
            if any(r.match(r.method, segments) is not None for r in api.routes):
                return api
        return self._apis[0] if len(self._apis) == 1 else None

    def _serve_static(self, request: Request, environ: dict[str, Any]) -> Response | None:
        if request.method not in ("GET", "HEAD"):
            return None
        for prefix, directory in self._static.items():
            if not (request.path + "/").startswith(prefix):
                continue
            relative = request.path[len(prefix) :].strip("/")
            for candidate in _static_candidates(relative):
                try:
                    return send_from_directory(directory, candidate, environ)
                except NotFound:
                    continue
        return None


def _with_forwarding_headers(
    headers: list[tuple[str, str]], request: Request, port: int
) -> list[tuple[str, str]]:
    """Add the headers API Gateway adds on the way to the integration (when absent)."""
    present = {name.lower() for name, _ in headers}
    trace_id = f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)}"
    added = [
        ("x-amzn-trace-id", trace_id),
        ("x-forwarded-for", request.remote_addr or "127.0.0.1"),
        ("x-forwarded-port", str(port)),
        ("x-forwarded-proto", "http"),
    ]
    return headers + [(name, value) for name, value in added if name not in present]


def _static_candidates(relative: str) -> list[str]:
    if not relative:
        return ["index.html"]
    return [relative, f"{relative}/index.html", f"{relative}.html"]


def _audiences(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(item for item in value.split(",") if item)
    return tuple(str(item) for item in value)
