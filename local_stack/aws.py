"""Moto in server mode as the local AWS, with the template's resources created in it.

`LocalAws.start()` runs moto's server on 127.0.0.1 with a free port and points every botocore
client made afterwards at it (`AWS_ENDPOINT_URL`, a region and dummy credentials in
`os.environ`, `AWS_PROFILE` removed). By default the server is a process of its own
(`local_stack/moto_process.py`: it does not share the functions' interpreter lock, and a Query
costs what its key selects, not the whole table); `LOCAL_MOTO=thread` (or `process=False`) runs
moto's `ThreadedMotoServer` in this process instead. `start()` resets moto either way: every local
stack begins empty. `create_resources` builds the tables
(with TTL), queues (dead-letter queues first, redrive policies pointing at real ARNs), KMS keys
and SSM parameters the template declares, named `<prefix>-<LogicalId>` unless the template
names them, and records what each answers to `Ref` and `Fn::GetAtt` in the `Resolver`.

NOTE: moto never expires TTL items and never runs schedules; see LOCAL-AWS-NOTES.md.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

from local_stack.env import EnvironmentPatch
from local_stack.intrinsics import DEFAULT_REGION, MOTO_ACCOUNT_ID, PhysicalResource, Resolver
from local_stack.template import KmsKey, Queue, SsmParameter, Table, Template

logger = logging.getLogger(__name__)

DEFAULT_NAME_PREFIX = "procore-local"
LOCAL_ACCESS_KEY_ID = "testing"
LOCAL_SECRET_ACCESS_KEY = "testing"  # noqa: S105 - moto accepts any credentials

_QUEUE_PROPERTIES_NOT_ATTRIBUTES = ("QueueName", "Tags")
_GSI_KEYS = ("IndexName", "KeySchema", "Projection", "ProvisionedThroughput", "OnDemandThroughput")
_LSI_KEYS = ("IndexName", "KeySchema", "Projection")


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port free on `host` now."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def silence_werkzeug() -> None:
    """Keep werkzeug's per-request log lines (moto's and the gateway's) out of the output."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)


