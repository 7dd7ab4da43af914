"""The SAM template as a small model: the one source the local stack builds everything from.

`load_template` reads template.yaml with a YAML loader that turns CloudFormation's short tags
(`!Ref`, `!GetAtt`, `!Sub`, ...) into their long forms (`{"Ref": ...}`, `{"Fn::GetAtt": [...]}`),
applies SAM's `Globals`, and returns a `Template` holding parameters, tables, queues, keys, SSM
parameters, layers, functions (with their HttpApi, SQS and schedule events) and HTTP APIs.

Values that may hold intrinsics stay unresolved in the model; `Resolver` (re-exported here from
`local_stack.intrinsics`) resolves them once parameter values and local physical ids are known.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from local_stack.errors import ParameterError, TemplateError
from local_stack.intrinsics import PhysicalResource, Resolver, is_intrinsic, references

__all__ = [
    "NO_AUTHORIZER",
    "Function",
    "HttpApi",
    "HttpApiEvent",
    "JwtAuthorizerSpec",
    "KmsKey",
    "Layer",
    "Parameter",
    "PhysicalResource",
    "Queue",
    "Resolver",
    "ScheduleEvent",
    "SqsEvent",
    "SsmParameter",
    "Table",
    "Template",
    "TemplateLoader",
    "load_document",
    "load_template",
    "parameter_values",
]

NO_AUTHORIZER = "NONE"
IMPLICIT_HTTP_API = "ServerlessHttpApi"

_LIST_PARAMETER = re.compile(r"^(CommaDelimitedList|List<.+>)$")
_LAMBDA_DEFAULT_TIMEOUT = 3
_LAMBDA_DEFAULT_MEMORY = 128
_SQS_DEFAULT_BATCH_SIZE = 10


# ---------------------------------------------------------------------------- loading


class TemplateLoader(yaml.SafeLoader):
    """A safe YAML loader that also understands CloudFormation short-form tags."""


def _construct_short_tag(loader: TemplateLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    if suffix in ("Ref", "Condition"):
        return {suffix: value}
    return {f"Fn::{suffix}": value}


TemplateLoader.add_multi_constructor("!", _construct_short_tag)


def load_document(path: str | Path) -> dict[str, Any]:
    """Parse a YAML or JSON template into plain dicts, lists and long-form intrinsics."""
    text = Path(path).read_text(encoding="utf-8")
    document = yaml.load(text, Loader=TemplateLoader)  # noqa: S506 - a SafeLoader subclass
    if not isinstance(document, dict) or not isinstance(document.get("Resources"), dict):
        raise TemplateError(f"{path} is not a CloudFormation template with Resources")
    return document


# ---------------------------------------------------------------------------- model


@dataclass(frozen=True)
class Parameter:
    """A template parameter; list types (CommaDelimitedList, List<...>) resolve to lists."""

    name: str
    type: str
    default: str | None = None
    allowed_values: tuple[str, ...] = ()
    allowed_pattern: str | None = None

    @property
    def is_list(self) -> bool:
        return bool(_LIST_PARAMETER.match(self.type))

    def coerce(self, value: Any) -> str | list[str]:
        """Convert a raw value (string, number, list) into what `Ref` of this parameter gives."""
        if self.is_list:
            items = value if isinstance(value, list | tuple) else str(value).split(",")
            result: str | list[str] = [str(item).strip() for item in items]
            checked = result
        else:
            result = _scalar_text(value)
            checked = [result]
        for item in checked:
            if self.allowed_values and item not in self.allowed_values:
                raise ParameterError(f"parameter {self.name}: {item!r} is not an allowed value")
            if self.allowed_pattern and not re.fullmatch(self.allowed_pattern, item):
                raise ParameterError(f"parameter {self.name}: {item!r} does not match its pattern")
        return result


@dataclass(frozen=True)
class Table:
    """An AWS::DynamoDB::Table."""

    logical_id: str
    key_schema: list[dict[str, Any]]
    attribute_definitions: list[dict[str, Any]]
    billing_mode: str = "PROVISIONED"
    global_secondary_indexes: list[dict[str, Any]] = field(default_factory=list)
    local_secondary_indexes: list[dict[str, Any]] = field(default_factory=list)
    ttl_attribute: str | None = None
    provisioned_throughput: dict[str, Any] | None = None
    stream_view_type: str | None = None
    table_name: Any = None
    condition: str | None = None


@dataclass(frozen=True)
class Queue:
    """An AWS::SQS::Queue; `properties` are the raw CloudFormation properties."""

    logical_id: str
    properties: dict[str, Any]
    condition: str | None = None

    @property
    def queue_name(self) -> Any:
        return self.properties.get("QueueName")

    @property
    def fifo(self) -> bool:
        return _truthy(self.properties.get("FifoQueue", False))

    @property
    def visibility_timeout(self) -> Any:
        return self.properties.get("VisibilityTimeout", 30)

    @property
    def redrive_policy(self) -> dict[str, Any] | None:
        policy = self.properties.get("RedrivePolicy")
        return policy if isinstance(policy, dict) else None

    @property
    def dead_letter_queue(self) -> str | None:
        """Logical id of the queue the redrive policy points at, when it is in this template."""
        policy = self.redrive_policy
        if not policy:
            return None
        targets = references(policy.get("deadLetterTargetArn"))
        return next(iter(sorted(targets)), None)

    @property
    def max_receive_count(self) -> int | None:
        policy = self.redrive_policy
        return int(policy["maxReceiveCount"]) if policy and "maxReceiveCount" in policy else None


@dataclass(frozen=True)
class KmsKey:
    """An AWS::KMS::Key."""

    logical_id: str
    properties: dict[str, Any]
    condition: str | None = None

    @property
    def description(self) -> Any:
        return self.properties.get("Description", "")


@dataclass(frozen=True)
class SsmParameter:
    """An AWS::SSM::Parameter (CloudFormation can only create String and StringList ones)."""

    logical_id: str
    properties: dict[str, Any]
    condition: str | None = None


@dataclass(frozen=True)
class Layer:
    """An AWS::Serverless::LayerVersion; its ContentUri goes on sys.path like /opt/python."""

    logical_id: str
    content_uri: str | None
    condition: str | None = None


@dataclass(frozen=True)
class HttpApiEvent:
    """An HttpApi event: one route. `authorizer` None means the API's default authorizer."""

    name: str
    api_id: str
    method: str
    path: str
    authorizer: str | None = None
    authorization_scopes: tuple[str, ...] = ()
    payload_format_version: str = "2.0"

    @property
    def route_key(self) -> str:
        return "$default" if self.path == "$default" else f"{self.method} {self.path}"


