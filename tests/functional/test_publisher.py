"""The publisher's Lambda handler, fed the event store's stream events, publishing to a fake SNS."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from botocore.exceptions import ClientError

from adapters.dynamodb_event_store import commit_from_item
from commands.event_store import Commit
from fanout.messages import CommitMessage
from fanout.publisher import Publisher
from fanout.stream_records import decode_image
from functions import bootstrap
from functions import publisher as lambda_publisher
from resources.keep_warm import keep_warm_event
from tests.functional.conftest import FakeLambdaContext, load_event

TOPIC_ARN = "arn:aws:sns:us-east-1:123456789012:retake-events.fifo"


@dataclass
class FakeSns:
    """Records PublishBatch requests; can refuse entries or be unreachable."""

    calls: list[dict[str, Any]] = field(default_factory=list)
    #: Publish attempts (entries) to refuse, counted from the start, e.g. {1} refuses the 2nd.
    refuse: set[int] = field(default_factory=set)
    unreachable: bool = False
    attempts: int = 0

    def publish_batch(self, **request: Any) -> dict[str, Any]:
        if self.unreachable:
            raise ClientError(
                {"Error": {"Code": "InternalError", "Message": "SNS is down"}}, "PublishBatch"
            )
        self.calls.append(request)
        successful, failed = [], []
        for entry in request["PublishBatchRequestEntries"]:
            if self.attempts in self.refuse:
                failed.append(
                    {"Id": entry["Id"], "Code": "Throttled", "SenderFault": False, "Message": "!"}
                )
            else:
                successful.append({"Id": entry["Id"], "MessageId": f"m-{self.attempts}"})
            self.attempts += 1
        return {"Successful": successful, "Failed": failed}

    @property
    def published(self) -> list[dict[str, Any]]:
        """Every entry SNS accepted, in order."""
        accepted: list[dict[str, Any]] = []
        attempt = 0
        for call in self.calls:
            for entry in call["PublishBatchRequestEntries"]:
                if attempt not in self.refuse:
                    accepted.append(entry)
                attempt += 1
        return accepted


@pytest.fixture
def sns(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSns]:
    fake = FakeSns()
    monkeypatch.setattr(bootstrap, "_publisher", Publisher(TOPIC_ARN, client=fake))
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "Retake")
    yield fake


@pytest.fixture
def context() -> FakeLambdaContext:
    return FakeLambdaContext(function_name="retake-publisher")


def insert_event() -> dict[str, Any]:
    return load_event("dynamodb_stream_insert.json")


def commit_in(record: dict[str, Any]) -> Commit:
    return commit_from_item(decode_image(record["dynamodb"]["NewImage"]))


def three_commits_of_one_stream() -> dict[str, Any]:
    """Three INSERTs of one stream: the fixture's commit at versions 1, 2 and 3."""
    template = insert_event()["Records"][0]
    records = []
    for version in (1, 2, 3):
        record = copy.deepcopy(template)
        change = record["dynamodb"]
        change["Keys"]["version"] = change["NewImage"]["version"] = {"N": str(version)}
        change["NewImage"]["events"]["L"][0]["M"]["v"] = {"N": str(version)}
        change["SequenceNumber"] = str(int(change["SequenceNumber"]) + version - 1)
        records.append(record)
    return {"Records": records}


def test_an_inserted_commit_is_published_as_one_message(
    sns: FakeSns, context: FakeLambdaContext
) -> None:
    # given
    event = insert_event()
    commit = commit_in(event["Records"][0])

    # when
    response = lambda_publisher.handler(event, context)

    # then
    assert response == {"batchItemFailures": []}
    [call] = sns.calls
    assert call["TopicArn"] == TOPIC_ARN
    [entry] = call["PublishBatchRequestEntries"]
    assert entry["MessageGroupId"] == commit.stream_id
    assert entry["MessageDeduplicationId"] == f"{commit.stream_id}:1"
    assert entry["MessageAttributes"] == {
        "aggregate_type": {"DataType": "String", "StringValue": "Album"},
        "owner": {"DataType": "String", "StringValue": "alice"},
        "event_types": {"DataType": "String.Array", "StringValue": '["Album.Created"]'},
        "priority": {"DataType": "String", "StringValue": "high"},
    }
    message = CommitMessage.model_validate_json(entry["Message"])
    assert message.to_commit() == commit
    assert message.command_id == "0b9e6a52-7c1d-4f3e-8a2b-5d4c3b2a1f00"


