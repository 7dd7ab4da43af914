"""The chaos suite's stack: its own local stack and simulator for this package, stopped when the
package is done (the functional tests start theirs afterwards), and the suite's profile.

`CHAOS_PROFILE=long` (what `make chaos` sets) draws more and longer schedules; `CHAOS_SEED`
picks the generated ones (the default is fixed, so `make test` always plays the same ones);
`CHAOS_EXAMPLES` overrides how many are drawn.
"""

from __future__ import annotations

import os

import pytest

from chaos.stack import running

LONG = os.environ.get("CHAOS_PROFILE") == "long"
SEED = int(os.environ.get("CHAOS_SEED", "20261204"))
EXAMPLES = int(os.environ.get("CHAOS_EXAMPLES", "40" if LONG else "1"))


@pytest.fixture(scope="package")
def chaos_stack():
    with running() as stack:
        yield stack