@dataclass(frozen=True)
class SqsEvent:
    """An SQS event source mapping; `queue` is the raw (usually `!GetAtt Queue.Arn`) value."""

    name: str
    queue: Any
    batch_size: Any = _SQS_DEFAULT_BATCH_SIZE
    function_response_types: tuple[str, ...] = ()
    maximum_concurrency: Any = None
    enabled: bool = True

    @property
    def queue_logical_id(self) -> str | None:
        return next(iter(sorted(references(self.queue))), None)

    @property
    def reports_batch_item_failures(self) -> bool:
        return "ReportBatchItemFailures" in self.function_response_types


@dataclass(frozen=True)
class ScheduleEvent:
    """A Schedule (EventBridge rule) or ScheduleV2 (EventBridge Scheduler) event."""

    name: str
    type: str
    schedule_expression: Any
    input: Any = None
    enabled: bool = True
    schedule_name: Any = None
    group_name: Any = None


Event = HttpApiEvent | SqsEvent | ScheduleEvent


@dataclass(frozen=True)
class Function:
    """An AWS::Serverless::Function with SAM Globals applied."""

    logical_id: str
    code_uri: str | None
    handler: str
    timeout: Any = _LAMBDA_DEFAULT_TIMEOUT
    memory_size: Any = _LAMBDA_DEFAULT_MEMORY
    runtime: str | None = None
    environment: dict[str, Any] = field(default_factory=dict)
    events: tuple[Event, ...] = ()
    function_name: Any = None
    layers: list[Any] = field(default_factory=list)
    condition: str | None = None

    @property
    def http_events(self) -> list[HttpApiEvent]:
        return [event for event in self.events if isinstance(event, HttpApiEvent)]

    @property
    def sqs_events(self) -> list[SqsEvent]:
        return [event for event in self.events if isinstance(event, SqsEvent)]

    @property
    def schedule_events(self) -> list[ScheduleEvent]:
        return [event for event in self.events if isinstance(event, ScheduleEvent)]


