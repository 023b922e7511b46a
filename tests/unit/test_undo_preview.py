"""Asked on arrival: who stands in the way of an undo or redo, and where the redo chain ends.

`standing_in_the_way` is the worker's own conflict rule (commands/handlers/undo.py)
asked before anything is queued; `latest_undone` picks what Redo acts on, and
a new change after an undo ends that chain.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

from adapters.memory import InMemoryCommandLog, InMemoryEventStore
from api.activity import latest_undone
from commands.command_log import CommandRecord
from commands.handlers.undo import standing_in_the_way
from commands.models import Actor, validate_envelope
from functions.bootstrap import WriteSide, build_write_side

ALICE = Actor(user_id="alice", username="alice", name="Alice Liddell")
SUPPORT = Actor(user_id="sam", username="sam", name="Sam Support", groups=("support",))


def _side() -> WriteSide:
    return build_write_side(store=InMemoryEventStore(), log=InMemoryCommandLog())


def _run(side: WriteSide, command: dict[str, Any], actor: Actor = ALICE, **envelope: Any) -> str:
    parsed = validate_envelope({"actor": actor.model_dump(), "command": command, **envelope})
    side.log.record_accepted(CommandRecord.accepted(parsed))
    return side.service.execute(parsed).record.command_id


def _record(side: WriteSide, command_id: str) -> CommandRecord:
    found = side.log.get(command_id)
    assert found is not None
    return found


def _renamed_twice(side: WriteSide) -> tuple[str, str, str]:
    album_id = str(uuid4())
    _run(side, {"type": "CreateAlbum", "album_id": album_id, "title": "Trip"})
    first = _run(side, {"type": "RenameAlbum", "album_id": album_id, "title": "Iceland"})
    second = _run(side, {"type": "RenameAlbum", "album_id": album_id, "title": "Ísland"})
    return album_id, first, second


def test_a_later_change_to_the_same_fact_stands_in_the_way_of_an_undo() -> None:
    side = _side()
    _, first, second = _renamed_twice(side)

    ahead = standing_in_the_way(side.log, side.repository, _record(side, first), undo=True)
    latest = standing_in_the_way(side.log, side.repository, _record(side, second), undo=True)

    assert ahead == [second]
    assert latest == []


def test_the_preview_agrees_with_what_the_worker_decides() -> None:
    side = _side()
    album_id, first, second = _renamed_twice(side)
    preview = standing_in_the_way(side.log, side.repository, _record(side, first), undo=True)

    undo = _run(side, {"type": "UndoCommand", "target_command_id": first,
                       "target_aggregate_id": album_id})  # fmt: skip

    refused = _record(side, undo)
    assert refused.status == "rejected"
    assert refused.error is not None
    assert refused.error.details["later_command_ids"] == preview == [second]


def test_undoing_newest_first_clears_the_way_as_the_worker_would() -> None:
    side = _side()
    album_id, first, second = _renamed_twice(side)
    _run(side, {"type": "UndoCommand", "target_command_id": second,
                "target_aggregate_id": album_id})  # fmt: skip

    assert standing_in_the_way(side.log, side.repository, _record(side, first), undo=True) == []


def test_a_redo_is_blocked_by_a_change_made_after_its_undo() -> None:
    side = _side()
    album_id = str(uuid4())
    _run(side, {"type": "CreateAlbum", "album_id": album_id, "title": "Trip"})
    rename = _run(side, {"type": "RenameAlbum", "album_id": album_id, "title": "Iceland"})
    _run(side, {"type": "UndoCommand", "target_command_id": rename,
                "target_aggregate_id": album_id})  # fmt: skip
    later = _run(side, {"type": "RenameAlbum", "album_id": album_id, "title": "Ísland"})

    assert standing_in_the_way(side.log, side.repository, _record(side, rename), undo=False) == [
        later
    ]
    # and undoing the undo is the same redo, so the same rule
    undo_id = _record(side, rename).undone_by[-1]
    assert standing_in_the_way(side.log, side.repository, _record(side, undo_id), undo=True) == [
        later
    ]


def test_what_the_worker_must_decide_is_not_refused_early() -> None:
    side = _side()
    album_id, first, _ = _renamed_twice(side)
    queued = _record(side, first).model_copy(update={"status": "accepted"})
    no_change = _run(side, {"type": "DescribeAlbum", "album_id": album_id, "description": ""})

    assert standing_in_the_way(side.log, side.repository, queued, undo=True) == []
    # already in effect: nothing to redo, and the worker says so
    assert standing_in_the_way(side.log, side.repository, _record(side, first), undo=False) == []
    # a command that changed nothing has nothing to undo: the worker's refusal, not a conflict
    assert standing_in_the_way(side.log, side.repository, _record(side, no_change), undo=True) == []


# -- the redo chain ----------------------------------------------------------------------

_T0 = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)


def _at(minutes: int) -> str:
    return (_T0 + timedelta(minutes=minutes)).isoformat()


def _original(minutes: int, **changes: Any) -> CommandRecord:
    return CommandRecord(
        command_id=str(uuid4()),
        type="RenameAlbum",
        actor_id="alice",
        aggregate_id="album",
        issued_at=_at(minutes),
        **({"status": "succeeded"} | changes),
    )


def _undo_of(target: CommandRecord, minutes: int) -> CommandRecord:
    return CommandRecord(
        command_id=str(uuid4()),
        type="UndoCommand",
        actor_id="alice",
        aggregate_id="album",
        issued_at=_at(minutes),
        status="succeeded",
        undoes=target.command_id,
        payload={"target_command_id": target.command_id},
    )


def _chain(*records: CommandRecord) -> tuple[list[CommandRecord], dict[str, CommandRecord]]:
    newest_first = sorted(records, key=lambda r: r.issued_at, reverse=True)
    return newest_first, {record.command_id: record for record in records}


def test_redo_picks_the_change_undone_most_recently() -> None:
    older, newer = _original(0), _original(1)
    undo_newer, undo_older = _undo_of(newer, 2), _undo_of(older, 3)
    older = older.model_copy(update={"undone_by": [undo_older.command_id]})
    newer = newer.model_copy(update={"undone_by": [undo_newer.command_id]})
    history, by_id = _chain(older, newer, undo_newer, undo_older)

    assert latest_undone(history, by_id.get) == older


def test_a_new_change_after_an_undo_ends_the_redo_chain() -> None:
    rename = _original(0)
    undo = _undo_of(rename, 1)
    rename = rename.model_copy(update={"undone_by": [undo.command_id]})
    new_change = _original(2)
    refused_change = _original(2, status="rejected")
    before, by_id = _chain(rename, undo)
    after, by_id_after = _chain(rename, undo, new_change)
    refused, by_id_refused = _chain(rename, undo, refused_change)

    assert latest_undone(before, by_id.get) == rename
    assert latest_undone(after, by_id_after.get) is None
    assert latest_undone(refused, by_id_refused.get) == rename
