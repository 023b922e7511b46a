"""Integration fixtures: one moto server per session, wiped and provisioned per test.

`aws` is the fixture to use: it resets moto, points boto3 at it through the
environment (so code that builds its own clients finds moto too), creates every
table, queue, topic and subscription of `resources.definitions` under the prefix
"test", and hands back the clients, physical names, queue URLs and topic ARNs.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import boto3
import pytest

from local_stack.moto_server import MotoServer, point_boto3_at, start_moto
from resources.definitions import QUEUES, TOPICS, Naming, TableSpec
from resources.provision import CognitoIdpClient, UserPoolIds, provision, provision_user_pool

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_sns import SNSClient
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
    """A freshly provisioned moto: clients, names, queue URLs and topic ARNs."""

    endpoint: str
    dynamodb: DynamoDBClient
    sqs: SQSClient
    naming: Naming
    queue_urls: dict[str, str]
    sns: SNSClient
    topic_arns: dict[str, str]

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
    """An empty moto with Retake's tables, queues and topics, and boto3 pointed at it."""
    moto_server.reset()
    for name, value in point_boto3_at(moto_server.endpoint, REGION).items():
        monkeypatch.setenv(name, value)
    for leftover in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        monkeypatch.delenv(leftover, raising=False)
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    sqs = boto3.client("sqs", region_name=REGION)
    sns = boto3.client("sns", region_name=REGION)
    naming = Naming(prefix="test")
    created = provision(dynamodb, sqs, naming, sns=sns)
    queue_urls = {spec.name: created[spec.name] for spec in QUEUES}
    for spec in QUEUES:
        if spec.dlq:
            queue_urls[f"{spec.name}-dlq"] = sqs.get_queue_url(QueueName=naming.dlq(spec))[
                "QueueUrl"
            ]
    topic_arns = {spec.name: created[spec.name] for spec in TOPICS}
    return AwsContext(
        moto_server.endpoint, dynamodb, sqs, naming, queue_urls, sns=sns, topic_arns=topic_arns
    )


@dataclass(frozen=True)
class UserPoolContext:
    """Retake's user pool on moto: the cognito-idp client and the pool's ids."""

    cognito_idp: CognitoIdpClient
    ids: UserPoolIds


@pytest.fixture(scope="session")
def cognito_idp(moto_server: MotoServer) -> CognitoIdpClient:
    """One cognito-idp client on moto for the session (a client costs ~250 ms to build)."""
    return boto3.client(
        "cognito-idp",
        region_name=REGION,
        endpoint_url=moto_server.endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture
def user_pool(aws: AwsContext, cognito_idp: CognitoIdpClient) -> UserPoolContext:
    """The `aws` moto plus Retake's user pool, its web app client and groups."""
    return UserPoolContext(cognito_idp, provision_user_pool(cognito_idp, aws.naming))
