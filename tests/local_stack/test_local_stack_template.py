"""The template model and the intrinsic resolver, on the real template.yaml and on fixtures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from stack_fixtures import FIXTURES, REPO_ROOT

from local_stack import LocalStack
from local_stack.errors import EnvironmentConflictError, ParameterError, UnresolvedIntrinsicError
from local_stack.template import (
    PhysicalResource,
    Resolver,
    TemplateLoader,
    load_document,
    load_template,
    parameter_values,
)

REAL_TEMPLATE = REPO_ROOT / "template.yaml"


def _resources_of_type(kind: str) -> set[str]:
    document = load_document(REAL_TEMPLATE)
    return {name for name, res in document["Resources"].items() if res["Type"] == kind}


def test_template_real_finds_every_resource() -> None:
    # given the real template
    template = load_template(REAL_TEMPLATE)

    # then every table, queue, key and function of it is in the model
    assert set(template.tables) == _resources_of_type("AWS::DynamoDB::Table")
    assert set(template.queues) == _resources_of_type("AWS::SQS::Queue")
    assert set(template.keys) == _resources_of_type("AWS::KMS::Key")
    assert set(template.functions) == _resources_of_type("AWS::Serverless::Function")
    assert set(template.http_apis) == _resources_of_type("AWS::Serverless::HttpApi")
    assert template.tables
    assert template.queues
    assert template.functions


def test_template_real_finds_every_route_and_event() -> None:
    # given the raw events of the real template
    document = load_document(REAL_TEMPLATE)
    raw = {
        (name, event_name, event["Type"])
        for name, res in document["Resources"].items()
        if res["Type"] == "AWS::Serverless::Function"
        for event_name, event in (res["Properties"].get("Events") or {}).items()
    }

    # when the model is built
    template = load_template(REAL_TEMPLATE)
    modelled = {
        (fn.logical_id, event.name, type(event).__name__)
        for fn in template.functions.values()
        for event in fn.events
    }

    # then every HttpApi, SQS and schedule event is modelled
    wanted = {(f, e, t) for f, e, t in raw if t in ("HttpApi", "SQS", "Schedule", "ScheduleV2")}
    assert {(f, e) for f, e, _ in wanted} == {(f, e) for f, e, _ in modelled}
    routes = {event.route_key for _, event in template.routes()}
    http_events = [
        res["Properties"]["Events"][e]["Properties"]
        for f, e, t in wanted
        if t == "HttpApi"
        for res in [document["Resources"][f]]
    ]
    assert routes == {f"{p['Method'].upper()} {p['Path']}" for p in http_events}


def test_template_real_functions_carry_handler_timeout_and_globals() -> None:
    template = load_template(REAL_TEMPLATE)
    document = load_document(REAL_TEMPLATE)
    global_variables = set(document["Globals"]["Function"]["Environment"]["Variables"])
    for fn in template.functions.values():
        assert fn.code_uri and fn.code_uri.startswith("functions/")
        assert fn.handler == "app.lambda_handler"
        assert global_variables <= set(fn.environment)
        assert isinstance(fn.timeout, int)


def test_template_real_sqs_event_and_redrive() -> None:
    template = load_template(REAL_TEMPLATE)
    sqs_events = [(fn, ev) for fn in template.functions.values() for ev in fn.sqs_events]
    assert sqs_events
    for _fn, event in sqs_events:
        queue = template.queues[event.queue_logical_id]
        assert int(event.batch_size) >= 1
        assert event.reports_batch_item_failures
        assert queue.dead_letter_queue in template.queues
        assert queue.max_receive_count
    order = template.creation_order()
    for queue in template.queues.values():
        if queue.dead_letter_queue:
            assert order.index(queue.dead_letter_queue) < order.index(queue.logical_id)


def test_template_fixture_globals_merge_and_events() -> None:
    template = load_template(FIXTURES / "template.yaml")
    worker = template.function("WorkerFunction")
    echo = template.function("EchoFunction")

    assert worker.timeout == 30 and echo.timeout == 10
    assert worker.memory_size == 256
    (event,) = worker.sqs_events
    assert (event.batch_size, event.maximum_concurrency) == (5, 2)
    assert event.queue_logical_id == "WorkQueue"
    (schedule,) = template.function("TickFunction").schedule_events
    assert schedule.type == "ScheduleV2"
    assert schedule.schedule_expression == {"Ref": "TickSchedule"}
    assert template.tables["ItemsTable"].ttl_attribute == "expires_at"
    auth = {e.name: e.authorizer for e in echo.http_events}
    assert auth["Public"] == "NONE" and auth["GetItem"] is None
    assert template.http_apis["Api"].default_authorizer == "UserJwt"


def test_template_loader_understands_short_and_long_forms() -> None:
    text = """
    a: !Ref Thing
    b: !GetAtt Queue.Arn
    c: !GetAtt [Queue, QueueName]
    d: !Sub "x-${AWS::Region}"
    e: !Join [",", [a, b]]
    f: !If [Cond, !Ref A, !Ref AWS::NoValue]
    g: !Select [1, !Split [",", "a,b"]]
    h: !Not [!Equals [a, b]]
    i: {"Fn::GetAtt": [Queue, Arn]}
    j: !Base64 abc
    k: !Condition Cond
    """
    data = yaml.load(text, Loader=TemplateLoader)  # noqa: S506
    assert data["a"] == {"Ref": "Thing"}
    assert data["b"] == {"Fn::GetAtt": ["Queue", "Arn"]}
    assert data["c"] == {"Fn::GetAtt": ["Queue", "QueueName"]}
    assert data["d"] == {"Fn::Sub": "x-${AWS::Region}"}
    assert data["f"] == {"Fn::If": ["Cond", {"Ref": "A"}, {"Ref": "AWS::NoValue"}]}
    assert data["g"] == {"Fn::Select": [1, {"Fn::Split": [",", "a,b"]}]}
    assert data["h"] == {"Fn::Not": [{"Fn::Equals": ["a", "b"]}]}
    assert data["i"] == data["b"]
    assert data["k"] == {"Condition": "Cond"}


def _resolver(**parameters: object) -> Resolver:
    return Resolver(
        {"Stage": "local", "Origins": ["http://a", "http://b"], **parameters},
        {
            "Queue": PhysicalResource(
                ref="http://moto/123456789012/q",
                attributes={"Arn": "arn:aws:sqs:us-east-1:123456789012:q", "QueueName": "q"},
            ),
            "Key": PhysicalResource(ref="key-id", attributes={"Arn": "arn:key"}),
        },
        conditions={"IsLocal": {"Fn::Equals": [{"Ref": "Stage"}, "local"]}},
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"Ref": "Queue"}, "http://moto/123456789012/q"),
        ({"Ref": "Key"}, "key-id"),
        ({"Fn::GetAtt": ["Key", "Arn"]}, "arn:key"),
        ({"Fn::GetAtt": ["Queue", "QueueName"]}, "q"),
        ({"Ref": "Origins"}, ["http://a", "http://b"]),
        ({"Fn::Join": [",", {"Ref": "Origins"}]}, "http://a,http://b"),
        ({"Fn::Select": [1, {"Ref": "Origins"}]}, "http://b"),
        ({"Fn::Split": [",", "a,b"]}, ["a", "b"]),
        (
            {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:${Stage}-${Queue.QueueName}"},
            "arn:aws:iam::123456789012:local-q",
        ),
        (
            {"Fn::Sub": ["${X}.${AWS::URLSuffix}/${!Literal}", {"X": "api"}]},
            "api.amazonaws.com/${Literal}",
        ),
        ({"Fn::Sub": "${AWS::Region}"}, "us-east-1"),
        ({"Fn::If": ["IsLocal", "yes", "no"]}, "yes"),
        ({"Fn::Not": [{"Condition": "IsLocal"}]}, False),
        ({"a": {"Ref": "AWS::NoValue"}, "b": 1}, {"b": 1}),
    ],
)
def test_resolver_resolves(value: object, expected: object) -> None:
    assert _resolver().resolve(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        {"Ref": "Missing"},
        {"Fn::GetAtt": ["Queue", "Nope"]},
        {"Fn::ImportValue": "x"},
        {"Fn::Sub": "${Origins}"},
    ],
)
def test_resolver_refuses_what_it_cannot_resolve(value: object) -> None:
    with pytest.raises(UnresolvedIntrinsicError):
        _resolver().resolve(value)


def test_parameter_values_layers_and_checks() -> None:
    template = load_template(FIXTURES / "template.yaml")
    base = {
        "JwtIssuer": "i",
        "JwtAudience": "a, b",
        "CorsAllowedOrigins": "o",
        "AllowedReturnUrls": "r",
    }

    values = parameter_values(template, base, {"Stage": "x1"})

    assert values["Stage"] == "x1"
    assert values["JwtAudience"] == ["a", "b"]
    assert values["TickSchedule"] == "rate(5 minutes)"
    with pytest.raises(ParameterError):
        parameter_values(template, base, {"Stage": "Not Allowed!"})
    with pytest.raises(ParameterError):
        parameter_values(template, base, {"Flavour": "spicy"})
    with pytest.raises(ParameterError):
        parameter_values(template, base, {"Typo": "x"})
    with pytest.raises(ParameterError):
        parameter_values(template, {"JwtIssuer": "i"})


def test_parameters_precedence_samconfig_local_caller(tmp_path: Path) -> None:
    # given a samconfig with overrides, next to a copy of the fixture template
    (tmp_path / "template.yaml").write_text((FIXTURES / "template.yaml").read_text())
    (tmp_path / "samconfig.toml").write_text(
        "[default.deploy.parameters]\n"
        'parameter_overrides = "TickSchedule=\\"rate(7 minutes)\\" Stage=prod JwtIssuer=https://prod"\n'
    )
    stack = LocalStack(api_port=0, root=tmp_path, parameter_overrides={"JwtIssuer": "https://mine"})

    # when the values are worked out
    values = stack._parameter_values("http://127.0.0.1:9")

    # then samconfig beats defaults, local defaults beat samconfig, the caller beats all
    assert values["TickSchedule"] == "rate(7 minutes)"
    assert values["Stage"] == "local"
    assert values["JwtIssuer"] == "https://mine"
    assert values["CorsAllowedOrigins"] == ["http://127.0.0.1:9"]
    assert values["AllowedReturnUrls"] == ["http://127.0.0.1:9/app/integrations"]
    assert values["JwtAudience"] == ["palcode-app"]


def test_stack_start_and_stop_leave_the_environment_as_found() -> None:
    before = dict(os.environ)
    stack = LocalStack(
        api_port=0,
        template_path=FIXTURES / "template.yaml",
        root=FIXTURES,
        start_pollers=False,
        start_timer=False,
    )

    stack.start()
    try:
        assert os.environ["AWS_ENDPOINT_URL"] == stack.endpoint_url
        assert os.environ["AWS_DEFAULT_REGION"] == "us-east-1"
        assert "AWS_PROFILE" not in os.environ
        assert os.environ["ITEMS_TABLE"] == "procore-local-ItemsTable"
        assert os.environ["FLAVOUR_LABEL"] == "plain-local"
    finally:
        stack.stop()

    assert dict(os.environ) == before


def test_stack_refuses_conflicting_environments(tmp_path: Path) -> None:
    # given two functions that give one variable two values
    function = (
        "  {name}:\n"
        "    Type: AWS::Serverless::Function\n"
        "    Properties:\n"
        "      CodeUri: fns/{dir}/\n"
        "      Handler: app.handler\n"
        "      Environment: {{Variables: {{X: {x}}}}}\n"
    )
    (tmp_path / "template.yaml").write_text(
        "Resources:\n"
        + function.format(name="A", dir="a", x="one")
        + function.format(name="B", dir="b", x="two")
    )
    before = dict(os.environ)
    stack = LocalStack(api_port=0, root=tmp_path, start_pollers=False, start_timer=False)

    # when it starts, then it fails loudly and cleans up after itself
    with pytest.raises(EnvironmentConflictError):
        stack.start()
    assert dict(os.environ) == before
    assert stack.gateway is None
