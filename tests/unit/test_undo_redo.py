"""Undo and redo: compensating events, conflicts, permissions, and links in the command log."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import pytest

from adapters.memory import InMemoryCommandLog, InMemoryEventStore
from commands.command_log import CommandRecord
from commands.handlers.undo import TargetPending
from commands.models import (
    Actor,
    AttachProcessing,
    BatchTagPhotos,
    CaptionPhoto,
    CommandModel,
    CreateAlbum,
    DeleteAlbum,
    Envelope,
    MovePhoto,
    PurgePhoto,
    RedoCommand,
    RegisterUpload,
    RenameAlbum,
    RestorePhoto,
    RetitlePhoto,
    TagPhoto,
    TrashPhoto,
    UndoCommand,
    UntagPhoto,
)
from commands.repository import Repository
from commands.service import CommandService, Outcome

ALICE = Actor(user_id="alice")
BOB = Actor(user_id="bob")
SUPPORT = Actor(user_id="sam", groups=("support",))
PIPELINE = Actor(user_id="image-pipeline", groups=("system",))


def no_sleep(seconds: float) -> None:
    pass


class CrashingLog(InMemoryCommandLog):
    """A command log the worker dies on before it can record these commands' outcomes."""

    def __init__(self) -> None:
        super().__init__()
        self.crash_before_finishing: set[str] = set()

    def finish(self, record: CommandRecord) -> CommandRecord:
        if record.command_id in self.crash_before_finishing:
            raise RuntimeError("worker died")
        return super().finish(record)


class Gallery:
    """A command service on in-memory adapters, driven the way the worker drives it."""

    def __init__(self) -> None:
        self.store = InMemoryEventStore()
        self.log = CrashingLog()
        self.service = CommandService(Repository(self.store), self.log, sleep=no_sleep)

    def execute(self, envelope: Envelope, *, verify: bool = False) -> Outcome:
        self.log.record_accepted(CommandRecord.accepted(envelope))
        return self.service.execute(envelope, verify=verify)

    def run(self, actor: Actor, command: CommandModel, **envelope: Any) -> CommandRecord:
        return self.execute(Envelope(actor=actor, command=command, **envelope)).record

    def ok(self, actor: Actor, command: CommandModel, **envelope: Any) -> CommandRecord:
        record = self.run(actor, command, **envelope)
        assert record.status == "succeeded", record.error
        return record

    def undo(
        self, actor: Actor, target: CommandRecord, force: bool = False, **envelope: Any
    ) -> CommandRecord:
        command = UndoCommand(
            target_command_id=UUID(target.command_id),
            target_aggregate_id=target.aggregate_id,
            force=force,
        )
        return self.run(actor, command, **envelope)

    def redo(self, actor: Actor, target: CommandRecord, force: bool = False) -> CommandRecord:
        command = RedoCommand(
            target_command_id=UUID(target.command_id),
            target_aggregate_id=target.aggregate_id,
            force=force,
        )
        return self.run(actor, command)

    def album(self, owner: Actor = ALICE, title: str = "Holiday") -> UUID:
        album_id = uuid4()
        self.ok(owner, CreateAlbum(album_id=album_id, title=title))
        return album_id

    def photo(self, owner: Actor = ALICE, album_id: UUID | None = None) -> UUID:
        photo_id = uuid4()
        self.ok(owner, upload(photo_id, album_id))
        return photo_id

    def record(self, record: CommandRecord) -> CommandRecord:
        """The command's record as the log holds it now."""
        current = self.log.get(record.command_id)
        assert current is not None
        return current

    def load(self, aggregate_id: UUID) -> Any:
        loaded = Repository(self.store).load(str(aggregate_id), use_cache=False)
        assert loaded is not None
        return loaded.aggregate

    def stream_length(self, aggregate_id: UUID) -> int:
        head = self.store.head(str(aggregate_id))
        return head.version if head else 0


