"""The local Lambda runtime inside the stack: cold and warm starts, and failures that end in a DLQ.

The message that always fails is a body on the projections queue that is not
a commit: the real projector, in its container, fails that record on every
receive, and after the queue's maxReceiveCount SQS moves it to the DLQ. (A
worker that crashes cannot be provoked across processes without a test-only
switch; that path is covered in-process by tests/integration/test_worker_on_moto.py.)
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import boto3
import pytest

from resources.definitions import PROJECTIONS, Naming
from tests.e2e.conftest import REGION, RunningStack

DLQ_WITHIN_SECONDS = 60.0


def test_the_stack_s_first_api_call_is_a_cold_start_and_the_next_is_warm(
    stack: RunningStack,
) -> None:
    before, after_first, after_second = stack.api_warm_up

    assert (before.invocations, before.cold_starts) == (0, 0)
    assert (after_first.invocations, after_first.cold_starts) == (1, 1)
    assert len(after_first.init_durations_ms) == 1
    assert (after_second.invocations, after_second.cold_starts) == (2, 1)
    assert len(after_second.warm_durations_ms) == 1
    assert after_second.warm_durations_ms[0] < after_first.init_durations_ms[0]
    assert after_second.errors == 0 and after_second.peak_containers == 1


@pytest.fixture
def sqs(stack: RunningStack) -> Any:
    return boto3.client(
        "sqs",
        region_name=REGION,
        endpoint_url=stack.info.endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def test_a_message_the_projector_always_fails_ends_in_the_dlq_and_holds_back_no_one_else(
    stack: RunningStack, sqs: Any
) -> None:
    naming = Naming(stack.info.prefix)
    queue = sqs.get_queue_url(QueueName=naming.queue(PROJECTIONS))["QueueUrl"]
    dlq = sqs.get_queue_url(QueueName=naming.dlq(PROJECTIONS))["QueueUrl"]
    invocations = stack.function_stats("projector").invocations

    # given: a body that is not a commit, in a group of its own
    poison = f"not a commit {uuid.uuid4()}"
    sqs.send_message(
        QueueUrl=queue,
        MessageBody=poison,
        MessageGroupId="e2e-poison",
        MessageDeduplicationId=str(uuid.uuid4()),
    )

    # when: meanwhile, a command of someone else's goes through
    created = stack.call("POST", "/albums", "alice", {"title": "Unbothered"})
    assert created.status == 202
    assert stack.wait_projected(created.body["command_id"])["status"] == "succeeded"

    # then: the poison is retried until SQS moves it to the DLQ
    dead = _wait_for_message(sqs, dlq, DLQ_WITHIN_SECONDS)
    assert dead["Body"] == poison
    assert int(dead["Attributes"]["ApproximateReceiveCount"]) >= PROJECTIONS.max_receive_count
    assert dead["Attributes"]["MessageGroupId"] == "e2e-poison"
    # (a batch of only the poison fails the invocation: Powertools raises when every record fails)
    projected = stack.function_stats("projector").invocations - invocations
    assert projected >= PROJECTIONS.max_receive_count
    assert sqs.receive_message(QueueUrl=dlq, WaitTimeSeconds=0).get("Messages", []) == []


def _wait_for_message(sqs: Any, queue_url: str, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        messages = sqs.receive_message(
            QueueUrl=queue_url, AttributeNames=["All"], WaitTimeSeconds=1
        ).get("Messages", [])
        if messages:
            message: dict[str, Any] = messages[0]
            return message
    raise AssertionError(f"nothing reached {queue_url} within {timeout} s")
