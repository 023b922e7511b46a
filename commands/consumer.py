"""What the worker does with one queue message: parse, execute, count, never swallow.

- A body that is not a valid command is recorded as rejected
  (`malformed_command`) and acknowledged: retrying cannot fix it.
- A domain refusal is an outcome (rejected), recorded and acknowledged.
- Anything else is counted on the command's record and re-raised, so SQS
  retries the message and, after the last receive, the DLQ keeps it.
- Before a batch runs, each command on its last receive is marked `failed`
  (`mark_last_receives`): a worker killed during the batch leaves those with a
  final status, not stuck `accepted` while the DLQ holds their messages.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from commands.models import InvalidCommand, parse_envelope
from commands.service import CommandService, Outcome
from resources.definitions import COMMANDS_HIGH

#: Set on a message re-sent from a DLQ, so the worker reads the log before acting.
REDRIVEN_ATTRIBUTE = "retake_redriven"


@dataclass(frozen=True)
class CommandMessage:
    message_id: str
    body: str
    receive_count: int = 1
    deduplication_id: str | None = None
    redriven: bool = False

    @property
    def may_be_repeat(self) -> bool:
        return self.receive_count > 1 or self.redriven


class Telemetry(Protocol):
    def outcome(self, command_id: str, actor_id: str, command_type: str, status: str) -> None:
        """A command reached an outcome (succeeded, rejected, or failed)."""


def process_message(
    service: CommandService,
    message: CommandMessage,
    telemetry: Telemetry,
    max_receive_count: int = COMMANDS_HIGH.max_receive_count,
) -> Outcome | None:
    try:
        envelope = parse_envelope(message.body)
    except InvalidCommand as problem:
        command_id = message.deduplication_id or message.message_id
        record = service.reject_malformed(command_id, message.body, str(problem))
        telemetry.outcome(record.command_id, "unknown", "unknown", "rejected")
        return None
    command_id = str(envelope.command_id)
    final = message.receive_count >= max_receive_count
    try:
        outcome = service.execute(envelope, verify=message.may_be_repeat)
    except Exception as error:
        service.record_failure(envelope, error, final=final)
        telemetry.outcome(command_id, envelope.actor.user_id, envelope.command.type, "failed")
        raise
    telemetry.outcome(
        command_id, envelope.actor.user_id, envelope.command.type, outcome.record.status
    )
    return outcome


def mark_last_receives(
    service: CommandService,
    messages: Iterable[CommandMessage],
    max_receive_count: int = COMMANDS_HIGH.max_receive_count,
) -> None:
    """Mark every command of the batch that is on its last receive `failed`, up front.

    A worker killed mid-batch never reaches the later records, yet SQS counted
    their receive: on the last one the DLQ takes them with nothing recorded.
    An outcome or a crash report replaces the mark.
    """
    for message in messages:
        if message.receive_count < max_receive_count:
            continue
        try:
            envelope = parse_envelope(message.body)
        except InvalidCommand:
            continue  # rejected as malformed when its turn comes
        service.mark_last_attempt(envelope)


def suspects_last(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The batch with every group that failed before moved behind the fresh ones.

    A message that crashes its worker fails the whole batch it came in, so the
    messages batched with it would come back, again and again, until it reaches
    the DLQ. Working fresh groups first lets them finish before a suspect runs;
    among suspects, the one received most often goes last. Order within a group
    (one aggregate) is kept, and so FIFO's promise.
    """
    groups: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        group = str(record.get("attributes", {}).get("MessageGroupId", record.get("messageId")))
        groups.setdefault(group, []).append(record)

    def tries(group: list[dict[str, Any]]) -> int:
        return max(int(r.get("attributes", {}).get("ApproximateReceiveCount", 1)) for r in group)

    ordered = sorted(groups.values(), key=tries)  # stable: equal counts keep their order
    return [record for group in ordered for record in group]
