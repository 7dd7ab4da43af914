"""``SimulatorServer``: run the simulator on a threaded Werkzeug server in the background.

Example::

    sim = SimulatorServer(config=SimulatorConfig(size="S", seed=7), port=0)
    sim.start()
    print(sim.url)   # http://127.0.0.1:54321
    sim.stop()
"""

from __future__ import annotations

import logging
import threading
from types import TracebackType

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from procore_simulator.app import create_app
from procore_simulator.config import SimulatorConfig
from procore_simulator.state import SimulatorState

logger = logging.getLogger(__name__)


class _QuietRequestHandler(WSGIRequestHandler):
    """Request handler without Werkzeug's per-request access log line."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return


class SimulatorServer:
    """The Procore simulator: login host and API host on one base URL."""

    def __init__(
        self,
        config: SimulatorConfig | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        access_log: bool = False,
    ) -> None:
        self.config = config if config is not None else SimulatorConfig()
        self.state = SimulatorState(self.config)
        self.host = host
        self._port = port
        self._access_log = access_log
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._server.server_port if self._server is not None else self._port

    @property
    def url(self) -> str:
        """The base URL without a trailing slash, e.g. ``http://127.0.0.1:54321``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> SimulatorServer:
        """Start serving in a daemon thread; return once the socket is listening."""
        if self._server is not None:
            return self

        handler = WSGIRequestHandler if self._access_log else _QuietRequestHandler
        self._server = make_server(
            self.host, self._port, create_app(self.state), threaded=True, request_handler=handler
        )
        self.state.base_url = self.url
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="procore-simulator", daemon=True
        )
        self._thread.start()
        logger.info("procore simulator started", extra={"url": self.url})
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._server is None:
            return

        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

        self._server = None
        self._thread = None
        self.state.webhook_deliverer.stop()
        logger.info("procore simulator stopped")

    def __enter__(self) -> SimulatorServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
