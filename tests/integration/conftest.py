"""Integration fixtures: one moto server per session, wiped and provisioned per test.

`aws` is the fixture to use: it resets moto, points boto3 at it through the
environment (so code that builds its own clients finds moto too), creates every
table and queue of `resources.definitions` under the prefix "test", and hands
back the clients and physical names.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import boto3
import pytest

from local_stack.moto_server import MotoServer, point_boto3_at, start_moto
from resources.definitions import QUEUES, Naming, TableSpec
from resources.provision import provision

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_sqs import SQSClient

REGION = "us-east-1"
_HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test in this folder `integration` (deselect with -m 'not integration')."""
    for item in items:
        if _HERE in item.path.parents:
            item.add_marker(pytest.mark.integration)


@dataclass(frozen=True)
class AwsContext:
    """A freshly provisioned moto: clients, names and queue URLs."""

    endpoint: str
    dynamodb: DynamoDBClient
    sqs: SQSClient
    naming: Naming
    queue_urls: dict[str, str]

    def table(self, spec: TableSpec) -> str:
        """The physical name of a table."""
        return self.naming.table(spec)


@pytest.fixture(scope="session")
def moto_server() -> Iterator[MotoServer]:
    """One moto server for the whole session."""
    server = start_moto()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def aws(moto_server: MotoServer, monkeypatch: pytest.MonkeyPatch) -> AwsContext:
    """An empty moto with Retake's tables and queues, and boto3 pointed at it."""
    moto_server.reset()
    for name, value in point_boto3_at(moto_server.endpoint, REGION).items():
        monkeypatch.setenv(name, value)
    for leftover in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        monkeypatch.delenv(leftover, raising=False)
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    sqs = boto3.client("sqs", region_name=REGION)
    naming = Naming(prefix="test")
    created = provision(dynamodb, sqs, naming)
    queue_urls = {spec.name: created[spec.name] for spec in QUEUES}
    for spec in QUEUES:
        queue_urls[f"{spec.name}-dlq"] = sqs.get_queue_url(QueueName=naming.dlq(spec))["QueueUrl"]
    return AwsContext(moto_server.endpoint, dynamodb, sqs, naming, queue_urls)