def upload(photo_id: UUID, album_id: UUID | None = None) -> RegisterUpload:
    return RegisterUpload(
        photo_id=photo_id,
        filename="beach.jpg",
        content_type="image/jpeg",
        size=1024,
        album_id=album_id,
    )


def error_code(record: CommandRecord) -> str:
    assert record.status == "rejected", record.status
    assert record.error is not None
    return record.error.code


@pytest.fixture
def gallery() -> Gallery:
    return Gallery()


# -- compensation, not deletion --------------------------------------------------------


def test_undo_appends_compensating_events_and_deletes_nothing(gallery: Gallery) -> None:
    # given
    photo_id = gallery.photo()
    retitle = gallery.ok(ALICE, RetitlePhoto(photo_id=photo_id, title="Sunset"))
    history = gallery.store.read_commits(str(photo_id))

    # when
    undo = gallery.undo(ALICE, retitle)

    # then
    assert undo.status == "succeeded"
    assert gallery.load(photo_id).title == "beach"
    commits = gallery.store.read_commits(str(photo_id))
    assert commits[: len(history)] == history
    assert len(commits) == len(history) + 1
    assert [(e.stream_id, e.first_version, e.last_version) for e in undo.events] == [
        (str(photo_id), 3, 3)
    ]
    assert gallery.store.verify().intact


# -- conflicts -------------------------------------------------------------------------


def test_undo_is_refused_when_a_later_command_renamed_the_photo(gallery: Gallery) -> None:
    photo_id = gallery.photo()
    first = gallery.ok(ALICE, RetitlePhoto(photo_id=photo_id, title="Sunset"))
    later = gallery.ok(ALICE, RetitlePhoto(photo_id=photo_id, title="Dusk"))

    undo = gallery.undo(ALICE, first)

    assert error_code(undo) == "undo_conflict"
    assert undo.error is not None
    assert undo.error.details["later_command_ids"] == [later.command_id]
    assert gallery.load(photo_id).title == "Dusk"


def test_undo_conflict_names_every_later_command_that_touched_the_same_thing(
    gallery: Gallery,
) -> None:
    photo_id = gallery.photo()
    tag = gallery.ok(ALICE, TagPhoto(photo_id=photo_id, tags=["sea", "sun"]))
    untag_sea = gallery.ok(ALICE, UntagPhoto(photo_id=photo_id, tags=["sea"]))
    gallery.ok(ALICE, TagPhoto(photo_id=photo_id, tags=["snow"]))
    untag_sun = gallery.ok(ALICE, UntagPhoto(photo_id=photo_id, tags=["sun"]))

    undo = gallery.undo(ALICE, tag)

    assert error_code(undo) == "undo_conflict"
    assert undo.error is not None
    assert undo.error.details["later_command_ids"] == sorted(
        [untag_sea.command_id, untag_sun.command_id]
    )


def test_undo_is_refused_when_a_later_command_changed_the_same_tag(gallery: Gallery) -> None:
    photo_id = gallery.photo()
    tag = gallery.ok(ALICE, TagPhoto(photo_id=photo_id, tags=["sea"]))
    untag = gallery.ok(ALICE, UntagPhoto(photo_id=photo_id, tags=["SEA"]))

    undo = gallery.undo(ALICE, tag)

    assert error_code(undo) == "undo_conflict"
    assert undo.error is not None
    assert undo.error.details["later_command_ids"] == [untag.command_id]


def test_undo_is_refused_when_a_later_command_moved_the_photo(gallery: Gallery) -> None:
    first_album, second_album = gallery.album(), gallery.album()
    photo_id = gallery.photo()
    move = gallery.ok(ALICE, MovePhoto(photo_id=photo_id, album_id=first_album))
    later = gallery.ok(ALICE, MovePhoto(photo_id=photo_id, album_id=second_album))

    undo = gallery.undo(ALICE, move)

    assert error_code(undo) == "undo_conflict"
    assert undo.error is not None
    assert undo.error.details["later_command_ids"] == [later.command_id]
    assert gallery.load(photo_id).album_id == second_album


