"""The worker end to end on moto: real SQS FIFO queues, real DynamoDB tables.

Commands are submitted as the API would, then an `SqsEventSource` polls the
queue the way Lambda's event-source mapping does and invokes the real worker
handler, whose write side is built by the composition root against moto.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast
from uuid import UUID, uuid4

import pytest

from adapters.settings import Settings
from commands.command_log import CommandRecord
from commands.consumer import CommandMessage, process_message
from commands.event_store import Commit
from commands.models import (
    Actor,
    BatchTagPhotos,
    CommandModel,
    CreateAlbum,
    Envelope,
    RegisterUpload,
    RenameAlbum,
    TagPhoto,
)
from commands.service import ConflictsExhausted, Outcome
from domain.album import Album
from domain.photo import Photo
from functions import bootstrap, worker
from local_stack.sqs_source import SqsEventSource
from resources.definitions import COMMANDS_HIGH, SNAPSHOTS
from tests.functional.conftest import FakeLambdaContext

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from commands.submit import CommandSubmitter
    from tests.integration.conftest import AwsContext

ALICE = Actor(user_id="alice")
MAX_POLLS = 50


@dataclass
class Wired:
    """The worker's write side, a submitter, and event sources on both command queues."""

    aws: AwsContext
    side: bootstrap.WriteSide
    submitter: CommandSubmitter
    high: SqsEventSource
    low: SqsEventSource

    def submit(self, command: CommandModel, **envelope: Any) -> Envelope:
        submitted = Envelope(actor=ALICE, command=command, **envelope)
        self.submitter.submit(submitted)
        return submitted

    def record(self, envelope: Envelope) -> CommandRecord:
        record = self.side.log.get(str(envelope.command_id))
        assert record is not None
        return record

    def commits(self, stream_id: UUID | str) -> list[Commit]:
        return self.side.store.read_commits(str(stream_id))

    def waiting(self, queue: str) -> int:
        attributes = self.aws.sqs.get_queue_attributes(
            QueueUrl=self.aws.queue_urls[queue],
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(
            attributes["ApproximateNumberOfMessagesNotVisible"]
        )


def settings_for(aws: AwsContext) -> Settings:
    return Settings(naming=aws.naming, snapshot_interval=5, region="us-east-1")


def invoke_worker(event: dict[str, Any]) -> dict[str, Any]:
    response: dict[str, Any] = worker.handler(event, cast("LambdaContext", FakeLambdaContext()))
    return response


@pytest.fixture
def wired(aws: AwsContext, monkeypatch: pytest.MonkeyPatch) -> Iterator[Wired]:
    settings = settings_for(aws)
    side = bootstrap.build_write_side(settings, dynamodb=aws.dynamodb)
    monkeypatch.setattr(bootstrap, "_write_side", side)
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "Retake")
    submitter = bootstrap.build_submitter(settings, dynamodb=aws.dynamodb, sqs=aws.sqs)

    def source(queue: str) -> SqsEventSource:
        return SqsEventSource(
            aws.sqs, aws.queue_urls[queue], invoke_worker, failed_visibility_seconds=0
        )

    yield Wired(aws, side, submitter, source("commands-high"), source("commands-low"))


@pytest.fixture
def outcomes(wired: Wired, monkeypatch: pytest.MonkeyPatch) -> list[Outcome]:
    """Every outcome the service reports, in order."""
    seen: list[Outcome] = []
    execute = wired.side.service.execute

    def spy(envelope: Envelope, *, verify: bool = False) -> Outcome:
        outcome = execute(envelope, verify=verify)
        seen.append(outcome)
        return outcome

    monkeypatch.setattr(wired.side.service, "execute", spy)
    return seen


