"""The real template.yaml, deployed on the local stack: resources exist, environment resolves."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from stack_fixtures import REPO_ROOT

from local_stack import LocalStack
from local_stack.template import load_document, load_template

SIMULATOR_URL = "http://127.0.0.1:9"


@pytest.fixture(scope="module")
def real_stack() -> Iterator[LocalStack]:
    # Another stack in this test process (the functional tests') exports its Procore URLs;
    # this stack must see the variables as a newcomer's shell would, unset.
    with pytest.MonkeyPatch.context() as patch:
        for name in ("PROCORE_LOGIN_URL", "PROCORE_API_URL", "PROCORE_REDIRECT_URI"):
            patch.delenv(name, raising=False)
        stack = LocalStack(
            api_port=0,
            simulator_url=SIMULATOR_URL,
            procore_client_secret="s3cret",  # noqa: S106 - a test value
            start_timer=False,
            start_pollers=False,
        )
    stack.start()
    try:
        yield stack
    finally:
        stack.stop()


def test_real_stack_environment_is_fully_resolved(real_stack: LocalStack) -> None:
    document = load_document(REPO_ROOT / "template.yaml")
    declared = set(document["Globals"]["Function"]["Environment"]["Variables"])
    for resource in document["Resources"].values():
        variables = (resource.get("Properties") or {}).get("Environment", {}).get("Variables", {})
        declared |= set(variables)

    environment = real_stack.environment

    assert declared <= set(environment)
    for name, value in environment.items():
        assert isinstance(value, str), name
        assert "{'Ref'" not in value and "Fn::" not in value, name
    assert environment["POWERTOOLS_TRACE_DISABLED"] == "true"


def test_real_stack_local_parameter_defaults(real_stack: LocalStack) -> None:
    env = real_stack.environment
    api_url = real_stack.api_url
    assert env["STAGE"] == "local"
    assert env["PROCORE_LOGIN_URL"] == env["PROCORE_API_URL"] == SIMULATOR_URL
    assert env["PROCORE_CLIENT_ID"] == "local-client-id"
    assert env["PROCORE_REDIRECT_URI"] == f"{api_url}/integrations/procore/callback"
    assert env["INTEGRATIONS_PAGE_URL"] == f"{api_url}/app/integrations"
    assert env["ALLOWED_RETURN_URLS"] == f"{api_url}/app/integrations"
    assert real_stack.parameters["JwtIssuer"] == "https://auth.palcode.local"
    assert real_stack.parameters["JwtAudience"] == ["palcode-app"]


def test_real_stack_resources_exist_in_moto(real_stack: LocalStack) -> None:
    template = load_template(REPO_ROOT / "template.yaml")
    dynamodb = real_stack.aws.client("dynamodb")
    sqs = real_stack.aws.client("sqs")
    kms = real_stack.aws.client("kms")

    for logical_id, table in template.tables.items():
        name = real_stack.physical(logical_id).ref
        assert name == f"procore-local-{logical_id}"
        described = dynamodb.describe_table(TableName=name)["Table"]
        assert described["KeySchema"] == table.key_schema
        ttl = dynamodb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
        if table.ttl_attribute:
            assert ttl["TimeToLiveStatus"] == "ENABLED"
            assert ttl["AttributeName"] == table.ttl_attribute

    for logical_id, queue in template.queues.items():
        url = real_stack.physical(logical_id).ref
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        assert attributes["VisibilityTimeout"] == str(real_stack.visibility_timeout)
        if queue.dead_letter_queue:
            policy = json.loads(attributes["RedrivePolicy"])
            dlq_arn = real_stack.physical(queue.dead_letter_queue).attributes["Arn"]
            assert policy["deadLetterTargetArn"] == dlq_arn
            assert int(policy["maxReceiveCount"]) == queue.max_receive_count

    for logical_id in template.keys:
        arn = real_stack.physical(logical_id).attributes["Arn"]
        assert kms.describe_key(KeyId=arn)["KeyMetadata"]["Enabled"]


def test_real_stack_environment_points_at_real_resources(real_stack: LocalStack) -> None:
    env = real_stack.environment
    sqs = real_stack.aws.client("sqs")
    dynamodb = real_stack.aws.client("dynamodb")
    kms = real_stack.aws.client("kms")
    ssm = real_stack.aws.client("ssm")

    sqs.get_queue_attributes(QueueUrl=env["SYNC_QUEUE_URL"], AttributeNames=["QueueArn"])
    for variable in (
        "CONNECTIONS_TABLE",
        "OAUTH_STATES_TABLE",
        "SYNC_STATE_TABLE",
        "RECORDS_TABLE",
    ):
        dynamodb.describe_table(TableName=env[variable])
    kms.describe_key(KeyId=env["TOKEN_KEY_ARN"])
    secret = ssm.get_parameter(Name=env["PROCORE_CLIENT_SECRET_PARAMETER"], WithDecryption=True)
    assert secret["Parameter"]["Type"] == "SecureString"
    assert secret["Parameter"]["Value"] == "s3cret"


def test_real_stack_gateway_serves_template_routes(real_stack: LocalStack) -> None:
    template = load_template(REPO_ROOT / "template.yaml")
    assert real_stack.gateway is not None
    served = {route.route_key for api in real_stack.gateway.apis for route in api.routes}
    assert served == {event.route_key for _, event in template.routes()}
    token = real_stack.make_user_token("u1")
    assert token.count(".") == 2
