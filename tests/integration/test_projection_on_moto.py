"""Live projection and the rebuild on moto: commands in, read models out, rebuilt identically."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING
from uuid import UUID, uuid4

import pytest

from adapters.dynamodb_command_log import DynamoDBCommandLog
from adapters.dynamodb_event_store import DynamoDBEventStore
from adapters.dynamodb_read_models import DynamoDBReadModels
from adapters.memory_read_models import InMemoryReadModels
from api.activity import is_projected
from commands.command_log import CommandRecord
from commands.event_store import Commit
from commands.models import (
    Actor,
    BatchTagPhotos,
    CommandModel,
    CreateAlbum,
    DeleteAlbum,
    Envelope,
    MovePhoto,
    PurgePhoto,
    RegisterUpload,
    RenameAlbum,
    ShareAlbum,
    TagPhoto,
    TrashPhoto,
    UndoCommand,
    UntagPhoto,
)
from commands.repository import Repository
from commands.service import CommandService
from fanout.messages import CommitMessage
from projections.projector import Projector
from projections.rebuild import rebuild
from projections.views import TagRow, unsorted_key
from resources.definitions import COMMAND_LOG, EVENTS, SNAPSHOTS
from tools import rebuild as rebuild_module

if TYPE_CHECKING:
    from tests.integration.conftest import AwsContext

ALICE = Actor(user_id="alice")
TABLES = ["album-views", "photo-views", "tag-views", "share-views"]


class Gallery:
    """The write side on moto, driven the way the worker drives it."""

    def __init__(self, aws: AwsContext) -> None:
        self.store = DynamoDBEventStore(aws.table(EVENTS), aws.table(SNAPSHOTS), aws.dynamodb)
        self.log = DynamoDBCommandLog(aws.table(COMMAND_LOG), client=aws.dynamodb)
        self.service = CommandService(Repository(self.store), self.log, sleep=lambda s: None)

    def run(self, command: CommandModel) -> CommandRecord:
        envelope = Envelope(actor=ALICE, command=command)
        self.log.record_accepted(CommandRecord.accepted(envelope))
        record = self.service.execute(envelope).record
        assert record.status == "succeeded", record.error
        return record


def a_history(gallery: Gallery) -> dict[str, UUID]:
    ids = {name: uuid4() for name in ("A1", "A2", "P1", "P2", "P3", "P4")}
    a1, a2, p1, p2, p3, p4 = ids.values()
    upload = {"content_type": "image/jpeg", "size": 10}
    for command in (
        CreateAlbum(album_id=a1, title="Iceland"),
        CreateAlbum(album_id=a2, title="Work", description="Desks"),
        RegisterUpload(photo_id=p1, filename="geyser.jpg", album_id=a1, **upload),
        RegisterUpload(photo_id=p2, filename="fjord.jpg", album_id=a1, **upload),
        RegisterUpload(photo_id=p3, filename="desk.jpg", album_id=a2, **upload),
        RegisterUpload(photo_id=p4, filename="loose.jpg", **upload),
        ShareAlbum(album_id=a1),
        ShareAlbum(album_id=a1),
        ShareAlbum(album_id=a2),
        RenameAlbum(album_id=a1, title="Iceland 2025"),
        TagPhoto(photo_id=p1, tags=["water", "steam"]),
        BatchTagPhotos(photo_ids=[p1, p2, p4], tags=["trip"]),
        UntagPhoto(photo_id=p1, tags=["steam"]),
        MovePhoto(photo_id=p2, album_id=None),
        MovePhoto(photo_id=p4, album_id=a1),
        TrashPhoto(photo_id=p3),
        PurgePhoto(photo_id=p3),
        DeleteAlbum(album_id=a2),
    ):
        record = gallery.run(command)
    gallery.run(UndoCommand(target_command_id=UUID(record.command_id), target_aggregate_id="x"))
    return ids


def every_command_is_projected(
    gallery: Gallery, read_models: DynamoDBReadModels, commits: list[Commit]
) -> bool:
    """Whether the API would call each of the commits' 19 commands projected."""
    records = [gallery.log.get(c) for c in {commit.command_id for commit in commits}]
    assert len(records) == 19
    return all(record is not None and is_projected(record, read_models) for record in records)


def delivered_twice_in_shuffled_order(commits: list[Commit], seed: int) -> list[Commit]:
    """Every commit twice; across aggregates in any order, each aggregate's own in order."""
    rng = random.Random(seed)
    streams: dict[str, list[Commit]] = {}
    for commit in commits:
        streams.setdefault(commit.stream_id, []).append(commit)
    slots = [stream_id for stream_id, stream in streams.items() for _ in stream]
    rng.shuffle(slots)
    order = [streams[stream_id].pop(0) for stream_id in slots]
    return [commit for commit in order for _ in range(2)]


def as_published(commit: Commit) -> CommitMessage:
    """The commit as the projections queue delivers it: JSON through SNS and SQS."""
    return CommitMessage.model_validate_json(CommitMessage.of(commit).model_dump_json())


@pytest.mark.parametrize("seed", [1, 2])
def test_live_projection_on_dynamodb_is_rebuilt_exactly_from_the_event_store(
    aws: AwsContext, seed: int
) -> None:
    # given: a history on moto, its commits delivered twice, shuffled across aggregates
    gallery = Gallery(aws)
    ids = a_history(gallery)
    commits = list(gallery.store.all_commits())
    read_models = DynamoDBReadModels(aws.naming, client=aws.dynamodb)
    projector = Projector(read_models, gallery.store)
    for commit in delivered_twice_in_shuffled_order(commits, seed):
        projector.apply_message(as_published(commit))
    live = read_models.dump()

    # then: the same read models as projecting in memory, and listings agree
    in_memory = Projector(InMemoryReadModels(), gallery.store)
    for commit in commits:
        in_memory.apply(commit)
    assert live == in_memory.read_models.dump()
    assert [len(live[name]) for name in TABLES] == [2, 4, 4, 2]
    assert every_command_is_projected(gallery, read_models, commits)
    for models in (read_models, in_memory.read_models):
        assert [v.title for v in models.photos_in(str(ids["A1"])).items] == ["geyser", "loose"]
        assert [v.title for v in models.photos_in(unsorted_key("alice")).items] == ["fjord"]
        assert len(models.tagged("alice", "trip").items) == 3

    # when: the read models are cleared and rebuilt from the event store
    read_models.clear()
    assert read_models.dump() == {name: [] for name in TABLES}
    report = rebuild(gallery.store, read_models)

    # then: exactly the live read models, table by table
    rebuilt = read_models.dump()
    for name in TABLES:
        assert rebuilt[name] == live[name], name
    assert every_command_is_projected(gallery, read_models, commits)
    assert (report.streams, report.events) == (6, sum(len(c.events) for c in commits))


def test_the_rebuild_command_rebuilds_the_tables_the_environment_names(
    aws: AwsContext, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    gallery = Gallery(aws)
    a_history(gallery)
    read_models = DynamoDBReadModels(aws.naming, client=aws.dynamodb)
    projector = Projector(read_models, gallery.store)
    for commit in gallery.store.all_commits():
        projector.apply(commit)
    live = read_models.dump()
    read_models.put_tags([TagRow(owner="alice", tag="left-over", photo_id="x", version=1)], [])
    monkeypatch.setenv("RETAKE_NAME_PREFIX", aws.naming.prefix)

    assert rebuild_module.main([]) == 0

    assert read_models.dump() == live
    err = capsys.readouterr().err
    assert f"] {sum(len(live[name]) for name in TABLES)}/" in err
    assert "rebuilt 6 streams" in err
