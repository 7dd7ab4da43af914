"""The gateway: payload 2.0 events, JWT authorizer, responses, cookies, CORS, errors."""

from __future__ import annotations

import http.client
import json
import time
from typing import Any
from urllib.parse import urlsplit

import pytest
from stack_fixtures import fake_module, load_event

from local_stack import LocalStack

UNAUTHORIZED = {"message": "Unauthorized"}


def _request(
    stack: LocalStack,
    method: str,
    path: str,
    *,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
) -> tuple[int, http.client.HTTPMessage, bytes]:
    url = urlsplit(stack.api_url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def _bearer(stack: LocalStack, **claims: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {stack.make_user_token('user-1', **claims)}"}


def _key_shape(value: Any) -> Any:
    """Keys and value types of a JSON value, recursively: what must match AWS's sample."""
    if isinstance(value, dict):
        return {key: _key_shape(item) for key, item in value.items()}
    return type(value).__name__


def test_gateway_event_matches_sam_http_api_sample(stack: LocalStack) -> None:
    # given a sample generated with `sam local generate-event apigateway http-api-proxy`
    sample = load_event("sam_http_api_proxy.json")
    headers = {
        **_bearer(stack),
        "Cookie": "cookie1; cookie2",
        "Header2": "value1",
        "content-type": "application/json",
    }

    # when a request goes through an authorized route
    status, _, _ = _request(
        stack,
        "POST",
        "/items?parameter1=value1&parameter1=value2&parameter2=value",
        headers=headers,
        body=b'{"test":"body"}',
    )

    # then the event the function saw has AWS's shape
    assert status == 200
    (event,) = fake_module("echo").CALLS
    shape, expected = _key_shape(event), _key_shape(sample)
    expected.pop("stageVariables")  # only present when the stage has variables
    expected["requestContext"].pop("authentication")  # only with mutual TLS
    expected["requestContext"]["authorizer"]["jwt"]["scopes"] = "NoneType"  # no route scopes
    expected["isBase64Encoded"] = "bool"
    expected.pop("pathParameters")  # /items has no path parameters (checked separately)
    assert set(shape) == set(expected)
    assert set(shape["requestContext"]) == set(expected["requestContext"])
    assert shape["requestContext"]["http"] == expected["requestContext"]["http"]
    assert shape["requestContext"]["authorizer"]["jwt"]["scopes"] == "NoneType"
    assert event["version"] == "2.0"
    assert event["routeKey"] == event["requestContext"]["routeKey"] == "POST /items"
    assert event["rawPath"] == event["requestContext"]["http"]["path"] == "/items"
    assert event["rawQueryString"] == sample["rawQueryString"]
    assert event["queryStringParameters"] == sample["queryStringParameters"]
    assert event["cookies"] == sample["cookies"]
    assert "cookie" not in event["headers"]
    assert all(name == name.lower() for name in event["headers"])
    assert event["requestContext"]["stage"] == "$default"
    assert event["requestContext"]["accountId"] == "123456789012"
    assert event["body"] == '{"test":"body"}' and event["isBase64Encoded"] is False
    assert "pathParameters" not in event
    time.strptime(event["requestContext"]["time"], "%d/%b/%Y:%H:%M:%S +0000")


def test_gateway_passes_path_parameters_claims_and_duplicate_headers(stack: LocalStack) -> None:
    headers = {**_bearer(stack, groups=["a", "b"], admin=True)}
    url = urlsplit(stack.api_url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    connection.putrequest("GET", "/items/it%20em-7")
    for name, value in [*headers.items(), ("X-Dup", "one"), ("X-Dup", "two")]:
        connection.putheader(name, value)
    connection.endheaders()
    response = connection.getresponse()
    response.read()
    connection.close()

    assert response.status == 200
    (event,) = fake_module("echo").CALLS
    assert event["pathParameters"] == {"item_id": "it em-7"}
    assert event["rawPath"] == "/items/it%20em-7"
    assert event["headers"]["x-dup"] == "one,two"
    assert "queryStringParameters" not in event
    assert "body" not in event and event["isBase64Encoded"] is False
    claims = event["requestContext"]["authorizer"]["jwt"]["claims"]
    assert claims["sub"] == "user-1"
    assert claims["groups"] == "[a b]"
    assert claims["admin"] == "true"
    assert isinstance(claims["exp"], str) and claims["exp"].isdigit()


def test_gateway_base64_encodes_binary_bodies(stack: LocalStack) -> None:
    status, _, _ = _request(
        stack,
        "POST",
        "/public/upload",
        headers={"content-type": "application/octet-stream"},
        body=b"\x00\xffdata",
    )
    assert status == 200
    (event,) = fake_module("echo").CALLS
    assert event["isBase64Encoded"] is True
    assert event["body"] == "AP9kYXRh"
    assert event["pathParameters"] == {"proxy": "upload"}
    assert event["routeKey"] == "ANY /public/{proxy+}"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer not-a-jwt"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
    ],
    ids=["missing", "garbage", "basic"],
)
def test_gateway_refuses_without_a_valid_token(stack: LocalStack, headers: dict[str, str]) -> None:
    status, response_headers, body = _request(stack, "GET", "/items/1", headers=headers)
    assert status == 401
    assert json.loads(body) == UNAUTHORIZED
    assert response_headers["content-type"] == "application/json"
    assert fake_module("echo").CALLS == []


def test_gateway_refuses_bad_signature(stack: LocalStack) -> None:
    from local_stack.authorizer import JwtAuthorizer

    forger = JwtAuthorizer(
        name="x",
        issuer="https://auth.palcode.local",
        audiences=("palcode-app",),
        secret="some-other-secret-some-other-secret",  # noqa: S106 - a test key
    )
    token = forger.issue("user-1")
    status, _, body = _request(
        stack, "GET", "/items/1", headers={"Authorization": f"Bearer {token}"}
    )
    assert (status, json.loads(body)) == (401, UNAUTHORIZED)
    assert fake_module("echo").CALLS == []


@pytest.mark.parametrize(
    "claims",
    [
        {"exp": int(time.time()) - 10},
        {"aud": "someone-else"},
        {"iss": "https://evil.example"},
        {"nbf": int(time.time()) + 600},
    ],
    ids=["expired", "wrong-audience", "wrong-issuer", "not-yet-valid"],
)
def test_gateway_refuses_invalid_claims(stack: LocalStack, claims: dict[str, Any]) -> None:
    status, _, body = _request(stack, "GET", "/items/1", headers=_bearer(stack, **claims))
    assert (status, json.loads(body)) == (401, UNAUTHORIZED)
    assert fake_module("echo").CALLS == []


def test_gateway_accepts_audience_list_and_public_routes(stack: LocalStack) -> None:
    status, _, _ = _request(
        stack, "GET", "/items/1", headers=_bearer(stack, aud=["x", "palcode-app"])
    )
    assert status == 200
    status, _, _ = _request(stack, "GET", "/cookies")
    assert status == 200
    assert "authorizer" not in fake_module("echo").CALLS[-1]["requestContext"]


def test_gateway_cookies_round_trip(stack: LocalStack) -> None:
    status, headers, body = _request(stack, "GET", "/cookies", headers={"Cookie": "a=1; b=two"})
    assert status == 200
    assert json.loads(body) == {"received": ["a=1", "b=two"]}
    assert headers.get_all("set-cookie") == ["session=abc; Path=/; HttpOnly", "theme=dark; Path=/"]


def test_gateway_handler_error_is_500_and_unknown_route_404(stack: LocalStack) -> None:
    status, _, body = _request(stack, "GET", "/boom")
    assert (status, json.loads(body)) == (500, {"message": "Internal Server Error"})
    status, _, body = _request(stack, "GET", "/nowhere")
    assert (status, json.loads(body)) == (404, {"message": "Not Found"})
    status, _, body = _request(stack, "DELETE", "/items", headers=_bearer(stack))
    assert (status, json.loads(body)) == (404, {"message": "Not Found"})


def test_gateway_infers_json_response_from_plain_result(stack: LocalStack) -> None:
    status, headers, body = _request(stack, "GET", "/public/plain")
    assert status == 200
    assert headers["content-type"] == "application/json"
    assert json.loads(body) == {"hello": "world"}


def test_gateway_context_carries_function_name_and_deadline(stack: LocalStack) -> None:
    status, headers, body = _request(stack, "GET", "/items/1", headers=_bearer(stack))
    assert status == 200
    assert headers["x-function"] == "procore-local-EchoFunction"
    assert 0 < json.loads(body)["remaining_ms"] <= 10_000
    assert headers["apigw-requestid"]


def test_gateway_cors_preflight_and_origin_headers(stack: LocalStack) -> None:
    origin = stack.api_url
    preflight = {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization",
    }
    status, headers, _ = _request(stack, "OPTIONS", "/items", headers=preflight)
    assert status == 204
    assert headers["access-control-allow-origin"] == origin
    assert headers["access-control-allow-credentials"] == "true"
    assert "POST" in headers["access-control-allow-methods"]
    assert headers["access-control-max-age"] == "600"
    assert fake_module("echo").CALLS == []

    status, headers, _ = _request(
        stack, "OPTIONS", "/items", headers={**preflight, "Origin": "https://evil.example"}
    )
    assert status == 204
    assert "access-control-allow-origin" not in headers

    # the function's own CORS header is replaced by the API's
    _, headers, _ = _request(stack, "GET", "/cookies", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in headers
    _, headers, _ = _request(stack, "GET", "/cookies", headers={"Origin": origin})
    assert headers["access-control-allow-origin"] == origin


def test_gateway_serves_static_directories(stack: LocalStack) -> None:
    status, headers, body = _request(stack, "GET", "/app/integrations")
    assert status == 200
    assert b"integrations" in body
    assert headers["content-type"].startswith("text/html")


def _lambda_client(stack: LocalStack) -> Any:
    import boto3

    return boto3.client("lambda", endpoint_url=stack.api_url, region_name="us-east-1",
                        aws_access_key_id="local", aws_secret_access_key="local")


def test_lambda_invoke_api_runs_the_real_handler_by_name_or_arn(stack: LocalStack) -> None:
    # GIVEN the gateway speaking Lambda's Invoke API, as `aws lambda invoke` would reach AWS
    client = _lambda_client(stack)
    event = {"routeKey": "GET /echo", "rawPath": "/public/plain"}

    # WHEN a function is invoked by its name, then by its ARN
    by_name = client.invoke(FunctionName=stack.physical("EchoFunction").ref, Payload=json.dumps(event))
    arn = stack.physical("EchoFunction").attributes["Arn"]
    by_arn = client.invoke(FunctionName=arn, Payload=json.dumps(event))

    # THEN the handler ran and its result came back
    assert json.loads(by_name["Payload"].read()) == {"hello": "world"}
    assert json.loads(by_arn["Payload"].read()) == {"hello": "world"}
    assert "FunctionError" not in by_name
    assert fake_module("echo").CALLS[-1] == event


def test_lambda_invoke_api_reports_handler_errors_and_unknown_functions(stack: LocalStack) -> None:
    import botocore.exceptions

    client = _lambda_client(stack)
    failed = client.invoke(FunctionName=stack.physical("EchoFunction").ref,
                           Payload=json.dumps({"routeKey": "GET /boom"}))
    assert failed["FunctionError"] == "Unhandled"
    assert json.loads(failed["Payload"].read())["errorType"] == "RuntimeError"

    with pytest.raises(botocore.exceptions.ClientError) as caught:
        client.invoke(FunctionName="no-such-function", Payload=b"{}")
    assert caught.value.response["Error"]["Code"] == "ResourceNotFoundException"
