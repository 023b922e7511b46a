"""CommandSubmitter: record, then queue; a repeated command id records and queues no more."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from adapters.memory import InMemoryCommandLog
from commands.command_log import CommandRecord
from commands.models import Envelope, validate_envelope
from commands.submit import RESEND_WITHIN, CommandIdReused, CommandSubmitter


class ListQueue:
    def __init__(self) -> None:
        self.sent: list[Envelope] = []

    def send(self, envelope: Envelope) -> None:
        self.sent.append(envelope)


def _envelope(command_id: str, title: str = "Trip") -> Envelope:
    return validate_envelope(
        {
            "command_id": command_id,
            "actor": {"user_id": "alice"},
            "command": {"type": "CreateAlbum", "album_id": "6d0c8e0e-1111-4c3a-9a57-2f0e8c4b7d31",
                        "title": title},
        }
    )  # fmt: skip


@pytest.fixture
def log() -> InMemoryCommandLog:
    return InMemoryCommandLog()


def test_a_new_command_is_recorded_then_sent(log: InMemoryCommandLog) -> None:
    queue = ListQueue()
    command_id = str(uuid4())

    record = CommandSubmitter(log, queue).submit(_envelope(command_id))

    assert log.get(command_id) == record
    assert [str(envelope.command_id) for envelope in queue.sent] == [command_id]


def test_a_repeat_of_a_queued_command_is_sent_again_with_its_first_issue_time(
    log: InMemoryCommandLog,
) -> None:
    queue = ListQueue()
    command_id = str(uuid4())
    first = CommandSubmitter(log, queue).submit(_envelope(command_id))

    again = CommandSubmitter(log, queue).submit(_envelope(command_id))

    assert again == first
    assert len(queue.sent) == 2
    assert queue.sent[1].issued_at == queue.sent[0].issued_at


def test_a_repeat_of_a_finished_command_is_not_sent(log: InMemoryCommandLog) -> None:
    queue = ListQueue()
    command_id = str(uuid4())
    first = CommandSubmitter(log, queue).submit(_envelope(command_id))
    log.finish(first.rejected("album_not_found", "gone", {}))

    again = CommandSubmitter(log, queue).submit(_envelope(command_id))

    # Sending it again could run a rejected command into a success on a first delivery.
    assert again.status == "rejected"
    assert len(queue.sent) == 1


def test_a_repeat_after_the_deduplication_window_is_not_sent(log: InMemoryCommandLog) -> None:
    queue = ListQueue()
    command_id = str(uuid4())
    long_ago = datetime.now(UTC) - RESEND_WITHIN - timedelta(seconds=1)
    log.record_accepted(
        CommandRecord.accepted(_envelope(command_id)).model_copy(
            update={"accepted_at": long_ago.isoformat()}
        )
    )

    again = CommandSubmitter(log, queue).submit(_envelope(command_id))

    assert again.status == "accepted"
    assert queue.sent == []


def test_the_same_id_for_another_command_is_refused_and_nothing_changes(
    log: InMemoryCommandLog,
) -> None:
    queue = ListQueue()
    command_id = str(uuid4())
    CommandSubmitter(log, queue).submit(_envelope(command_id, title="Trip"))

    with pytest.raises(CommandIdReused) as reused:
        CommandSubmitter(log, queue).submit(_envelope(command_id, title="Other"))

    assert reused.value.known.payload["title"] == "Trip"
    stored = log.get(command_id)
    assert stored is not None and stored.payload["title"] == "Trip"
    assert len(queue.sent) == 1