@dataclass(frozen=True)
class JwtAuthorizerSpec:
    """A JWT authorizer of an HTTP API; issuer and audience are raw template values."""

    name: str
    issuer: Any
    audience: Any
    identity_source: str = "$request.header.Authorization"


@dataclass(frozen=True)
class HttpApi:
    """An AWS::Serverless::HttpApi, or the implicit one SAM creates for events without ApiId."""

    logical_id: str
    default_authorizer: str | None = None
    authorizers: dict[str, JwtAuthorizerSpec] = field(default_factory=dict)
    cors: Any = None
    stage_name: Any = None
    condition: str | None = None


@dataclass(frozen=True)
class Template:
    """Everything the local stack reads from a SAM template."""

    path: Path
    document: dict[str, Any]
    parameters: dict[str, Parameter]
    tables: dict[str, Table]
    queues: dict[str, Queue]
    keys: dict[str, KmsKey]
    ssm_parameters: dict[str, SsmParameter]
    layers: dict[str, Layer]
    functions: dict[str, Function]
    http_apis: dict[str, HttpApi]

    @property
    def conditions(self) -> dict[str, Any]:
        return dict(self.document.get("Conditions") or {})

    @property
    def mappings(self) -> dict[str, Any]:
        return dict(self.document.get("Mappings") or {})

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        return dict(self.document["Resources"])

    def function(self, logical_id: str) -> Function:
        try:
            return self.functions[logical_id]
        except KeyError:
            raise TemplateError(f"no function {logical_id} in {self.path}") from None

    def routes(self) -> list[tuple[Function, HttpApiEvent]]:
        """Every HttpApi route in the template with the function serving it."""
        return [(fn, event) for fn in self.functions.values() for event in fn.http_events]

    def creation_order(self) -> list[str]:
        """Logical ids of the tables, queues, keys and SSM parameters, dependencies first."""
        local = {**self.keys, **self.queues, **self.tables, **self.ssm_parameters}
        depends = {
            logical_id: references(self.resources[logical_id].get("Properties", {})) & local.keys()
            for logical_id in local
        }
        order: list[str] = []
        visiting: set[str] = set()

        def visit(logical_id: str) -> None:
            if logical_id in order:
                return
            if logical_id in visiting:
                raise TemplateError(f"circular reference through {logical_id}")
            visiting.add(logical_id)
            for dependency in sorted(depends[logical_id]):
                visit(dependency)
            visiting.discard(logical_id)
            order.append(logical_id)

        for logical_id in local:
            visit(logical_id)
        return order


# ---------------------------------------------------------------------------- parsing


