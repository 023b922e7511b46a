"""History and time travel are pure folds of a stream's commits (no read models involved)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from adapters.memory import InMemoryCommandLog, InMemoryEventStore
from commands.command_log import CommandRecord
from commands.models import Actor, Envelope, validate_envelope
from functions.bootstrap import WriteSide, build_write_side
from projections.history import as_of, changed_fields, history
from projections.views import AlbumView

ALICE = Actor(user_id="alice")


def _run(side: WriteSide, command: dict[str, object]) -> CommandRecord:
    envelope: Envelope = validate_envelope({"actor": ALICE.model_dump(), "command": command})
    side.log.record_accepted(CommandRecord.accepted(envelope))
    return side.service.execute(envelope).record


def test_each_entry_names_the_command_and_only_the_fields_it_changed() -> None:
    side = build_write_side(store=InMemoryEventStore(), log=InMemoryCommandLog())
    album_id = str(uuid4())
    _run(side, {"type": "CreateAlbum", "album_id": album_id, "title": "Trip"})
    rename = _run(side, {"type": "RenameAlbum", "album_id": album_id, "title": "Iceland"})
    _run(side, {"type": "ShareAlbum", "album_id": album_id})

    entries = history(side.store, side.log, album_id)

    assert [e.type for e in entries] == ["CreateAlbum", "RenameAlbum", "ShareAlbum"]
    assert entries[1].command_id == rename.command_id
    assert (entries[1].before, entries[1].after) == ({"title": "Trip"}, {"title": "Iceland"})
    assert entries[2].before == {"share_token": None}
    assert set(entries[2].after) == {"share_token"}
    assert history(side.store, side.log, str(uuid4())) == []


def test_as_of_folds_the_commits_up_to_the_instant() -> None:
    side = build_write_side(store=InMemoryEventStore(), log=InMemoryCommandLog())
    album_id = str(uuid4())
    before = datetime.now(UTC) - timedelta(seconds=1)
    _run(side, {"type": "CreateAlbum", "album_id": album_id, "title": "Trip"})
    between = datetime.now(UTC)
    _run(side, {"type": "RenameAlbum", "album_id": album_id, "title": "Iceland"})

    then, now = as_of(side.store, album_id, between), as_of(side.store, album_id, datetime.now(UTC))

    assert as_of(side.store, album_id, before) is None
    assert isinstance(then, AlbumView) and (then.title, then.version) == ("Trip", 1)
    assert isinstance(now, AlbumView) and (now.title, now.version) == ("Iceland", 2)
    naive = as_of(side.store, album_id, between.replace(tzinfo=None))
    assert naive == then


def test_changed_fields_ignore_version_and_update_time() -> None:
    old = AlbumView(album_id="a", owner="o", title="T", version=1, created_at="c", updated_at="u")
    new = old.model_copy(update={"version": 2, "updated_at": "v"})

    assert changed_fields(old, new) == ({}, {})
