"""History and time travel: an aggregate's commits folded with the pure projectors.

Both read the event store (and, for history, the command log) and compute the
rest with `projections.projectors.fold`, the same fold the live read models
use, so a past state is exactly what the read model showed at that moment.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from eventsourcing.persistence import Mapper
from pydantic import BaseModel, ConfigDict, Field

from commands.command_log import CommandLog, CommandRecord
from commands.event_store import Commit, EventStore
from commands.handlers.undo import standing
from commands.repository import build_mapper
from commands.summary import Subject
from domain.undo import irreversible_reason, overlaps, touched
from projections.command_phrases import Names
from projections.projectors import AnyView, ProjectionGap, fold
from projections.summaries import combined, summary_of
from projections.views import AlbumView


class StreamDamaged(Exception):
    """A stream that cannot be read as it was: the commit holding `version` is missing.

    Raised instead of folding past the hole, so a history or a past state is never
    shown with a change silently left out.
    """

    def __init__(self, stream_id: str, version: int) -> None:
        super().__init__(f"stream {stream_id} has no version {version}")
        self.stream_id = stream_id
        self.version = version


def _folded(stream_id: str, view: AnyView | None, events: list[Any]) -> AnyView | None:
    """`fold`, with a gap in the stream named as `StreamDamaged`."""
    try:
        return fold(view, events)
    except ProjectionGap as gap:
        missing = (view.version if view is not None else 0) + 1
        for event in events:
            if event.originator_version > missing:
                break
            missing = max(missing, event.originator_version + 1)
        raise StreamDamaged(stream_id, missing) from gap


#: Fields every change moves; listing them would only add noise to before/after.
_BOOKKEEPING = frozenset({"version", "updated_at"})


class HistoryEntry(BaseModel):
    """One command's change to one aggregate: who, what, when, and the fields it changed."""

    model_config = ConfigDict(frozen=True)

    command_id: str
    actor: str
    type: str
    time: str = Field(description="When the change was committed (ISO 8601, UTC).")
    version: int = Field(description="The aggregate's version after the change.")
    events: list[str] = Field(description="The events the change recorded, e.g. Album.Renamed.")
    before: dict[str, Any] = Field(description="The changed fields as they were before.")
    after: dict[str, Any] = Field(description="The changed fields as they were after.")
    undone_by: list[str] = Field(default_factory=list)
    undoes: str | None = None
    redoes: str | None = None
    reason: str | None = None
    summary: str = Field(default="", description="One sentence for people: who did what.")
    can_undo: bool = Field(default=False, description='Whether "Undo this" applies.')
    can_redo: bool = Field(default=False, description='Whether "Redo this" applies.')
    cannot_undo_reason: str | None = Field(
        default=None, description="Why this entry cannot be undone (None when it can)."
    )


_REVERSAL_REASONS = {
    "UndoCommand": "This is an undo; to take it back, redo the change it undid.",
    "RedoCommand": "This is a redo; to take it back, undo the change it redid.",
}
NO_RECORD = "This change has no command on record, so it cannot be undone."
UNDONE = "This change is undone already; redo it instead."


def reversibility(record: CommandRecord | None, events: list[Any]) -> tuple[bool, bool, str | None]:
    """(can undo, can redo, why not undo) of a history entry.

    Undo and redo rows are taken back through the change they act on; the
    pipeline's results and purges cannot be undone at all. A later change to
    the same facts is left for the undo itself to name (409 `undo_conflict`).
    """
    if record is None:
        return False, False, NO_RECORD
    if record.type in _REVERSAL_REASONS:
        return False, False, _REVERSAL_REASONS[record.type]
    reason = next(filter(None, (irreversible_reason(event) for event in events)), None)
    if reason:
        return False, False, reason
    if record.status != "succeeded":
        return False, False, "This change has not finished yet; try again in a moment."
    if record.undone:
        return False, True, UNDONE
    return True, False, None


def _subject(view: AnyView) -> Subject:
    if isinstance(view, AlbumView):
        return Subject("album", view.title)
    return Subject("photo", view.title, view.filename)


def _summary(record: CommandRecord | None, events: list[Any], view: AnyView) -> str:
    subjects = {str(events[0].originator_id): _subject(view)}
    if record is None:
        return f"Someone {combined(events, Names(subjects)).verb}"
    return summary_of(record, events, subjects)