def load_template(path: str | Path) -> Template:
    """Read a SAM template and build the model, with SAM `Globals` merged into functions."""
    path = Path(path)
    document = load_document(path)
    resources: dict[str, dict[str, Any]] = document["Resources"]
    globals_ = document.get("Globals") or {}
    function_globals = globals_.get("Function") or {}
    parameters = {
        name: Parameter(
            name=name,
            type=str(spec.get("Type", "String")),
            default=_default_text(spec.get("Default")),
            allowed_values=tuple(_scalar_text(v) for v in spec.get("AllowedValues") or ()),
            allowed_pattern=spec.get("AllowedPattern"),
        )
        for name, spec in (document.get("Parameters") or {}).items()
    }
    tables: dict[str, Table] = {}
    queues: dict[str, Queue] = {}
    keys: dict[str, KmsKey] = {}
    ssm: dict[str, SsmParameter] = {}
    layers: dict[str, Layer] = {}
    functions: dict[str, Function] = {}
    apis: dict[str, HttpApi] = {}
    for logical_id, resource in resources.items():
        kind = resource.get("Type")
        props = resource.get("Properties") or {}
        condition = resource.get("Condition")
        if kind == "AWS::DynamoDB::Table":
            tables[logical_id] = _table(logical_id, props, condition)
        elif kind == "AWS::SQS::Queue":
            queues[logical_id] = Queue(logical_id, dict(props), condition)
        elif kind == "AWS::KMS::Key":
            keys[logical_id] = KmsKey(logical_id, dict(props), condition)
        elif kind == "AWS::SSM::Parameter":
            ssm[logical_id] = SsmParameter(logical_id, dict(props), condition)
        elif kind == "AWS::Serverless::LayerVersion":
            content = props.get("ContentUri")
            layers[logical_id] = Layer(
                logical_id, content if isinstance(content, str) else None, condition
            )
        elif kind == "AWS::Serverless::Function":
            merged = _merge_globals(function_globals, props)
            functions[logical_id] = _function(logical_id, merged, condition)
        elif kind == "AWS::Serverless::HttpApi":
            merged = _merge_globals(globals_.get("HttpApi") or {}, props)
            apis[logical_id] = _http_api(logical_id, merged, condition)
    if any(e.api_id == IMPLICIT_HTTP_API for f in functions.values() for e in f.http_events):
        apis.setdefault(
            IMPLICIT_HTTP_API, _http_api(IMPLICIT_HTTP_API, globals_.get("HttpApi") or {}, None)
        )
    for fn in functions.values():
        for event in fn.http_events:
            if event.api_id not in apis:
                raise TemplateError(f"{fn.logical_id}.{event.name}: unknown ApiId {event.api_id}")
    return Template(path, document, parameters, tables, queues, keys, ssm, layers, functions, apis)


def parameter_values(
    template: Template, *layers: Mapping[str, Any], strict: bool = True
) -> dict[str, str | list[str]]:
    """Parameter values: template defaults, then each layer of overrides in turn.

    Overrides for parameters the template does not declare are refused when `strict`, so a
    typo cannot pass silently. A parameter left with no value raises `ParameterError`.
    """
    raw: dict[str, Any] = {
        name: p.default for name, p in template.parameters.items() if p.default is not None
    }
    for overrides in layers:
        for name, value in overrides.items():
            if name not in template.parameters:
                if strict:
                    raise ParameterError(f"override for unknown parameter {name}")
                continue
            raw[name] = value
    missing = sorted(set(template.parameters) - set(raw))
    if missing:
        raise ParameterError(f"parameters without a value: {', '.join(missing)}")
    return {name: template.parameters[name].coerce(value) for name, value in raw.items()}


def _table(logical_id: str, props: dict[str, Any], condition: str | None) -> Table:
    if "KeySchema" not in props or "AttributeDefinitions" not in props:
        raise TemplateError(f"table {logical_id} needs KeySchema and AttributeDefinitions")
    ttl = props.get("TimeToLiveSpecification") or {}
    stream = props.get("StreamSpecification") or {}
    return Table(
        logical_id=logical_id,
        key_schema=list(props["KeySchema"]),
        attribute_definitions=list(props["AttributeDefinitions"]),
        billing_mode=str(props.get("BillingMode", "PROVISIONED")),
        global_secondary_indexes=list(props.get("GlobalSecondaryIndexes") or []),
        local_secondary_indexes=list(props.get("LocalSecondaryIndexes") or []),
        ttl_attribute=ttl.get("AttributeName") if _truthy(ttl.get("Enabled", False)) else None,
        provisioned_throughput=props.get("ProvisionedThroughput"),
        stream_view_type=stream.get("StreamViewType"),
        table_name=props.get("TableName"),
        condition=condition,
    )


def _function(logical_id: str, props: dict[str, Any], condition: str | None) -> Function:
    if props.get("PackageType") == "Image":
        raise TemplateError(f"{logical_id}: image functions cannot run in the local stack")
    code_uri = props.get("CodeUri")
    handler = props.get("Handler")
    if not isinstance(handler, str):
        raise TemplateError(f"{logical_id}: Handler must be a plain string")
    events = tuple(
        event
        for name, spec in (props.get("Events") or {}).items()
        if (event := _event(logical_id, name, spec)) is not None
    )
    environment = (props.get("Environment") or {}).get("Variables") or {}
    return Function(
        logical_id=logical_id,
        code_uri=code_uri if isinstance(code_uri, str) else None,
        handler=handler,
        timeout=props.get("Timeout", _LAMBDA_DEFAULT_TIMEOUT),
        memory_size=props.get("MemorySize", _LAMBDA_DEFAULT_MEMORY),
        runtime=props.get("Runtime"),
        environment=dict(environment),
        events=events,
        function_name=props.get("FunctionName"),
        layers=list(props.get("Layers") or []),
        condition=condition,
    )