@pytest.fixture
def receive_counts(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """(command id, SQS receive count) of every message the worker processed."""
    seen: list[tuple[str, int]] = []

    def spy(service: Any, message: CommandMessage, telemetry: Any) -> Any:
        envelope = Envelope.model_validate_json(message.body)
        seen.append((str(envelope.command_id), message.receive_count))
        return process_message(service, message, telemetry)

    monkeypatch.setattr(worker, "process_message", spy)
    return seen


def create_album(album_id: UUID, title: str = "Trip") -> CreateAlbum:
    return CreateAlbum(album_id=album_id, title=title)


def register_photo(photo_id: UUID) -> RegisterUpload:
    return RegisterUpload(
        photo_id=photo_id, filename="geysir.jpg", content_type="image/jpeg", size=2048
    )


# -- (a) the happy path ---------------------------------------------------------------


def test_submitted_commands_are_drained_and_all_succeed(wired: Wired, aws: AwsContext) -> None:
    # given: an album renamed eleven times (12 events) and two photos batch-tagged (bulk)
    album_id, photos = uuid4(), [uuid4(), uuid4()]
    high = [wired.submit(create_album(album_id))]
    high += [wired.submit(RenameAlbum(album_id=album_id, title=f"Trip {n}")) for n in range(11)]
    high += [wired.submit(register_photo(photo_id)) for photo_id in photos]
    bulk = wired.submit(BatchTagPhotos(photo_ids=photos, tags=["iceland", "winter"]))

    # when
    drained_high = wired.high.drain(max_polls=MAX_POLLS)
    drained_low = wired.low.drain(max_polls=MAX_POLLS)

    # then
    assert (drained_high, drained_low) == (len(high), 1)
    assert wired.waiting("commands-high") == wired.waiting("commands-low") == 0
    assert {wired.record(envelope).status for envelope in [*high, bulk]} == {"succeeded"}
    fresh = bootstrap.build_write_side(settings_for(aws), dynamodb=aws.dynamodb)
    album = fresh.repository.load(str(album_id))
    assert album is not None and isinstance(album.aggregate, Album)
    assert (album.aggregate.title, album.head.version) == ("Trip 10", 12)
    for photo_id in photos:
        photo = fresh.repository.load(str(photo_id))
        assert photo is not None and isinstance(photo.aggregate, Photo)
        assert photo.aggregate.tags == ["iceland", "winter"]
    report = fresh.store.verify()
    assert report.intact and report.events_checked == 12 + 2 * 2
    snapshots = aws.dynamodb.scan(TableName=aws.table(SNAPSHOTS))["Items"]
    assert sorted((item["stream_id"]["S"], int(item["version"]["N"])) for item in snapshots) == [
        (str(album_id), 5),
        (str(album_id), 10),
    ]


# -- (b) the dead-letter queue --------------------------------------------------------


def test_a_command_that_always_crashes_ends_in_the_dlq_marked_failed(
    wired: Wired, aws: AwsContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: the store crashes for one album's stream only
    doomed, fine = uuid4(), [uuid4(), uuid4()]
    tries: list[int] = []
    append = wired.side.store.append

    def flaky_append(pending: Any) -> Any:
        if any(item.stream_id == str(doomed) for item in pending):
            tries.append(1)
            raise ConnectionError("network down")
        return append(pending)

    monkeypatch.setattr(wired.side.store, "append", flaky_append)
    crash = wired.submit(create_album(doomed))
    works = [wired.submit(create_album(album_id)) for album_id in fine]
    works.append(wired.submit(RenameAlbum(album_id=fine[0], title="Still fine")))
    dlq = aws.queue_urls["commands-high-dlq"]

    # when: polled until the DLQ holds the message (moto's redrive timing is erratic)
    dead: list[Any] = []
    for _ in range(MAX_POLLS):
        wired.high.poll_once()
        dead = aws.sqs.receive_message(QueueUrl=dlq, AttributeNames=["All"]).get("Messages", [])
        if dead:
            break

    # then
    assert len(dead) == 1, "the crashing command reached the DLQ"
    assert Envelope.model_validate_json(dead[0]["Body"]).command_id == crash.command_id
    assert dead[0]["Attributes"]["MessageGroupId"] == str(doomed)
    assert len(tries) == COMMANDS_HIGH.max_receive_count
    record = wired.record(crash)
    assert (record.status, record.attempts) == ("failed", COMMANDS_HIGH.max_receive_count)
    assert record.failed_at is not None
    assert record.error is not None and "network down" in record.error.message
    assert wired.commits(doomed) == []
    assert [wired.record(envelope).status for envelope in works] == ["succeeded"] * 3
    assert wired.waiting("commands-high") == 0


# -- (c) duplicate delivery -----------------------------------------------------------


def test_an_envelope_sent_twice_under_two_dedup_ids_has_its_effect_once(
    wired: Wired, aws: AwsContext, outcomes: list[Outcome]
) -> None:
    # given: the same rename on the queue twice (a producer that retried with a new dedup id)
    album_id = uuid4()
    create = wired.submit(create_album(album_id))
    rename = wired.submit(RenameAlbum(album_id=album_id, title="Iceland"))
    aws.sqs.send_message(
        QueueUrl=aws.queue_urls["commands-high"],
        MessageBody=rename.model_dump_json(),
        MessageGroupId=str(album_id),
        MessageDeduplicationId=f"{rename.command_id}-again",
    )

    # when
    assert wired.high.drain(max_polls=MAX_POLLS) == 3

    # then
    mine = [c for c in wired.commits(album_id) if c.command_id == str(rename.command_id)]
    assert len(mine) == 1 and len(mine[0].events) == 1
    assert [c.command_id for c in wired.commits(album_id)] == [
        str(create.command_id),
        str(rename.command_id),
    ]
    first, second = [o for o in outcomes if o.record.command_id == str(rename.command_id)]
    assert (first.repeated, second.repeated) == (False, True)
    assert second.record == first.record == wired.record(rename)
    assert first.record.status == "succeeded"


def test_a_crash_between_append_and_acknowledgement_is_repaired_on_redelivery(
    wired: Wired, monkeypatch: pytest.MonkeyPatch, receive_counts: list[tuple[str, int]]
) -> None:
    # given: recording the outcome fails once, after the commit is already written
    album_id = uuid4()
    create = wired.submit(create_album(album_id))
    rename = wired.submit(RenameAlbum(album_id=album_id, title="Iceland"))
    finish = wired.side.log.finish
    crashed = threading.Event()

    def finish_crashing_once(record: CommandRecord) -> CommandRecord:
        if record.command_id == str(rename.command_id) and not crashed.is_set():
            crashed.set()
            raise ConnectionError("connection reset before the outcome was stored")
        return finish(record)

    monkeypatch.setattr(wired.side.log, "finish", finish_crashing_once)

    # when
    wired.high.drain(max_polls=MAX_POLLS)

    # then
    assert crashed.is_set()
    counts = [count for command_id, count in receive_counts if command_id == str(rename.command_id)]
    assert counts[0] == 1 and counts[-1] > 1, "SQS redelivered the failed message"
    record = wired.record(rename)
    assert (record.status, record.attempts) == ("succeeded", 1)
    mine = [c for c in wired.commits(album_id) if c.command_id == str(rename.command_id)]
    assert len(mine) == 1
    assert [(ref.first_version, ref.last_version) for ref in record.events] == [(2, 2)]
    assert wired.record(create).status == "succeeded"
    assert wired.waiting("commands-high") == 0
    album = wired.side.repository.load(str(album_id), use_cache=False)
    assert album is not None and isinstance(album.aggregate, Album)
    assert (album.aggregate.title, album.head.version) == ("Iceland", 2)


# -- (d) concurrency ------------------------------------------------------------------


def execute_until_done(side: bootstrap.WriteSide, envelope: Envelope) -> Outcome:
    """Execute as a worker would, retrying as SQS would after lost races."""
    verify = False
    for _ in range(5):
        try:
            return side.service.execute(envelope, verify=verify)
        except ConflictsExhausted:
            verify = True  # a redelivery reads the log and the stream first
    raise AssertionError(f"command {envelope.command_id} never got through")


def test_twenty_concurrent_tag_commands_on_one_photo_are_each_applied_once(
    aws: AwsContext,
) -> None:
    # given: a photo, and four workers each with its own write side (own cache)
    sides = [bootstrap.build_write_side(settings_for(aws), dynamodb=aws.dynamodb) for _ in range(4)]
    photo_id = uuid4()
    register = Envelope(actor=ALICE, command=register_photo(photo_id))
    assert sides[0].service.execute(register).record.status == "succeeded"
    for side in sides:  # warm every cache, so the races are real
        assert side.repository.load(str(photo_id)) is not None
    tags = [f"tag-{n:02d}" for n in range(20)]
    envelopes = [
        Envelope(actor=ALICE, command=TagPhoto(photo_id=photo_id, tags=[tag])) for tag in tags
    ]
    for envelope in envelopes:
        sides[0].log.record_accepted(CommandRecord.accepted(envelope))
    start = threading.Barrier(len(sides))

    def work(index: int) -> list[Outcome]:
        start.wait()
        side = sides[index]
        return [execute_until_done(side, envelope) for envelope in envelopes[index :: len(sides)]]

    # when
    with ThreadPoolExecutor(max_workers=len(sides)) as pool:
        results = [outcome for done in pool.map(work, range(len(sides))) for outcome in done]

    # then
    assert len(results) == 20 and not any(outcome.repeated for outcome in results)
    log, store = sides[0].log, sides[0].store
    statuses = [log.get(str(envelope.command_id)) for envelope in envelopes]
    assert [record.status if record else None for record in statuses] == ["succeeded"] * 20
    commits = store.read_commits(str(photo_id))
    versions = [chained.version for commit in commits for chained in commit.events]
    assert versions == list(range(1, 22))
    tag_commits = [commit.command_id for commit in commits[1:]]
    assert sorted(tag_commits) == sorted(str(envelope.command_id) for envelope in envelopes)
    fresh = bootstrap.build_write_side(settings_for(aws), dynamodb=aws.dynamodb)
    photo = fresh.repository.load(str(photo_id))
    assert photo is not None and isinstance(photo.aggregate, Photo)
    assert sorted(photo.aggregate.tags) == tags
    assert store.verify(str(photo_id)).intact
