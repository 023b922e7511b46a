"""A fresh local stack in this process for one scenario, and what the proof reads from it.

The scenario reaches the stack over HTTP like the web page does; the checks
read DynamoDB and SQS directly (the command log, the event store, the read
models, queue depths), and the chaos and poison scenarios reach into
`LocalStack.runtime` to kill or reconfigure containers.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3

from proof.client import PASSWORD, REGION, Api, sign_in

if TYPE_CHECKING:
    from adapters.dynamodb_event_store import DynamoDBEventStore
    from adapters.dynamodb_read_models import DynamoDBReadModels
    from commands.command_log import CommandRecord
    from commands.event_store import Commit
    from local_stack.runtime import LambdaRuntime
    from local_stack.stack import LocalStack, StackInfo

#: The queues whose messages must all be worked before the stack is settled.
SETTLING_QUEUES = ("commands-high", "commands-low", "projections", "projections-bulk")


def gallery_users(count: int) -> list[str]:
    return [f"user{number:02d}" for number in range(1, count + 1)]


@dataclass
class ProofStack:
    """A running in-process stack with clients to inspect it."""

    #: The in-process stack, when the scenario started it here (None: a `retake up` process).
    stack: LocalStack | None
    info: StackInfo
    _tokens: dict[str, str] = field(default_factory=dict)

    @property
    def runtime(self) -> LambdaRuntime:
        assert self.stack is not None and self.stack.runtime is not None
        return self.stack.runtime

    def sqs_deliveries(self, queue_prefix: str) -> tuple[int, int]:
        """(batches received, invocations made) by the pollers of queues named so."""
        from local_stack.sqs_source import SqsEventSource

        assert self.stack is not None and self.stack.mappings is not None
        sources = [
            poller.source
            for poller in self.stack.mappings.pollers
            if poller.name.startswith(queue_prefix) and isinstance(poller.source, SqsEventSource)
        ]
        return sum(s.batches for s in sources), sum(s.deliveries for s in sources)

    @property
    def data_dir(self) -> Path:
        return Path(self.info.data_dir)

    def cli(self, *args: str) -> str:
        """Run `retake ARGS` against this stack, as an operator would; its output."""
        argv = [sys.executable, "-m", "local_stack.cli", *args, "--data", str(self.data_dir)]
        result = subprocess.run(argv, capture_output=True, text=True, timeout=120)
        return result.stdout + result.stderr

    def api(self, username: str) -> Api:
        """The API as `username`, signed in through Cognito (once per user)."""
        if username not in self._tokens:
            self._tokens[username] = sign_in(self.info.endpoint, self.info.client_id, username)
        return Api(self.info.api_url, self._tokens[username])

    def client(self, service: str) -> Any:
        make: Any = boto3.client  # one helper for every service the checks read
        return make(
            service,
            region_name=REGION,
            endpoint_url=self.info.endpoint,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def table(self, logical: str) -> str:
        return f"{self.info.prefix}-{logical}"

    def event_store(self) -> DynamoDBEventStore:
        from adapters.dynamodb_event_store import DynamoDBEventStore

        return DynamoDBEventStore(
            self.table("events"), self.table("snapshots"), client=self.client("dynamodb")
        )

    def read_models(self) -> DynamoDBReadModels:
        from adapters.dynamodb_read_models import DynamoDBReadModels
        from resources.definitions import Naming

        return DynamoDBReadModels(Naming(self.info.prefix), client=self.client("dynamodb"))

    def commits(self) -> list[Commit]:
        return list(self.event_store().all_commits())

    def command_records(self) -> list[CommandRecord]:
        return command_records(self.client("dynamodb"), self.table("commands"))

    def queue_depths(self) -> dict[str, int]:
        """Messages visible or in flight, per settling queue and its DLQ."""
        sqs = self.client("sqs")
        depths = {}
        for name in SETTLING_QUEUES:
            for queue in (f"{name}.fifo", f"{name}-dlq.fifo"):
                url = sqs.get_queue_url(QueueName=f"{self.info.prefix}-{queue}")["QueueUrl"]
                attributes = sqs.get_queue_attributes(
                    QueueUrl=url,
                    AttributeNames=[
                        "ApproximateNumberOfMessages",
                        "ApproximateNumberOfMessagesNotVisible",
                    ],
                )["Attributes"]
                depths[queue] = sum(int(value) for value in attributes.values())
        return depths

    def warm_api(self, containers: int = 4, rounds: int = 5) -> None:
        """Start the API's containers before the load: cold starts at once can time out."""
        from concurrent.futures import ThreadPoolExecutor

        health = Api(self.info.api_url, "")
        with ThreadPoolExecutor(containers) as pool:
            for _ in range(rounds):
                answers = list(pool.map(lambda _: health.call("GET", "/health").status,
                                        range(containers)))  # fmt: skip
                if all(status == 200 for status in answers):
                    return

    def wait_settled(self, timeout: float) -> bool:
        """Wait until the command and projection queues are empty (DLQs aside)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            depths = self.queue_depths()
            if not any(n for queue, n in depths.items() if "-dlq" not in queue):
                return True
            time.sleep(1.0)
        return False


def command_records(dynamodb: Any, table: str) -> list[CommandRecord]:
    """Every record of the command log (a scan: for checks, not the request path)."""
    from adapters.dynamodb_command_log import from_item

    records = []
    request: dict[str, Any] = {"TableName": table, "ConsistentRead": True}
    while True:
        page = dynamodb.scan(**request)
        records += [from_item(item) for item in page["Items"]]
        if "LastEvaluatedKey" not in page:
            return records
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


@contextmanager
def running_stack(users: list[str], prefix: str = "proof", **config: Any) -> Iterator[ProofStack]:
    """A fresh stack (own data folder, free ports, no keep-warm) with gallery accounts."""
    import os

    from local_stack.stack import DEMO_ACCOUNTS, DemoAccount, LocalStack, StackConfig

    accounts = (*DEMO_ACCOUNTS, *(DemoAccount("gallery user", u, PASSWORD) for u in users))
    saved = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix=f"retake-{prefix}-") as folder:
        stack = LocalStack(
            StackConfig(
                data_dir=Path(folder),
                moto_port=0,
                api_port=0,
                site_port=0,
                prefix=prefix,
                keep_warm=False,
                persist=False,
                retry_after_seconds=1,
                demo_accounts=accounts,
                **config,
            )
        )
        try:
            running = ProofStack(stack, stack.start())
            running.warm_api()
            yield running
        finally:
            stack.stop()
            os.environ.clear()
            os.environ.update(saved)
