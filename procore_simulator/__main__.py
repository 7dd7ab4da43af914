"""Command line: ``python -m procore_simulator --host 127.0.0.1 --port 8081 --size S --seed 7``.

Prints the base URL and serves until Ctrl-C.
"""

from __future__ import annotations

import argparse
import logging
import threading

from procore_simulator.config import SIZES, SimulatorConfig
from procore_simulator.server import SimulatorServer


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m procore_simulator", description="Run the local Procore simulator."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081, help="0 picks a free port")
    parser.add_argument("--size", choices=SIZES, default="S")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--client-id", default=None)
    parser.add_argument("--client-secret", default=None)
    parser.add_argument(
        "--redirect-uri",
        action="append",
        default=None,
        help="registered redirect URI (repeat for several; replaces the defaults)",
    )
    parser.add_argument("--access-log", action="store_true", help="log every request")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    config = SimulatorConfig(size=args.size, seed=args.seed)
    if args.client_id:
        config.client_id = args.client_id
    if args.client_secret:
        config.client_secret = args.client_secret
    if args.redirect_uri:
        config.redirect_uris = list(args.redirect_uri)

    simulator = SimulatorServer(
        config=config, host=args.host, port=args.port, access_log=args.access_log
    )
    simulator.start()
    print(simulator.url, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        simulator.stop()


if __name__ == "__main__":
    main()
