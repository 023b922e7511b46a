"""The DynamoDB event store against moto: the contracts, and the requests it makes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import pytest
from eventsourcing.persistence import StoredEvent
from eventsourcing.tests.persistence import AggregateRecorderTestCase

from adapters.dynamodb_event_store import DynamoDBEventStore
from commands.event_store import EventStore, PendingCommit
from resources.definitions import EVENTS, SNAPSHOTS
from tests.contracts.event_store import EventStoreContract, commit, events, new_stream

if TYPE_CHECKING:
    from tests.integration.conftest import AwsContext


def dynamodb_store(aws: AwsContext) -> DynamoDBEventStore:
    return DynamoDBEventStore(aws.table(EVENTS), aws.table(SNAPSHOTS), client=aws.dynamodb)


@contextmanager
def dynamodb_calls(aws: AwsContext) -> Iterator[list[str]]:
    """The names of the DynamoDB operations made inside the block."""
    calls: list[str] = []

    def record(model: Any, **_: Any) -> None:
        calls.append(model.name)

    aws.dynamodb.meta.events.register("before-call.dynamodb.*", record)
    try:
        yield calls
    finally:
        aws.dynamodb.meta.events.unregister("before-call.dynamodb.*", record)


class TestDynamoDBEventStore(EventStoreContract):
    @pytest.fixture(autouse=True)
    def _moto(self, aws: AwsContext) -> None:
        self.aws = aws

    def create_store(self) -> EventStore:
        return dynamodb_store(self.aws)

    def tamper_event(
        self, store: EventStore, stream_id: str, version: int, new_state: bytes
    ) -> None:
        [target] = store.read_commits(stream_id, after_version=version - 1, up_to_version=version)
        index = version - target.first_version
        self.aws.dynamodb.update_item(
            TableName=self.aws.table(EVENTS),
            Key={"stream_id": {"S": stream_id}, "version": {"N": str(target.first_version)}},
            UpdateExpression=f"SET events[{index}].#state = :forged",
            ExpressionAttributeNames={"#state": "state"},
            ExpressionAttributeValues={":forged": {"B": new_state}},
        )

    def remove_commit(self, store: EventStore, stream_id: str, first_version: int) -> None:
        self.aws.dynamodb.delete_item(
            TableName=self.aws.table(EVENTS),
            Key={"stream_id": {"S": stream_id}, "version": {"N": str(first_version)}},
        )


class TestDynamoDBAggregateRecorder(AggregateRecorderTestCase):
    @pytest.fixture(autouse=True)
    def _moto(self, aws: AwsContext) -> None:
        self.aws = aws

    def create_recorder(self) -> DynamoDBEventStore:
        return dynamodb_store(self.aws)


def test_a_25_event_commit_is_one_put_item(aws: AwsContext) -> None:
    store = dynamodb_store(aws)
    stream_id = new_stream()

    with dynamodb_calls(aws) as calls:
        store.append([PendingCommit(stream_id, events(stream_id, 1, 25), None, "cmd-import")])

    assert calls == ["PutItem"]
    assert [len(c.events) for c in store.read_commits(stream_id)] == [25]


def test_a_commit_spanning_two_streams_is_one_transaction(aws: AwsContext) -> None:
    store = dynamodb_store(aws)
    album, photo = new_stream(), new_stream()

    with dynamodb_calls(aws) as calls:
        store.append(
            [
                PendingCommit(album, events(album, 1, 1), None, "cmd-move"),
                PendingCommit(photo, events(photo, 1, 1), None, "cmd-move"),
            ]
        )

    assert calls == ["TransactWriteItems"]


def test_a_commit_is_stored_as_one_item_holding_its_events(aws: AwsContext) -> None:
    store = dynamodb_store(aws)
    stream_id = new_stream()
    [written] = store.append(
        [PendingCommit(stream_id, events(stream_id, 1, 2), None, "cmd-upload")]
    )

    items = aws.dynamodb.scan(TableName=aws.table(EVENTS))["Items"]

    assert len(items) == 1
    [item] = items
    assert item["stream_id"] == {"S": stream_id}
    assert (item["version"], item["last_version"]) == ({"N": "1"}, {"N": "2"})
    assert item["command_id"] == {"S": "cmd-upload"}
    assert item["committed_at"] == {"S": written.committed_at}
    first = item["events"]["L"][0]["M"]
    assert first["v"] == {"N": "1"}
    assert first["state"] == {"B": b"e1"}
    assert first["hash"] == {"S": written.events[0].hash}
    assert item["events"]["L"][1]["M"]["prev"] == first["hash"]


def test_only_a_bulk_commit_stores_a_priority_and_older_items_read_back_as_high(
    aws: AwsContext,
) -> None:
    store = dynamodb_store(aws)
    bulk, interactive = new_stream(), new_stream()
    store.append([PendingCommit(bulk, events(bulk, 1, 1), None, "cmd-bulk", priority="low")])
    store.append([PendingCommit(interactive, events(interactive, 1, 1), None, "cmd-now")])

    items = {
        item["stream_id"]["S"]: item
        for item in aws.dynamodb.scan(TableName=aws.table(EVENTS))["Items"]
    }

    assert items[bulk]["priority"] == {"S": "low"}
    assert "priority" not in items[interactive]
    assert [commit.priority for commit in store.read_commits(interactive)] == ["high"]


def test_reading_after_a_commit_boundary_skips_the_look_back_query(aws: AwsContext) -> None:
    store = dynamodb_store(aws)
    stream_id = new_stream()
    for first in (1, 3, 5):
        commit(store, stream_id, first, 2)

    with dynamodb_calls(aws) as looking_back:
        store.read_commits(stream_id, after_version=4)
    with dynamodb_calls(aws) as at_boundary:
        store.read_commits(stream_id, after_version=4, at_commit_boundary=True)

    assert looking_back == ["Query", "Query"]
    assert at_boundary == ["Query"]


def test_stats_count_the_items_read_and_requests_made(aws: AwsContext) -> None:
    store = dynamodb_store(aws)
    stream_id = new_stream()
    for first in range(1, 11):
        commit(store, stream_id, first, 1)
    store.stats.reset()

    commits = store.read_commits(stream_id, after_version=7, at_commit_boundary=True)

    assert len(commits) == 3
    assert (store.stats.requests, store.stats.items_read) == (1, 3)


def test_reads_follow_pages_past_dynamodbs_one_megabyte_limit(aws: AwsContext) -> None:
    store = dynamodb_store(aws)
    stream_id = new_stream()
    for version in range(1, 7):  # six 200 KB commits: more than one page
        large = StoredEvent(stream_id, version, "gallery:PhotoImported", b"x" * 200_000)
        store.append([PendingCommit(stream_id, [large], store.head(stream_id))])
    store.stats.reset()

    read = store.read_commits(stream_id)
    reads = store.stats.requests
    scanned = list(store.all_commits())

    assert [c.first_version for c in read] == [1, 2, 3, 4, 5, 6]
    assert reads > 1
    assert [c.first_version for c in scanned] == [1, 2, 3, 4, 5, 6]
    assert store.verify().intact


def test_a_store_without_a_client_builds_one_from_the_environment(aws: AwsContext) -> None:
    store = DynamoDBEventStore(aws.table(EVENTS), aws.table(SNAPSHOTS))
    stream_id = new_stream()

    commit(store, stream_id, 1, 1)

    assert store.client.meta.endpoint_url == aws.endpoint
    assert dynamodb_store(aws).head(stream_id) == store.head(stream_id)
