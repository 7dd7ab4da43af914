"""`python -m local_stack`: the product on this machine, with the Procore simulator, until Ctrl-C.

Prints the gateway, simulator and moto URLs and a JWT for a demo user. Reads:
LOCAL_API_PORT (8080; 0 picks a free port), LOCAL_SIMULATOR (`off` to run without the Procore
simulator), LOCAL_SIMULATOR_SIZE (S), LOCAL_SIMULATOR_SEED (7), LOCAL_SIMULATOR_PORT (0),
LOCAL_DEMO_USER (demo-user), plus everything `LocalStack` reads (LOCAL_JWT_SECRET,
LOCAL_SYNC_INTERVAL, LOCAL_SQS_VISIBILITY_TIMEOUT, PROCORE_*).
"""

from __future__ import annotations

import inspect
import json
import logging
import os
import signal
import threading
from pathlib import Path
from typing import Any

from local_stack.stack import CALLBACK_PATH, LocalStack

logger = logging.getLogger("local_stack")
STACK_FILE = Path(__file__).resolve().parent.parent / ".local" / "stack.json"  # for procore-ops --local


def start_simulator(*, redirect_uri: str, client_id: str, client_secret: str) -> Any | None:
    """Start the Procore simulator if it is installed; None when it is not available."""
    try:
        from procore_simulator import SimulatorConfig, SimulatorServer
    except ImportError:
        logger.warning("procore simulator not available; running without it")
        return None
    wanted: dict[str, Any] = {
        "size": os.environ.get("LOCAL_SIMULATOR_SIZE", "S"),
        "seed": int(os.environ.get("LOCAL_SIMULATOR_SEED", "7")),
        "redirect_uris": [redirect_uri],
        "client_id": client_id,
        "client_secret": client_secret,
    }
    accepted = inspect.signature(SimulatorConfig).parameters
    config = SimulatorConfig(**{k: v for k, v in wanted.items() if k in accepted})
    port = int(os.environ.get("LOCAL_SIMULATOR_PORT", "0"))
    server = SimulatorServer(config=config, host="127.0.0.1", port=port)
    server.start()
    return server


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("botocore").setLevel(logging.WARNING)
    stack = LocalStack()
    api_url = stack.bind()
    simulator = None
    if os.environ.get("LOCAL_SIMULATOR", "on").lower() != "off":
        redirect_uri = os.environ.get("PROCORE_REDIRECT_URI") or api_url + CALLBACK_PATH
        simulator = start_simulator(
            redirect_uri=redirect_uri,
            client_id=stack.procore_client_id,
            client_secret=stack.procore_client_secret,
        )
        if simulator is not None:
            stack.simulator_url = simulator.url
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    try:
        stack.start()
        STACK_FILE.parent.mkdir(exist_ok=True)
        STACK_FILE.write_text(json.dumps(stack.describe(), indent=2), encoding="utf-8")
        user = os.environ.get("LOCAL_DEMO_USER", "demo-user")
        print(f"gateway     {stack.api_url}")  # noqa: T201
        print(f"simulator   {simulator.url if simulator else '(not running)'}")  # noqa: T201
        print(f"moto        {stack.endpoint_url}")  # noqa: T201
        print(f"user        {user}")  # noqa: T201
        print(f"token       {stack.make_user_token(user)}   (valid 1 h)")  # noqa: T201
        if simulator is not None:
            print("procore     sign in as demo@palcode.test, password procore")  # noqa: T201
        print(f"operators   .venv/bin/procore-ops --local list   (reads .local/stack.json)")  # noqa: T201
        print("serving until Ctrl-C")  # noqa: T201
        stopping.wait()
    except KeyboardInterrupt:
        pass
    finally:
        STACK_FILE.unlink(missing_ok=True)
        stack.stop()
        if simulator is not None:
            simulator.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
