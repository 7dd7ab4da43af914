"""A figure: what was measured in each run, the bound it is held against, the goal, pass/miss.

Every figure is judged on its median over the runs (`median_low` for counts, so the median is
a value a run really gave); the spread is the lowest and highest run. A ratio is measured ÷
bound, run by run. Goals are either `le` (ratio at most `factor`) or `eq` (measured equals
the bound, which also covers a bound of 0, where a ratio means nothing).
"""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass, field
from typing import Any


def summary(values: list[float]) -> dict[str, Any]:
    """Median (the lower middle value for an even count), lowest, highest, and every run."""
    if not values:
        raise ValueError("no runs")
    return {"median": statistics.median_low(values), "min": min(values), "max": max(values),
            "values": list(values)}


@dataclass
class Goal:
    kind: str  # "le" or "eq"
    factor: float = 1.0

    def text(self) -> str:
        return "= bound" if self.kind == "eq" else f"≤ {self.factor:g} × bound"


@dataclass
class Figure:
    key: str
    title: str
    size: str
    unit: str
    goal: Goal
    bound_text: str
    measured: list[float]
    bound: list[float]
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def runs(self) -> int:
        return len(self.measured)

    def ratios(self) -> list[float] | None:
        if any(b == 0 for b in self.bound):
            return None
        return [m / b for m, b in zip(self.measured, self.bound, strict=True)]

    def passed(self) -> bool:
        if self.goal.kind == "eq":
            return statistics.median_low(self.measured) == statistics.median_low(self.bound)
        ratios = self.ratios()
        return ratios is not None and statistics.median_low(ratios) <= self.goal.factor + 1e-9

    def to_dict(self) -> dict[str, Any]:
        ratios = self.ratios()
        data = asdict(self)
        data.update({
            "runs": self.runs, "goal": {"kind": self.goal.kind, "factor": self.goal.factor,
                                        "text": self.goal.text()},
            "measured": summary(self.measured), "bound": summary(self.bound),
            "ratio": summary(ratios) if ratios is not None else None, "pass": self.passed(),
        })
        return data
