"""`python -m bench`: run the suite, write bench/results.json and BENCHMARKS.md.

Options: `--smoke` (one quick pass, for checking the suite itself), `--results PATH`,
`--markdown PATH` (empty to skip), `--render` (only rewrite the markdown from the results file,
measuring nothing: for a change to the page's wording). What the functions log goes to `.local/bench-functions.log`,
as it would go to CloudWatch Logs; the terminal gets the progress.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import warnings
from pathlib import Path

from . import REPO_ROOT


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="one quick pass at S (checks the suite, not the goals)")
    parser.add_argument("--results", default=str(REPO_ROOT / "bench" / "results.json"))
    parser.add_argument("--markdown", default=str(REPO_ROOT / "BENCHMARKS.md"))
    parser.add_argument("--command", default=None, help="the command to name in the report")
    parser.add_argument("--render", action="store_true", help="rewrite the markdown from the results file only")
    args = parser.parse_args(argv)
    if args.render:
        from .report import write

        write(json.loads(Path(args.results).read_text(encoding="utf-8")), Path(args.markdown))
        print(f"wrote {args.markdown} from {args.results}")
        return 0

    log_dir = REPO_ROOT / ".local"
    log_dir.mkdir(exist_ok=True)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    # a job that recorded no metric flushes none; Powertools warns each time (the CloudWatch side)
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    terminal = sys.stdout
    with (log_dir / "bench-functions.log").open("w", encoding="utf-8") as function_log:
        sys.stdout = function_log  # before the product's logger is created, as demo.py does
        try:
            from .config import full, smoke
            from .report import write
            from .suite import run_suite

            config = smoke() if args.smoke else full()
            command = args.command or ("python -m bench --smoke" if args.smoke else "make bench")
            results = run_suite(config, log_dir=log_dir, command=command)
        finally:
            sys.stdout = terminal
    Path(args.results).write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    if args.markdown:
        write(results, Path(args.markdown))
    failed = [f["title"] + (f" ({f['size']})" if f["size"] != "-" else "") for f in results["figures"] if not f["pass"]]
    print(f"wrote {args.results}" + (f" and {args.markdown}" if args.markdown else "") +
          f" in {results['duration_seconds']:.0f} s; {len(results['figures']) - len(failed)} of "
          f"{len(results['figures'])} figures meet their goal", file=terminal)
    for title in failed:
        print(f"  miss: {title}", file=terminal)
    return 0


if __name__ == "__main__":
    sys.exit(main())
