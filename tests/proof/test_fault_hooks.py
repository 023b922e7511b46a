"""The test-only fault hooks: off unless asked for, and doing what they say when asked."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from functions.faults import CRASH_EXIT_STATUS, FAULT_CRASH_ON
from local_stack.sqs_source import SqsEventSource

ARN = "arn:aws:sqs:us-east-1:123456789012:retake-commands-high.fifo"


class FakeSqs:
    """Just enough of SQS for one poll: one message to receive, deletions recorded."""

    def __init__(self) -> None:
        self.deleted: list[str] = []

    def get_queue_attributes(self, **_: Any) -> dict[str, Any]:
        return {"Attributes": {"QueueArn": ARN}}

    def receive_message(self, **_: Any) -> dict[str, Any]:
        message = {
            "MessageId": "m1",
            "ReceiptHandle": "h1",
            "Body": "{}",
            "Attributes": {"ApproximateReceiveCount": "1"},
        }
        return {"Messages": [message]}

    def delete_message_batch(self, Entries: list[dict[str, str]], **_: Any) -> None:
        self.deleted += [entry["ReceiptHandle"] for entry in Entries]


def receive_counts(duplicate: bool) -> list[str]:
    seen: list[str] = []

    def invoke(event: dict[str, Any]) -> dict[str, Any]:
        seen.extend(r["attributes"]["ApproximateReceiveCount"] for r in event["Records"])
        return {"batchItemFailures": []}

    sqs: Any = FakeSqs()
    source = SqsEventSource(sqs, "url", invoke, duplicate_deliveries=duplicate)
    source.poll_once()
    return seen


def test_each_batch_is_invoked_once_unless_duplicates_are_asked_for() -> None:
    assert receive_counts(duplicate=False) == ["1"]


def test_a_duplicated_batch_comes_again_with_a_higher_receive_count() -> None:
    assert receive_counts(duplicate=True) == ["1", "2"]


def crash(body: str, marker: str | None) -> int:
    env = {k: v for k, v in os.environ.items() if k != FAULT_CRASH_ON}
    if marker is not None:
        env[FAULT_CRASH_ON] = marker
    code = f"from functions.faults import crash_if_marked; crash_if_marked({body!r})"
    return subprocess.run([sys.executable, "-c", code], env=env, check=False).returncode


def test_the_crash_fault_is_off_unless_set() -> None:
    assert crash("rename to poison-1", None) == 0


def test_the_crash_fault_kills_the_process_only_for_a_marked_body() -> None:
    assert crash("rename to poison-1", "poison-1") == CRASH_EXIT_STATUS
    assert crash("an ordinary rename", "poison-1") == 0
