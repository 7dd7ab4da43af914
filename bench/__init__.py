"""The benchmark suite: what a sync costs in Procore calls, DynamoDB writes, CPU, memory,
cold starts and wall time, each figure measured against a bound in the same run.

`python -m bench` (or `make bench`) runs it against the Procore simulator at sizes S, M and L
and writes `bench/results.json` and `BENCHMARKS.md`. See BENCHMARKS.md for what each figure
means and how its bound is worked out.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
LAYER = REPO_ROOT / "layers" / "common"

# The engine under test is this checkout's common layer, never an editable install of another
# checkout that the virtualenv may point at.
if str(LAYER) not in sys.path:
    sys.path.insert(0, str(LAYER))
