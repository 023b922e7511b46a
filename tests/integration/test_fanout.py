"""Fan-out on moto: event store -> DynamoDB stream -> publisher -> SNS FIFO -> SQS FIFO queues.

Commits are appended through the real event store; a `DynamoDBStreamEventSource`
reads the events table's stream as Lambda's mapping would and invokes the real
publisher handler, whose publisher the composition root builds against moto.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from uuid import uuid4

import boto3
import pytest
from botocore.exceptions import ClientError
from eventsourcing.persistence import StoredEvent

from adapters.dynamodb_event_store import DynamoDBEventStore
from adapters.memory import InMemoryCommandLog
from adapters.settings import EVENTS_TOPIC_ARN, NAME_PREFIX
from commands.event_store import Commit, PendingCommit
from commands.models import Actor, BatchTagPhotos, Envelope, RegisterUpload, TagPhoto
from commands.repository import Repository
from commands.service import CommandService
from fanout.messages import CommitMessage
from fanout.publisher import Publisher
from functions import bootstrap
from functions import publisher as lambda_publisher
from local_stack.stream_source import DynamoDBStreamEventSource
from resources.definitions import EVENTS, EVENTS_TOPIC, PROJECTIONS, PROJECTIONS_BULK, SNAPSHOTS
from tests.functional.conftest import FakeLambdaContext

if TYPE_CHECKING:
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sqs.type_defs import MessageTypeDef

    from tests.integration.conftest import AwsContext

TOPICS = {
    "Album": ("domain.album:Album.Created", "domain.album:Album.Renamed"),
    "Photo": ("domain.photo:Photo.Registered", "domain.photo:Photo.Tagged"),
    "Invoice": ("billing:Invoice.Issued", "billing:Invoice.Paid"),
}


class UnreliableSns:
    """The real SNS client, except that PublishBatch fails while `down` is set."""

    def __init__(self, sns: SNSClient) -> None:
        self.sns = sns
        self.down = False
        self.refused = 0

    def publish_batch(self, **request: Any) -> Any:
        if self.down:
            self.refused += 1
            raise ClientError(
                {"Error": {"Code": "InternalError", "Message": "SNS is unavailable"}},
                "PublishBatch",
            )
        return self.sns.publish_batch(**request)


@dataclass
class Fanout:
    aws: AwsContext
    store: DynamoDBEventStore
    stream_arn: str

    def append(self, stream_id: str, aggregate_type: str, *topics: str) -> Commit:
        """One commit of `topics` (event class topics) after the stream's head."""
        head = self.store.head(stream_id)
        first = head.version + 1 if head else 1
        [commit] = self.store.append(
            [
                PendingCommit(
                    stream_id,
                    [
                        StoredEvent(stream_id, first + offset, topic, b'{"n": %d}' % offset)
                        for offset, topic in enumerate(topics or TOPICS[aggregate_type][:1])
                    ],
                    head,
                    command_id=str(uuid4()),
                    aggregate_type=aggregate_type,
                    owner="alice",
                    actor_id="alice",
                )
            ]
        )
        return commit

    def source(self, **options: Any) -> DynamoDBStreamEventSource:
        context = FakeLambdaContext(function_name="retake-publisher")
        return DynamoDBStreamEventSource(
            boto3.client("dynamodbstreams", region_name="us-east-1"),
            self.stream_arn,
            lambda event: lambda_publisher.handler(event, context),
            **options,
        )

    def subscribe_queue(self, name: str, filter_policy: dict[str, Any]) -> str:
        """A new FIFO queue subscribed to the events topic, raw, with this filter."""
        sqs = self.aws.sqs
        url = sqs.create_queue(QueueName=f"test-{name}.fifo", Attributes={"FifoQueue": "true"})[
            "QueueUrl"
        ]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        self.aws.sns.subscribe(
            TopicArn=self.aws.topic_arns[EVENTS_TOPIC.name],
            Protocol="sqs",
            Endpoint=arn,
            Attributes={"RawMessageDelivery": "true", "FilterPolicy": json.dumps(filter_policy)},
        )
        return url

    def take(self, queue_url: str) -> list[MessageTypeDef]:
        """Every message on the queue, received and deleted in delivery order."""
        taken: list[MessageTypeDef] = []
        while True:
            messages = self.aws.sqs.receive_message(
                QueueUrl=queue_url,
                MaxNumberOfMessages=10,
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
            ).get("Messages", [])
            if not messages:
                return taken
            taken += messages
            self.aws.sqs.delete_message_batch(
                QueueUrl=queue_url,
                Entries=[
                    {"Id": str(index), "ReceiptHandle": message["ReceiptHandle"]}
                    for index, message in enumerate(messages)
                ],
            )


