"""The `retake` command: run the local stack and look after it.

    retake up [--data DIR] [--endpoint URL] [--api-port N] [--site-port N] [--moto-port N]
    retake status | stats                      what the running stack is doing
    retake dlq list [QUEUE] | redrive [QUEUE]  what failed for good; try it again
    retake projections rebuild                 the read models, made again from the events
    retake audit verify [--stream ID]          the hash chains of the event store
    retake users add NAME [--name "Display Name"] [--group G] [--password P]

Every command but `up` works on the stack running in `--data` (default .retake),
found through its `stack.json`: `status` and `stats` ask the stack's admin API,
the others talk to the stack's AWS endpoint with boto3. Bad arguments get a
one-line error and exit code 2; no running stack, or a failure, exit code 1.
"""

from __future__ import annotations

import argparse
import json
import logging
import secrets
import signal
import string
import sys
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from resources.definitions import QUEUES, USER_POOL, Naming, QueueSpec

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_sqs import SQSClient

    from adapters.dynamodb_event_store import DynamoDBEventStore
    from adapters.settings import Settings

DEFAULT_DATA = ".retake"
#: Where `local_stack.stack` describes a running stack (not imported from there: it loads moto).
STACK_FILE = "stack.json"
DLQ_QUEUES: dict[str, QueueSpec] = {spec.name: spec for spec in QUEUES if spec.dlq}
GROUPS = tuple(group.name for group in USER_POOL.groups)


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
    # Also when started in the background, where a shell may have ignored SIGINT.
    signal.signal(signal.SIGINT, interrupted)
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
    width = max((len(account.get("name") or "") for account in info["accounts"]), default=0)
    for account in info["accounts"]:
        groups = f" (groups: {', '.join(account['groups'])})" if account["groups"] else ""
        lines.append(
            f"  {account['role']:<13} {account['username']:<8} {account.get('name') or '':<{width}}"
            f"  password {account['password']}{groups}"
        )
    lines += ["", "Ctrl+C stops everything."]
    return "\n".join(lines)


# -- finding the running stack ---------------------------------------------------------


