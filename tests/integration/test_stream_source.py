"""The DynamoDB stream event source on moto: real event shape, positions, partial failures."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from uuid import uuid4

import boto3
import pytest

from local_stack.stream_source import DynamoDBStreamEventSource
from resources.definitions import EVENTS

if TYPE_CHECKING:
    from tests.integration.conftest import AwsContext


@dataclass
class FakeFunction:
    """Records each event; fails the records whose stream ids are in `failing`."""

    events: list[dict[str, Any]] = field(default_factory=list)
    failing: set[str] = field(default_factory=set)
    crash: bool = False

    def __call__(self, event: dict[str, Any]) -> dict[str, Any]:
        self.events.append(event)
        if self.crash:
            raise RuntimeError("the function crashed")
        return {
            "batchItemFailures": [
                {"itemIdentifier": record["dynamodb"]["SequenceNumber"]}
                for record in event["Records"]
                if record["dynamodb"]["Keys"]["stream_id"]["S"] in self.failing
            ]
        }

    def streams_seen(self, event: int = -1) -> list[str]:
        return [r["dynamodb"]["Keys"]["stream_id"]["S"] for r in self.events[event]["Records"]]


@dataclass
class Table:
    aws: AwsContext

    @property
    def stream_arn(self) -> str:
        table = self.aws.dynamodb.describe_table(TableName=self.aws.table(EVENTS))["Table"]
        return table["LatestStreamArn"]

    def put(self, label: str = "") -> str:
        stream_id = label or str(uuid4())
        self.aws.dynamodb.put_item(
            TableName=self.aws.table(EVENTS),
            Item={
                "stream_id": {"S": stream_id},
                "version": {"N": "1"},
                "blob": {"B": b"\x00\xffbytes"},
            },
        )
        return stream_id

    def source(self, function: FakeFunction, **options: Any) -> DynamoDBStreamEventSource:
        streams = boto3.client("dynamodbstreams", region_name="us-east-1")
        return DynamoDBStreamEventSource(streams, self.stream_arn, function, **options)


@pytest.fixture
def table(aws: AwsContext) -> Table:
    return Table(aws)


def test_the_event_has_lambdas_shape(table: Table) -> None:
    stream_id = table.put()
    function = FakeFunction()

    table.source(function).poll_once()

    [record] = function.events[0]["Records"]
    assert set(record) == {
        "eventID",
        "eventName",
        "eventVersion",
        "eventSource",
        "awsRegion",
        "dynamodb",
        "eventSourceARN",
    }
    assert record["eventName"] == "INSERT"
    assert record["eventSource"] == "aws:dynamodb"
    assert record["eventSourceARN"] == table.stream_arn
    change = record["dynamodb"]
    assert isinstance(change["ApproximateCreationDateTime"], int)
    assert change["Keys"] == {"stream_id": {"S": stream_id}, "version": {"N": "1"}}
    assert change["NewImage"]["blob"] == {"B": "AP9ieXRlcw=="}  # base64, as in Lambda's JSON
    assert change["StreamViewType"] == "NEW_IMAGE"
    assert {"SequenceNumber", "SizeBytes"} <= set(change)


def test_records_come_in_batches_and_new_records_on_later_polls(table: Table) -> None:
    first = [table.put() for _ in range(5)]
    function = FakeFunction()
    source = table.source(function, batch_size=2)

    assert source.drain(max_polls=10) == 5
    assert [len(event["Records"]) for event in function.events] == [2, 2, 1]
    assert [s for event in range(3) for s in function.streams_seen(event)] == first

    later = table.put()
    assert source.drain(max_polls=10) == 1
    assert function.streams_seen() == [later]


def test_a_reported_failure_is_read_again_with_everything_after_it(table: Table) -> None:
    # given
    ids = [table.put(f"s{index}") for index in range(4)]
    function = FakeFunction(failing={"s1"})
    source = table.source(function)

    # when
    result = source.poll_once()

    # then: the first record is done, the position is just before the failure
    assert (result.received, result.succeeded, result.failed) == (4, 1, 3)
    [position] = source.positions.values()
    assert position == function.events[0]["Records"][0]["dynamodb"]["SequenceNumber"]
    source.poll_once()
    assert function.streams_seen() == ids[1:]

    # when: it succeeds
    function.failing.clear()

    # then
    assert source.drain(max_polls=5) == 3
    assert source.drain(max_polls=5) == 0


def test_a_crash_moves_nothing(table: Table) -> None:
    ids = [table.put() for _ in range(2)]
    function = FakeFunction(crash=True)
    source = table.source(function)

    assert source.poll_once().succeeded == 0
    assert source.positions == {}

    function.crash = False
    assert source.drain(max_polls=5) == 2
    assert function.streams_seen() == ids


def test_an_unknown_item_identifier_fails_the_whole_batch(table: Table) -> None:
    table.put()

    def nonsense(event: dict[str, Any]) -> dict[str, Any]:
        return {"batchItemFailures": [{"itemIdentifier": "not-a-sequence-number"}]}

    source = table.source(nonsense)
    assert source.poll_once().failed == 1
    assert source.positions == {}


def test_latest_skips_what_was_there_and_retries_a_failed_first_record(table: Table) -> None:
    table.put("old")
    function = FakeFunction(failing={"new"})
    source = table.source(function, starting_position="LATEST")

    assert source.poll_once().received == 0
    table.put("new")
    assert source.poll_once().failed == 1
    function.failing.clear()

    assert source.drain(max_polls=5) == 1
    assert function.streams_seen() == ["new"]


def test_positions_restore_a_mapping_where_it_stopped(table: Table) -> None:
    table.put()
    first = table.source(FakeFunction())
    first.drain(max_polls=5)
    later = table.put()

    function = FakeFunction()
    assert table.source(function, positions=first.positions).drain(max_polls=5) == 1
    assert function.streams_seen() == [later]
