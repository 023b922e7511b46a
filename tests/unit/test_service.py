"""CommandService: outcomes in the command log, permissions, exactly-once effect, races."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID, uuid4

import pytest

from adapters.memory import InMemoryCommandLog, InMemoryEventStore
from commands.command_log import CommandRecord
from commands.event_store import Commit, ConcurrencyConflict, StreamHead
from commands.models import (
    Actor,
    AttachProcessing,
    BatchTagPhotos,
    CaptionPhoto,
    CommandModel,
    CreateAlbum,
    DeleteAlbum,
    DescribeAlbum,
    Envelope,
    FailProcessing,
    MovePhoto,
    PurgePhoto,
    RegisterUpload,
    RenameAlbum,
    ReprocessPhoto,
    RestorePhoto,
    RetitlePhoto,
    ShareAlbum,
    TagPhoto,
    TrashPhoto,
    UndoCommand,
    UnshareAlbum,
    UntagPhoto,
)
from commands.repository import Repository
from commands.service import CommandService, ConflictsExhausted, Outcome
from domain.album import Album
from domain.photo import READY, Photo

ALICE = Actor(user_id="alice")
BOB = Actor(user_id="bob")
#: Alice with the auditors' group: read-only even on her own things.
ALICE_AUDITING = Actor(user_id="alice", groups=("auditors",))
PIPELINE = Actor(user_id="image-pipeline", groups=("system",))


def no_sleep(seconds: float) -> None:
    pass


class Gallery:
    """A command service on in-memory adapters, driven the way the worker drives it."""

    def __init__(
        self,
        store: InMemoryEventStore | None = None,
        log: InMemoryCommandLog | None = None,
        **service_options: Any,
    ) -> None:
        self.store = store if store is not None else InMemoryEventStore()
        self.log = log if log is not None else InMemoryCommandLog()
        service_options.setdefault("sleep", no_sleep)
        self.service = CommandService(Repository(self.store), self.log, **service_options)

    def execute(self, envelope: Envelope, *, verify: bool = False) -> Outcome:
        """What the API then the worker do: record `accepted`, then execute."""
        self.log.record_accepted(CommandRecord.accepted(envelope))
        return self.service.execute(envelope, verify=verify)

    def run(self, actor: Actor, command: CommandModel, **envelope: Any) -> Outcome:
        return self.execute(Envelope(actor=actor, command=command, **envelope))

    def ok(self, actor: Actor, command: CommandModel, **envelope: Any) -> CommandRecord:
        outcome = self.run(actor, command, **envelope)
        assert outcome.record.status == "succeeded", outcome.record.error
        return outcome.record

    def album(self, owner: Actor = ALICE, title: str = "Holiday") -> UUID:
        album_id = uuid4()
        self.ok(owner, CreateAlbum(album_id=album_id, title=title))
        return album_id

    def photo(self, owner: Actor = ALICE, album_id: UUID | None = None) -> UUID:
        photo_id = uuid4()
        self.ok(
            owner,
            RegisterUpload(
                photo_id=photo_id,
                filename="beach.jpg",
                content_type="image/jpeg",
                size=1024,
                album_id=album_id,
            ),
        )
        return photo_id

    def load(self, aggregate_id: UUID) -> Any:
        """The aggregate replayed from the store (never the cache)."""
        loaded = Repository(self.store).load(str(aggregate_id), use_cache=False)
        assert loaded is not None
        return loaded.aggregate

    def commits(self, aggregate_id: UUID) -> list[Commit]:
        return self.store.read_commits(str(aggregate_id))

    def commits_of(self, command_id: UUID | str) -> list[Commit]:
        return [c for c in self.store.all_commits() if c.command_id == str(command_id)]


@pytest.fixture
def gallery() -> Gallery:
    return Gallery()


# -- outcomes --------------------------------------------------------------------------


def test_a_successful_command_records_its_events_and_when_it_succeeded(gallery: Gallery) -> None:
    album_id = gallery.album()
    envelope = Envelope(actor=ALICE, command=RenameAlbum(album_id=album_id, title="Summer"))

    outcome = gallery.execute(envelope)

    record = outcome.record
    assert not outcome.repeated
    assert record.status == "succeeded" and record.succeeded_at is not None
    assert record.error is None
    assert [(e.stream_id, e.first_version, e.last_version) for e in record.events] == [
        (str(album_id), 2, 2)
    ]
    assert gallery.log.get(str(envelope.command_id)) == record
    assert (record.type, record.actor_id, record.payload["title"]) == (
        "RenameAlbum",
        "alice",
        "Summer",
    )
    assert gallery.load(album_id).title == "Summer"
    assert [c.command_id for c in gallery.commits(album_id)][-1] == str(envelope.command_id)


def test_a_command_refused_by_a_domain_rule_is_recorded_as_rejected(gallery: Gallery) -> None:
    album_id = gallery.album()
    # Built without validation, as by a producer older than the command's rules: the
    # domain still refuses it.
    too_long = RenameAlbum.model_construct(album_id=album_id, title="x" * 201)

    outcome = gallery.run(ALICE, too_long)

    record = outcome.record
    assert record.status == "rejected" and record.rejected_at is not None
    assert record.error is not None
    assert record.error.code == "invalid_value"
    assert record.error.message == "A title must be 1 to 200 characters long (got 201)."
    assert record.error.details == {"field": "title"}
    assert record.events == [] and record.succeeded_at is None
    assert gallery.log.get(record.command_id) == record
    assert len(gallery.commits(album_id)) == 1


def test_a_command_on_an_unknown_album_is_rejected_album_not_found(gallery: Gallery) -> None:
    outcome = gallery.run(ALICE, RenameAlbum(album_id=uuid4(), title="Summer"))

    assert outcome.record.error is not None
    assert outcome.record.error.code == "album_not_found"


def test_creating_an_album_with_a_taken_id_is_rejected(gallery: Gallery) -> None:
    album_id = gallery.album(title="Mine")

    # A different command (new command id) claiming the same album id.
    outcome = gallery.run(BOB, CreateAlbum(album_id=album_id, title="Theirs"))

    assert outcome.record.error is not None
    assert outcome.record.error.code == "already_exists"
    assert gallery.load(album_id).owner == "alice"


# -- permissions -----------------------------------------------------------------------


WRITES: dict[str, Callable[[UUID, UUID], CommandModel]] = {
    "CreateAlbum": lambda album, photo: CreateAlbum(album_id=uuid4(), title="New"),
    "RenameAlbum": lambda album, photo: RenameAlbum(album_id=album, title="New"),
    "DescribeAlbum": lambda album, photo: DescribeAlbum(album_id=album, description="New"),
    "ShareAlbum": lambda album, photo: ShareAlbum(album_id=album),
    "UnshareAlbum": lambda album, photo: UnshareAlbum(album_id=album),
    "DeleteAlbum": lambda album, photo: DeleteAlbum(album_id=album),
    "RegisterUpload": lambda album, photo: RegisterUpload(
        photo_id=uuid4(), filename="a.jpg", content_type="image/jpeg", size=1
    ),
    "RetitlePhoto": lambda album, photo: RetitlePhoto(photo_id=photo, title="New"),
    "CaptionPhoto": lambda album, photo: CaptionPhoto(photo_id=photo, caption="New"),
    "TagPhoto": lambda album, photo: TagPhoto(photo_id=photo, tags=["new"]),
    "UntagPhoto": lambda album, photo: UntagPhoto(photo_id=photo, tags=["sea"]),
    "MovePhoto": lambda album, photo: MovePhoto(photo_id=photo, album_id=album),
    "TrashPhoto": lambda album, photo: TrashPhoto(photo_id=photo),
    "RestorePhoto": lambda album, photo: RestorePhoto(photo_id=photo),
    "PurgePhoto": lambda album, photo: PurgePhoto(photo_id=photo),
    "BatchTagPhotos": lambda album, photo: BatchTagPhotos(photo_ids=[photo], tags=["new"]),
    "AttachProcessing": lambda album, photo: AttachProcessing(
        photo_id=photo, width=1, height=1, format="jpeg"
    ),
    "FailProcessing": lambda album, photo: FailProcessing(photo_id=photo, reason="broken"),
    "ReprocessPhoto": lambda album, photo: ReprocessPhoto(photo_id=photo),
}


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_auditors_are_forbidden_every_write_even_on_their_own_things(
    gallery: Gallery, write: Callable[[UUID, UUID], CommandModel]
) -> None:
    album_id = gallery.album(ALICE)
    photo_id = gallery.photo(ALICE)
    gallery.ok(ALICE, TagPhoto(photo_id=photo_id, tags=["sea"]))
    before = list(gallery.store.all_commits())

    outcome = gallery.run(ALICE_AUDITING, write(album_id, photo_id))

    assert outcome.record.error is not None
    assert outcome.record.error.code == "forbidden"
    assert list(gallery.store.all_commits()) == before


def test_auditors_cannot_undo(gallery: Gallery) -> None:
    album_id = gallery.album(ALICE)
    rename = gallery.ok(ALICE, RenameAlbum(album_id=album_id, title="New"))

    outcome = gallery.run(
        ALICE_AUDITING,
        UndoCommand(target_command_id=UUID(rename.command_id), target_aggregate_id=str(album_id)),
    )

    assert outcome.record.error is not None
    assert outcome.record.error.code == "forbidden"
    assert gallery.load(album_id).title == "New"


OWNER_ONLY = [
    "RenameAlbum",
    "DescribeAlbum",
    "ShareAlbum",
    "DeleteAlbum",
    "RetitlePhoto",
    "CaptionPhoto",
    "TagPhoto",
    "UntagPhoto",
    "TrashPhoto",
    "BatchTagPhotos",
    "ReprocessPhoto",
]


@pytest.mark.parametrize("name", OWNER_ONLY)
def test_a_user_cannot_change_another_users_album_or_photo(gallery: Gallery, name: str) -> None:
    album_id = gallery.album(ALICE)
    photo_id = gallery.photo(ALICE)
    before = list(gallery.store.all_commits())

    outcome = gallery.run(BOB, WRITES[name](album_id, photo_id))

    assert outcome.record.error is not None
    assert outcome.record.error.code == "forbidden"
    assert list(gallery.store.all_commits()) == before


def test_a_user_cannot_move_their_photo_into_another_users_album(gallery: Gallery) -> None:
    alices_album = gallery.album(ALICE)
    bobs_photo = gallery.photo(BOB)

    outcome = gallery.run(BOB, MovePhoto(photo_id=bobs_photo, album_id=alices_album))

    assert outcome.record.error is not None
    assert outcome.record.error.code == "forbidden"
    assert gallery.load(bobs_photo).album_id is None


def test_a_user_cannot_upload_into_another_users_album(gallery: Gallery) -> None:
    alices_album = gallery.album(ALICE)

    outcome = gallery.run(
        BOB,
        RegisterUpload(
            photo_id=uuid4(), filename="a.jpg", content_type="image/jpeg", size=1,
            album_id=alices_album,
        ),
    )  # fmt: skip

    assert outcome.record.error is not None
    assert outcome.record.error.code == "forbidden"


@pytest.mark.parametrize("name", ["AttachProcessing", "FailProcessing"])
def test_processing_results_are_refused_from_normal_users_even_the_owner(
    gallery: Gallery, name: str
) -> None:
    photo_id = gallery.photo(ALICE)

    outcome = gallery.run(ALICE, WRITES[name](uuid4(), photo_id))

    assert outcome.record.error is not None
    assert outcome.record.error.code == "forbidden"
    assert len(gallery.commits(photo_id)) == 1


def test_the_image_pipeline_records_processing_results(gallery: Gallery) -> None:
    photo_id = gallery.photo(ALICE)

    gallery.ok(
        PIPELINE,
        AttachProcessing(photo_id=photo_id, width=640, height=480, format="jpeg"),
    )

    assert gallery.load(photo_id).status == READY


# -- exactly once ----------------------------------------------------------------------


def forget_nothing(gallery: Gallery, stream_ids: Sequence[str]) -> None:
    pass


def forget_cached(gallery: Gallery, stream_ids: Sequence[str]) -> None:
    gallery.service.repository.cache.forget(stream_ids)


@pytest.mark.parametrize(
    ("forget", "verify"),
    [
        (forget_nothing, False),
        (forget_cached, False),
        (forget_nothing, True),
        (forget_cached, True),
    ],
    ids=["warm-cache", "cache-cleared", "verify", "cache-cleared-and-verify"],
)
@pytest.mark.parametrize("kind", ["TagPhoto", "CreateAlbum", "BatchTagPhotos"])
def test_the_same_envelope_executed_twice_has_its_effect_once(
    gallery: Gallery,
    forget: Callable[[Gallery, Sequence[str]], None],
    verify: bool,
    kind: str,
) -> None:
    # given
    photo_ids = [gallery.photo(), gallery.photo()]
    command: CommandModel = {
        "TagPhoto": TagPhoto(photo_id=photo_ids[0], tags=["sea"]),
        "CreateAlbum": CreateAlbum(album_id=uuid4(), title="Holiday"),
        "BatchTagPhotos": BatchTagPhotos(photo_ids=photo_ids, tags=["sea"]),
    }[kind]
    envelope = Envelope(actor=ALICE, command=command)
    first = gallery.execute(envelope)
    assert first.record.status == "succeeded"
    streams = [ref.stream_id for ref in first.record.events]
    forget(gallery, streams)
    history = list(gallery.store.all_commits())

    # when
    second = gallery.service.execute(envelope, verify=verify)

    # then
    assert second.repeated
    assert second.record == first.record
    assert list(gallery.store.all_commits()) == history
    assert len(gallery.commits_of(envelope.command_id)) == len(streams)


def test_a_repeat_is_recognised_after_the_command_log_lost_the_outcome(gallery: Gallery) -> None:
    """The commit was written but the worker died before recording the outcome."""
    photo_id = gallery.photo()
    envelope = Envelope(actor=ALICE, command=TagPhoto(photo_id=photo_id, tags=["sea"]))
    gallery.log.record_accepted(CommandRecord.accepted(envelope))
    lost_log = InMemoryCommandLog()
    CommandService(gallery.service.repository, lost_log, sleep=no_sleep).execute(envelope)

    outcome = gallery.service.execute(envelope, verify=True)

    assert outcome.repeated
    assert outcome.record.status == "succeeded"
    assert [(e.stream_id, e.first_version) for e in outcome.record.events] == [(str(photo_id), 2)]
    assert gallery.load(photo_id).tags == ["sea"]
    assert len(gallery.commits_of(envelope.command_id)) == 1


def test_a_repeated_rejection_reports_the_first_rejection_even_if_it_would_now_succeed(
    gallery: Gallery,
) -> None:
    # given: a rename refused because the album was deleted ...
    album_id = gallery.album(title="Holiday")
    delete = gallery.ok(ALICE, DeleteAlbum(album_id=album_id))
    envelope = Envelope(actor=ALICE, command=RenameAlbum(album_id=album_id, title="Summer"))
    first = gallery.execute(envelope)
    assert first.record.error is not None and first.record.error.code == "album_deleted"
    # ... and the album restored since
    gallery.ok(
        ALICE,
        UndoCommand(target_command_id=UUID(delete.command_id), target_aggregate_id=str(album_id)),
    )

    # when: the rename is delivered again
    second = gallery.service.execute(envelope, verify=True)

    # then
    assert second.repeated
    assert second.record == first.record
    assert gallery.load(album_id).title == "Holiday"


# -- races -----------------------------------------------------------------------------


def test_two_workers_with_stale_caches_lose_no_update() -> None:
    # given: two warm workers on one store and one log, each with its own cache
    store, log = InMemoryEventStore(), InMemoryCommandLog()
    sleeps: list[float] = []
    workers = [Gallery(store, log, sleep=sleeps.append) for _ in range(2)]
    photo_id = workers[0].photo()
    tags = [f"tag{n}" for n in range(6)]

    # when: they take turns, so each one's cached photo is behind the store every time
    outcomes = [
        workers[n % 2].run(ALICE, TagPhoto(photo_id=photo_id, tags=[tag]))
        for n, tag in enumerate(tags)
    ]

    # then: every tag is there, each command wrote exactly one commit
    assert all(outcome.record.status == "succeeded" for outcome in outcomes)
    assert workers[0].load(photo_id).tags == tags
    for outcome in outcomes:
        [commit] = workers[0].commits_of(outcome.record.command_id)
        assert outcome.record.events[0].first_version == commit.first_version
    assert [c.first_version for c in store.read_commits(str(photo_id))] == list(range(1, 8))
    # worker 0 was stale from its second turn on; worker 1 from its second turn on
    assert len(sleeps) == 4
    assert store.verify().intact


def test_a_stale_decision_is_remade_on_fresh_state() -> None:
    # given: worker 0 has the photo cached untrashed; worker 1 trashes it
    store, log = InMemoryEventStore(), InMemoryCommandLog()
    first, second = Gallery(store, log), Gallery(store, log)
    photo_id = first.photo()
    second.ok(ALICE, TrashPhoto(photo_id=photo_id))

    # when: worker 0 retitles from its stale copy
    outcome = first.run(ALICE, RetitlePhoto(photo_id=photo_id, title="Sunset"))

    # then: the retry saw the trash
    assert outcome.record.error is not None
    assert outcome.record.error.code == "photo_trashed"
    assert first.load(photo_id).title == "beach"


def test_a_refusal_decided_on_a_stale_cache_is_decided_again_on_fresh_state() -> None:
    # given: worker 0 has the photo cached trashed; worker 1 restores it
    store, log = InMemoryEventStore(), InMemoryCommandLog()
    first, second = Gallery(store, log), Gallery(store, log)
    photo_id = first.photo()
    first.ok(ALICE, TrashPhoto(photo_id=photo_id))
    second.ok(ALICE, RestorePhoto(photo_id=photo_id))

    # when: worker 0 retitles; its cached copy says the photo is in the trash
    outcome = first.run(ALICE, RetitlePhoto(photo_id=photo_id, title="Sunset"))

    # then: the refusal was not recorded; the fresh state let the retitle through
    assert outcome.record.status == "succeeded"
    assert first.load(photo_id).title == "Sunset"


def test_a_no_op_decided_on_a_stale_cache_is_decided_again_on_fresh_state() -> None:
    # given: worker 0 has the photo cached tagged "city" and not trashed; worker 1 trashes it
    store, log = InMemoryEventStore(), InMemoryCommandLog()
    first, second = Gallery(store, log), Gallery(store, log)
    photo_id = first.photo()
    first.ok(ALICE, TagPhoto(photo_id=photo_id, tags=["city"]))
    second.ok(ALICE, TrashPhoto(photo_id=photo_id))

    # when: worker 0 tags "city" again; its stale copy says that changes nothing
    outcome = first.run(ALICE, TagPhoto(photo_id=photo_id, tags=["city"]))

    # then: no append would have caught the stale copy, so the fresh state decided it
    assert outcome.record.error is not None
    assert outcome.record.error.code == "photo_trashed"


def test_an_aggregate_only_read_from_a_stale_cache_does_not_decide_a_change() -> None:
    # given: worker 0 has the album cached; worker 1 deletes it
    store, log = InMemoryEventStore(), InMemoryCommandLog()
    first, second = Gallery(store, log), Gallery(store, log)
    album_id = first.album()
    photo_id = first.photo()
    second.ok(ALICE, DeleteAlbum(album_id=album_id))

    # when: worker 0 moves the photo there; only the photo's stream is written
    outcome = first.run(ALICE, MovePhoto(photo_id=photo_id, album_id=album_id))

    # then: the album read was checked along with the append, and the retry saw it deleted
    assert outcome.record.error is not None
    assert outcome.record.error.code == "album_deleted"
    assert first.load(photo_id).album_id is None


class AlwaysConflictingStore(InMemoryEventStore):
    """Every append loses the race."""

    def _write(self, commits: Sequence[Commit], expected: dict[str, StreamHead | None]) -> None:
        raise ConcurrencyConflict([commit.stream_id for commit in commits])


def test_conflicts_are_exhausted_after_the_maximum_attempts() -> None:
    sleeps: list[float] = []
    gallery = Gallery(
        AlwaysConflictingStore(), sleep=sleeps.append, jitter=lambda: 0.5, max_attempts=3
    )
    envelope = Envelope(actor=ALICE, command=CreateAlbum(album_id=uuid4(), title="Holiday"))

    with pytest.raises(ConflictsExhausted):
        gallery.execute(envelope)

    assert sleeps == pytest.approx([0.01, 0.02, 0.04])  # backs off, here with jitter 1.0
    record = gallery.log.get(str(envelope.command_id))
    assert record is not None and record.status == "accepted"
    assert list(gallery.store.all_commits()) == []


# -- batches ---------------------------------------------------------------------------


def test_a_batch_tag_writes_one_commit_per_photo(gallery: Gallery) -> None:
    photo_ids = [gallery.photo() for _ in range(3)]
    gallery.ok(ALICE, TagPhoto(photo_id=photo_ids[1], tags=["sea"]))

    record = gallery.ok(ALICE, BatchTagPhotos(photo_ids=photo_ids, tags=["Sea", "sun"]))

    assert sorted(ref.stream_id for ref in record.events) == sorted(map(str, photo_ids))
    assert len(gallery.commits_of(record.command_id)) == 3
    assert [gallery.load(p).tags for p in photo_ids] == [
        ["sea", "sun"],
        ["sea", "sun"],
        ["sea", "sun"],
    ]


def test_a_batch_tag_leaves_out_photos_that_already_have_the_tags(gallery: Gallery) -> None:
    photo_ids = [gallery.photo() for _ in range(2)]
    gallery.ok(ALICE, TagPhoto(photo_id=photo_ids[0], tags=["sea"]))

    record = gallery.ok(ALICE, BatchTagPhotos(photo_ids=photo_ids, tags=["sea"]))

    assert [ref.stream_id for ref in record.events] == [str(photo_ids[1])]


def test_a_batch_tag_is_all_or_nothing_when_one_photo_is_trashed(gallery: Gallery) -> None:
    photo_ids = [gallery.photo() for _ in range(3)]
    gallery.ok(ALICE, TrashPhoto(photo_id=photo_ids[2]))
    before = list(gallery.store.all_commits())

    outcome = gallery.run(ALICE, BatchTagPhotos(photo_ids=photo_ids, tags=["sea"]))

    assert outcome.record.error is not None
    assert outcome.record.error.code == "photo_trashed"
    assert list(gallery.store.all_commits()) == before
    assert [gallery.load(p).tags for p in photo_ids] == [[], [], []]
    # nor did the refused attempt leave tags behind in the warm cache
    gallery.ok(ALICE, RestorePhoto(photo_id=photo_ids[2]))
    gallery.ok(ALICE, CaptionPhoto(photo_id=photo_ids[0], caption="Hi"))
    assert gallery.load(photo_ids[0]).tags == []


def test_a_batch_tag_is_all_or_nothing_when_one_photo_is_someone_elses(gallery: Gallery) -> None:
    photo_ids = [gallery.photo(ALICE), gallery.photo(BOB)]
    before = list(gallery.store.all_commits())

    outcome = gallery.run(ALICE, BatchTagPhotos(photo_ids=photo_ids, tags=["sea"]))

    assert outcome.record.error is not None
    assert outcome.record.error.code == "forbidden"
    assert list(gallery.store.all_commits()) == before


# -- integrity and snapshots -----------------------------------------------------------


def mixed_history(gallery: Gallery) -> tuple[UUID, UUID]:
    album_id = gallery.album()
    other_album = gallery.album(title="Other")
    photo_id = gallery.photo(album_id=album_id)
    second_photo = gallery.photo()
    gallery.ok(PIPELINE, AttachProcessing(photo_id=photo_id, width=2, height=3, format="png"))
    gallery.ok(ALICE, ShareAlbum(album_id=album_id))
    tag = gallery.ok(ALICE, TagPhoto(photo_id=photo_id, tags=["sea", "sun"]))
    gallery.run(ALICE, RestorePhoto(photo_id=photo_id))  # rejected: not in the trash
    gallery.ok(ALICE, MovePhoto(photo_id=photo_id, album_id=other_album))
    gallery.ok(ALICE, BatchTagPhotos(photo_ids=[photo_id, second_photo], tags=["batch"]))
    gallery.ok(ALICE, UndoCommand(target_command_id=UUID(tag.command_id), target_aggregate_id="p"))
    gallery.ok(ALICE, TrashPhoto(photo_id=second_photo))
    gallery.ok(ALICE, PurgePhoto(photo_id=second_photo))
    gallery.run(BOB, RetitlePhoto(photo_id=photo_id, title="Mine"))  # forbidden
    gallery.ok(ALICE, UnshareAlbum(album_id=album_id))
    gallery.ok(ALICE, DeleteAlbum(album_id=album_id))
    return album_id, photo_id


def test_the_event_store_chains_are_intact_after_a_mixed_history(gallery: Gallery) -> None:
    mixed_history(gallery)

    report = gallery.store.verify()

    assert report.intact, report.breaks
    assert report.streams_checked == 4
    assert report.events_checked == sum(
        len(commit.events) for commit in gallery.store.all_commits()
    )


def test_loading_from_a_snapshot_gives_the_same_state_as_a_full_replay() -> None:
    gallery = Gallery()
    gallery.service.repository.snapshot_interval = 3
    album_id, photo_id = mixed_history(gallery)
    for n in range(5):
        gallery.ok(ALICE, RetitlePhoto(photo_id=photo_id, title=f"Title {n}"))

    for aggregate_id, kind in ((album_id, Album), (photo_id, Photo)):
        assert gallery.store.get_snapshot(str(aggregate_id)) is not None
        from_snapshot = Repository(gallery.store, snapshot_interval=3).load(str(aggregate_id))
        assert from_snapshot is not None
        last = gallery.store.head(str(aggregate_id))
        assert last is not None
        replayed = Repository(gallery.store).load_at(str(aggregate_id), last.version)
        assert isinstance(from_snapshot.aggregate, kind)
        assert vars(from_snapshot.aggregate) == vars(replayed)


def test_a_repeat_is_recognised_when_the_stream_was_snapshotted_since(gallery: Gallery) -> None:
    gallery.service.repository.snapshot_interval = 2
    photo_id = gallery.photo()
    envelope = Envelope(actor=ALICE, command=TagPhoto(photo_id=photo_id, tags=["sea"]))
    first = gallery.execute(envelope)
    gallery.ok(ALICE, CaptionPhoto(photo_id=photo_id, caption="Hi"))
    snapshot = gallery.store.get_snapshot(str(photo_id))
    assert snapshot is not None and snapshot.version >= 2
    gallery.service.repository.cache.forget([str(photo_id)])
    gallery.log = InMemoryCommandLog()  # only the stream can tell
    gallery.service.log = gallery.log
    gallery.log.record_accepted(CommandRecord.accepted(envelope))

    second = gallery.service.execute(envelope)

    assert second.repeated
    assert second.record.events == first.record.events
    assert gallery.load(photo_id).tags == ["sea"]
