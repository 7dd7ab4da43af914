"""The template is safe by default: each function gets only the tables, actions, queue and key
uses it needs; no wildcard actions or resources on data or keys; the operational settings hold."""

from __future__ import annotations

from pathlib import Path


from local_stack.template import load_document

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = load_document(ROOT / "template.yaml")
RESOURCES = TEMPLATE["Resources"]
FUNCTIONS = {k: v for k, v in RESOURCES.items() if v["Type"] == "AWS::Serverless::Function"}

# What each function may touch: (policy template, resource it names).
EXPECTED_TEMPLATES = {
    "OAuthStartFunction": {("DynamoDBWritePolicy", "OAuthStatesTable"), ("SSMParameterReadPolicy", "ProcoreClientSecretParameter")},
    "OAuthCallbackFunction": {("DynamoDBCrudPolicy", "OAuthStatesTable"), ("DynamoDBCrudPolicy", "ConnectionsTable"),
                              ("DynamoDBCrudPolicy", "SyncStateTable"), ("SQSSendMessagePolicy", "SyncQueue"),
                              ("SSMParameterReadPolicy", "ProcoreClientSecretParameter")},
    "StatusFunction": {("DynamoDBReadPolicy", "ConnectionsTable"), ("DynamoDBReadPolicy", "SyncStateTable")},
    "SyncControlFunction": {("DynamoDBCrudPolicy", "ConnectionsTable"), ("DynamoDBCrudPolicy", "SyncStateTable"),
                            ("SQSSendMessagePolicy", "SyncQueue")},
    "ReadsFunction": {("DynamoDBReadPolicy", "ConnectionsTable"), ("DynamoDBReadPolicy", "RecordsTable")},
    "DisconnectFunction": {("DynamoDBCrudPolicy", "ConnectionsTable"), ("DynamoDBCrudPolicy", "RecordsTable"),
                           ("DynamoDBCrudPolicy", "SyncStateTable"),
                           ("SSMParameterReadPolicy", "ProcoreClientSecretParameter")},
    "WebhookReceiverFunction": {("DynamoDBCrudPolicy", "ConnectionsTable"), ("DynamoDBCrudPolicy", "IdempotencyTable"),
                                ("SQSSendMessagePolicy", "SyncQueue")},
    "SyncDispatcherFunction": {("DynamoDBReadPolicy", "ConnectionsTable"), ("DynamoDBCrudPolicy", "SyncStateTable"),
                               ("SQSSendMessagePolicy", "SyncQueue")},
    "EntitySyncFunction": {("DynamoDBCrudPolicy", "ConnectionsTable"), ("DynamoDBCrudPolicy", "SyncStateTable"),
                           ("DynamoDBCrudPolicy", "RecordsTable"), ("SQSSendMessagePolicy", "SyncQueue"),
                           ("SSMParameterReadPolicy", "ProcoreClientSecretParameter")},
}
# Which functions may use the key, for which purpose and actions.
EXPECTED_KEY_USE = {
    "OAuthCallbackFunction": ("procore-oauth-token", {"kms:GenerateDataKey", "kms:Decrypt"}),
    "DisconnectFunction": ("procore-oauth-token", {"kms:Decrypt"}),
    "EntitySyncFunction": ("procore-oauth-token", {"kms:GenerateDataKey", "kms:Decrypt"}),
    "ReadsFunction": ("procore-read-cursor", {"kms:Encrypt", "kms:Decrypt"}),
}


def _named(value) -> str:
    """The logical id an intrinsic points at (`Ref X`, `GetAtt X.Y`)."""
    if isinstance(value, dict):
        inner = value.get("Ref") or value.get("Fn::GetAtt")
        if isinstance(inner, list):
            return inner[0]
        if isinstance(inner, str):
            return inner.split(".")[0]
    return str(value)


def _policies(function: dict):
    for policy in function["Properties"].get("Policies", []):
        assert isinstance(policy, dict), f"managed policy {policy!r} is broader than the function needs"
        yield policy


def test_every_function_gets_exactly_the_tables_queue_and_parameter_it_uses():
    assert set(FUNCTIONS) == set(EXPECTED_TEMPLATES)
    for name, function in FUNCTIONS.items():
        granted = set()
        for policy in _policies(function):
            for template, args in policy.items():
                if template == "Statement":
                    continue
                (_, target), = args.items()
                granted.add((template, _named(target)))
        assert granted == EXPECTED_TEMPLATES[name], name