def changed_fields(before: AnyView | None, after: AnyView) -> tuple[dict[str, Any], dict[str, Any]]:
    """(before, after) of the fields that differ; a field new in `after` is absent from before."""
    old = before.model_dump(mode="json") if before is not None else {}
    new = after.model_dump(mode="json")
    changed = [
        name
        for name, value in new.items()
        if name not in _BOOKKEEPING and (name not in old or old[name] != value)
    ]
    return {name: old[name] for name in changed if name in old}, {
        name: new[name] for name in changed
    }


def _events(commit: Commit, mapper: Mapper[Any]) -> list[Any]:
    return [mapper.to_domain_event(chained.stored) for chained in commit.events]


def history(
    store: EventStore, log: CommandLog, stream_id: str, mapper: Mapper[Any] | None = None
) -> list[HistoryEntry]:
    """Every change to an aggregate, oldest first; empty for an unknown aggregate."""
    mapper = mapper or build_mapper()
    entries: list[HistoryEntry] = []
    rows: list[tuple[Commit, list[Any]]] = []
    records: dict[str, CommandRecord] = {}
    view: AnyView | None = None
    for commit in store.read_commits(stream_id):
        events = _events(commit, mapper)
        after = _folded(stream_id, view, events)
        if after is None:
            continue
        before_fields, after_fields = changed_fields(view, after)
        record = log.get(commit.command_id) if commit.command_id else None
        rows.append((commit, events))
        if record is not None:
            records[record.command_id] = record
        can_undo, can_redo, why_not = reversibility(record, events)
        entries.append(
            HistoryEntry(
                command_id=commit.command_id,
                actor=record.actor_id if record else commit.actor_id,
                type=record.type if record else type(events[0]).__qualname__,
                time=commit.committed_at,
                version=after.version,
                events=[type(event).__qualname__ for event in events],
                before=before_fields,
                after=after_fields,
                undone_by=list(record.undone_by) if record else [],
                undoes=record.undoes if record else None,
                redoes=record.redoes if record else None,
                reason=record.reason if record else None,
                summary=_summary(record, events, view or after),
                can_undo=can_undo,
                can_redo=can_redo,
                cannot_undo_reason=why_not,
            )
        )
        view = after
    return [_in_the_way(entry, rows, records) for entry in entries]


def _in_the_way(
    entry: HistoryEntry, rows: list[tuple[Commit, list[Any]]], records: dict[str, CommandRecord]
) -> HistoryEntry:
    """The entry, with "Undo this" / "Redo this" off while a later change stands in the way.

    The worker's own rule (`commands.handlers.undo.standing`), on the commits of
    this stream the history has read already: no further reads.
    """
    record = records.get(entry.command_id)
    if record is None or not (entry.can_undo or entry.can_redo):
        return entry
    links = record.undone_by if entry.can_redo else record.redone_by
    carrier = links[-1] if links else record.command_id
    at = next((i for i, (commit, _) in enumerate(rows) if commit.command_id == carrier), None)
    if at is None:
        return entry
    facts = frozenset().union(*(touched(event) for event in rows[at][1]))
    overlapping = [
        commit.command_id
        for commit, events in rows[at + 1 :]
        for event in events
        if commit.command_id and overlaps(facts, touched(event))
    ]
    ahead = standing(records.get, overlapping)
    if not ahead:
        return entry
    newest = next(
        summary_of(records[commit.command_id])
        for commit, _ in reversed(rows)
        if commit.command_id in ahead and commit.command_id in records
    )
    verb = "redone" if entry.can_redo else "undone"
    reason = f"This cannot be {verb} while a later change stands: {newest}. Undo that first."
    return entry.model_copy(
        update={"can_undo": False, "can_redo": False, "cannot_undo_reason": reason}
    )


def as_of(
    store: EventStore, stream_id: str, instant: datetime, mapper: Mapper[Any] | None = None
) -> AnyView | None:
    """The aggregate's view as it was at `instant` (naive means UTC); None if not yet created.

    Commits are folded in version order up to the first one committed after
    the instant, so the result is always a state the aggregate really had.
    """
    mapper = mapper or build_mapper()
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    events: list[Any] = []
    for commit in store.read_commits(stream_id):
        if datetime.fromisoformat(commit.committed_at) > instant:
            break
        events += _events(commit, mapper)
    return _folded(stream_id, None, events)
