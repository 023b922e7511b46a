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

from commands.command_log import CommandLog
from commands.event_store import Commit, EventStore
from commands.repository import build_mapper
from projections.projectors import AnyView, fold

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
    view: AnyView | None = None
    for commit in store.read_commits(stream_id):
        events = _events(commit, mapper)
        after = fold(view, events)
        if after is None:
            continue
        before_fields, after_fields = changed_fields(view, after)
        record = log.get(commit.command_id) if commit.command_id else None
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
            )
        )
        view = after
    return entries


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
    return fold(None, events)
