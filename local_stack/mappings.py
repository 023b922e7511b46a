"""Event-source mappings, as Lambda runs them: pollers that invoke functions.

One poller thread per concurrency slot of each SQS consumer in
`resources.definitions.CONSUMERS`, and one per stream consumer in
`STREAM_CONSUMERS`. How a function is invoked is injected (`invoker_for`): the
local runtime's containers in the local stack, plain in-process calls in
benchmarks and tests.

On one machine every container shares its few cores and one moto, so a bulk
batch being worked slows the interactive command beside it; on AWS each
invocation has its own compute, against services that scale. The local stack
therefore makes the pollers of each low-priority queue yield to its
high-priority one (`YIELDING`): a strict-priority consumer, as the priority
queue pattern describes it, bounded so that bulk work never starves.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from local_stack.sqs_source import Activity, Invoke, SqsEventSource
from local_stack.stream_source import DynamoDBStreamEventSource
from resources.definitions import (
    COMMANDS_HIGH,
    COMMANDS_LOW,
    CONSUMERS,
    PROJECTIONS,
    PROJECTIONS_BULK,
    STREAM_CONSUMERS,
    Naming,
)

log = logging.getLogger("retake.mappings")

#: Low-priority queue -> the queue its local pollers yield to.
YIELDING = {COMMANDS_LOW.name: COMMANDS_HIGH.name, PROJECTIONS_BULK.name: PROJECTIONS.name}
#: Interactive traffic counts as present until its queue was quiet this long: a person
#: working through the page sends a command every second or two.
YIELD_QUIET_SECONDS = 1.5
#: The longest a low-priority poll waits for quiet, so bulk work always moves.
MAX_YIELD_SECONDS = 30.0


class Source(Protocol):
    def poll_once(self) -> Any: ...


@dataclass
class Poller:
    """Polls one source until stopped; sleeps a little whenever the source was empty."""

    name: str
    source: Source
    idle_sleep: float
    polls: int = 0
    received: int = 0
    errors: int = 0
    last_error: str = ""
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"poller-{self.name}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                result = self.source.poll_once()
                self.polls += 1
                self.received += result.received
                busy = result.received > 0
            except Exception as error:  # a poller must survive a bad poll, as Lambda's does
                self.errors += 1
                self.last_error = f"{type(error).__name__}: {error}"
                log.warning("poller %s: %s", self.name, self.last_error)
                busy = False
            if not busy:
                self._stop.wait(self.idle_sleep)

    def stop(self) -> None:
        self._stop.set()

    def join(self, timeout: float = 5.0) -> None:
        if self._thread is not None:
            self._thread.join(timeout)


class EventSourceMappings:
    def __init__(
        self,
        *,
        sqs: Any,
        dynamodb: Any,
        streams: Any,
        naming: Naming,
        invoker_for: Callable[[str], Invoke],
        concurrency: Mapping[str, int] | None = None,
        idle_sleep: float = 0.05,
        stream_idle_sleep: float | None = None,
        sqs_wait_seconds: int = 0,
        failed_visibility_seconds: int | None = None,
        stream_positions: Mapping[str, str] | None = None,
        duplicate_deliveries: bool = False,
        yielding: Mapping[str, str] | None = None,
    ) -> None:
        """`concurrency` overrides pollers per queue (by the queue's logical name).

        With `sqs_wait_seconds` > 0 the SQS pollers long-poll (as Lambda's do) and
        need no sleep between empty polls; the stream poller sleeps
        `stream_idle_sleep` (default `idle_sleep`) when its shards had nothing.
        `duplicate_deliveries` (test-only fault injection) hands every SQS batch to
        its function twice (`SqsEventSource`). `yielding` maps a queue to the one
        its pollers yield to (see `YIELDING`).
        """
        yielding = dict(yielding or {})
        activities = {high: Activity(YIELD_QUIET_SECONDS) for high in yielding.values()}
        sqs_idle = 0.0 if sqs_wait_seconds > 0 else idle_sleep
        self.pollers: list[Poller] = []
        self.stream_sources: list[DynamoDBStreamEventSource] = []
        for consumer in CONSUMERS:
            queue_name = (
                naming.dlq(consumer.queue)
                if consumer.dead_letters
                else naming.queue(consumer.queue)
            )
            url = sqs.get_queue_url(QueueName=queue_name)["QueueUrl"]
            label = f"{consumer.queue.name}-dlq" if consumer.dead_letters else consumer.queue.name
            slots = (concurrency or {}).get(label, consumer.max_concurrency)
            for slot in range(slots):
                source = SqsEventSource(
                    sqs,
                    url,
                    invoker_for(consumer.function),
                    batch_size=consumer.batch_size,
                    wait_seconds=sqs_wait_seconds,
                    failed_visibility_seconds=failed_visibility_seconds,
                    duplicate_deliveries=duplicate_deliveries,
                    activity=activities.get(label),
                    yields_to=activities.get(yielding.get(label, "")),
                    max_yield_seconds=MAX_YIELD_SECONDS,
                )
                name = f"{label}-{slot + 1}"
                self.pollers.append(Poller(name, source, sqs_idle))
        for stream_consumer in STREAM_CONSUMERS:
            table = naming.table(stream_consumer.table)
            stream_arn = dynamodb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
            stream_source = DynamoDBStreamEventSource(
                streams,
                stream_arn,
                invoker_for(stream_consumer.function),
                batch_size=stream_consumer.batch_size,
                starting_position=stream_consumer.starting_position,
                positions=dict(stream_positions or {}),
            )
            self.stream_sources.append(stream_source)
            stream_idle = idle_sleep if stream_idle_sleep is None else stream_idle_sleep
            self.pollers.append(Poller(f"{table}-stream", stream_source, stream_idle))

    def start(self) -> None:
        for poller in self.pollers:
            poller.start()

    def stop(self) -> None:
        for poller in self.pollers:
            poller.stop()
        for poller in self.pollers:
            poller.join()

    def poll_all_once(self) -> int:
        """One poll of every source, in the calling thread (for deterministic tests)."""
        return sum(poller.source.poll_once().received for poller in self.pollers)

    def settle(self, quiet_polls: int = 2, timeout: float = 60.0) -> None:
        """Poll everything in this thread until nothing moves for `quiet_polls` rounds."""
        deadline = time.monotonic() + timeout
        quiet = 0
        while quiet < quiet_polls and time.monotonic() < deadline:
            quiet = quiet + 1 if self.poll_all_once() == 0 else 0

    @property
    def stream_positions(self) -> dict[str, str]:
        positions: dict[str, str] = {}
        for source in self.stream_sources:
            positions.update(source.positions)
        return positions