def test_undo_is_allowed_when_a_later_command_changed_another_tag(gallery: Gallery) -> None:
    photo_id = gallery.photo()
    sea = gallery.ok(ALICE, TagPhoto(photo_id=photo_id, tags=["sea"]))
    gallery.ok(ALICE, TagPhoto(photo_id=photo_id, tags=["sun"]))
    gallery.ok(ALICE, UntagPhoto(photo_id=photo_id, tags=["sun"]))

    undo = gallery.undo(ALICE, sea)

    assert undo.status == "succeeded"
    assert gallery.load(photo_id).tags == []


def test_undo_of_a_retitle_is_allowed_after_a_later_caption(gallery: Gallery) -> None:
    photo_id = gallery.photo()
    retitle = gallery.ok(ALICE, RetitlePhoto(photo_id=photo_id, title="Sunset"))
    gallery.ok(ALICE, CaptionPhoto(photo_id=photo_id, caption="At the beach"))

    undo = gallery.undo(ALICE, retitle)

    assert undo.status == "succeeded"
    photo = gallery.load(photo_id)
    assert (photo.title, photo.caption) == ("beach", "At the beach")


def test_undo_of_a_retitle_is_allowed_after_changes_to_other_photos(gallery: Gallery) -> None:
    photo_id, other_photo = gallery.photo(), gallery.photo()
    retitle = gallery.ok(ALICE, RetitlePhoto(photo_id=photo_id, title="Sunset"))
    gallery.ok(ALICE, RetitlePhoto(photo_id=other_photo, title="Dusk"))

    assert gallery.undo(ALICE, retitle).status == "succeeded"


def test_undoing_the_later_change_first_lets_the_earlier_one_be_undone(gallery: Gallery) -> None:
    # given: two renames, undone newest first (as the conflict message advises)
    photo_id = gallery.photo()
    first = gallery.ok(ALICE, RetitlePhoto(photo_id=photo_id, title="Sunset"))
    later = gallery.ok(ALICE, RetitlePhoto(photo_id=photo_id, title="Dusk"))
    assert gallery.undo(ALICE, later).status == "succeeded"

    # when
    undo = gallery.undo(ALICE, first)

    # then
    assert undo.status == "succeeded", undo.error
    assert gallery.load(photo_id).title == "beach"
    # and the later rename cannot come back over it without a conflict
    assert error_code(gallery.redo(ALICE, later)) == "undo_conflict"


def test_redoing_in_the_reverse_order_of_undoing_is_allowed(gallery: Gallery) -> None:
    photo_id = gallery.photo()
    first = gallery.ok(ALICE, RetitlePhoto(photo_id=photo_id, title="Sunset"))
    later = gallery.ok(ALICE, RetitlePhoto(photo_id=photo_id, title="Dusk"))
    gallery.undo(ALICE, later)
    gallery.undo(ALICE, first)

    assert gallery.redo(ALICE, first).status == "succeeded"
    assert gallery.redo(ALICE, later).status == "succeeded"

    assert gallery.load(photo_id).title == "Dusk"


def test_a_change_taken_back_out_of_order_still_conflicts(gallery: Gallery) -> None:
    # given: support forced X's undo over Z, so Z's undo no longer sits on X's change
    photo_id = gallery.photo()
    target = gallery.ok(ALICE, RetitlePhoto(photo_id=photo_id, title="A"))
    x = gallery.ok(ALICE, RetitlePhoto(photo_id=photo_id, title="B"))
    z = gallery.ok(ALICE, RetitlePhoto(photo_id=photo_id, title="C"))
    undo_x = gallery.undo(SUPPORT, x, force=True, reason="ticket 9")
    undo_z = gallery.undo(SUPPORT, z, force=True, reason="ticket 9")
    assert gallery.load(photo_id).title == "B"

    # when
    undo = gallery.undo(ALICE, target)

    # then
    assert error_code(undo) == "undo_conflict"
    assert undo.error is not None
    assert undo.error.details["later_command_ids"] == sorted(
        r.command_id for r in (x, z, undo_x, undo_z)
    )