class CliError(Exception):
    """A one-line problem for the person at the terminal, with the exit code it ends in."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


class NoStack(CliError):
    def __init__(self, data: str) -> None:
        super().__init__(f"no stack is running in {data} (start one with: retake up)")


@dataclass(frozen=True)
class RunningStack:
    """A stack started by `retake up`, as its stack.json describes it."""

    endpoint: str
    region: str
    prefix: str
    user_pool_id: str
    client_id: str
    admin_url: str

    @classmethod
    def find(cls, data: str) -> RunningStack:
        """The stack running in `data`; NoStack unless its admin API answers."""
        try:
            info = json.loads((Path(data) / STACK_FILE).read_text())
            stack = cls(
                endpoint=info["endpoint"],
                region=info["region"],
                prefix=info["prefix"],
                user_pool_id=info["user_pool_id"],
                client_id=info["client_id"],
                admin_url=info["admin_url"],
            )
            stack.report("/health")
        except (OSError, ValueError, KeyError, CliError):
            # No stack.json, one from an older Retake, or a stack that is gone.
            raise NoStack(data) from None
        return stack

    def report(self, path: str) -> dict[str, Any]:
        """One report of the admin API (`local_stack.admin`)."""
        try:
            with urllib.request.urlopen(f"{self.admin_url}{path}", timeout=30) as response:
                answer: dict[str, Any] = json.load(response)
        except urllib.error.HTTPError as refusal:
            detail = json.loads(refusal.read() or b"{}").get("error", refusal.reason)
            raise CliError(f"the stack's admin API failed on {path}: {detail}") from None
        return answer

    @property
    def naming(self) -> Naming:
        return Naming(self.prefix)

    @property
    def settings(self) -> Settings:
        from adapters.settings import DEFAULT_SNAPSHOT_INTERVAL, Settings

        return Settings(self.naming, DEFAULT_SNAPSHOT_INTERVAL, self.region)

    def _session(self) -> boto3.session.Session:
        # The stack's endpoint is moto (or an emulator) on this machine: any key will do.
        return boto3.session.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name=self.region
        )

    def sqs(self) -> SQSClient:
        return self._session().client("sqs", endpoint_url=self.endpoint)

    def dynamodb(self) -> DynamoDBClient:
        return self._session().client("dynamodb", endpoint_url=self.endpoint)

    def cognito_idp(self) -> Any:
        return self._session().client("cognito-idp", endpoint_url=self.endpoint)

    def event_store(self, dynamodb: DynamoDBClient) -> DynamoDBEventStore:
        from adapters.dynamodb_event_store import DynamoDBEventStore
        from resources.definitions import EVENTS, SNAPSHOTS

        return DynamoDBEventStore(
            self.naming.table(EVENTS), self.naming.table(SNAPSHOTS), client=dynamodb
        )


# -- status and stats ------------------------------------------------------------------


def _status(args: argparse.Namespace) -> int:
    print(format_status(RunningStack.find(args.data).report("/status")))
    return 0


def _stats(args: argparse.Namespace) -> int:
    print(format_stats(RunningStack.find(args.data).report("/stats")))
    return 0


def format_status(report: dict[str, Any]) -> str:
    """The admin API's /status as three short tables: queues, functions, failures."""
    lines = [f"{'queue':<20} {'visible':>8} {'in flight':>10} {'DLQ':>8} {'DLQ in flight':>14}"]
    for queue in report["queues"]:
        dlq = queue["dlq"] or {"visible": "-", "in_flight": "-"}
        lines.append(
            f"{queue['name']:<20} {queue['visible']:>8} {queue['in_flight']:>10} "
            f"{dlq['visible']:>8} {dlq['in_flight']:>14}"
        )
    lines += [
        "",
        f"{'function':<20} {'warm':>8} {'initialising':>13} {'busy':>10} {'invoked':>8} "
        f"{'errors':>14}",
    ]
    for function in report["functions"]:
        lines.append(
            f"{function['name']:<20} {function['warm']:>8} {function['initialising']:>13} "
            f"{function['busy']:>10} {function['invocations']:>8} {function['errors']:>14}"
        )
    failures = [
        f"  poller {poller['name']}: {poller['errors']} error(s), last: {poller['last_error']}"
        for poller in report["pollers"]
        if poller["errors"]
    ] + [
        f"  function {function['name']}: {function['errors']} failed invocation(s)"
        for function in report["functions"]
        if function["errors"]
    ]
    failures += [
        f"  {queue['dlq']['queue']}: {queue['dlq']['visible'] + queue['dlq']['in_flight']}"
        " message(s) (see: retake dlq list)"
        for queue in report["queues"]
        if queue["dlq"] and queue["dlq"]["visible"] + queue["dlq"]["in_flight"]
    ]
    lines += ["", "recent failures:" if failures else "recent failures: none", *failures]
    return "\n".join(lines)


def _milliseconds(summary: dict[str, float] | None, key: str) -> str:
    return "-" if summary is None else f"{summary[key]:.1f} ms"


def format_stats(report: dict[str, Any]) -> str:
    """The admin API's /stats: counts and durations (init when cold, handler when warm)."""
    lines = [
        f"{'function':<12} {'invoked':>8} {'cold':>6} {'init median':>12} {'init p95':>11} "
        f"{'warm median':>12} {'warm p95':>11}"
    ]
    for function in report["functions"]:
        init, warm = function["init_ms"], function["warm_ms"]
        lines.append(
            f"{function['name']:<12} {function['invocations']:>8} {function['cold_starts']:>6} "
            f"{_milliseconds(init, 'median'):>12} {_milliseconds(init, 'p95'):>11} "
            f"{_milliseconds(warm, 'median'):>12} {_milliseconds(warm, 'p95'):>11}"
        )
    return "\n".join(lines)


# -- dead-letter queues ----------------------------------------------------------------


