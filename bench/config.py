"""How much the suite runs: runs per size and per figure. `full()` is `make bench`; `smoke()` is
the quick pass the test suite makes to see that the benchmark still works."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from .wall import WallPlan


@dataclass
class SizePlan:
    """Runs at one simulator size: full syncs (each with the bare loop), how many of those runs
    go on to the incremental syncs, and memory passes."""

    runs: int = 0
    incremental_runs: int = 0
    memory_runs: int = 0


@dataclass
class SuiteConfig:
    sizes: dict[str, SizePlan] = field(default_factory=dict)
    wall: WallPlan | None = None
    dispatcher_connections: int = 10_000
    cold_start_runs: int = 7
    cold_start_functions: tuple[str, ...] | None = None  # None: every function of the template
    cold_start_attribution: bool = True  # one more import per function under -X importtime
    name: str = "full"

    def to_dict(self) -> dict:
        return asdict(self)


def full() -> SuiteConfig:
    """`make bench`. L runs for memory only: on the local stack, moto answers a Query over a
    partition in time proportional to its size, so a full sync of L (1,200 project jobs, each
    querying a partition of about 25,000 records) would take most of an hour."""
    return SuiteConfig(
        sizes={"S": SizePlan(runs=5, incremental_runs=5, memory_runs=3),
               "M": SizePlan(runs=3, incremental_runs=1, memory_runs=3),
               "L": SizePlan(runs=0, incremental_runs=0, memory_runs=3)},
        wall=WallPlan(size="M", runs=3),
    )


def smoke() -> SuiteConfig:
    """One run of everything at S, a small dispatcher, one cold start: checks the suite, not the goals."""
    return SuiteConfig(
        sizes={"S": SizePlan(runs=1, incremental_runs=1, memory_runs=1)},
        wall=WallPlan(size="S", runs=1, latency_ms=20, spike_limit=1000),
        dispatcher_connections=100, cold_start_runs=1, cold_start_functions=("ReadsFunction",),
        cold_start_attribution=False, name="smoke",
    )
