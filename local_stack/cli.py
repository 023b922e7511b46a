"""The `retake` command: run the local stack and look after it.

    retake up [--data DIR] [--endpoint URL] [--api-port N] [--site-port N] [--moto-port N]

Bad arguments get a one-line error and exit code 2.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"retake: {message}\n")


def _up(args: argparse.Namespace) -> int:
    from local_stack.stack import LocalStack, StackConfig

    config = StackConfig(
        data_dir=Path(args.data),
        endpoint=args.endpoint,
        moto_port=args.moto_port,
        api_port=args.api_port,
        site_port=args.site_port,
        prefix=args.prefix,
        idle_timeout_seconds=args.idle_timeout,
    )
    stack = LocalStack(config)
    stopping = False

    def interrupted(signum: int, frame: Any) -> None:
        nonlocal stopping
        if stopping:
            return
        stopping = True
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupted)
    try:
        info = stack.start()
        print(banner(info.__dict__), flush=True)
        stack.wait()
    except KeyboardInterrupt:
        print("\nstopping Retake (saving state)...", file=sys.stderr, flush=True)
    finally:
        stack.stop()
    return 0


def banner(info: dict[str, Any]) -> str:
    lines = [
        "",
        "Retake is up.",
        f"  web page   {info['site_url']}",
        f"  API        {info['api_url']}",
        f"  API docs   {info['docs_url']}",
        f"  AWS (moto) {info['endpoint']}",
        f"  data       {info['data_dir']}" + ("  (recovered after an unclean stop)"
                                            if info.get("recovered") else ""),
        "",
        "Demo accounts:",
    ]  # fmt: skip
    for account in info["accounts"]:
        groups = f" (groups: {', '.join(account['groups'])})" if account["groups"] else ""
        lines.append(
            f"  {account['role']:<13} {account['username']:<8} "
            f"password {account['password']}{groups}"
        )
    lines += ["", "Ctrl+C stops everything."]
    return "\n".join(lines)


def parser() -> argparse.ArgumentParser:
    root = _Parser(prog="retake", description="Retake on one machine.")
    commands = root.add_subparsers(dest="command", required=True, parser_class=_Parser)
    up = commands.add_parser("up", help="run the whole stack in the foreground")
    up.add_argument("--data", default=".retake", help="the data folder (default .retake)")
    up.add_argument("--endpoint", help="use this AWS-compatible endpoint instead of moto")
    up.add_argument("--moto-port", type=int, default=4510)
    up.add_argument("--api-port", type=int, default=4511)
    up.add_argument("--site-port", type=int, default=4512)
    up.add_argument("--prefix", default="retake", help="resource name prefix")
    up.add_argument("--idle-timeout", type=float, default=300.0,
                    help="seconds before an idle container is reaped")  # fmt: skip
    up.set_defaults(run=_up)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")
    args = parser().parse_args(argv)
    result: int = args.run(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
