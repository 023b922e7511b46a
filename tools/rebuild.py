"""Rebuild a deployment's read models from its event store, with an operator's credentials.

    RETAKE_NAME_PREFIX=retake python -m tools.rebuild [--prefix retake]

The local stack has `retake projections rebuild`; this is the same rebuild
(`projections.rebuild`) wired to AWS by the composition root.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from adapters.settings import Settings
from functions.bootstrap import build_read_models, build_write_side
from projections.rebuild import progress_bar, rebuild


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.rebuild",
        description="Rebuild the read models from the event store (clears them first).",
    )
    parser.add_argument("--prefix", help="the deployment's name prefix (default: environment)")
    args = parser.parse_args(argv)

    settings = Settings.from_environment(args.prefix)
    store = build_write_side(settings).store
    report = rebuild(store, build_read_models(settings), progress_bar(sys.stderr))
    print(
        f"rebuilt {report.streams} streams from {report.events} events in {report.seconds:.1f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