def _dlq_specs(queue: str | None) -> list[QueueSpec]:
    return [DLQ_QUEUES[queue]] if queue else list(DLQ_QUEUES.values())


def _dlq_list(args: argparse.Namespace) -> int:
    from local_stack.dlq import DeadLetterQueue

    stack = RunningStack.find(args.data)
    sqs = stack.sqs()
    for spec in _dlq_specs(args.queue):
        dlq = DeadLetterQueue.of(sqs, spec, stack.naming)
        depth = dlq.depth(sqs)
        letters = dlq.peek(sqs)
        print(f"{spec.name}: {depth} message(s) in {stack.naming.dlq(spec)}")
        for letter in letters:
            print(
                f"  {letter.command_type:<18} {letter.command_id:<36} "
                f"receives {letter.receive_count:<3} {letter.body[:80]}"
            )
        if depth > len(letters):
            print(f"  ... {depth - len(letters)} more, held by another reader or later in a group")
    return 0


def _dlq_redrive(args: argparse.Namespace) -> int:
    from local_stack.dlq import DeadLetterQueue

    stack = RunningStack.find(args.data)
    sqs = stack.sqs()
    total = 0
    for spec in _dlq_specs(args.queue):
        moved = DeadLetterQueue.of(sqs, spec, stack.naming).redrive(sqs)
        total += moved
        print(f"{spec.name}: moved {moved} message(s) from {stack.naming.dlq(spec)} back")
    print(f"moved {total} message(s) in all")
    return 0


# -- the event store and the read models -----------------------------------------------


def _rebuild(args: argparse.Namespace) -> int:
    from functions.bootstrap import build_read_models
    from projections.rebuild import progress_bar, rebuild

    stack = RunningStack.find(args.data)
    dynamodb = stack.dynamodb()
    read_models = build_read_models(stack.settings, dynamodb=dynamodb)
    report = rebuild(stack.event_store(dynamodb), read_models, progress_bar(sys.stderr))
    print(
        f"rebuilt the read models: {report.streams} streams from {report.events} events "
        f"in {report.seconds:.1f} s"
    )
    return 0


def _verify(args: argparse.Namespace) -> int:
    stack = RunningStack.find(args.data)
    report = stack.event_store(stack.dynamodb()).verify(args.stream)
    print(f"checked {report.streams_checked} stream(s), {report.events_checked} event(s)")
    if report.intact:
        print("every hash chain is intact")
        return 0
    for chain_break in report.breaks:
        print(
            f"BREAK stream {chain_break.stream_id} version {chain_break.version}: "
            f"{chain_break.reason}"
        )
    print(f"{len(report.breaks)} broken chain(s)")
    return 1


# -- users -----------------------------------------------------------------------------


def new_password(length: int = 16) -> str:
    """A random password the user pool's policy accepts (upper, lower and a digit)."""
    alphabet = string.ascii_letters + string.digits
    while True:
        password = "".join(secrets.choice(alphabet) for _ in range(length))
        if all(any(test(c) for c in password) for test in (str.isupper, str.islower, str.isdigit)):
            return password


def _add_user(args: argparse.Namespace) -> int:
    from resources.provision import add_user

    stack = RunningStack.find(args.data)
    password = args.password or new_password()
    groups = [args.group] if args.group else []
    cognito = stack.cognito_idp()
    try:
        add_user(cognito, stack.user_pool_id, args.username, password, groups,
                 name=args.display_name)  # fmt: skip
        # One sign-in, so the stack's Cognito trigger records them in the people model now
        # (support and auditors find them by name), not at their first sign-in.
        cognito.admin_initiate_auth(
            UserPoolId=stack.user_pool_id,
            ClientId=stack.client_id,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": args.username, "PASSWORD": password},
        )
    except ClientError as refusal:
        error = refusal.response.get("Error", {})
        if error.get("Code") in {"InvalidPasswordException", "InvalidParameterException"}:
            raise CliError(str(error.get("Message", refusal)), code=2) from None
        raise
    named = f" ({args.display_name})" if args.display_name else ""
    print(f"added {args.username}{named}" + (f" to {args.group}" if args.group else ""))
    if not args.password:
        print(f"password {password}")
    return 0


