"""An SQS event-source mapping, as Lambda runs it: poll, invoke with a batch, delete.

Partial batch responses are honoured: only the items the function reports in
`batchItemFailures` stay on the queue (a raised exception keeps the whole
batch); they return after the queue's visibility timeout, or sooner when
`failed_visibility_seconds` is set (a local speed-up), and move to the DLQ
once the queue's maxReceiveCount is reached.

`duplicate_deliveries` (test-only fault injection, off by default) invokes the
function a second time with every received batch, as SQS's at-least-once
delivery may: the second copy shows a receive count one higher, as a second
receive of the message would. Failures of either invocation keep the message.

A low-priority queue's pollers may yield to a high-priority queue's
(`Activity`): they do not receive while a delivery from the other queue is
in flight or was received moments ago, waiting at most a few seconds, so
bulk work still moves.

The pollers of one queue receive one at a time (the invocations still run in
parallel). moto's ReceiveMessage is not atomic: it reads which FIFO groups are
in flight when a call begins, so two overlapping calls (or a long poll that
began before another poller took a message) can each hand out a message of the
same group, and a rename would run beside, or before, the album's creation.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import MessageTypeDef

Invoke = Callable[[dict[str, Any]], Any]

_receiving: dict[str, threading.Lock] = {}
_receiving_guard = threading.Lock()


def _receive_lock(queue_url: str) -> threading.Lock:
    """The lock every poller of `queue_url` in this process holds while it receives."""
    with _receiving_guard:
        return _receiving.setdefault(queue_url, threading.Lock())


class Activity:
    """When a queue's pollers last received, and how many of their deliveries are in flight."""

    def __init__(self, quiet_seconds: float = 0.5) -> None:
        self.quiet_seconds = quiet_seconds
        self._changed = threading.Condition()
        self._in_flight = 0
        self._last = -math.inf
        self.yielded_seconds = 0.0

    @contextmanager
    def delivering(self) -> Iterator[None]:
        with self._changed:
            self._in_flight += 1
            self._last = time.monotonic()
        try:
            yield
        finally:
            with self._changed:
                self._in_flight -= 1
                self._last = time.monotonic()
                self._changed.notify_all()

    def wait_quiet(self, limit_seconds: float) -> float:
        """Wait until nothing is in flight and nothing was received for `quiet_seconds`.

        Returns the seconds waited; gives up after `limit_seconds`.
        """
        started = time.monotonic()
        deadline = started + limit_seconds
        with self._changed:
            while True:
                now = time.monotonic()
                quiet_at = self._last + self.quiet_seconds
                if (self._in_flight == 0 and now >= quiet_at) or now >= deadline:
                    break
                wake = deadline if self._in_flight else min(quiet_at, deadline)
                self._changed.wait(timeout=wake - now)
        waited = time.monotonic() - started
        self.yielded_seconds += waited
        return waited


@dataclass(frozen=True)
class PollResult:
    received: int
    succeeded: int
    failed: int


def _lambda_attribute(value: dict[str, Any]) -> dict[str, Any]:
    converted: dict[str, Any] = {
        "dataType": value.get("DataType", "String"),
        "stringListValues": [],
        "binaryListValues": [],
    }
    if "StringValue" in value:
        converted["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        converted["binaryValue"] = value["BinaryValue"]
    return converted


def sqs_event(messages: list[MessageTypeDef], queue_arn: str, region: str) -> dict[str, Any]:
    """The event Lambda builds from received messages."""
    return {
        "Records": [
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": dict(message.get("Attributes", {})),
                "messageAttributes": {
                    name: _lambda_attribute(dict(value))
                    for name, value in message.get("MessageAttributes", {}).items()
                },
                "md5OfBody": message.get("MD5OfBody")
                or hashlib.md5(message["Body"].encode()).hexdigest(),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            }
            for message in messages
        ]
    }


