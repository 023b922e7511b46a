"""The worker Lambda handler, fed SQS FIFO events of the real shape."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from commands.command_log import CommandRecord
from commands.consumer import suspects_last
from commands.models import Actor, CreateAlbum, Envelope, RenameAlbum
from functions import worker
from functions.bootstrap import WriteSide
from tests.functional.conftest import FakeLambdaContext, load_event, sqs_event

ALICE = Actor(user_id="alice")


def submitted(side: WriteSide, envelope: Envelope) -> Envelope:
    side.log.record_accepted(CommandRecord.accepted(envelope))
    return envelope


def test_a_batch_of_commands_is_executed_and_each_outcome_recorded(
    write_side: WriteSide, context: FakeLambdaContext
) -> None:
    # given
    album_id = uuid4()
    create = submitted(
        write_side, Envelope(actor=ALICE, command=CreateAlbum(album_id=album_id, title="Trip"))
    )
    rename = submitted(
        write_side, Envelope(actor=ALICE, command=RenameAlbum(album_id=album_id, title="Iceland"))
    )
    # when
    response = worker.handler(sqs_event(create, rename), context)
    # then
    assert response == {"batchItemFailures": []}
    for envelope in (create, rename):
        record = write_side.log.get(str(envelope.command_id))
        assert record is not None and record.status == "succeeded"
    album = write_side.repository.load(str(album_id))
    assert album is not None and album.aggregate.title == "Iceland"


def test_a_malformed_body_is_rejected_once_and_not_retried(
    write_side: WriteSide, context: FakeLambdaContext
) -> None:
    response = worker.handler(sqs_event('{"command": {"type": "Explode"}}'), context)
    assert response == {"batchItemFailures": []}
    record = write_side.log.get("dedup-0")
    assert record is not None
    assert record.status == "rejected"
    assert record.error is not None and record.error.code == "malformed_command"


def test_a_domain_refusal_is_an_outcome_not_a_failure(
    write_side: WriteSide, context: FakeLambdaContext
) -> None:
    rename = submitted(
        write_side, Envelope(actor=ALICE, command=RenameAlbum(album_id=uuid4(), title="Nowhere"))
    )
    response = worker.handler(sqs_event(rename), context)
    assert response == {"batchItemFailures": []}
    record = write_side.log.get(str(rename.command_id))
    assert record is not None and record.error is not None
    assert record.error.code == "album_not_found"


def test_a_crash_fails_only_that_record_and_counts_the_attempt(
    write_side: WriteSide, context: FakeLambdaContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: the store crashes for one album's stream only
    doomed, fine = uuid4(), uuid4()
    original = write_side.store.append

    def flaky_append(pending: Any) -> Any:
        if any(item.stream_id == str(doomed) for item in pending):
            raise ConnectionError("network down")
        return original(pending)

    monkeypatch.setattr(write_side.store, "append", flaky_append)
    crash = submitted(
        write_side, Envelope(actor=ALICE, command=CreateAlbum(album_id=doomed, title="A"))
    )
    works = submitted(
        write_side, Envelope(actor=ALICE, command=CreateAlbum(album_id=fine, title="B"))
    )
    # when
    response = worker.handler(sqs_event(crash, works), context)
    # then
    assert response == {"batchItemFailures": [{"itemIdentifier": "message-0"}]}
    crashed = write_side.log.get(str(crash.command_id))
    assert crashed is not None and crashed.status == "accepted" and crashed.attempts == 1
    done = write_side.log.get(str(works.command_id))
    assert done is not None and done.status == "succeeded"


def test_the_last_receive_marks_the_command_failed(
    write_side: WriteSide, context: FakeLambdaContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        write_side.store, "append", lambda pending: (_ for _ in ()).throw(OSError("disk"))
    )
    crash = submitted(
        write_side, Envelope(actor=ALICE, command=CreateAlbum(album_id=uuid4(), title="A"))
    )
    # when: the only record of the batch fails, Powertools fails the whole invocation
    with pytest.raises(BatchProcessingError):
        worker.handler(sqs_event(crash, receive_count=5), context)
    # then
    record = write_side.log.get(str(crash.command_id))
    assert record is not None and record.status == "failed" and record.failed_at


def test_a_worker_killed_during_the_last_receive_leaves_the_command_failed(
    write_side: WriteSide, context: FakeLambdaContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: the container dies mid-attempt (SIGKILL: nothing after this line runs)
    class Killed(BaseException):
        pass

    def killed(pending: Any) -> Any:
        raise Killed

    monkeypatch.setattr(write_side.store, "append", killed)
    crash, never_reached = (
        submitted(write_side, Envelope(actor=ALICE, command=CreateAlbum(album_id=uuid4(), title=t)))
        for t in ("A", "B")
    )
    # when: both on their last receive; the worker dies on the first
    with pytest.raises(Killed):
        worker.handler(sqs_event(crash, never_reached, receive_count=5), context)
    # then: the DLQ gets both messages and the log a final status for both, saying why
    for envelope in (crash, never_reached):
        record = write_side.log.get(str(envelope.command_id))
        assert record is not None and record.status == "failed" and record.attempts == 0
        assert record.error is not None and record.error.code == "last_attempt_unfinished"


def test_a_last_receive_that_succeeds_replaces_the_failed_mark(
    write_side: WriteSide, context: FakeLambdaContext
) -> None:
    create = submitted(
        write_side, Envelope(actor=ALICE, command=CreateAlbum(album_id=uuid4(), title="A"))
    )

    response = worker.handler(sqs_event(create, receive_count=5), context)

    assert response == {"batchItemFailures": []}
    record = write_side.log.get(str(create.command_id))
    assert record is not None and record.status == "succeeded" and record.error is None


def test_a_redelivered_command_has_its_effect_once_and_reports_the_first_outcome(
    write_side: WriteSide, context: FakeLambdaContext
) -> None:
    album_id = uuid4()
    create = submitted(
        write_side, Envelope(actor=ALICE, command=CreateAlbum(album_id=album_id, title="Once"))
    )
    worker.handler(sqs_event(create), context)
    first = write_side.log.get(str(create.command_id))
    # when: SQS delivers the same message again (visibility timeout ran out)
    response = worker.handler(sqs_event(create, receive_count=2), context)
    # then
    assert response == {"batchItemFailures": []}
    assert write_side.log.get(str(create.command_id)) == first
    assert len(write_side.store.read_commits(str(album_id))) == 1


def test_the_keep_warm_ping_does_no_work(write_side: WriteSide, context: FakeLambdaContext) -> None:
    assert worker.handler(load_event("keep_warm.json"), context) == {"warm": True}
    assert list(write_side.store.all_commits()) == []


def test_groups_that_failed_before_are_worked_after_the_fresh_ones() -> None:
    def record(message_id: str, group: str, receives: int) -> dict[str, Any]:
        attributes = {"MessageGroupId": group, "ApproximateReceiveCount": str(receives)}
        return {"messageId": message_id, "attributes": attributes}

    batch = [
        record("poison", "photo-1", 4),
        record("after-poison", "photo-1", 4),
        record("batched-with-it", "album-2", 2),
        record("fresh", "album-3", 1),
        record("fresh-too", "album-3", 1),
    ]

    ordered = [r["messageId"] for r in suspects_last(batch)]

    assert ordered == ["fresh", "fresh-too", "batched-with-it", "poison", "after-poison"]