def test_no_statement_has_a_wildcard_and_the_key_is_used_only_under_its_purpose():
    for name, function in FUNCTIONS.items():
        statements = [s for p in _policies(function) for s in p.get("Statement", [])]
        key_use = [s for s in statements if any(a.startswith("kms:") for a in s["Action"])]
        for statement in statements:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            assert all("*" not in action for action in actions), (name, actions)
            assert statement.get("Resource") not in ("*", ["*"]), name
        if name not in EXPECTED_KEY_USE:
            assert key_use == [], f"{name} must not use the KMS key"
            continue
        purpose, actions = EXPECTED_KEY_USE[name]
        assert len(key_use) == 1, name
        (statement,) = key_use
        assert set(statement["Action"]) == actions, name
        assert _named(statement["Resource"]) == "TokenKey"
        assert statement["Condition"] == {"StringEquals": {"kms:EncryptionContext:purpose": purpose}}, name


def test_the_key_rotates_yearly_and_its_policy_grants_no_wildcard_action():
    key = RESOURCES["TokenKey"]["Properties"]
    assert key["EnableKeyRotation"] is True and key["RotationPeriodInDays"] == 365
    for statement in key["KeyPolicy"]["Statement"]:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert "kms:*" not in actions and "*" not in actions
        if any(a in ("kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey") for a in actions):
            assert "kms:EncryptionContext:purpose" in statement["Condition"]["StringEquals"]


def test_tables_queue_and_functions_have_their_safety_settings():
    tables = {k: v["Properties"] for k, v in RESOURCES.items() if v["Type"] == "AWS::DynamoDB::Table"}
    for name, table in tables.items():
        assert table["SSESpecification"]["SSEEnabled"] is True, name
        assert table["DeletionProtectionEnabled"] == {"Fn::If": ["ProtectTables", True, False]}, name
        if name not in ("OAuthStatesTable", "IdempotencyTable"):  # short-lived items, nothing to restore
            assert table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True, name
    assert tables["OAuthStatesTable"]["TimeToLiveSpecification"] == {"AttributeName": "ttl", "Enabled": True}
    assert tables["IdempotencyTable"]["TimeToLiveSpecification"] == {"AttributeName": "expiration", "Enabled": True}
    assert tables["SyncStateTable"]["TimeToLiveSpecification"] == {"AttributeName": "ttl", "Enabled": True}

    queue = RESOURCES["SyncQueue"]["Properties"]
    sync = FUNCTIONS["EntitySyncFunction"]["Properties"]
    assert queue["VisibilityTimeout"] >= 6 * sync["Timeout"]
    assert _named(queue["RedrivePolicy"]["deadLetterTargetArn"]) == "SyncDeadLetterQueue"
    source = sync["Events"]["SyncJobs"]["Properties"]
    assert source["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert source["ScalingConfig"]["MaximumConcurrency"] >= 2

    globals_ = TEMPLATE["Globals"]["Function"]
    assert globals_["Architectures"] == ["arm64"] and globals_["Tracing"] == "Active"
    assert globals_["Environment"]["Variables"]["POWERTOOLS_TRACER_CAPTURE_RESPONSE"] == "false"
    groups = {v["Properties"]["LogGroupName"]["Fn::Sub"] for v in RESOURCES.values() if v["Type"] == "AWS::Logs::LogGroup"}
    assert groups == {f"/aws/lambda/${{{name}}}" for name in FUNCTIONS}


def test_alarms_watch_the_dead_letters_errors_refreshes_and_queue_age():
    alarms = {k: v["Properties"] for k, v in RESOURCES.items() if v["Type"] == "AWS::CloudWatch::Alarm"}
    watched = {a.get("MetricName") or next(m["MetricStat"]["Metric"]["MetricName"] for m in a["Metrics"]
                                           if "MetricStat" in m) for a in alarms.values()}
    assert {"ApproximateNumberOfMessagesVisible", "ApproximateAgeOfOldestMessage", "TokenRefreshFailures",
            "SyncJobsFailed"} <= watched
    assert all(_named(a["AlarmActions"][0]) == "AlarmTopic" for a in alarms.values())
    assert any(v["Type"] == "AWS::CloudWatch::Dashboard" for v in RESOURCES.values())


def test_the_client_secret_is_never_a_plaintext_parameter():
    parameters = TEMPLATE["Parameters"]
    assert parameters["ProcoreClientSecretParameter"]["Type"] == "AWS::SSM::Parameter::Name"
    assert not any("secret" in name.lower() and spec.get("Type") == "String" for name, spec in parameters.items())


