"""The local stack and the Procore simulator, started together for chaos runs.

Like the functional tests' stack: a tiny seeded world, webhooks off unless a schedule turns them
on, a 2 s visibility timeout and 3 s job leases, so a job whose worker was killed is delivered
again within seconds. `running()` is a context manager; on the way out it also makes the
product forget the clients and settings it cached for this stack, because every function runs
in this one process and a later stack (the functional tests') has other endpoints.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import requests

PASSWORD = "procore"
DEMO_LOGIN = "demo@palcode.test"
PAT_LOGIN = "pat.pm@palcode.test"


@dataclass
class Stack:
    """What a schedule drives: the stack, the simulator, and the calls a user's browser makes."""

    stack: Any  # local_stack.LocalStack
    sim: Any  # procore_simulator.SimulatorServer

    @property
    def api(self) -> str:
        return self.stack.api_url

    def token(self, user_id: str) -> str:
        return self.stack.make_user_token(user_id)

    def connect(self, user_id: str, login: str) -> str | None:
        """The whole redirect flow; returns the callback's outcome (`connected` or None)."""
        from scripts.connect_flow import connect

        result = connect(self.api, self.token(user_id), login=login, password=PASSWORD)
        return result.outcome if result.outcome == "connected" else None

    def status(self, user_id: str) -> dict:
        answer = requests.get(f"{self.api}/integrations/procore/status",
                              headers={"Authorization": f"Bearer {self.token(user_id)}"}, timeout=60)
        answer.raise_for_status()
        return answer.json()

    def sync_now(self, user_id: str) -> int:
        answer = requests.post(f"{self.api}/integrations/procore/sync",
                               headers={"Authorization": f"Bearer {self.token(user_id)}"}, timeout=60)
        return answer.status_code

    def trigger(self) -> None:
        """What the schedule does every few minutes: a run for every connected user."""
        self.stack.trigger_schedule()

    def settle(self, timeout: float = 240) -> None:
        self.stack.wait_until_idle(timeout=timeout)

    def dead_letters(self) -> list[dict]:
        """The bodies of the messages in the dead-letter queue, left where they are."""
        sqs = self.stack.aws.client("sqs")
        url = self.stack.physical("SyncDeadLetterQueue").ref
        seen: dict[str, dict] = {}
        for _ in range(5):  # receive until every message was seen (each call returns a sample)
            answer = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0,
                                         WaitTimeSeconds=0)
            for message in answer.get("Messages") or []:
                seen[message["MessageId"]] = json.loads(message["Body"])
            depth = int(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
                        ["Attributes"]["ApproximateNumberOfMessages"])
            if len(seen) >= depth:
                break
        return list(seen.values())

    def reset(self) -> None:
        """Empty tables and queues and give Procore back its seeded world (call it while idle)."""
        self.stack.reset()
        self.sim.state.reset()


@contextlib.contextmanager
def running(*, size: str = "tiny", seed: int = 7, lease_seconds: int = 3, visibility_timeout: int = 2,
            ) -> Iterator[Stack]:
    from local_stack.aws import free_port
    from local_stack.stack import LocalStack
    from procore_simulator import SimulatorConfig, SimulatorServer

    port = free_port()
    sim = SimulatorServer(
        config=SimulatorConfig(size=size, seed=seed, webhooks_enabled=False,
                               redirect_uris=[f"http://127.0.0.1:{port}/integrations/procore/callback"]),
        host="127.0.0.1", port=0,
    )
    sim.start()
    stack = LocalStack(api_port=port, simulator_url=sim.url, start_timer=False,
                       visibility_timeout=visibility_timeout,
                       parameter_overrides={"JobLeaseSeconds": lease_seconds})
    try:
        stack.start()
        yield Stack(stack, sim)
    finally:
        stack.stop()
        sim.stop()
        forget_product_state()


def forget_product_state() -> None:
    """Drop what the product cached for this stack: settings, services, AWS clients, the
    Encryption SDK's KMS provider and the webhook receiver's idempotency store."""
    from procore_sync import aws, config, crypto, services

    services.reset_services()
    config.get_settings.cache_clear()
    aws.reset_clients()
    crypto._sdk.cache_clear()
    receiver = sys.modules.get("functions.webhook_receiver.app")
    if receiver is not None:
        receiver.accept_once.cache_clear()
