"""The producer side against moto: validation, priority routing, FIFO group and dedup ids."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import uuid4

import pytest

from adapters.settings import Settings
from adapters.sqs_command_bus import SqsCommandBus
from commands.models import (
    Actor,
    BatchTagPhotos,
    Envelope,
    InvalidCommand,
    Priority,
    RenameAlbum,
)
from commands.submit import CommandSubmitter
from functions import bootstrap
from resources.definitions import COMMAND_LOG

if TYPE_CHECKING:
    from mypy_boto3_sqs.type_defs import MessageTypeDef

    from tests.integration.conftest import AwsContext

ALICE = Actor(user_id="alice")


def submitter(aws: AwsContext) -> CommandSubmitter:
    settings = Settings(naming=aws.naming, snapshot_interval=5, region="us-east-1")
    return bootstrap.build_submitter(settings, dynamodb=aws.dynamodb, sqs=aws.sqs)


def bus(aws: AwsContext) -> SqsCommandBus:
    return SqsCommandBus(
        {"high": aws.queue_urls["commands-high"], "low": aws.queue_urls["commands-low"]},
        client=aws.sqs,
    )


def receive_all(aws: AwsContext, queue: str) -> list[MessageTypeDef]:
    """Every message on a queue, with its attributes (received, so left in flight)."""
    messages: list[MessageTypeDef] = []
    while True:
        response = aws.sqs.receive_message(
            QueueUrl=aws.queue_urls[queue],
            MaxNumberOfMessages=10,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
            VisibilityTimeout=60,
        )
        batch = response.get("Messages", [])
        if not batch:
            return messages
        messages += batch


def waiting(aws: AwsContext, queue: str) -> int:
    attributes = aws.sqs.get_queue_attributes(
        QueueUrl=aws.queue_urls[queue],
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )


def recorded(aws: AwsContext) -> int:
    return aws.dynamodb.scan(TableName=aws.table(COMMAND_LOG), Select="COUNT")["Count"]


def rename(priority: Priority | None = None) -> Envelope:
    return Envelope(
        actor=ALICE, priority=priority, command=RenameAlbum(album_id=uuid4(), title="Iceland")
    )


def batch_tag(priority: Priority | None = None) -> Envelope:
    return Envelope(
        actor=ALICE,
        priority=priority,
        command=BatchTagPhotos(photo_ids=[uuid4(), uuid4()], tags=["sunset"]),
    )


# -- validation -----------------------------------------------------------------------


def test_a_payload_with_a_bad_field_is_refused_before_anything_is_sent_or_recorded(
    aws: AwsContext,
) -> None:
    payload: dict[str, Any] = {
        "actor": {"user_id": "alice"},
        "command": {"type": "RenameAlbum", "album_id": str(uuid4()), "title": ""},
    }

    with pytest.raises(InvalidCommand) as refused:
        submitter(aws).submit(payload)

    assert [problem["field"] for problem in refused.value.problems] == ["command.RenameAlbum.title"]
    assert "command.RenameAlbum.title" in str(refused.value)
    assert waiting(aws, "commands-high") == waiting(aws, "commands-low") == 0
    assert recorded(aws) == 0


def test_the_bus_itself_refuses_an_invalid_body(aws: AwsContext) -> None:
    body = rename().model_dump(mode="json")
    body["command"]["album_id"] = "not-a-uuid"
    body["surprise"] = True
    untyped: Any = body  # what a caller without type checking might pass

    with pytest.raises(InvalidCommand) as refused:
        bus(aws).send(untyped)

    fields = {problem["field"] for problem in refused.value.problems}
    assert fields == {"command.RenameAlbum.album_id", "surprise"}
    assert waiting(aws, "commands-high") == waiting(aws, "commands-low") == 0


def test_a_valid_submission_is_recorded_accepted_and_sent(aws: AwsContext) -> None:
    envelope = rename()

    record = submitter(aws).submit(envelope.model_dump_json())

    [message] = receive_all(aws, "commands-high")
    assert Envelope.model_validate_json(message["Body"]) == envelope
    assert record.status == "accepted"
    assert recorded(aws) == 1


# -- routing --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "priority", "queue"),
    [
        (batch_tag, None, "commands-low"),
        (rename, None, "commands-high"),
        (rename, "low", "commands-low"),
        (batch_tag, "high", "commands-high"),
    ],
    ids=["bulk-goes-low", "interactive-goes-high", "override-low", "override-high"],
)
def test_a_command_lands_on_the_queue_of_its_priority(
    aws: AwsContext, make: Any, priority: Priority | None, queue: str
) -> None:
    envelope: Envelope = make(priority)
    other = "commands-low" if queue == "commands-high" else "commands-high"

    submitter(aws).submit(envelope)

    [message] = receive_all(aws, queue)
    assert Envelope.model_validate_json(message["Body"]).command_id == envelope.command_id
    assert receive_all(aws, other) == []


# -- FIFO ids -------------------------------------------------------------------------


def test_the_message_group_is_the_aggregate_and_the_dedup_id_the_command_id(
    aws: AwsContext,
) -> None:
    album_id = uuid4()
    album_command = Envelope(actor=ALICE, command=RenameAlbum(album_id=album_id, title="Iceland"))
    bulk_command = batch_tag()

    for envelope in (album_command, bulk_command):
        bus(aws).send(envelope)

    [high] = receive_all(aws, "commands-high")
    [low] = receive_all(aws, "commands-low")
    for message, envelope in ((high, album_command), (low, bulk_command)):
        attributes = message["Attributes"]
        assert attributes["MessageGroupId"] == envelope.aggregate_id
        assert attributes["MessageDeduplicationId"] == str(envelope.command_id)
        assert message["MessageAttributes"]["command_type"]["StringValue"] == (
            envelope.command.type
        )
    assert high["Attributes"]["MessageGroupId"] == str(album_id)
    assert low["Attributes"]["MessageGroupId"].startswith("batch-")


def test_sending_one_envelope_twice_within_the_dedup_window_yields_one_message(
    aws: AwsContext,
) -> None:
    envelope = rename()

    bus(aws).send(envelope)
    bus(aws).send(envelope)

    assert waiting(aws, "commands-high") == 1
    assert len(receive_all(aws, "commands-high")) == 1