@pytest.fixture
def fanout(aws: AwsContext, monkeypatch: pytest.MonkeyPatch) -> Iterator[Fanout]:
    # The handler's publisher is built by the composition root, finding the topic by name.
    monkeypatch.setenv(NAME_PREFIX, aws.naming.prefix)
    monkeypatch.delenv(EVENTS_TOPIC_ARN, raising=False)
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "Retake")
    monkeypatch.setattr(bootstrap, "_publisher", None)
    store = DynamoDBEventStore(aws.table(EVENTS), aws.table(SNAPSHOTS), client=aws.dynamodb)
    stream_arn = aws.dynamodb.describe_table(TableName=aws.table(EVENTS))["Table"][
        "LatestStreamArn"
    ]
    yield Fanout(aws, store, stream_arn)


def commits_in(messages: list[MessageTypeDef]) -> list[Commit]:
    return [CommitMessage.model_validate_json(message["Body"]).to_commit() for message in messages]


def test_committed_events_reach_the_projections_queue_raw_in_order_and_filtered(
    fanout: Fanout,
) -> None:
    # given: two streams the projections want, interleaved with one they do not
    photo, album, invoice = str(uuid4()), str(uuid4()), str(uuid4())
    written = [
        fanout.append(photo, "Photo"),
        fanout.append(album, "Album"),
        fanout.append(invoice, "Invoice"),
        fanout.append(photo, "Photo", "domain.photo:Photo.Tagged"),
        fanout.append(album, "Album", "domain.album:Album.Renamed"),
        fanout.append(photo, "Photo", "domain.photo:Photo.Tagged", "domain.photo:Photo.Tagged"),
    ]

    # when
    published = fanout.source().drain(max_polls=10)

    # then
    assert published == len(written)
    messages = fanout.take(fanout.aws.queue_urls[PROJECTIONS.name])
    received = commits_in(messages)
    assert sorted(c.command_id for c in received) == sorted(
        c.command_id for c in written if c.aggregate_type != "Invoice"
    )
    for stream_id in (photo, album):
        assert [c for c in received if c.stream_id == stream_id] == [
            c for c in written if c.stream_id == stream_id
        ]
    first = messages[0]
    assert first["MessageAttributes"]["aggregate_type"]["StringValue"] == "Photo"
    assert first["Attributes"]["MessageGroupId"] == received[0].stream_id
    assert first["Attributes"]["MessageDeduplicationId"] == (
        f"{received[0].stream_id}:{received[0].first_version}"
    )


def test_bulk_commits_go_to_projections_bulk_and_interactive_ones_to_projections(
    fanout: Fanout,
) -> None:
    # given: a photo uploaded and tagged interactively, then tagged by a bulk command
    service = CommandService(Repository(fanout.store), InMemoryCommandLog())
    alice, photo_id = Actor(user_id="alice"), uuid4()
    commands = (
        RegisterUpload(photo_id=photo_id, filename="a.jpg", content_type="image/jpeg", size=1),
        TagPhoto(photo_id=photo_id, tags=["sea"]),
        BatchTagPhotos(photo_ids=[photo_id], tags=["sun"]),
    )
    records = [
        service.execute(Envelope(actor=alice, command=command)).record for command in commands
    ]
    assert [record.status for record in records] == ["succeeded"] * 3

    # when: the stream is published through the real subscriptions' filter policies
    fanout.source().drain(max_polls=10)

    # then: each commit is on the queue of its command's priority, and only there
    interactive = fanout.take(fanout.aws.queue_urls[PROJECTIONS.name])
    bulk = fanout.take(fanout.aws.queue_urls[PROJECTIONS_BULK.name])
    assert [c.command_id for c in commits_in(interactive)] == [r.command_id for r in records[:2]]
    assert [(c.command_id, c.priority) for c in commits_in(bulk)] == [
        (records[2].command_id, "low")
    ]
    assert bulk[0]["MessageAttributes"]["priority"]["StringValue"] == "low"
    assert interactive[0]["MessageAttributes"]["priority"]["StringValue"] == "high"