def test_an_upload_can_be_undone_after_the_pipeline_processed_it(gallery: Gallery) -> None:
    photo_id = gallery.photo()
    [upload_record] = gallery.log.history("alice")
    gallery.ok(PIPELINE, AttachProcessing(photo_id=photo_id, width=1, height=1, format="jpeg"))

    assert gallery.undo(ALICE, upload_record).status == "succeeded"


# -- who may undo ----------------------------------------------------------------------


def test_support_may_force_an_undo_over_a_conflict_with_a_reason(gallery: Gallery) -> None:
    photo_id = gallery.photo()
    first = gallery.ok(ALICE, RetitlePhoto(photo_id=photo_id, title="Sunset"))
    gallery.ok(ALICE, RetitlePhoto(photo_id=photo_id, title="Dusk"))

    undo = gallery.undo(SUPPORT, first, force=True, reason="ticket 42: owner asked")

    assert undo.status == "succeeded"
    assert undo.reason == "ticket 42: owner asked"
    assert gallery.load(photo_id).title == "beach"
    assert gallery.record(first).undone_by == [undo.command_id]


def test_support_must_give_a_reason_to_undo_someone_elses_command(gallery: Gallery) -> None:
    photo_id = gallery.photo()
    retitle = gallery.ok(ALICE, RetitlePhoto(photo_id=photo_id, title="Sunset"))

    assert error_code(gallery.undo(SUPPORT, retitle)) == "reason_required"
    assert error_code(gallery.undo(SUPPORT, retitle, reason="   ")) == "reason_required"
    assert error_code(gallery.undo(SUPPORT, retitle, force=True)) == "reason_required"
    assert gallery.load(photo_id).title == "Sunset"


def test_support_with_a_reason_may_undo_someone_elses_command(gallery: Gallery) -> None:
    photo_id = gallery.photo()
    retitle = gallery.ok(ALICE, RetitlePhoto(photo_id=photo_id, title="Sunset"))

    assert gallery.undo(SUPPORT, retitle, reason="ticket 7").status == "succeeded"
    assert gallery.load(photo_id).title == "beach"


def test_only_support_may_force_an_undo(gallery: Gallery) -> None:
    photo_id = gallery.photo()
    first = gallery.ok(ALICE, RetitlePhoto(photo_id=photo_id, title="Sunset"))
    gallery.ok(ALICE, RetitlePhoto(photo_id=photo_id, title="Dusk"))

    undo = gallery.undo(ALICE, first, force=True, reason="I insist")

    assert error_code(undo) == "forbidden"
    assert gallery.load(photo_id).title == "Dusk"


def test_a_user_cannot_undo_someone_elses_command(gallery: Gallery) -> None:
    photo_id = gallery.photo(ALICE)
    retitle = gallery.ok(ALICE, RetitlePhoto(photo_id=photo_id, title="Sunset"))

    assert error_code(gallery.undo(BOB, retitle)) == "forbidden"
    assert error_code(gallery.redo(BOB, retitle)) == "forbidden"
    assert gallery.load(photo_id).title == "Sunset"


# -- states of the target --------------------------------------------------------------


def test_undoing_twice_is_refused_already_undone(gallery: Gallery) -> None:
    photo_id = gallery.photo()
    retitle = gallery.ok(ALICE, RetitlePhoto(photo_id=photo_id, title="Sunset"))
    gallery.ok(
        ALICE, UndoCommand(target_command_id=UUID(retitle.command_id), target_aggregate_id="p")
    )
    length = gallery.stream_length(photo_id)

    assert error_code(gallery.undo(ALICE, retitle)) == "already_undone"
    assert gallery.stream_length(photo_id) == length


def test_redo_of_a_command_that_is_not_undone_is_refused_not_undone(gallery: Gallery) -> None:
    photo_id = gallery.photo()
    retitle = gallery.ok(ALICE, RetitlePhoto(photo_id=photo_id, title="Sunset"))

    assert error_code(gallery.redo(ALICE, retitle)) == "not_undone"


