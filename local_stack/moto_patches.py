"""Changes to moto that keep the local stack usable under load, and its page signed in.

Four change how fast moto answers, never what it answers; the tests in
`tests/integration/test_moto_patches.py` hold the answers to SQS's and
DynamoDB's rules. The fifth answers what moto 5.2.6 stopped answering, and the sixth delivers a
FIFO group's next message when SQS would.

**A FIFO group's next message is delivered as soon as the group is free.**
moto's ReceiveMessage reads which FIFO groups have a message in flight once,
when the call begins. A long poll that began while a group's message was in
flight therefore skipped that group's next message until its wait ended, even
after the first was deleted: every step on one aggregate (one group) waited
out the poller's wait, about 0.9 s locally, where SQS delivers at once. Here
the in-flight groups are read again on every pass of the poll (the one-line
change upstream needs), and deleting a message wakes the waiting polls.

**A browser's CORS preflight to the root is answered.** The page calls
Cognito's JSON API at moto's root (`POST /` with `X-Amz-Target`), so Chromium
first sends `OPTIONS /` with `Origin` and `Access-Control-Request-Method`, and
no target. moto routes a request it cannot place to S3, whose "list buckets"
answered the preflight with a 200 up to moto 5.2.5; in 5.2.6 it raises and
answers 500 without CORS headers, and the page cannot sign in. Here a
preflight to the root is answered as Cognito answers it: 200, the origin and
the requested headers allowed, before moto routes it. Preflights to a bucket
or key still reach S3, whose bucket CORS rules answer them.

**A long poll sleeps instead of spinning.** moto waits for "any message in the
queue", in-flight and FIFO-held ones included, so while a queue holds only
messages nobody may receive, every long poll spins for its whole wait, holding
the GIL; under load that starves every other thread of the process. Here a
waiting poll sleeps until a send wakes it (moto notifies on every send) or
50 ms pass, then looks again.

**A deep queue costs what a shallow one does.** moto reads the clock through
`datetime` twice per message on every scan, and scans often: each SendMessage
computes the queue's attributes four times (three scans each), and a receive
does it three times per message handed out (for the retention check). At 1,000
queued messages a send took 225 ms and a receive with its visibility changes
1.6 s, so a backlog slowed the very calls that drain it. Here the clock is
`time.time()` (the same instant: milliseconds since the Unix epoch), the
retention check reads the one attribute it needs, and a receipt-handle lookup
builds no list. `bench: moto-sqs-depth` measures the result.

**A DynamoDB item is serialised by the keys it has.** moto writes each
response by walking botocore's shapes, and for every attribute value it asks
each of the ten members of `AttributeValue` (S, N, B, M, L, ...) for a value
through a chain of alias lookups, although a value has exactly one of them: a
scan cost about 4 ms an item, and the proof's checks, the rebuild and every
load of a stream pay it. Here a plain attribute-value dict is serialised
member by member for the keys it holds, by moto's own code for each member
(so binary values are still base64-encoded). `bench: moto-dynamodb-scan`
measures it.

**A DynamoDB query reads its partition, not the table.** moto answers a Query
by sorting every item of the table and then keeping the partition asked for,
so loading one stream cost more with every commit anyone made. Here a Query of
the table reads its partition's items (in the same order), and a Query of an
index skips the whole-table sort it re-sorts by the index's keys anyway.
`bench: moto-dynamodb-query` measures it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_applied = False


def apply() -> None:
    """Patch moto in this process (idempotent)."""
    global _applied
    if _applied:
        return
    _calm_long_polling()
    _cheap_at_depth()
    _attribute_values_by_their_keys()
    _queries_by_partition()
    _preflights_answered()
    _fifo_groups_freed_at_once()
    _applied = True


#: What a CORS preflight may ask for at moto's root (Cognito's JSON API is POST only).
PREFLIGHT_METHODS = "GET, POST, OPTIONS"
PREFLIGHT_MAX_AGE_SECONDS = "600"


def _preflights_answered() -> None:
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    dispatch = DomainDispatcherApplication.__call__

    def call(self: Any, environ: dict[str, Any], start_response: Any) -> Any:
        origin = environ.get("HTTP_ORIGIN")
        if (
            environ.get("REQUEST_METHOD") == "OPTIONS"
            and environ.get("PATH_INFO", "/") in ("", "/")
            and origin
            and environ.get("HTTP_ACCESS_CONTROL_REQUEST_METHOD")
        ):
            headers = [
                ("Access-Control-Allow-Origin", origin),
                ("Access-Control-Allow-Methods", PREFLIGHT_METHODS),
                ("Access-Control-Max-Age", PREFLIGHT_MAX_AGE_SECONDS),
                ("Vary", "Origin"),
                ("Content-Length", "0"),
            ]
            requested = environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS")
            if requested:
                headers.append(("Access-Control-Allow-Headers", requested))
            start_response("200 OK", headers)
            return [b""]
        return dispatch(self, environ, start_response)

    setattr(DomainDispatcherApplication, "__call__", call)  # noqa: B010 - patching moto


def _calm_long_polling() -> None:
    from moto.sqs.models import Queue

    def wait_for_messages(self: Any, timeout: int) -> None:
        with self._messages_lock:
            self._messages_lock.wait(timeout=min(timeout, 0.05))

    setattr(Queue, "wait_for_messages", wait_for_messages)  # noqa: B010 - patching moto


def _cheap_at_depth() -> None:
    from moto.sqs import models
    from moto.sqs.models import Message, Queue, SQSBackend

    moto_unix_time = getattr(models, "unix_time")  # noqa: B009 - not re-exported by moto

    def unix_time(dt: Any = None) -> float:
        # "Now" in moto's naive-UTC datetimes and in time.time() is the same instant.
        return time.time() if dt is None else float(moto_unix_time(dt))

    def unix_time_millis(dt: Any = None) -> float:
        return unix_time(dt) * 1000.0

    setattr(models, "unix_time", unix_time)  # noqa: B010 - patching moto
    setattr(models, "unix_time_millis", unix_time_millis)  # noqa: B010 - patching moto

    def had_receipt_handle(self: Any, receipt_handle: str) -> bool:
        return receipt_handle == self.receipt_handle or receipt_handle in self._old_receipt_handles

    def valid_for_retention(self: Any, queue_name: str, message: Any) -> bool:
        queue = self.get_queue(queue_name)
        retain_until = int(queue.message_retention_period) + message.sent_timestamp / 1000
        return bool(retain_until > time.time())

    def counted(test: Any) -> property:
        def count(self: Any) -> int:
            now = time.time() * 1000.0
            return sum(1 for message in self._messages if test(message, now))

        return property(count)

    setattr(Message, "had_receipt_handle", had_receipt_handle)  # noqa: B010 - patching moto
    setattr(  # noqa: B010 - patching moto
        SQSBackend, "is_message_valid_based_on_retention_period", valid_for_retention
    )
    # The same tests as moto's, against one reading of the clock per scan.
    setattr(  # noqa: B010 - patching moto
        Queue,
        "approximate_number_of_messages",
        counted(lambda m, now: now > m.visible_at and not now < m.delayed_until),
    )
    setattr(  # noqa: B010 - patching moto
        Queue,
        "approximate_number_of_messages_delayed",
        counted(lambda m, now: now < m.delayed_until),
    )
    setattr(  # noqa: B010 - patching moto
        Queue,
        "approximate_number_of_messages_not_visible",
        counted(lambda m, now: not now > m.visible_at),
    )


def _attribute_values_by_their_keys() -> None:
    from moto.core.serialize import BaseJSONSerializer

    by_every_member = BaseJSONSerializer._serialize_type_structure

    def serialize_structure(self: Any, serialized: Any, value: Any, shape: Any, key: str) -> None:
        if not (
            shape.name == "AttributeValue"
            and type(value) is dict
            and value.keys() <= shape.members.keys()
        ):
            by_every_member(self, serialized, value, shape, key)
            return
        wrapper = self.MAP_TYPE() if key else serialized
        for member_key, member_value in value.items():
            if member_value is None:
                continue
            member_shape = shape.members[member_key]
            member_shape.parent = shape
            self._serialize(wrapper, member_value, member_shape, member_key)
        if key:
            self._default_serialize(serialized, wrapper, shape, key)

    setattr(BaseJSONSerializer, "_serialize_type_structure", serialize_structure)  # noqa: B010


_querying = threading.local()


def _queries_by_partition() -> None:
    from moto.dynamodb.models.table import Table

    every_item_sorted = Table.all_items
    query_every_item = Table.query

    def query(
        self: Any,
        hash_key: Any,
        range_comparison: Any,
        range_objs: Any,
        limit: Any,
        exclusive_start_key: Any,
        scan_index_forward: Any,
        projection_expressions: Any,
        index_name: str | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        _querying.context = (self, hash_key, index_name)
        try:
            return query_every_item(
                self, hash_key, range_comparison, range_objs, limit, exclusive_start_key,
                scan_index_forward, projection_expressions, index_name, *args, **kwargs,
            )  # fmt: skip
        finally:
            _querying.context = None

    def all_items(self: Any) -> list[Any]:
        context = getattr(_querying, "context", None)
        if context is None or context[0] is not self:
            return every_item_sorted(self)
        _, hash_key, index_name = context
        # list() of a dict's values runs in C, without a thread switch: another
        # request's put cannot change the dict under it (moto's own loop can).
        if index_name:
            # The query sorts what it keeps by the index's keys (which end in the
            # table's own, so no two tie): sorting the whole table first is waste.
            partitions = list(self.items.values())
            if not self.range_key_attr:
                return partitions
            return [item for partition in partitions for item in list(partition.values())]
        if hash_key is None:
            return every_item_sorted(self)
        partition = self.items.get(hash_key)
        if partition is None:
            return []
        items = list(partition.values()) if self.range_key_attr else [partition]
        return sorted(items, key=lambda x: (x.hash_key, x.range_key) if x.range_key else x.hash_key)

    setattr(Table, "query", query)  # noqa: B010 - patching moto
    setattr(Table, "all_items", all_items)  # noqa: B010 - patching moto


def _fifo_groups_freed_at_once() -> None:
    from copy import deepcopy

    from moto.sqs import models
    from moto.sqs.models import Message, Queue, SQSBackend

    delete_from_queue = Queue.delete_message

    def delete_message(self: Any, receipt_handle: str) -> None:
        delete_from_queue(self, receipt_handle)
        # A freed FIFO group may hold the next message a waiting poll can take now.
        with self._messages_lock:
            self._messages_lock.notify_all()

    def receive_message(
        self: Any,
        queue_name: str,
        count: int,
        wait_seconds_timeout: int,
        visibility_timeout: int,
        message_attribute_names: list[str] | None = None,
    ) -> list[Message]:
        # moto's own loop, but the in-flight groups are read on every pass, not once.
        if message_attribute_names is None:
            message_attribute_names = []
        queue = self.get_queue(queue_name)
        result: list[Message] = []
        previous_result_count = len(result)
        clock = getattr(models, "unix_time")  # noqa: B009 - not re-exported by moto
        polling_end = clock() + wait_seconds_timeout
        while True:
            if result or (wait_seconds_timeout and clock() > polling_end):
                break
            pending_groups = set(queue.pending_message_groups)
            messages_to_dlq: list[Message] = []
            for message in queue.messages:
                if not message.visible:
                    continue
                if message in queue.pending_messages:
                    # Visible again while pending: its consumer timed out, so its group is free.
                    queue.pending_messages.remove(message)
                    pending_groups = set(queue.pending_message_groups)
                if message.group_id and queue.fifo_queue and message.group_id in pending_groups:
                    continue
                if (
                    queue.dead_letter_queue is not None
                    and queue.redrive_policy
                    and message.approximate_receive_count >= queue.redrive_policy["maxReceiveCount"]
                ):
                    messages_to_dlq.append(message)
                    continue
                queue.pending_messages.add(message)
                message.mark_received(visibility_timeout=visibility_timeout)
                message_copy = deepcopy(message)
                models._filter_message_attributes(message_copy, message_attribute_names)
                if not self.is_message_valid_based_on_retention_period(queue_name, message):
                    break
                result.append(message_copy)
                if len(result) >= count:
                    break
            for message in messages_to_dlq:
                queue._messages.remove(message)
                queue.dead_letter_queue.add_message(message)
            if previous_result_count == len(result):
                if wait_seconds_timeout == 0:
                    break
                queue.wait_for_messages(1)
                continue
            previous_result_count = len(result)
        return result

    released = SQSBackend.receive_message
    _fifo_receive[True] = {
        (Queue, "delete_message"): delete_message,
        (SQSBackend, "receive_message"): receive_message,
    }
    _fifo_receive[False] = {
        (Queue, "delete_message"): delete_from_queue,
        (SQSBackend, "receive_message"): released,
    }
    _use_fifo_receive(patched=True)


#: The patched and the released FIFO receive, for `bench: same-aggregate-latency`.
_fifo_receive: dict[bool, dict[tuple[type, str], Any]] = {}


def _use_fifo_receive(patched: bool) -> None:
    for (owner, name), function in _fifo_receive[patched].items():
        setattr(owner, name, function)


@contextmanager
def released_fifo_receive() -> Iterator[None]:
    """moto's receive as released, inside the block (benchmarks compare the two side by side)."""
    apply()
    _use_fifo_receive(patched=False)
    try:
        yield
    finally:
        _use_fifo_receive(patched=True)