def test_a_subscription_filters_on_event_types(fanout: Fanout) -> None:
    # given: a queue that wants only commits with a Photo.Tagged event in them
    tagged_url = fanout.subscribe_queue("tagged", {"event_types": ["Photo.Tagged"]})
    photo = str(uuid4())
    fanout.append(photo, "Photo")
    tagging = fanout.append(photo, "Photo", "domain.photo:Photo.Tagged")
    fanout.append(str(uuid4()), "Album")

    # when
    fanout.source().drain(max_polls=10)

    # then
    assert commits_in(fanout.take(tagged_url)) == [tagging]
    assert len(fanout.take(fanout.aws.queue_urls[PROJECTIONS.name])) == 3


def test_an_event_written_while_publishing_fails_is_delivered_once_it_recovers(
    fanout: Fanout,
) -> None:
    # given: one commit already published, then SNS goes down
    sns = UnreliableSns(fanout.aws.sns)
    topic_arn = fanout.aws.topic_arns[EVENTS_TOPIC.name]
    bootstrap._publisher = Publisher(topic_arn, client=sns)
    projections = fanout.aws.queue_urls[PROJECTIONS.name]
    photo = str(uuid4())
    before = fanout.append(photo, "Photo")
    source = fanout.source()
    assert source.drain(max_polls=5) == 1
    checkpoint = source.positions
    sns.down = True

    # when: commits are written while the publisher is failing
    during = [fanout.append(photo, "Photo", "domain.photo:Photo.Tagged") for _ in range(2)]
    for _ in range(3):
        result = source.poll_once()
        assert (result.received, result.succeeded) == (2, 0)

    # then: the batch failed, the position stayed, nothing was delivered meanwhile
    assert sns.refused == 3
    assert source.positions == checkpoint
    assert commits_in(fanout.take(projections)) == [before]

    # when: SNS is back
    sns.down = False
    assert source.drain(max_polls=5) == 2

    # then: each reached the queue once, in order, and the position moved past them
    assert commits_in(fanout.take(projections)) == during
    assert source.positions != checkpoint
    assert source.drain(max_polls=5) == 0
    assert fanout.take(projections) == []


def test_a_restarted_mapping_resumes_from_its_positions_and_republishing_is_dropped(
    fanout: Fanout,
) -> None:
    # given: a commit published, the mapping's positions saved, then another commit
    projections = fanout.aws.queue_urls[PROJECTIONS.name]
    album = str(uuid4())
    created = fanout.append(album, "Album")
    first = fanout.source()
    assert first.drain(max_polls=5) == 1
    saved = first.positions
    renamed = fanout.append(album, "Album", "domain.album:Album.Renamed")

    # when: a new mapping resumes from the saved positions
    resumed = fanout.source(positions=saved)

    # then: it reads only what came after
    assert resumed.drain(max_polls=5) == 1

    # when: a mapping starts over from the trim horizon, republishing everything
    assert fanout.source().drain(max_polls=5) == 2

    # then: deduplication dropped the copies, each commit is on the queue once.
    # (SNS drops them at the topic for five minutes; moto's SNS does not deduplicate,
    # and its SQS FIFO only against messages still on the queue, so the republishing
    # happens before the queue is read.)
    assert commits_in(fanout.take(projections)) == [created, renamed]


def test_the_publisher_finds_the_topic_by_name_unless_its_arn_is_configured(
    fanout: Fanout, monkeypatch: pytest.MonkeyPatch
) -> None:
    topic_arn = fanout.aws.topic_arns[EVENTS_TOPIC.name]
    assert bootstrap.build_publisher(sns=fanout.aws.sns).topic_arn == topic_arn

    monkeypatch.setenv(EVENTS_TOPIC_ARN, "arn:aws:sns:us-east-1:123456789012:elsewhere.fifo")
    configured = bootstrap.build_publisher(sns=fanout.aws.sns)
    assert configured.topic_arn.endswith(":elsewhere.fifo")

    monkeypatch.delenv(EVENTS_TOPIC_ARN)
    monkeypatch.setenv(NAME_PREFIX, "nobody")
    with pytest.raises(bootstrap.TopicNotFound, match=EVENTS_TOPIC_ARN):
        bootstrap.build_publisher(sns=fanout.aws.sns)