class LocalAws:
    """One moto server and the resources of one template inside it."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, region: str = DEFAULT_REGION,
                 process: bool | None = None):
        self._host = host
        self._port = port
        self.region = region
        self._process = os.environ.get("LOCAL_MOTO", "process") != "thread" if process is None else process
        self._server: ThreadedMotoServer | None = None
        self._child: subprocess.Popen[bytes] | None = None
        self._environment = EnvironmentPatch()
        self._endpoint_url: str | None = None
        self._created: list[tuple[Template, Resolver, str, int | None]] = []
        self._clients: dict[str, Any] = {}
        self._clients_lock = threading.Lock()

    @property
    def endpoint_url(self) -> str:
        if self._endpoint_url is None:
            raise RuntimeError("the moto server is not started")
        return self._endpoint_url

    @property
    def account_id(self) -> str:
        return os.environ.get("MOTO_ACCOUNT_ID", MOTO_ACCOUNT_ID)

    def start(self) -> None:
        """Start moto and point the process's AWS configuration at it."""
        silence_werkzeug()
        if self._process:
            self._endpoint_url = self._start_child()
        else:
            self._server = ThreadedMotoServer(ip_address=self._host, port=self._port, verbose=False)
            self._server.start()
            host, port = self._server.get_host_and_port()
            self._endpoint_url = f"http://{host}:{port}"
        # moto's backends are process-wide: drop whatever an earlier server left behind
        reset = f"{self._endpoint_url}/moto-api/reset"
        request = urllib.request.Request(reset, method="POST")  # noqa: S310 - our own server
        with urllib.request.urlopen(request, timeout=10):  # noqa: S310 - our own server
            pass
        env = self._environment
        env.set("AWS_ENDPOINT_URL", self._endpoint_url)
        env.set("AWS_DEFAULT_REGION", self.region)
        env.set("AWS_REGION", self.region)
        env.set("AWS_ACCESS_KEY_ID", LOCAL_ACCESS_KEY_ID)
        env.set("AWS_SECRET_ACCESS_KEY", LOCAL_SECRET_ACCESS_KEY)
        for name in (
            "AWS_PROFILE",
            "AWS_DEFAULT_PROFILE",
            "AWS_SESSION_TOKEN",
            "AWS_SECURITY_TOKEN",
        ):
            env.unset(name)
        logger.info("moto server started", extra={"endpoint_url": self._endpoint_url})

    def _start_child(self) -> str:
        """Run moto's server as a child process and wait until it answers; returns its URL."""
        port = self._port or free_port(self._host)
        url = f"http://{self._host}:{port}"
        env = {**os.environ, "PYTHONUNBUFFERED": "1",
               # the local stack's reset purges every queue; AWS's once-a-minute rule would refuse it
               "MOTO_SQS_ENFORCE_STRICT_QUEUE_PURGE_BEHAVIOUR": "false"}
        for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
            env.pop(name, None)
        root = str(Path(__file__).resolve().parent.parent)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
        self._child = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "local_stack.moto_process", "-H", self._host, "-p", str(port)],
            cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/moto-api/", timeout=5):  # noqa: S310
                    return url
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if self._child.poll() is not None:
                    raise RuntimeError(f"moto's server exited with {self._child.returncode}") from None
                if time.monotonic() > deadline:
                    self._stop_child()
                    raise RuntimeError("moto's server did not answer within 60 s") from None
                time.sleep(0.1)

    def _stop_child(self) -> None:
        child, self._child = self._child, None
        if child is None:
            return
        child.terminate()
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait(timeout=10)

    def stop(self) -> None:
        """Stop moto and restore the environment variables `start` changed."""
        if self._server is not None:
            self._server.stop()
            self._server = None
        self._stop_child()
        self._environment.restore()
        self._created.clear()
        self._clients.clear()

    def client(self, service: str) -> Any:
        """A boto3 client bound to this moto server, whatever the environment says (cached)."""
        with self._clients_lock:
            if service not in self._clients:
                self._clients[service] = boto3.session.Session().client(
                    service,
                    endpoint_url=self.endpoint_url,
                    region_name=self.region,
                    aws_access_key_id=LOCAL_ACCESS_KEY_ID,
                    aws_secret_access_key=LOCAL_SECRET_ACCESS_KEY,
                )
            return self._clients[service]

    def create_resources(
        self,
        template: Template,
        resolver: Resolver,
        *,
        name_prefix: str = DEFAULT_NAME_PREFIX,
        visibility_timeout: int | None = None,
    ) -> None:
        """Create every table, queue, key and SSM parameter of the template.

        `visibility_timeout`, when given, replaces the queues' VisibilityTimeout.
        """
        for logical_id in template.creation_order():
            self._create(template, resolver, logical_id, name_prefix, visibility_timeout)
        self._created.append((template, resolver, name_prefix, visibility_timeout))

    def put_secure_string(self, name: str, value: str) -> None:
        """Store an SSM SecureString (how the deployed stack keeps the Procore client secret)."""
        self.client("ssm").put_parameter(
            Name=name, Value=value, Type="SecureString", Overwrite=True
        )

    def reset(self) -> None:
        """Empty every table (dropped and recreated under its name) and purge every queue.

        Keys and SSM parameters are kept, so names, URLs, ARNs and ids in the functions'
        environment stay valid. Call it when nothing is running: receipt handles held by a
        poller become stale.
        """
        dynamodb, sqs = self.client("dynamodb"), self.client("sqs")
        purge_rule = EnvironmentPatch()
        # moto reads this per call: lift AWS's one-purge-a-minute rule only while resetting
        purge_rule.set("MOTO_SQS_ENFORCE_STRICT_QUEUE_PURGE_BEHAVIOUR", "false")
        try:
            for template, resolver, prefix, visibility in self._created:
                for logical_id in template.creation_order():
                    physical = resolver.resources.get(logical_id)
                    if physical is None:
                        continue
                    if logical_id in template.tables:
                        dynamodb.delete_table(TableName=physical.ref)
                        self._create(template, resolver, logical_id, prefix, visibility)
                    elif logical_id in template.queues:
                        sqs.purge_queue(QueueUrl=physical.ref)
        finally:
            purge_rule.restore()

    # ------------------------------------------------------------------ per resource type

    def _create(
        self,
        template: Template,
        resolver: Resolver,
        logical_id: str,
        prefix: str,
        visibility_timeout: int | None,
    ) -> None:
        resource: Table | Queue | KmsKey | SsmParameter
        if logical_id in template.tables:
            resource = template.tables[logical_id]
            if resolver.is_active(resource.condition):
                resolver.add(logical_id, self._create_table(resource, resolver, prefix))
        elif logical_id in template.queues:
            resource = template.queues[logical_id]
            if resolver.is_active(resource.condition):
                physical = self._create_queue(resource, resolver, prefix, visibility_timeout)
                resolver.add(logical_id, physical)
        elif logical_id in template.keys:
            resource = template.keys[logical_id]
            if resolver.is_active(resource.condition):
                resolver.add(logical_id, self._create_key(resource, resolver))
        elif logical_id in template.ssm_parameters:
            resource = template.ssm_parameters[logical_id]
            if resolver.is_active(resource.condition):
                resolver.add(logical_id, self._create_parameter(resource, resolver, prefix))

    def _create_table(self, table: Table, resolver: Resolver, prefix: str) -> PhysicalResource:
        name = str(resolver.resolve(table.table_name) or f"{prefix}-{table.logical_id}")
        provisioned = table.billing_mode != "PAY_PER_REQUEST"
        request: dict[str, Any] = {
            "TableName": name,
            "KeySchema": resolver.resolve(table.key_schema),
            "AttributeDefinitions": resolver.resolve(table.attribute_definitions),
            "BillingMode": table.billing_mode,
        }
        default_throughput = {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
        if provisioned:
            request["ProvisionedThroughput"] = _numbers(
                resolver.resolve(table.provisioned_throughput) or default_throughput
            )
        if table.global_secondary_indexes:
            indexes = [
                _pick(i, _GSI_KEYS) for i in resolver.resolve(table.global_secondary_indexes)
            ]
            for index in indexes:
                if provisioned:
                    index["ProvisionedThroughput"] = _numbers(
                        index.get("ProvisionedThroughput") or default_throughput
                    )
                else:
                    index.pop("ProvisionedThroughput", None)
            request["GlobalSecondaryIndexes"] = indexes
        if table.local_secondary_indexes:
            request["LocalSecondaryIndexes"] = [
                _pick(i, _LSI_KEYS) for i in resolver.resolve(table.local_secondary_indexes)
            ]
        if table.stream_view_type:
            request["StreamSpecification"] = {
                "StreamEnabled": True,
                "StreamViewType": table.stream_view_type,
            }
        dynamodb = self.client("dynamodb")
        description = dynamodb.create_table(**request)["TableDescription"]
        if table.ttl_attribute:
            dynamodb.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": table.ttl_attribute},
            )
        attributes = {"Arn": description["TableArn"]}
        if description.get("LatestStreamArn"):
            attributes["StreamArn"] = description["LatestStreamArn"]
        return PhysicalResource(ref=name, attributes=attributes)

    def _create_queue(
        self, queue: Queue, resolver: Resolver, prefix: str, visibility_timeout: int | None
    ) -> PhysicalResource:
        name = resolver.resolve(queue.queue_name)
        if not name:
            name = f"{prefix}-{queue.logical_id}" + (".fifo" if queue.fifo else "")
        attributes: dict[str, str] = {}
        for key, value in resolver.resolve(queue.properties).items():
            if key in _QUEUE_PROPERTIES_NOT_ATTRIBUTES:
                continue
            attributes[key] = json.dumps(value) if isinstance(value, dict) else _text(value)
        if visibility_timeout is not None:
            attributes["VisibilityTimeout"] = str(visibility_timeout)
        sqs = self.client("sqs")
        url = sqs.create_queue(QueueName=str(name), Attributes=attributes)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        return PhysicalResource(
            ref=url, attributes={"Arn": arn, "QueueName": str(name), "QueueUrl": url}
        )

    def _create_key(self, key: KmsKey, resolver: Resolver) -> PhysicalResource:
        request: dict[str, Any] = {"Description": str(resolver.resolve(key.description) or "")}
        for prop, argument in (("KeyUsage", "KeyUsage"), ("KeySpec", "KeySpec")):
            if prop in key.properties:
                request[argument] = resolver.resolve(key.properties[prop])
        metadata = self.client("kms").create_key(**request)["KeyMetadata"]
        return PhysicalResource(
            ref=metadata["KeyId"], attributes={"Arn": metadata["Arn"], "KeyId": metadata["KeyId"]}
        )

    def _create_parameter(
        self, parameter: SsmParameter, resolver: Resolver, prefix: str
    ) -> PhysicalResource:
        props = resolver.resolve(parameter.properties)
        name = str(props.get("Name") or f"{prefix}-{parameter.logical_id}")
        kind = str(props.get("Type", "String"))
        value = props.get("Value", "")
        self.client("ssm").put_parameter(Name=name, Value=str(value), Type=kind, Overwrite=True)
        return PhysicalResource(ref=name, attributes={"Type": kind, "Value": value})


def _pick(spec: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {key: spec[key] for key in keys if key in spec}


def _numbers(throughput: dict[str, Any]) -> dict[str, int]:
    return {key: int(value) for key, value in throughput.items()}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
