"""A low-priority queue's pollers yield to the high-priority queue's, on moto's SQS."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from local_stack.sqs_source import Activity, SqsEventSource
from tests.integration.conftest import AwsContext


class Recorder:
    """Invocations in the order they happened; the high one holds until released."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.high_started = threading.Event()
        self.release = threading.Event()

    def high(self, event: dict[str, Any]) -> dict[str, Any]:
        self.seen.append("high started")
        self.high_started.set()
        self.release.wait(timeout=30)
        self.seen.append("high done")
        return {"batchItemFailures": []}

    def low(self, event: dict[str, Any]) -> dict[str, Any]:
        self.seen.append("low")
        return {"batchItemFailures": []}


@pytest.fixture
def queues(aws: AwsContext) -> tuple[str, str]:
    urls = tuple(
        aws.sqs.create_queue(QueueName=f"priority-{name}")["QueueUrl"] for name in ("high", "low")
    )
    for url in urls:
        aws.sqs.send_message(QueueUrl=url, MessageBody="work")
    return urls[0], urls[1]


def sources(
    aws: AwsContext, queues: tuple[str, str], recorder: Recorder, max_yield_seconds: float
) -> tuple[SqsEventSource, SqsEventSource, Activity]:
    interactive = Activity(quiet_seconds=0.2)
    high = SqsEventSource(aws.sqs, queues[0], recorder.high, activity=interactive)
    low = SqsEventSource(
        aws.sqs, queues[1], recorder.low, yields_to=interactive, max_yield_seconds=max_yield_seconds
    )
    return high, low, interactive


def in_thread(target: Any) -> threading.Thread:
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread


def test_bulk_waits_while_an_interactive_delivery_is_in_flight(
    aws: AwsContext, queues: tuple[str, str]
) -> None:
    recorder = Recorder()
    high, low, interactive = sources(aws, queues, recorder, max_yield_seconds=30)
    # given: an interactive batch being worked
    worked = in_thread(high.poll_once)
    assert recorder.high_started.wait(timeout=10)

    # when: the bulk poller polls meanwhile
    bulk = in_thread(low.poll_once)
    time.sleep(0.5)
    # then: it has not received yet
    assert recorder.seen == ["high started"]

    # when: the interactive batch is done
    recorder.release.set()
    worked.join(timeout=10)
    bulk.join(timeout=10)

    # then: the bulk batch ran after it, once the interactive queue was quiet
    assert recorder.seen == ["high started", "high done", "low"]
    assert interactive.yielded_seconds >= 0.5


def test_bulk_is_never_starved_for_longer_than_its_limit(
    aws: AwsContext, queues: tuple[str, str]
) -> None:
    recorder = Recorder()
    high, low, _ = sources(aws, queues, recorder, max_yield_seconds=0.3)
    worked = in_thread(high.poll_once)
    assert recorder.high_started.wait(timeout=10)

    # when: the interactive batch takes longer than the bulk poller's limit
    bulk = in_thread(low.poll_once)
    bulk.join(timeout=10)

    # then: the bulk batch ran anyway
    assert recorder.seen == ["high started", "low"]
    recorder.release.set()
    worked.join(timeout=10)
