"""A schedule: who is connected, what changes in Procore, which faults are on, when syncs run.

A schedule is plain data (ints, strings, floats, tuples, dicts) so that it prints as a Python
literal and replays from one: `Schedule(seed=..., steps=(...))` pasted into `@example(...)` or
into the `CHAOS_REPLAY` environment variable runs the same steps with the same random choices.

Steps are tuples whose first item names the step:

Procore changes (a `pick` is an index into the current records, taken modulo their number):
    ("create", entity, pick)        a record under the pick-th parent
    ("update", entity, pick)
    ("delete", entity, pick)
    ("deactivate", entity, pick)    project inactive, bid package closed, vendor inactive
    ("uninstall", pick) / ("reinstall", pick)   the app, in the pick-th company
    ("unshare", pick)               Pat loses access to one of Pat's projects
    ("revoke", who)                 the user revokes the app in Procore (every pair of the login)
    ("reconnect", who)              the user connects again
Faults (on until ("calm",) or the end of the schedule):
    ("procore", {knob: value})      simulator knobs: 429s, 5xx, latency, timeouts, resets, churn
    ("refresh", lost)               every token due for a refresh; lost=True: Procore's answer
                                    to the next refresh is lost after it rotated the pair
    ("kill", n[, "checkpoint"])     a worker dies at its n-th step (or checkpoint save) from now
    ("race", n)                     n workers of each connection want its token at the same moment
    ("sqs", duplicate_rate, extra_delay)   duplicates, and random delays that reorder messages
    ("replay", n)                   n messages sent earlier are delivered again, late
    ("dynamodb", throttle_rate, unprocessed_rate)
    ("kms", n, operation[, "calls"])   the next n KMS requests of that operation fail (500),
                                    or n whole calls fail, botocore's retries spent
    ("webhooks", on)                Procore delivers webhooks (hints) or not
Time:
    ("sync",)                       the schedule fires; wait until the queues are empty
    ("calm",)                       every fault off
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ENTITIES = ("projects", "bid_packages", "bids", "vendors")
DEACTIVATE = {"projects": ("active", False), "bid_packages": ("open", False), "vendors": ("is_active", False)}

# The cast: a Palcode.ai user id stem and the Procore login it connects with. Dana and Dee are two
# Palcode.ai users signed in to the same Procore login (each has its own token pair); Pat is a
# non-admin member of the first company who sees only some of its projects.
CAST = {"dana": "demo@palcode.test", "dee": "demo@palcode.test", "pat": "pat.pm@palcode.test"}


@dataclass(frozen=True)
class Schedule:
    seed: int
    steps: tuple[tuple[Any, ...], ...] = ()
    cast: tuple[str, ...] = ("dana", "pat")
    spike_limit: int = 25  # calls per spike window (shortened to 2 s), for the whole schedule
    notes: dict[str, Any] = field(default_factory=dict, compare=False)

    def literal(self) -> str:
        """The schedule as Python source that builds it again."""
        steps = "".join(f"\n        {step!r}," for step in self.steps)
        return (f"Schedule(seed={self.seed!r}, cast={self.cast!r}, spike_limit={self.spike_limit!r}, "
                f"steps=({steps}\n    ))")

    def kinds(self) -> set[str]:
        return {str(step[0]) for step in self.steps}


def parse(text: str) -> Schedule:
    """A schedule from its literal (what `literal()` printed); nothing but the literal is evaluated."""
    import ast

    tree = ast.parse(text.strip(), mode="eval")
    call = tree.body
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "Schedule"):
        raise ValueError("expected Schedule(...)")
    values = {keyword.arg: ast.literal_eval(keyword.value) for keyword in call.keywords}
    values["steps"] = tuple(tuple(step) for step in values.get("steps", ()))
    values["cast"] = tuple(values.get("cast", ("dana", "pat")))
    return Schedule(**values)