# -- the command line ------------------------------------------------------------------


def parser() -> argparse.ArgumentParser:
    root = _Parser(prog="retake", description="Retake on one machine.")
    data = _Parser(add_help=False)
    data.add_argument("--data", default=DEFAULT_DATA, help="the data folder (default .retake)")
    commands = root.add_subparsers(dest="command", required=True, parser_class=_Parser)

    up = commands.add_parser("up", parents=[data], help="run the whole stack in the foreground")
    up.add_argument("--endpoint", help="use this AWS-compatible endpoint instead of moto")
    up.add_argument("--moto-port", type=int, default=4510)
    up.add_argument("--api-port", type=int, default=4511)
    up.add_argument("--site-port", type=int, default=4512)
    up.add_argument("--admin-port", type=int, default=0, help="the admin API (default: any)")
    up.add_argument("--prefix", default="retake", help="resource name prefix")
    up.add_argument("--idle-timeout", type=float, default=300.0,
                    help="seconds before an idle container is reaped")  # fmt: skip
    up.set_defaults(run=_up)

    commands.add_parser(
        "status", parents=[data], help="queue depths, containers and recent failures"
    ).set_defaults(run=_status)
    commands.add_parser(
        "stats", parents=[data], help="invocations, cold starts and durations per function"
    ).set_defaults(run=_stats)

    dlq = commands.add_parser("dlq", help="the dead-letter queues").add_subparsers(
        dest="action", required=True, parser_class=_Parser
    )
    for action, run, help_text in (
        ("list", _dlq_list, "show the messages of every DLQ (or one), leaving them there"),
        ("redrive", _dlq_redrive, "move every message of every DLQ (or one) back to its queue"),
    ):
        command = dlq.add_parser(action, parents=[data], help=help_text)
        command.add_argument("queue", nargs="?", choices=sorted(DLQ_QUEUES), metavar="QUEUE",
                             help=f"one of {', '.join(DLQ_QUEUES)} (default: all)")  # fmt: skip
        command.set_defaults(run=run)

    projections = commands.add_parser("projections", help="the read models").add_subparsers(
        dest="action", required=True, parser_class=_Parser
    )
    projections.add_parser(
        "rebuild", parents=[data], help="rebuild the read models from the event store"
    ).set_defaults(run=_rebuild)

    audit = commands.add_parser("audit", help="the audit trail").add_subparsers(
        dest="action", required=True, parser_class=_Parser
    )
    verify = audit.add_parser("verify", parents=[data], help="check the event store's chains")
    verify.add_argument("--stream", help="check only this stream")
    verify.set_defaults(run=_verify)

    users = commands.add_parser("users", help="accounts of the user pool").add_subparsers(
        dest="action", required=True, parser_class=_Parser
    )
    add = users.add_parser("add", parents=[data], help="add a user (and print its password)")
    add.add_argument("username", metavar="NAME", help="the username they sign in with")
    add.add_argument("--name", dest="display_name", help="their display name, e.g. 'Alice Liddell'")
    add.add_argument("--group", choices=GROUPS)
    add.add_argument("--password", help="the password (default: a generated one, printed)")
    add.set_defaults(run=_add_user)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")
    try:
        args = parser().parse_args(argv)
    except SystemExit as exiting:  # bad arguments (already reported) or --help
        return exiting.code if isinstance(exiting.code, int) else 0
    try:
        result: int = args.run(args)
    except CliError as problem:
        print(f"retake: {problem}", file=sys.stderr)
        return problem.code
    except (BotoCoreError, ClientError) as failure:
        print(f"retake: {str(failure).splitlines()[0]}", file=sys.stderr)
        return 1
    return result


if __name__ == "__main__":
    sys.exit(main())
