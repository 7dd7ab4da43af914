"""Which deployment the operator CLI talks to, and the physical names of its resources.

On AWS the names come from the CloudFormation stack (`--stack`, with `--profile` and
`--region`); on the local stack, from the file `make local` writes (`--local`).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

# Written by `make local` (local_stack/__main__.py) at the top of the repository.
LOCAL_STACK_FILE = Path(__file__).resolve().parent.parent / ".local" / "stack.json"
NEEDED = ("ConnectionsTable", "SyncStateTable", "DisconnectFunction", "SyncDispatcherFunction", "SyncQueue",
          "SyncDeadLetterQueue")


class TargetError(Exception):
    """The deployment cannot be found or lacks a resource the CLI needs."""


@dataclass(frozen=True)
class Target:
    resources: dict[str, str]

    def name(self, logical_id: str) -> str:
        try:
            return self.resources[logical_id]
        except KeyError:
            raise TargetError(f"the deployment has no {logical_id}") from None


def local_target(path: Path = LOCAL_STACK_FILE) -> Target:
    """Point this process at the running local stack: moto for AWS, the gateway for Lambda."""
    try:
        described = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TargetError(f"{path} not found: start the local stack with `make local` first") from None
    os.environ["AWS_ENDPOINT_URL"] = described["endpoints"]["aws"]
    os.environ["AWS_ENDPOINT_URL_LAMBDA"] = described["endpoints"]["lambda"]
    os.environ["AWS_DEFAULT_REGION"] = described["region"]
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")
    os.environ.pop("AWS_PROFILE", None)
    return _checked(dict(described["resources"]))


def aws_target(stack: str, *, profile: str | None, region: str | None) -> Target:
    """Read the physical names of the stack's resources from CloudFormation."""
    if profile:
        os.environ["AWS_PROFILE"] = profile
    if region:
        os.environ["AWS_DEFAULT_REGION"] = region
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    resources: dict[str, str] = {}
    try:
        paginator = boto3.session.Session().client("cloudformation").get_paginator("list_stack_resources")
        for page in paginator.paginate(StackName=stack):
            for summary in page["StackResourceSummaries"]:
                resources[summary["LogicalResourceId"]] = summary["PhysicalResourceId"]
    except (BotoCoreError, ClientError) as exc:
        raise TargetError(f"cannot read stack {stack}: {exc}") from None
    return _checked(resources)


def _checked(resources: dict[str, str]) -> Target:
    missing = [logical_id for logical_id in NEEDED if logical_id not in resources]
    if missing:
        raise TargetError(f"the deployment has no {', '.join(missing)}")
    return Target(resources)
