"""The read routes load with the garbage collector paused. Once loaded, the collector runs again
and what loading allocated is frozen: a warm container collects its requests' garbage as usual
and never rescans the libraries."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import gc
before = gc.get_freeze_count()
import app
print(gc.isenabled(), gc.get_freeze_count() - before)
"""


def test_the_read_routes_load_with_the_collector_paused_and_run_with_it_on():
    env = {"PATH": "/usr/bin:/bin", "AWS_DEFAULT_REGION": "us-east-1",
           "PYTHONPATH": f"{ROOT / 'functions' / 'reads'}:{ROOT / 'layers' / 'common'}"}
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120, env=env,
                          check=False)
    assert done.returncode == 0, done.stderr[-1000:]
    collecting, frozen = done.stdout.split()
    assert collecting == "True"
    assert int(frozen) > 10_000  # the libraries the routes loaded, not just the handler's few objects
