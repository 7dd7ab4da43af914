"""procore-ops on AWS finds the deployment's resources through CloudFormation."""

import os

import boto3
import pytest
from botocore.stub import Stubber

from procore_ops.target import TargetError, aws_target

RESOURCES = {
    "ConnectionsTable": "palcode-procore-dev-ConnectionsTable-1ABC",
    "SyncStateTable": "palcode-procore-dev-SyncStateTable-2DEF",
    "DisconnectFunction": "palcode-procore-dev-DisconnectFunction-3GHI",
    "SyncDispatcherFunction": "palcode-procore-dev-SyncDispatcherFunction-4JKL",
    "SyncQueue": "https://sqs.us-east-1.amazonaws.com/123456789012/palcode-procore-dev-SyncQueue-5MNO",
    "SyncDeadLetterQueue": "https://sqs.us-east-1.amazonaws.com/123456789012/palcode-procore-dev-SyncDeadLetterQueue-6PQR",
}


def _stubbed(monkeypatch, pages):
    client = boto3.client("cloudformation", region_name="eu-west-1", aws_access_key_id="x",
                          aws_secret_access_key="x")
    stubber = Stubber(client)
    for page in pages:
        stubber.add_response("list_stack_resources", page, {"StackName": "palcode-procore-dev", **(
            {"NextToken": "t"} if page is not pages[0] else {})})
    stubber.activate()

    class Session:
        def client(self, name):
            assert name == "cloudformation"
            return client

    monkeypatch.setattr(boto3.session, "Session", Session)
    # aws_target points the process at the region: put the test process's back afterwards
    monkeypatch.setenv("AWS_DEFAULT_REGION", os.environ.get("AWS_DEFAULT_REGION", "us-east-1"))
    return stubber


def _summary(logical, physical):
    return {"LogicalResourceId": logical, "PhysicalResourceId": physical, "ResourceType": "AWS::X::Y",
            "LastUpdatedTimestamp": "2026-12-01T00:00:00Z", "ResourceStatus": "CREATE_COMPLETE"}


def test_the_stack_resources_are_read_across_pages(monkeypatch):
    items = [_summary(k, v) for k, v in RESOURCES.items()]
    pages = [{"StackResourceSummaries": items[:3], "NextToken": "t"}, {"StackResourceSummaries": items[3:]}]
    stubber = _stubbed(monkeypatch, pages)
    found = aws_target("palcode-procore-dev", profile=None, region="eu-west-1")
    assert {k: found.name(k) for k in RESOURCES} == RESOURCES
    stubber.assert_no_pending_responses()


def test_a_stack_without_the_needed_resources_is_a_clear_error(monkeypatch):
    _stubbed(monkeypatch, [{"StackResourceSummaries": [_summary("ConnectionsTable", "t")]}])
    with pytest.raises(TargetError, match="no SyncStateTable"):
        aws_target("palcode-procore-dev", profile=None, region="eu-west-1")
