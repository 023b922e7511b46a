"""Run the reliability proof: `python -m proof [--short] [SCENARIO ...]`.

Each scenario runs in a fresh process (`python -m proof --one NAME`), so each
gets its own moto and its own stack. Each prints `proof: <name> = PASS|FAIL
(<figures>)`; the results go to RELIABILITY.md (scenarios not run this time
keep their previous row) after a full run, or a short one given `--write`. The
exit status is 1 if any scenario failed.
"""

from __future__ import annotations

import argparse
import importlib
import os
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from proof import report
from proof.report import Outcome

SCENARIOS = (
    "chaos",
    "duplicates",
    "contention",
    "poison",
    "priority",
    "tampering",
    "restart",
)
ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "RELIABILITY.md"
RESULTS = ROOT / "proof" / "results.json"


def _command(short: bool, name: str) -> str:
    return f"python -m proof{' --short' if short else ''} {name}"


def run_one(name: str, short: bool, out: Path) -> int:
    """Run one scenario in this process and write its outcome as JSON to `out`."""
    import logging

    logging.basicConfig(level=logging.ERROR, format="%(name)s: %(message)s")
    # A 502 (an API container that failed to start in time) is counted by the scenario.
    logging.getLogger("local_stack.gateway").setLevel(logging.CRITICAL)
    module = importlib.import_module(f"proof.scenarios.{name}")
    started = time.monotonic()
    try:
        outcome: Outcome = module.run(short)
    except Exception as error:  # a scenario that cannot finish has failed, and says why
        traceback.print_exc()
        outcome = Outcome(name, violations=[f"the scenario crashed: {error!r}"])
    outcome.seconds = time.monotonic() - started
    out.write_text(outcome.to_json())
    return 0


def run_in_child(name: str, short: bool) -> Outcome:
    with tempfile.TemporaryDirectory(prefix="retake-proof-") as folder:
        out = Path(folder) / "outcome.json"
        argv = [sys.executable, "-m", "proof", "--one", name, "--out", str(out)]
        code = subprocess.call([*argv, *(["--short"] if short else [])], cwd=ROOT)
        if out.exists():
            return Outcome.from_json(out.read_text())
        return Outcome(name, violations=[f"the scenario's process exited with {code}, no result"])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m proof", description=__doc__)
    parser.add_argument("--short", action="store_true", help="the small sizes CI runs")
    parser.add_argument("scenarios", nargs="*", choices=[[], *SCENARIOS], metavar="SCENARIO",
                        help=f"any of {', '.join(SCENARIOS)} (default: all)")  # fmt: skip
    parser.add_argument("--write", action="store_true",
                        help="rewrite RELIABILITY.md after a --short run too")  # fmt: skip
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        return run_one(args.one, args.short, Path(args.out))
    names = args.scenarios or list(SCENARIOS)
    outcomes = []
    for name in names:
        print(f"proof: {name} ...", file=sys.stderr, flush=True)
        outcome = run_in_child(name, args.short)
        outcome.command = _command(args.short, name)
        outcome.date = datetime.now(UTC).strftime("%Y-%m-%d")
        outcome.cores = os.cpu_count() or 0
        outcomes.append(outcome)
        print(outcome.line(), flush=True)
        for violation in outcome.violations:
            print(f"  violated: {violation}", flush=True)
        if args.write or not args.short:
            merged = report.merge(report.load(RESULTS), outcomes, list(SCENARIOS))
            report.write(REPORT, RESULTS, merged)
    failed = [o.scenario for o in outcomes if not o.passed]
    if failed:
        print(f"proof: FAILED {', '.join(failed)}", flush=True)
        return 1
    print(f"proof: all {len(outcomes)} scenario(s) passed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
