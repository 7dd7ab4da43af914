"""Runs the template's Lambda handlers in this process, the way the Lambda runtime would.

A function whose CodeUri is `functions/oauth_start/` and Handler `app.lambda_handler` is
imported as module `functions.oauth_start.app` with its root (the template's directory by
default) on `sys.path`, then called as `lambda_handler(event, context)` with a fake Lambda
context. Events and results cross a JSON round trip, as they do on Lambda, so a handler that
returns something Lambda could not serialise fails here too. Every function runs in this one
process and shares `os.environ`; the count of running handlers feeds `wait_until_idle`.
"""

from __future__ import annotations

import importlib
import json
import logging
import secrets
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from local_stack.errors import FunctionResponseError, HandlerImportError, TemplateError

logger = logging.getLogger(__name__)

Handler = Callable[[Any, Any], Any]


@dataclass(frozen=True)
class DeployedFunction:
    """A function as deployed locally: its physical name, ARN, handler location and limits."""

    logical_id: str
    name: str
    arn: str
    module: str
    module_file: Path
    attribute: str
    timeout: int
    memory_size: int


def deploy(
    *,
    logical_id: str,
    code_uri: str | None,
    handler: str,
    root: Path,
    name: str,
    arn: str,
    timeout: int,
    memory_size: int,
) -> DeployedFunction:
    """Work out where a function's handler lives: module path from CodeUri and Handler."""
    if code_uri is None:
        raise TemplateError(f"{logical_id}: only a local CodeUri directory can run locally")
    module_path, _, attribute = handler.rpartition(".")
    if not module_path or not attribute:
        raise TemplateError(f"{logical_id}: Handler {handler!r} is not module.function")
    code_dir = (root / code_uri).resolve()
    parts = [*code_dir.relative_to(root.resolve()).parts, *module_path.split(".")]
    if not all(part.isidentifier() for part in parts):
        raise TemplateError(f"{logical_id}: {'.'.join(parts)} is not an importable module path")
    module_file = code_dir.joinpath(*module_path.split(".")).with_suffix(".py")
    return DeployedFunction(
        logical_id=logical_id,
        name=name,
        arn=arn,
        module=".".join(parts),
        module_file=module_file,
        attribute=attribute,
        timeout=timeout,
        memory_size=memory_size,
    )


class LambdaContext:
    """The context object a Python Lambda handler receives, with a real countdown."""

    def __init__(self, function: DeployedFunction, region: str) -> None:
        started = datetime.now(UTC)
        self.function_name = function.name
        self.function_version = "$LATEST"
        self.invoked_function_arn = function.arn
        self.memory_limit_in_mb = function.memory_size
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function.name}"
        self.log_stream_name = f"{started:%Y/%m/%d}/[$LATEST]{secrets.token_hex(16)}"
        self.identity = None
        self.client_context = None
        self.tenant_id = None
        self.region = region
        self._deadline = time.monotonic() + function.timeout

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class FunctionRuntime:
    """Imports handlers on first use and invokes them; counts handlers currently running."""

    def __init__(
        self,
        functions: Mapping[str, DeployedFunction],
        *,
        root: Path,
        extra_paths: tuple[Path, ...] = (),
        region: str,
    ) -> None:
        self.functions = dict(functions)
        self._root = root.resolve()
        self._extra_paths = tuple(path.resolve() for path in extra_paths)
        self._region = region
        self._handlers: dict[str, Handler] = {}
        self._import_lock = threading.Lock()
        self._running = 0
        self._running_lock = threading.Lock()

    @property
    def running(self) -> int:
        """How many handler invocations are in progress right now."""
        with self._running_lock:
            return self._running

    def function(self, logical_id: str) -> DeployedFunction:
        try:
            return self.functions[logical_id]
        except KeyError:
            raise TemplateError(f"no function {logical_id} in the local stack") from None

    def invoke(self, logical_id: str, event: Any) -> Any:
        """Call a handler synchronously; its exceptions propagate to the caller."""
        function = self.function(logical_id)
        handler = self.handler(logical_id)
        payload = json.loads(json.dumps(event))
        context = LambdaContext(function, self._region)
        with self._tracking():
            started = time.monotonic()
            result = handler(payload, context)
            elapsed = time.monotonic() - started
        if elapsed > function.timeout:
            logger.warning(
                "handler ran past its timeout",
                extra={"function": logical_id, "seconds": round(elapsed, 1)},
            )
        try:
            return json.loads(json.dumps(result))
        except (TypeError, ValueError) as exc:
            raise FunctionResponseError(
                f"{logical_id} returned a value Lambda cannot serialise"
            ) from exc

    def handler(self, logical_id: str) -> Handler:
        """Import (once) and return the handler callable of a function."""
        cached = self._handlers.get(logical_id)
        if cached is not None:
            return cached
        function = self.function(logical_id)
        with self._import_lock:
            self._ensure_paths()
            try:
                module = importlib.import_module(function.module)
            except ImportError as exc:
                raise HandlerImportError(f"cannot import {function.module}: {exc}") from exc
            loaded_from = Path(getattr(module, "__file__", "") or "").resolve()
            if loaded_from != function.module_file:
                raise HandlerImportError(
                    f"{function.module} was loaded from {loaded_from}, "
                    f"not {function.module_file}; another package shadows it"
                )
            handler = getattr(module, function.attribute, None)
            if not callable(handler):
                raise HandlerImportError(f"{function.module} has no {function.attribute}()")
            self._handlers[logical_id] = handler
            return handler

    def _ensure_paths(self) -> None:
        for path in (self._root, *self._extra_paths):
            if str(path) not in sys.path:
                sys.path.append(str(path))

    @contextmanager
    def _tracking(self) -> Iterator[None]:
        with self._running_lock:
            self._running += 1
        try:
            yield
        finally:
            with self._running_lock:
                self._running -= 1
