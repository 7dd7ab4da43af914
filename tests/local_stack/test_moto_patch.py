"""The local stack's moto answers a Query with exactly the items DynamoDB would give, whichever
key condition selects them (its Query only reads the key's own items)."""

import boto3
import pytest
from boto3.dynamodb.conditions import Key
from moto import mock_aws

from local_stack.moto_patch import apply


@pytest.fixture
def table():
    apply()
    with mock_aws():
        dynamodb = boto3.resource("dynamodb", region_name="us-east-1")
        made = dynamodb.create_table(
            TableName="records", BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                  {"AttributeName": "sk", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}])
        with made.batch_writer() as batch:
            for pk in ("a", "b"):
                for project in range(3):
                    for bid in range(4):
                        batch.put_item(Item={"pk": pk, "sk": f"bid#{project}#{bid}", "n": bid})
                batch.put_item(Item={"pk": pk, "sk": "project#1"})
        yield made


def keys(table, condition, **kwargs):
    found, start = [], {}
    while True:
        page = table.query(KeyConditionExpression=condition, **start, **kwargs)
        found += [i["sk"] for i in page["Items"]]
        if "LastEvaluatedKey" not in page:
            return found
        start = {"ExclusiveStartKey": page["LastEvaluatedKey"]}


@pytest.mark.parametrize(("condition", "expected"), [
    (Key("pk").eq("a") & Key("sk").begins_with("bid#1#"), [f"bid#1#{b}" for b in range(4)]),
    (Key("pk").eq("a") & Key("sk").between("bid#0#3", "bid#1#1"), ["bid#0#3", "bid#1#0", "bid#1#1"]),
    (Key("pk").eq("a") & Key("sk").lt("bid#0#2"), ["bid#0#0", "bid#0#1"]),
    (Key("pk").eq("b") & Key("sk").eq("project#1"), ["project#1"]),
    (Key("pk").eq("b"), sorted([f"bid#{p}#{b}" for p in range(3) for b in range(4)] + ["project#1"])),
])
def test_a_query_returns_what_its_key_condition_selects_in_key_order(table, condition, expected):
    assert keys(table, condition) == expected
    assert keys(table, condition, Limit=2) == expected  # paged, the same items
    assert keys(table, condition, ScanIndexForward=False) == expected[::-1]


def test_a_filter_and_a_projection_still_apply(table):
    from boto3.dynamodb.conditions import Attr

    page = table.query(KeyConditionExpression=Key("pk").eq("a") & Key("sk").begins_with("bid#2#"),
                       FilterExpression=Attr("n").gte(2), ProjectionExpression="sk")
    assert page["Items"] == [{"sk": "bid#2#2"}, {"sk": "bid#2#3"}]


def test_sqs_still_delivers_every_message_once_per_visibility_window():
    apply()
    with mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        url = sqs.create_queue(QueueName="jobs", Attributes={"VisibilityTimeout": "30"})["QueueUrl"]
        for n in range(25):
            sqs.send_message(QueueUrl=url, MessageBody=str(n))
        seen = []
        while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
            seen += [m["Body"] for m in batch]
        assert sorted(seen, key=int) == [str(n) for n in range(25)]
        counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        assert counts["ApproximateNumberOfMessagesNotVisible"] == "25"
        assert counts["MessageRetentionPeriod"] == "345600"


def test_a_transaction_applies_whole_or_not_at_all(table):
    client = table.meta.client
    put_new = {"Put": {"TableName": "records", "Item": {"pk": "a", "sk": "job#1", "n": 1},
                       "ConditionExpression": "attribute_not_exists(sk)"}}
    count = {"Update": {"TableName": "records", "Key": {"pk": "a", "sk": "project#1"},
                        "UpdateExpression": "ADD jobs :one", "ExpressionAttributeValues": {":one": 1}}}
    client.transact_write_items(TransactItems=[put_new, count])
    assert table.get_item(Key={"pk": "a", "sk": "job#1"})["Item"]["n"] == 1
    assert table.get_item(Key={"pk": "a", "sk": "project#1"})["Item"]["jobs"] == 1

    # the same again: the put's condition fails, so the count is not added either
    again = {"Update": {**count["Update"]}}
    changed = {"Put": {"TableName": "records", "Item": {"pk": "a", "sk": "bid#0#0", "n": 99}}}
    with pytest.raises(client.exceptions.TransactionCanceledException):
        client.transact_write_items(TransactItems=[changed, again, put_new])
    assert table.get_item(Key={"pk": "a", "sk": "project#1"})["Item"]["jobs"] == 1
    assert table.get_item(Key={"pk": "a", "sk": "bid#0#0"})["Item"]["n"] == 0
    assert table.get_item(Key={"pk": "b", "sk": "project#1"})["Item"] == {"pk": "b", "sk": "project#1"}
