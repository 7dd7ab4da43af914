"""`LocalStack`: the whole product running on one machine, built from template.yaml.

`start()` runs moto, binds the gateway (so the API URL is known), works out the parameter
values, creates the template's resources, puts the union of every function's resolved
environment into `os.environ` (all functions share this process), then starts the gateway,
one SQS poller per SQS event and the schedule timer. `stop()` undoes all of it, environment
included.

Parameter values, later sources winning: template defaults, `samconfig.toml`'s
`[default.deploy.parameters] parameter_overrides`, the local defaults below (pointing Procore
at the simulator and the web pages at the gateway), then the caller's `parameter_overrides`.
"""

from __future__ import annotations

import os
import shlex
import time
import tomllib
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from local_stack.authorizer import DEFAULT_JWT_SECRET, JwtAuthorizer
from local_stack.aws import DEFAULT_NAME_PREFIX, LocalAws
from local_stack.env import EnvironmentPatch
from local_stack.errors import (
    EnvironmentConflictError,
    LocalStackError,
    UnresolvedIntrinsicError,
)
from local_stack.gateway import DEFAULT_API_PORT, Gateway, api_id_for, build_http_apis
from local_stack.intrinsics import DEFAULT_REGION, PhysicalResource, Resolver
from local_stack.poller import DEFAULT_VISIBILITY_TIMEOUT, SqsPoller, event_source_mappings
from local_stack.runtime import DeployedFunction, FunctionRuntime, deploy
from local_stack.template import Template, load_template, parameter_values
from local_stack.timer import DEFAULT_SYNC_INTERVAL, ScheduleTimer, schedules

REPO_ROOT = Path(__file__).resolve().parent.parent
CLIENT_SECRET_PARAMETER = "ProcoreClientSecretParameter"  # noqa: S105 - a parameter name
LOCAL_CLIENT_SECRET_NAME = "/procore-integration/local/client-secret"  # noqa: S105 - a name
LOCAL_JWT_ISSUER = "https://auth.palcode.local"
LOCAL_JWT_AUDIENCE = "palcode-app"
CALLBACK_PATH = "/integrations/procore/callback"
WEBHOOK_PATH = "/integrations/procore/webhooks"
INTEGRATIONS_PAGE_PATH = "/app/integrations"
LOCAL_PAGES = REPO_ROOT / "web"  # the Palcode.ai stand-in page, served at /app/