def test_purging_cannot_be_undone(gallery: Gallery) -> None:
    photo_id = gallery.photo()
    gallery.ok(ALICE, TrashPhoto(photo_id=photo_id))
    purge = gallery.ok(ALICE, PurgePhoto(photo_id=photo_id))

    assert error_code(gallery.undo(ALICE, purge)) == "not_undoable"
    assert gallery.load(photo_id).purged


def test_a_rejected_command_cannot_be_undone(gallery: Gallery) -> None:
    photo_id = gallery.photo()
    rejected = gallery.run(ALICE, RestorePhoto(photo_id=photo_id))
    assert error_code(rejected) == "photo_not_trashed"

    assert error_code(gallery.undo(ALICE, rejected)) == "not_undoable"


def test_a_command_that_changed_nothing_has_nothing_to_undo(gallery: Gallery) -> None:
    photo_id = gallery.photo()
    gallery.ok(ALICE, TagPhoto(photo_id=photo_id, tags=["sea"]))
    again = gallery.ok(ALICE, TagPhoto(photo_id=photo_id, tags=["sea"]))

    assert error_code(gallery.undo(ALICE, again)) == "nothing_to_undo"
    assert gallery.load(photo_id).tags == ["sea"]


def test_undo_of_an_unknown_command_is_refused(gallery: Gallery) -> None:
    command = UndoCommand(target_command_id=uuid4(), target_aggregate_id="x")

    assert error_code(gallery.run(ALICE, command)) == "command_not_found"


def test_undo_of_a_command_still_in_flight_is_retried_later(gallery: Gallery) -> None:
    photo_id = gallery.photo()
    pending = Envelope(actor=ALICE, command=RetitlePhoto(photo_id=photo_id, title="Sunset"))
    gallery.log.record_accepted(CommandRecord.accepted(pending))
    undo = Envelope(
        actor=ALICE,
        command=UndoCommand(target_command_id=pending.command_id, target_aggregate_id="p"),
    )

    with pytest.raises(TargetPending):
        gallery.execute(undo)


# -- undo of undo, undo of redo, links -------------------------------------------------


def test_undo_and_redo_are_linked_both_ways_in_the_command_log(gallery: Gallery) -> None:
    photo_id = gallery.photo()
    retitle = gallery.ok(ALICE, RetitlePhoto(photo_id=photo_id, title="Sunset"))

    undo = gallery.undo(ALICE, retitle)
    redo = gallery.redo(ALICE, retitle)

    assert (undo.undoes, undo.redoes) == (retitle.command_id, None)
    assert (redo.redoes, redo.undoes) == (retitle.command_id, None)
    target = gallery.record(retitle)
    assert (target.undone_by, target.redone_by) == ([undo.command_id], [redo.command_id])
    assert not target.undone
    assert gallery.load(photo_id).title == "Sunset"


def test_redo_after_undo_after_redo_keeps_following_the_same_command(gallery: Gallery) -> None:
    photo_id = gallery.photo()
    retitle = gallery.ok(ALICE, RetitlePhoto(photo_id=photo_id, title="Sunset"))

    undo1 = gallery.undo(ALICE, retitle)
    redo1 = gallery.redo(ALICE, retitle)
    undo2 = gallery.undo(ALICE, retitle)
    redo2 = gallery.redo(ALICE, retitle)

    assert all(r.status == "succeeded" for r in (undo1, redo1, undo2, redo2))
    target = gallery.record(retitle)
    assert target.undone_by == [undo1.command_id, undo2.command_id]
    assert target.redone_by == [redo1.command_id, redo2.command_id]
    assert gallery.load(photo_id).title == "Sunset"
    assert gallery.stream_length(photo_id) == 6