def _event(function_id: str, name: str, spec: dict[str, Any]) -> Event | None:
    kind = spec.get("Type")
    props = spec.get("Properties") or {}
    if kind == "HttpApi":
        api = props.get("ApiId")
        api_refs = references(api) if api is not None else {IMPLICIT_HTTP_API}
        if len(api_refs) != 1:
            raise TemplateError(f"{function_id}.{name}: ApiId must reference one HttpApi")
        auth = props.get("Auth") or {}
        method = str(props.get("Method", "ANY")).upper()
        return HttpApiEvent(
            name=name,
            api_id=next(iter(api_refs)),
            method="ANY" if method in ("ANY", "X-AMAZON-APIGATEWAY-ANY-METHOD") else method,
            path=str(props.get("Path", "$default")),
            authorizer=auth.get("Authorizer"),
            authorization_scopes=tuple(auth.get("AuthorizationScopes") or ()),
            payload_format_version=str(props.get("PayloadFormatVersion", "2.0")),
        )
    if kind == "SQS":
        scaling = props.get("ScalingConfig") or {}
        return SqsEvent(
            name=name,
            queue=props.get("Queue"),
            batch_size=props.get("BatchSize", _SQS_DEFAULT_BATCH_SIZE),
            function_response_types=tuple(props.get("FunctionResponseTypes") or ()),
            maximum_concurrency=scaling.get("MaximumConcurrency"),
            enabled=_truthy(props.get("Enabled", True)),
        )
    if kind in ("Schedule", "ScheduleV2"):
        state = str(props.get("State", "ENABLED")).upper()
        return ScheduleEvent(
            name=name,
            type=kind,
            schedule_expression=props.get("ScheduleExpression") or props.get("Schedule"),
            input=props.get("Input"),
            enabled=_truthy(props.get("Enabled", True)) and state == "ENABLED",
            schedule_name=props.get("Name"),
            group_name=props.get("GroupName"),
        )
    return None


def _http_api(logical_id: str, props: dict[str, Any], condition: str | None) -> HttpApi:
    auth = props.get("Auth") or {}
    authorizers = {
        name: JwtAuthorizerSpec(
            name=name,
            issuer=(spec.get("JwtConfiguration") or {}).get("issuer"),
            audience=(spec.get("JwtConfiguration") or {}).get("audience"),
            identity_source=str(spec.get("IdentitySource", "$request.header.Authorization")),
        )
        for name, spec in (auth.get("Authorizers") or {}).items()
        if "JwtConfiguration" in spec
    }
    default = auth.get("DefaultAuthorizer")
    if default is not None and default not in authorizers:
        raise TemplateError(f"{logical_id}: default authorizer {default} is not a JWT authorizer")
    return HttpApi(
        logical_id=logical_id,
        default_authorizer=default,
        authorizers=authorizers,
        cors=props.get("CorsConfiguration"),
        stage_name=props.get("StageName"),
        condition=condition,
    )


def _merge_globals(globals_: Mapping[str, Any], props: Mapping[str, Any]) -> dict[str, Any]:
    """SAM's Globals rules: maps merge (resource wins), lists add up, scalars are overridden."""
    merged = dict(globals_)
    for key, value in props.items():
        merged[key] = _merge_value(merged[key], value) if key in merged else value
    return merged


def _merge_value(global_value: Any, local_value: Any) -> Any:
    if is_intrinsic(global_value) or is_intrinsic(local_value):
        return local_value
    if isinstance(global_value, dict) and isinstance(local_value, dict):
        return _merge_globals(global_value, local_value)
    if isinstance(global_value, list) and isinstance(local_value, list):
        return [*global_value, *local_value]
    return local_value


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _default_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, Iterable) and not isinstance(value, str):
        return ",".join(_scalar_text(item) for item in value)
    return _scalar_text(value)