class SqsEventSource:
    def __init__(
        self,
        sqs: SQSClient,
        queue_url: str,
        invoke: Invoke,
        *,
        batch_size: int = 10,
        wait_seconds: int = 0,
        failed_visibility_seconds: int | None = None,
        duplicate_deliveries: bool = False,
        activity: Activity | None = None,
        yields_to: Activity | None = None,
        max_yield_seconds: float = 3.0,
    ) -> None:
        """`activity` records this source's deliveries; with `yields_to`, every poll
        first waits (at most `max_yield_seconds`) until that activity is quiet."""
        self.activity = activity
        self.yields_to = yields_to
        #: Batches received, and invocations made with them (twice as many when duplicating).
        self.batches = 0
        self.deliveries = 0
        self.max_yield_seconds = max_yield_seconds
        self.sqs = sqs
        self.duplicate_deliveries = duplicate_deliveries
        self.queue_url = queue_url
        self.invoke = invoke
        self.batch_size = batch_size
        self.wait_seconds = wait_seconds
        self.failed_visibility_seconds = failed_visibility_seconds
        attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
        self.queue_arn = attributes["Attributes"]["QueueArn"]
        self.region = self.queue_arn.split(":")[3]
        self._receiving = _receive_lock(queue_url)

    def poll_once(self) -> PollResult:
        if self.yields_to is not None:
            self.yields_to.wait_quiet(self.max_yield_seconds)
        # Another poller receiving for as long as a long poll lasts counts as an empty
        # poll, so a poller's owner gets to stop it between polls.
        if not self._receiving.acquire(timeout=max(self.wait_seconds, 0.1)):
            return PollResult(0, 0, 0)
        try:
            response = self.sqs.receive_message(
                QueueUrl=self.queue_url,
                MaxNumberOfMessages=self.batch_size,
                WaitTimeSeconds=self.wait_seconds,
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
            )
        finally:
            self._receiving.release()
        messages = response.get("Messages", [])
        if not messages:
            return PollResult(0, 0, 0)
        self.batches += 1
        with self.activity.delivering() if self.activity else nullcontext():
            failures = self._deliver(messages)
            if self.duplicate_deliveries:
                failures |= self._deliver([_received_again(message) for message in messages])
        done = [message for message in messages if message["MessageId"] not in failures]
        for start in range(0, len(done), 10):
            self.sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[
                    {"Id": str(index), "ReceiptHandle": message["ReceiptHandle"]}
                    for index, message in enumerate(done[start : start + 10])
                ],
            )
        if self.failed_visibility_seconds is not None:
            for message in messages:
                if message["MessageId"] in failures:
                    self.sqs.change_message_visibility(
                        QueueUrl=self.queue_url,
                        ReceiptHandle=message["ReceiptHandle"],
                        VisibilityTimeout=self.failed_visibility_seconds,
                    )
        return PollResult(len(messages), len(done), len(failures))

    def _deliver(self, messages: list[MessageTypeDef]) -> set[str]:
        """Invoke the function with the messages; the ids of those that failed."""
        self.deliveries += 1
        try:
            result = self.invoke(sqs_event(messages, self.queue_arn, self.region))
        except Exception:
            return {message["MessageId"] for message in messages}
        failures = (result or {}).get("batchItemFailures", [])
        return {failure["itemIdentifier"] for failure in failures}

    def drain(self, max_polls: int = 1000) -> int:
        """Poll until the queue answers empty; return how many messages succeeded."""
        succeeded = 0
        for _ in range(max_polls):
            result = self.poll_once()
            succeeded += result.succeeded
            if result.received == 0:
                return succeeded
        return succeeded


def _received_again(message: MessageTypeDef) -> MessageTypeDef:
    """The message as a second receive would show it: its receive count one higher."""
    attributes = dict(message.get("Attributes", {}))
    count = int(attributes.get("ApproximateReceiveCount", "1"))
    attributes["ApproximateReceiveCount"] = str(count + 1)
    again: MessageTypeDef = {**message, "Attributes": attributes}
    return again
