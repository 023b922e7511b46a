"""Dead-letter queues, looked after by hand: peek at what failed, send it back to be tried again.

Peeking receives the messages and at once makes them visible again, so nothing
is consumed (their receive count goes up by one, which a DLQ does not act on).
A FIFO queue hides the rest of a message group while some of it is in flight,
so a peek sees at most ten messages of any one group; `depth` says how many
there are in all.

A redriven message keeps its body, attributes and FIFO group, gets a fresh
deduplication id (the original one may still be inside SQS's five-minute
window, which would drop the message silently) and carries
`commands.consumer.REDRIVEN_ATTRIBUTE`, so the worker reads the command log
before acting. It leaves the DLQ only once it has been sent.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from commands.consumer import REDRIVEN_ATTRIBUTE
from resources.definitions import Naming, QueueSpec

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import (
        MessageAttributeValueOutputTypeDef,
        MessageAttributeValueTypeDef,
        MessageTypeDef,
    )

#: How long a peeked or redriven message is hidden from others while we hold it.
HOLD_SECONDS = 30


@dataclass(frozen=True)
class DeadLetter:
    """A message in a DLQ, described for a person."""

    message_id: str
    command_type: str
    command_id: str
    receive_count: int
    body: str


@dataclass(frozen=True)
class DeadLetterQueue:
    """A DLQ and the queue its messages came from."""

    spec: QueueSpec
    url: str
    source_url: str

    @classmethod
    def of(cls, sqs: SQSClient, spec: QueueSpec, naming: Naming) -> DeadLetterQueue:
        if not spec.dlq:
            raise ValueError(f"the queue {spec.name} has no DLQ")
        return cls(
            spec,
            url=sqs.get_queue_url(QueueName=naming.dlq(spec))["QueueUrl"],
            source_url=sqs.get_queue_url(QueueName=naming.queue(spec))["QueueUrl"],
        )

    def depth(self, sqs: SQSClient) -> int:
        """Messages in the DLQ, visible or not."""
        attributes = sqs.get_queue_attributes(
            QueueUrl=self.url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return sum(int(value) for value in attributes.values())

    def peek(self, sqs: SQSClient) -> list[DeadLetter]:
        """The DLQ's messages, oldest first, left where they are."""
        seen: dict[str, MessageTypeDef] = {}
        handles: list[str] = []
        try:
            while True:
                batch = _receive(sqs, self.url)
                handles += [message["ReceiptHandle"] for message in batch]
                fresh = [message for message in batch if message["MessageId"] not in seen]
                if not fresh:
                    break
                seen.update((message["MessageId"], message) for message in fresh)
        finally:
            _release(sqs, self.url, handles)
        return [_described(message) for message in seen.values()]

    def redrive(self, sqs: SQSClient) -> int:
        """Move every message back to the source queue; return how many moved."""
        # A redriven message that fails again comes back with a new id; bounding the
        # moves by the depth at the start keeps such a message from going round forever.
        limit = self.depth(sqs)
        moved = 0
        while moved < limit:
            batch = _receive(sqs, self.url, max_messages=min(10, limit - moved))
            if not batch:
                break
            for message in batch:
                self._send_back(sqs, message)
                sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])
                moved += 1
        return moved

    def _send_back(self, sqs: SQSClient, message: MessageTypeDef) -> None:
        attributes = {
            name: _resendable(value) for name, value in message.get("MessageAttributes", {}).items()
        }
        attributes[REDRIVEN_ATTRIBUTE] = {"DataType": "String", "StringValue": "true"}
        request: dict[str, Any] = {
            "QueueUrl": self.source_url,
            "MessageBody": message["Body"],
            "MessageAttributes": attributes,
        }
        if self.spec.fifo:
            request["MessageGroupId"] = message.get("Attributes", {})["MessageGroupId"]
            request["MessageDeduplicationId"] = uuid.uuid4().hex
        sqs.send_message(**request)


def _receive(sqs: SQSClient, url: str, max_messages: int = 10) -> list[MessageTypeDef]:
    return sqs.receive_message(
        QueueUrl=url,
        MaxNumberOfMessages=max_messages,
        VisibilityTimeout=HOLD_SECONDS,
        WaitTimeSeconds=0,
        AttributeNames=["All"],
        MessageAttributeNames=["All"],
    ).get("Messages", [])


def _release(sqs: SQSClient, url: str, handles: list[str]) -> None:
    """Make held messages visible again at once."""
    for start in range(0, len(handles), 10):
        sqs.change_message_visibility_batch(
            QueueUrl=url,
            Entries=[
                {"Id": str(index), "ReceiptHandle": handle, "VisibilityTimeout": 0}
                for index, handle in enumerate(handles[start : start + 10])
            ],
        )


def _resendable(value: MessageAttributeValueOutputTypeDef) -> MessageAttributeValueTypeDef:
    """A received attribute as SendMessage takes it (the list values are reserved)."""
    kept: MessageAttributeValueTypeDef = {"DataType": value["DataType"]}
    if "StringValue" in value:
        kept["StringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        kept["BinaryValue"] = value["BinaryValue"]
    return kept


def _described(message: MessageTypeDef) -> DeadLetter:
    body = message["Body"]
    fields = dict(_json_fields(body))
    attribute = message.get("MessageAttributes", {}).get("command_type")
    command_type = (attribute.get("StringValue", "") if attribute else "") or fields.get("type", "")
    count = int(message.get("Attributes", {}).get("ApproximateReceiveCount", "1"))
    return DeadLetter(
        message_id=message["MessageId"],
        command_type=command_type or "-",
        command_id=fields.get("command_id") or message["MessageId"],
        receive_count=max(0, count - 1),  # not counting our own peek
        body=body,
    )


def _json_fields(body: str) -> Iterator[tuple[str, str]]:
    """The command id and type in a command envelope (or a commit message), when present."""
    try:
        document = json.loads(body)
    except ValueError:
        return
    if not isinstance(document, dict):
        return
    if isinstance(document.get("command_id"), str):
        yield "command_id", document["command_id"]
    command = document.get("command")
    if isinstance(command, dict) and isinstance(command.get("type"), str):
        yield "type", command["type"]