class LocalStack:
    """Moto, gateway, pollers and timer for one template; see the module docstring."""

    def __init__(
        self,
        *,
        api_port: int | None = None,
        jwt_secret: str | None = None,
        simulator_url: str | None = None,
        procore_client_id: str | None = None,
        procore_client_secret: str | None = None,
        parameter_overrides: Mapping[str, Any] | None = None,
        start_timer: bool = True,
        start_pollers: bool = True,
        template_path: str | Path | None = None,
        root: str | Path | None = None,
        static_dirs: Mapping[str, str | Path] | None = None,
        sync_interval: float | None = None,
        visibility_timeout: int | None = None,
        name_prefix: str = DEFAULT_NAME_PREFIX,
        host: str = "127.0.0.1",
    ) -> None:
        env = os.environ
        self.root = Path(root).resolve() if root else REPO_ROOT
        self.template_path = Path(template_path) if template_path else self.root / "template.yaml"
        self.template: Template = load_template(self.template_path)
        self.api_port = (
            int(env.get("LOCAL_API_PORT", DEFAULT_API_PORT)) if api_port is None else api_port
        )
        self.jwt_secret = jwt_secret or env.get("LOCAL_JWT_SECRET") or DEFAULT_JWT_SECRET
        self.simulator_url = simulator_url
        self.procore_client_id = (
            procore_client_id or env.get("PROCORE_CLIENT_ID") or "local-client-id"
        )
        self.procore_client_secret = (
            procore_client_secret or env.get("PROCORE_CLIENT_SECRET") or "local-client-secret"
        )
        self.parameter_overrides = dict(parameter_overrides or {})
        self.start_timer = start_timer
        self.start_pollers = start_pollers
        self.sync_interval = (
            float(env.get("LOCAL_SYNC_INTERVAL", DEFAULT_SYNC_INTERVAL))
            if sync_interval is None
            else sync_interval
        )
        self.visibility_timeout = (
            int(env.get("LOCAL_SQS_VISIBILITY_TIMEOUT", DEFAULT_VISIBILITY_TIMEOUT))
            if visibility_timeout is None
            else visibility_timeout
        )
        self.name_prefix = name_prefix
        self.host = host
        self._env_overrides = {
            name: env[name]
            for name in ("PROCORE_LOGIN_URL", "PROCORE_API_URL", "PROCORE_REDIRECT_URI", "WEBHOOK_URL")
            if env.get(name)
        }
        # By default the integrations page the callback returns to is a small stand-in page.
        self._static_dirs = dict(static_dirs if static_dirs is not None else {"/app/": LOCAL_PAGES})
        self.region = DEFAULT_REGION
        self.aws = LocalAws(host=host, region=self.region)
        self.gateway: Gateway | None = None
        self.resolver: Resolver | None = None
        self.runtime: FunctionRuntime | None = None
        self.pollers: list[SqsPoller] = []
        self.timer: ScheduleTimer | None = None
        self.parameters: dict[str, Any] = {}
        self.environment: dict[str, str] = {}
        self._environment = EnvironmentPatch()
        self._started = False

    # ------------------------------------------------------------------ lifecycle

    def bind(self) -> str:
        """Bind the gateway's socket (if not yet) and return the API base URL."""
        if self.gateway is None:
            self.gateway = Gateway(
                host=self.host, port=self.api_port, static_dirs=self._static_dirs
            )
        return self.gateway.url

    def start(self) -> LocalStack:
        """Start everything; on any failure, stop what was started and re-raise."""
        if self._started:
            return self
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        self._started = True
        return self

    def stop(self) -> None:
        """Stop timer, pollers, gateway and moto, and restore the environment. Idempotent."""
        if self.timer is not None:
            self.timer.stop()
            self.timer = None
        for poller in self.pollers:
            poller.stop()
        self.pollers = []
        if self.gateway is not None:
            self.gateway.stop()
            self.gateway = None
        self._environment.restore()
        self.aws.stop()
        self._started = False

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _start(self) -> None:
        self.aws.start()
        api_url = self.bind()
        assert self.gateway is not None
        template = self.template
        self.parameters = self._parameter_values(api_url)
        resolver = Resolver(
            self.parameters,
            conditions=template.conditions,
            mappings=template.mappings,
            region=self.region,
            account_id=self.aws.account_id,
            stack_name=self.name_prefix,
        )
        self.resolver = resolver
        self.aws.create_resources(
            template,
            resolver,
            name_prefix=self.name_prefix,
            visibility_timeout=self.visibility_timeout,
        )
        functions = self._deploy_functions(resolver, api_url)
        if CLIENT_SECRET_PARAMETER in self.parameters:
            self.aws.put_secure_string(
                str(self.parameters[CLIENT_SECRET_PARAMETER]), self.procore_client_secret
            )
        self.environment = self._function_environment(resolver)
        for name, value in self.environment.items():
            self._environment.set(name, value)
        layer_paths = tuple(
            self.root / layer.content_uri
            for layer in template.layers.values()
            if layer.content_uri and resolver.is_active(layer.condition)
        )
        self.runtime = FunctionRuntime(
            functions, root=self.root, extra_paths=layer_paths, region=self.region
        )
        function_ids = {}
        for logical_id, function in functions.items():
            function_ids[function.name] = function_ids[function.arn] = logical_id
        self.gateway.start(
            build_http_apis(template, resolver, jwt_secret=self.jwt_secret),
            self.runtime.invoke,
            functions=function_ids,
            sign_in=self.make_user_token,
        )
        if self.start_pollers:
            self.pollers = [
                SqsPoller(
                    mapping,
                    invoke=self.runtime.invoke,
                    sqs_client=self.aws.client("sqs"),
                    region=self.region,
                    visibility_timeout=self.visibility_timeout,
                )
                for mapping in event_source_mappings(template, resolver)
            ]
            for poller in self.pollers:
                poller.start()
        self.timer = ScheduleTimer(
            schedules(template, resolver),
            invoke=self.runtime.invoke,
            interval=self.sync_interval if self.start_timer else 0,
            region=self.region,
            account_id=self.aws.account_id,
        )
        self.timer.start()

    # ------------------------------------------------------------------ using the stack

    @property
    def api_url(self) -> str:
        if self.gateway is None:
            raise LocalStackError("the gateway is not bound; call start() or bind() first")
        return self.gateway.url

    @property
    def endpoint_url(self) -> str:
        """The moto server's URL (what AWS_ENDPOINT_URL points at)."""
        return self.aws.endpoint_url

    def describe(self) -> dict[str, Any]:
        """Where everything is, for tools that drive the stack from another process (the
        operator CLI's `--local`): endpoints, region, and each resource's physical name."""
        resolver = self._require(self.resolver)
        resources = {logical_id: str(physical.ref) for logical_id, physical in resolver.resources.items()}
        return {
            "region": self.region,
            "endpoints": {"aws": self.endpoint_url, "lambda": self.api_url, "api": self.api_url},
            "resources": resources,
        }

    def physical(self, logical_id: str) -> PhysicalResource:
        """What a resource of the template became locally (`ref` and attributes)."""
        return self._require(self.resolver).physical(logical_id)

    def invoke(self, logical_id: str, event: Any = None) -> Any:
        """Invoke a function directly, like `aws lambda invoke`; handler errors propagate."""
        return self._require(self.runtime).invoke(logical_id, {} if event is None else event)

    def trigger_schedule(self, logical_id: str | None = None) -> dict[str, Any]:
        """Fire one function's schedule (or every scheduled function's) now, synchronously."""
        timer = self._require(self.timer)
        targets = [logical_id] if logical_id else sorted({s.function_id for s in timer.schedules})
        return {target: timer.trigger(target) for target in targets}

    def wait_until_idle(self, timeout: float = 120.0) -> None:
        """Wait until polled queues are empty (visible, in flight, delayed) and no handler runs.

        Raises TimeoutError if that does not happen within `timeout` seconds. Only queues with
        a running poller count: a dead-letter queue nobody consumes never empties.
        """
        runtime = self._require(self.runtime)
        deadline = time.monotonic() + timeout
        quiet = 0
        while True:
            busy = runtime.running > 0 or any(
                poller.in_flight or poller.queue_depth() for poller in self.pollers
            )
            quiet = 0 if busy else quiet + 1
            if quiet >= 3:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"the local stack was still busy after {timeout} s")
            time.sleep(0.1)

    def make_user_token(self, user_id: str, **claims: Any) -> str:
        """A JWT the gateway accepts for `user_id` (sub), signed with the local secret."""
        return self._user_authorizer().issue(user_id, **claims)

    def reset(self) -> None:
        """Empty every table and queue (same names and URLs). Call it while idle."""
        self.aws.reset()

    # ------------------------------------------------------------------ internals

    def _user_authorizer(self) -> JwtAuthorizer:
        gateway = self._require(self.gateway)
        for api in gateway.apis:
            for route in api.routes:
                if route.authorizer is not None:
                    return route.authorizer
        raise LocalStackError("no route of the template uses a JWT authorizer")

    def _parameter_values(self, api_url: str) -> dict[str, Any]:
        declared = self.template.parameters
        overrides = self._env_overrides
        local: dict[str, Any] = {
            "Stage": "local",
            "ProcoreEnvironment": "custom",
            "DeletionProtection": "false",
            "ProcoreLoginUrl": overrides.get("PROCORE_LOGIN_URL", self.simulator_url),
            "ProcoreApiUrl": overrides.get("PROCORE_API_URL", self.simulator_url),
            "ProcoreClientId": self.procore_client_id,
            CLIENT_SECRET_PARAMETER: LOCAL_CLIENT_SECRET_NAME,
            "ProcoreRedirectUri": overrides.get("PROCORE_REDIRECT_URI", api_url + CALLBACK_PATH),
            "WebhookUrl": overrides.get("WEBHOOK_URL", api_url + WEBHOOK_PATH),
            "IntegrationsPageUrl": api_url + INTEGRATIONS_PAGE_PATH,
            "AllowedReturnUrls": api_url + INTEGRATIONS_PAGE_PATH,
            "CorsAllowedOrigins": api_url,
            "JwtIssuer": LOCAL_JWT_ISSUER,
            "JwtAudience": LOCAL_JWT_AUDIENCE,
        }
        local = {k: v for k, v in local.items() if v is not None and k in declared}
        samconfig = {k: v for k, v in self._samconfig_overrides().items() if k in declared}
        return parameter_values(self.template, samconfig, local, self.parameter_overrides)

    def _samconfig_overrides(self) -> dict[str, str]:
        path = self.root / "samconfig.toml"
        if not path.is_file():
            return {}
        config = tomllib.loads(path.read_text(encoding="utf-8"))
        raw = (
            config.get("default", {})
            .get("deploy", {})
            .get("parameters", {})
            .get("parameter_overrides")
        )
        items = shlex.split(raw) if isinstance(raw, str) else list(raw or [])
        return dict(item.split("=", 1) for item in items if "=" in item)

    def _deploy_functions(self, resolver: Resolver, api_url: str) -> dict[str, DeployedFunction]:
        for api in self.template.http_apis.values():
            resolver.add(
                api.logical_id,
                PhysicalResource(
                    ref=api_id_for(api.logical_id), attributes={"ApiEndpoint": api_url}
                ),
            )
        for layer in self.template.layers.values():
            arn = f"arn:aws:lambda:{self.region}:{resolver.account_id}:layer:{layer.logical_id}:1"
            resolver.add(layer.logical_id, PhysicalResource(ref=arn))
        functions = {}
        for fn in self.template.functions.values():
            if not resolver.is_active(fn.condition):
                continue
            name = str(resolver.resolve(fn.function_name) or f"{self.name_prefix}-{fn.logical_id}")
            arn = f"arn:aws:lambda:{self.region}:{resolver.account_id}:function:{name}"
            resolver.add(fn.logical_id, PhysicalResource(ref=name, attributes={"Arn": arn}))
            functions[fn.logical_id] = deploy(
                logical_id=fn.logical_id,
                code_uri=fn.code_uri,
                handler=fn.handler,
                root=self.root,
                name=name,
                arn=arn,
                timeout=int(resolver.resolve(fn.timeout)),
                memory_size=int(resolver.resolve(fn.memory_size)),
            )
        return functions

    def _function_environment(self, resolver: Resolver) -> dict[str, str]:
        merged: dict[str, str] = {}
        owner: dict[str, str] = {}
        for fn in self.template.functions.values():
            if not resolver.is_active(fn.condition):
                continue
            for name, raw in resolver.resolve(fn.environment).items():
                if isinstance(raw, list | dict) or raw is None:
                    raise UnresolvedIntrinsicError(
                        f"{fn.logical_id}: environment variable {name} is not a string"
                    )
                value = ("true" if raw else "false") if isinstance(raw, bool) else str(raw)
                if name in merged and merged[name] != value:
                    raise EnvironmentConflictError(
                        f"{name} is {merged[name]!r} for {owner[name]} but {value!r} for "
                        f"{fn.logical_id}; functions share one process locally"
                    )
                merged[name], owner[name] = value, fn.logical_id
        merged["POWERTOOLS_TRACE_DISABLED"] = "true"
        return merged

    @staticmethod
    def _require(value: Any) -> Any:
        if value is None:
            raise LocalStackError("the local stack is not started")
        return value
