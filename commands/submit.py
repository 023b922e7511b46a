"""Submitting a command: validate, record it `accepted`, put it on its queue.

Bad input never reaches a queue: `validate_envelope` raises InvalidCommand
naming the fields before anything is written or sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from commands.command_log import CommandLog, CommandRecord
from commands.models import Envelope, validate_envelope


class CommandQueue(Protocol):
    """Where commands wait for a worker (SQS FIFO in AWS)."""

    def send(self, envelope: Envelope) -> None:
        """Enqueue on the queue of the envelope's priority."""


class CommandSubmitter:
    def __init__(self, log: CommandLog, queue: CommandQueue) -> None:
        self.log = log
        self.queue = queue

    def submit(self, payload: Envelope | Mapping[str, Any] | str) -> CommandRecord:
        envelope = validate_envelope(payload)
        record = CommandRecord.accepted(envelope)
        self.log.record_accepted(record)
        self.queue.send(envelope)
        return record
