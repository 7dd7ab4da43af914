"""The local stack (moto server, gateway, SQS poller) and the Procore simulator, once per session.

Each test uses its own Palcode.ai user id, and the tables, queues and simulator are emptied
after every test.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
import requests

from local_stack.aws import free_port
from local_stack.stack import LocalStack
from procore_simulator import SimulatorConfig, SimulatorServer
from scripts.connect_flow import ConnectResult, connect

DEMO_LOGIN = "demo@palcode.test"
PASSWORD = "procore"


@dataclass
class Local:
    stack: LocalStack
    sim: SimulatorServer

    @property
    def api(self) -> str:
        return self.stack.api_url

    def token(self, user_id: str) -> str:
        return self.stack.make_user_token(user_id)

    def connect(self, user_id: str, *, login: str = DEMO_LOGIN, decision: str = "allow",
                session: requests.Session | None = None) -> ConnectResult:
        return connect(self.api, self.token(user_id), login=login, password=PASSWORD, decision=decision,
                       session=session)

    def status(self, user_id: str) -> dict:
        response = requests.get(f"{self.api}/integrations/procore/status",
                                headers={"Authorization": f"Bearer {self.token(user_id)}"}, timeout=30)
        assert response.status_code == 200, response.text
        return response.json()

    def settle(self) -> None:
        self.stack.wait_until_idle(timeout=180)


@pytest.fixture(scope="session")
def local():
    port = free_port()
    sim = SimulatorServer(
        # webhooks are off unless a test turns them on: most tests count what the schedule does
        config=SimulatorConfig(size="tiny", seed=7, webhooks_enabled=False,
                               redirect_uris=[f"http://127.0.0.1:{port}/integrations/procore/callback"]),
        host="127.0.0.1", port=0,
    )
    sim.start()
    # a short visibility timeout and lease, so a job redelivered after its worker was killed
    # takes over within seconds (yet long enough that a busy machine does not lose live leases)
    stack = LocalStack(api_port=port, simulator_url=sim.url, start_timer=False, visibility_timeout=4,
                       parameter_overrides={"JobLeaseSeconds": 8})
    stack.start()
    yield Local(stack, sim)
    stack.stop()
    sim.stop()


@pytest.fixture(autouse=True)
def _fresh_world(local):
    """After each test: let its work finish, then empty our tables and queues and reset Procore,
    so no test's connections are synced by another test's schedule."""
    yield
    local.settle()
    local.stack.reset()
    local.sim.state.reset()


@pytest.fixture
def user_id() -> str:
    return f"palcode-user-{uuid.uuid4().hex[:10]}"