def test_a_bulk_commit_is_published_with_priority_low(
    sns: FakeSns, context: FakeLambdaContext
) -> None:
    # given: the commit of a low-priority command (the item carries `priority`)
    event = insert_event()
    event["Records"][0]["dynamodb"]["NewImage"]["priority"] = {"S": "low"}

    # when
    lambda_publisher.handler(event, context)

    # then: the attribute the bulk projection queue's subscription filters on
    [entry] = sns.published
    assert entry["MessageAttributes"]["priority"] == {"DataType": "String", "StringValue": "low"}
    message = CommitMessage.model_validate_json(entry["Message"])
    assert message.priority == "low"
    assert message.to_commit() == commit_in(event["Records"][0])


def test_republishing_a_commit_carries_the_same_deduplication_id(
    sns: FakeSns, context: FakeLambdaContext
) -> None:
    lambda_publisher.handler(insert_event(), context)
    lambda_publisher.handler(insert_event(), context)

    first, second = sns.published
    assert first["MessageDeduplicationId"] == second["MessageDeduplicationId"]
    assert first["Message"] == second["Message"]


def test_an_unreachable_topic_reports_the_record_for_retry(
    sns: FakeSns, context: FakeLambdaContext
) -> None:
    sns.unreachable = True
    event = insert_event()

    response = lambda_publisher.handler(event, context)

    sequence_number = event["Records"][0]["dynamodb"]["SequenceNumber"]
    assert response == {"batchItemFailures": [{"itemIdentifier": sequence_number}]}


def test_a_refused_entry_reports_its_record_and_stops_the_stream_there(
    sns: FakeSns, context: FakeLambdaContext
) -> None:
    # given: SNS refuses the second commit
    sns.refuse = {1}
    event = three_commits_of_one_stream()
    numbers = [record["dynamodb"]["SequenceNumber"] for record in event["Records"]]

    # when
    response = lambda_publisher.handler(event, context)

    # then: the mapping resumes at the second; the third did not overtake it
    assert response == {
        "batchItemFailures": [{"itemIdentifier": numbers[1]}, {"itemIdentifier": numbers[2]}]
    }
    assert [entry["MessageDeduplicationId"].rsplit(":", 1)[1] for entry in sns.published] == ["1"]


def test_modify_and_remove_records_are_ignored(sns: FakeSns, context: FakeLambdaContext) -> None:
    modify = insert_event()["Records"][0]
    modify["eventName"] = "MODIFY"
    remove = copy.deepcopy(modify)
    remove["eventName"] = "REMOVE"
    del remove["dynamodb"]["NewImage"]

    response = lambda_publisher.handler({"Records": [modify, remove]}, context)

    assert response == {"batchItemFailures": []}
    assert sns.calls == []


def test_the_keep_warm_ping_is_answered_without_publishing(
    sns: FakeSns, context: FakeLambdaContext
) -> None:
    assert lambda_publisher.handler(keep_warm_event(), context) == {"warm": True}
    assert lambda_publisher.handler(load_event("keep_warm.json"), context) == {"warm": True}
    assert sns.calls == []


def test_commits_go_out_ten_to_a_request_in_order() -> None:
    sns = FakeSns()
    template = commit_in(insert_event()["Records"][0])
    commits = [
        Commit(
            stream_id=f"stream-{index}",
            command_id=template.command_id,
            committed_at=template.committed_at,
            events=template.events,
            aggregate_type=template.aggregate_type,
            owner=template.owner,
        )
        for index in range(23)
    ]

    Publisher(TOPIC_ARN, client=sns).publish(commits)

    assert [len(call["PublishBatchRequestEntries"]) for call in sns.calls] == [10, 10, 3]
    assert [entry["MessageGroupId"] for entry in sns.published] == [c.stream_id for c in commits]


def test_a_stream_batch_goes_out_ten_to_a_request_never_two_of_one_stream_together(
    sns: FakeSns, context: FakeLambdaContext
) -> None:
    # given: twelve commits of twelve streams, then the fixture's stream at versions 1..3
    template = insert_event()["Records"][0]
    records = []
    for index in range(12):
        record = copy.deepcopy(template)
        record["dynamodb"]["NewImage"]["stream_id"] = {"S": f"stream-{index:02}"}
        record["dynamodb"]["SequenceNumber"] = str(1000 + index)
        records.append(record)
    records += three_commits_of_one_stream()["Records"]

    # when
    response = lambda_publisher.handler({"Records": records}, context)

    # then: 10 + (2 + the first of the three) + the second + the third
    assert response == {"batchItemFailures": []}
    sizes = [len(call["PublishBatchRequestEntries"]) for call in sns.calls]
    assert sizes == [10, 3, 1, 1]
    for call in sns.calls:
        groups = [entry["MessageGroupId"] for entry in call["PublishBatchRequestEntries"]]
        assert len(groups) == len(set(groups))
