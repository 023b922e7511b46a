"""The command bus on SQS FIFO: one queue per priority, one message group per aggregate."""

from __future__ import annotations

from typing import TYPE_CHECKING

import boto3

from commands.models import Envelope, Priority, validate_envelope

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient


class SqsCommandBus:
    """Sends each command to `commands-high` or `commands-low` by its priority.

    `MessageGroupId` is the target aggregate, so one aggregate's commands are
    worked in order while different aggregates proceed in parallel;
    `MessageDeduplicationId` is the command id, so a repeated send within
    SQS's five-minute window is dropped.
    """

    def __init__(self, queue_urls: dict[Priority, str], client: SQSClient | None = None) -> None:
        self.queue_urls = queue_urls
        self._client = client

    @property
    def client(self) -> SQSClient:
        if self._client is None:
            self._client = boto3.client("sqs")
        return self._client

    def send(self, envelope: Envelope) -> None:
        envelope = validate_envelope(envelope)
        self.client.send_message(
            QueueUrl=self.queue_urls[envelope.effective_priority],
            MessageBody=envelope.model_dump_json(),
            MessageGroupId=envelope.aggregate_id,
            MessageDeduplicationId=str(envelope.command_id),
            MessageAttributes={
                "command_type": {"DataType": "String", "StringValue": envelope.command.type},
            },
        )
