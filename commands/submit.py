"""Submitting a command: validate, record it `accepted`, put it on its queue.

Bad input never reaches a queue: `validate_envelope` raises InvalidCommand
naming the fields before anything is written or sent.

Submitting a command id the log already holds (a client repeating a request
under the same idempotency key) records nothing new: it answers with the
first record, and sends the command again only while that can do no harm.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from commands.command_log import CommandLog, CommandRecord
from commands.models import Envelope, validate_envelope

#: A repeat re-sends an unfinished command only this soon after the first acceptance, well
#: inside SQS FIFO's five-minute deduplication window: should the first send have happened,
#: SQS drops the second. Later, the first message is most likely still waiting in a backlog,
#: and a second one would be a first delivery, which skips the command log: a command
#: rejected in between could be worked again. So a request that died between the log and
#: the queue, and is repeated only after this, leaves its command `accepted`.
RESEND_WITHIN = timedelta(minutes=4)


class CommandQueue(Protocol):
    """Where commands wait for a worker (SQS FIFO in AWS)."""

    def send(self, envelope: Envelope) -> None:
        """Enqueue on the queue of the envelope's priority."""


class CommandIdReused(ValueError):
    """The command id already names a different command (an idempotency key reused)."""

    def __init__(self, known: CommandRecord, offered: CommandRecord) -> None:
        super().__init__(
            f"command {known.command_id} is already a {known.type} with other contents "
            f"than this {offered.type}"
        )
        self.known = known
        self.offered = offered


class CommandSubmitter:
    def __init__(self, log: CommandLog, queue: CommandQueue) -> None:
        self.log = log
        self.queue = queue

    def submit(self, payload: Envelope | Mapping[str, Any] | str) -> CommandRecord:
        """The stored record of the command: this one, or the first under its id."""
        envelope = validate_envelope(payload)
        record = CommandRecord.accepted(envelope)
        known = self.log.record_accepted(record)
        if known is None:
            self.queue.send(envelope)
            return record
        if not same_request(known, record):
            raise CommandIdReused(known, record)
        if known.status == "accepted" and _accepted_within(known, RESEND_WITHIN):
            # The first request may have died between the log and the queue.
            self.queue.send(
                envelope.model_copy(update={"issued_at": datetime.fromisoformat(known.issued_at)})
            )
        return known


def same_request(known: CommandRecord, offered: CommandRecord) -> bool:
    """Whether two records ask the same thing of the same person (timestamps aside)."""
    fields = ("type", "actor_id", "aggregate_id", "payload", "priority", "reason", "causation_id")
    return all(getattr(known, name) == getattr(offered, name) for name in fields)


def _accepted_within(record: CommandRecord, window: timedelta) -> bool:
    if record.accepted_at is None:
        return False
    accepted = datetime.fromisoformat(record.accepted_at)
    return datetime.now(UTC) - accepted.astimezone(UTC) < window
