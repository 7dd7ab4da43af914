"""The read routes import their libraries with the garbage collector paused. Once loaded, the
collector runs again and what the imports loaded is frozen: a warm container collects its
requests' garbage as usual and never rescans the libraries."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENV = {"PATH": "/usr/bin:/bin", "AWS_DEFAULT_REGION": "us-east-1",
       "PYTHONPATH": f"{ROOT / 'functions' / 'reads'}:{ROOT / 'layers' / 'common'}"}


def _probe(script: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env=ENV,
                          check=False)
    assert done.returncode == 0, done.stderr[-1000:]
    return done.stdout.split()


def test_the_read_routes_load_almost_without_collections_and_run_with_the_collector_on():
    collecting, collections, frozen = _probe(
        "import gc\n"
        "def ran(): return sum(g['collections'] for g in gc.get_stats())\n"
        "before, frozen = ran(), gc.get_freeze_count()\n"
        "import app\n"
        "print(gc.isenabled(), ran() - before, gc.get_freeze_count() - frozen)\n")
    assert collecting == "True"
    assert int(collections) <= 5  # unpaused, the imports run more than a hundred
    assert int(frozen) > 10_000  # the libraries the routes loaded, not just the handler's few objects


def test_an_import_that_fails_leaves_the_collector_on():
    # the runtime reports the failed import; a process that carries on still collects
    assert _probe(
        "import gc, sys\n"
        "sys.modules['procore_sync.services'] = None\n"
        "try:\n"
        "    import app\n"
        "except ImportError:\n"
        "    print(gc.isenabled())\n") == ["True"]