def test_undo_of_an_undo_is_a_redo(gallery: Gallery) -> None:
    # given
    photo_id = gallery.photo()
    retitle = gallery.ok(ALICE, RetitlePhoto(photo_id=photo_id, title="Sunset"))
    undo = gallery.undo(ALICE, retitle)

    # when
    undo_of_undo = gallery.undo(ALICE, undo)

    # then: the same state and the same links as a redo
    assert undo_of_undo.status == "succeeded"
    assert gallery.load(photo_id).title == "Sunset"
    assert (undo_of_undo.redoes, undo_of_undo.undoes) == (retitle.command_id, None)
    target = gallery.record(retitle)
    assert target.redone_by == [undo_of_undo.command_id]
    assert not target.undone
    # and the original can be undone again as usual
    assert gallery.undo(ALICE, retitle).status == "succeeded"
    assert gallery.load(photo_id).title == "beach"


def test_undo_of_a_redo_undoes_the_original(gallery: Gallery) -> None:
    photo_id = gallery.photo()
    retitle = gallery.ok(ALICE, RetitlePhoto(photo_id=photo_id, title="Sunset"))
    undo = gallery.undo(ALICE, retitle)
    redo = gallery.redo(ALICE, retitle)

    undo_of_redo = gallery.undo(ALICE, redo)

    assert undo_of_redo.status == "succeeded"
    assert gallery.load(photo_id).title == "beach"
    assert undo_of_redo.undoes == retitle.command_id
    target = gallery.record(retitle)
    assert target.undone_by == [undo.command_id, undo_of_redo.command_id]
    assert target.undone
    assert error_code(gallery.undo(ALICE, retitle)) == "already_undone"


def test_undo_of_a_batch_tag_untags_every_photo_it_tagged(gallery: Gallery) -> None:
    photo_ids = [gallery.photo() for _ in range(3)]
    gallery.ok(ALICE, TagPhoto(photo_id=photo_ids[0], tags=["sea"]))
    batch = gallery.ok(ALICE, BatchTagPhotos(photo_ids=photo_ids, tags=["sea", "sun"]))

    undo = gallery.undo(ALICE, batch)

    assert undo.status == "succeeded"
    assert len(undo.events) == 3
    assert [gallery.load(p).tags for p in photo_ids] == [["sea"], [], []]
    assert gallery.redo(ALICE, batch).status == "succeeded"
    assert [gallery.load(p).tags for p in photo_ids] == [["sea", "sun"]] * 3


# -- creation ------------------------------------------------------------------------


def test_undo_of_creating_an_album_deletes_it_and_redo_restores_it(gallery: Gallery) -> None:
    album_id = uuid4()
    create = gallery.ok(ALICE, CreateAlbum(album_id=album_id, title="Holiday"))

    gallery.undo(ALICE, create)
    assert gallery.load(album_id).deleted
    assert error_code(gallery.run(ALICE, RenameAlbum(album_id=album_id, title="x"))) == (
        "album_deleted"
    )

    gallery.redo(ALICE, create)
    album = gallery.load(album_id)
    assert (album.deleted, album.title) == (False, "Holiday")


def test_undo_of_deleting_an_album_restores_it_with_its_photos(gallery: Gallery) -> None:
    album_id = gallery.album()
    photo_id = gallery.photo(album_id=album_id)
    delete = gallery.ok(ALICE, DeleteAlbum(album_id=album_id))

    assert gallery.undo(ALICE, delete).status == "succeeded"

    assert not gallery.load(album_id).deleted
    assert gallery.load(photo_id).album_id == album_id


def test_undo_of_an_upload_puts_the_photo_in_the_trash(gallery: Gallery) -> None:
    photo_id = gallery.photo()
    [upload_record] = [r for r in gallery.log.history("alice") if r.type == "RegisterUpload"]

    undo = gallery.undo(ALICE, upload_record)

    assert undo.status == "succeeded"
    assert gallery.load(photo_id).trashed
    assert gallery.redo(ALICE, upload_record).status == "succeeded"
    assert not gallery.load(photo_id).trashed


# -- repeated deliveries ---------------------------------------------------------------


