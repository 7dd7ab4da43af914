"""A local simulator of Procore's login host and REST API for the Palcode.ai integration.

Public API::

    from procore_simulator import SimulatorServer, SimulatorConfig

    sim = SimulatorServer(config=SimulatorConfig(size="S", seed=7), host="127.0.0.1", port=0)
    sim.start()
    sim.url      # "http://127.0.0.1:54321"
    sim.state    # world, tokens, knobs, call log (see SimulatorState)
    sim.stop()

Seeded users (password ``procore``): ``demo@palcode.test`` (Dana Estimator, admin of every
company), ``pat.pm@palcode.test`` (Pat Morgan, non-admin member of some companies and
projects), ``other@palcode.test`` (Olivia Reyes, admin of the last company only).
See README.md in this package for the endpoints, knobs and control API.
"""

from procore_simulator.config import ConfigError, SimulatorConfig
from procore_simulator.server import SimulatorServer
from procore_simulator.state import SimulatorState
from procore_simulator.world import WorldError

__all__ = ["ConfigError", "SimulatorConfig", "SimulatorServer", "SimulatorState", "WorldError"]