def test_a_repeated_undo_has_its_effect_once(gallery: Gallery) -> None:
    photo_id = gallery.photo()
    retitle = gallery.ok(ALICE, RetitlePhoto(photo_id=photo_id, title="Sunset"))
    envelope = Envelope(
        actor=ALICE,
        command=UndoCommand(target_command_id=UUID(retitle.command_id), target_aggregate_id="p"),
    )
    first = gallery.execute(envelope)
    length = gallery.stream_length(photo_id)

    second = gallery.service.execute(envelope)

    assert second.repeated and second.record == first.record
    assert gallery.stream_length(photo_id) == length
    assert gallery.record(retitle).undone_by == [first.record.command_id]


def test_an_undo_s_target_shows_undone_before_the_undo_shows_succeeded(
    gallery: Gallery, monkeypatch: pytest.MonkeyPatch
) -> None:
    photo_id = gallery.photo()
    retitle = gallery.ok(ALICE, RetitlePhoto(photo_id=photo_id, title="Sunset"))
    seen_at_linking: list[str] = []
    link_undo = gallery.log.link_undo

    def watching(target_id: str, undo_id: str) -> None:
        undo = gallery.log.get(undo_id)
        seen_at_linking.append(undo.status if undo else "unknown")
        link_undo(target_id, undo_id)

    monkeypatch.setattr(gallery.log, "link_undo", watching)

    # when: the undo is worked
    undo = gallery.undo(ALICE, retitle)

    # then: its target was linked while the undo was still pending, so whoever sees
    # the undo succeed and acts next finds the target undone
    assert undo.status == "succeeded"
    assert seen_at_linking == ["accepted"]


def test_a_redo_redelivered_after_its_events_were_written_is_recorded_as_succeeded(
    gallery: Gallery,
) -> None:
    # given: an undone retitle, whose redo's worker died before recording the outcome
    photo_id = gallery.photo()
    retitle = gallery.ok(ALICE, RetitlePhoto(photo_id=photo_id, title="Sunset"))
    gallery.undo(ALICE, retitle)
    envelope = Envelope(
        actor=ALICE,
        command=RedoCommand(target_command_id=UUID(retitle.command_id), target_aggregate_id="p"),
    )
    gallery.log.crash_before_finishing.add(str(envelope.command_id))
    with pytest.raises(RuntimeError, match="worker died"):
        gallery.execute(envelope)
    gallery.log.crash_before_finishing.clear()
    length = gallery.stream_length(photo_id)

    # when: SQS delivers it again
    outcome = gallery.service.execute(envelope, verify=True)

    # then: one redo, recorded as succeeded, the title as the retitle left it
    assert outcome.repeated
    assert outcome.record.status == "succeeded", outcome.record.error
    assert gallery.record(retitle).redone_by == [outcome.record.command_id]
    assert gallery.stream_length(photo_id) == length
    assert gallery.load(photo_id).title == "Sunset"


def test_an_undo_redelivered_after_its_events_were_written_is_recorded_as_succeeded(
    gallery: Gallery,
) -> None:
    # given: the worker wrote the undo's events, then died before recording the outcome
    photo_id = gallery.photo()
    retitle = gallery.ok(ALICE, RetitlePhoto(photo_id=photo_id, title="Sunset"))
    envelope = Envelope(
        actor=ALICE,
        command=UndoCommand(target_command_id=UUID(retitle.command_id), target_aggregate_id="p"),
    )
    gallery.log.crash_before_finishing.add(str(envelope.command_id))
    with pytest.raises(RuntimeError, match="worker died"):
        gallery.execute(envelope)
    gallery.log.crash_before_finishing.clear()
    length = gallery.stream_length(photo_id)

    # when: SQS delivers it again
    outcome = gallery.service.execute(envelope, verify=True)

    # then
    assert outcome.repeated
    assert outcome.record.status == "succeeded", outcome.record.error
    assert outcome.record.undoes == retitle.command_id
    assert gallery.record(retitle).undone_by == [outcome.record.command_id]
    assert gallery.stream_length(photo_id) == length
    assert gallery.load(photo_id).title == "beach"
