"""Rebuilding the read models from the event store, so they equal what live projection left.

The rebuild clears the read models, folds each stream's events through the same
pure projectors live projection uses (in memory, one stream at a time), and
writes the results in bulk: every view and the derived rows of its final
state. Derived rows exist only while they hold, so the final state's rows are
exactly what live projection leaves. Which commands are projected needs no rows:
it follows from the views' versions.

Run it against the tables the environment names with `python -m projections.rebuild`.
The bulk writes are unconditional, so stop the projections queue's consumer
while a rebuild runs (its messages wait in the queue and apply harmlessly after).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from eventsourcing.persistence import Mapper

from commands.event_store import Commit, EventStore
from commands.repository import build_mapper
from projections.projectors import AnyView, derived_changes, fold
from projections.read_models import ReadModels
from projections.views import ShareRow, TagRow

#: (rows written, rows to write), after each chunk.
Progress = Callable[[int, int], None]

#: The aggregates whose read models a rebuild replaces. Person commits are projected too,
#: into the people model, which Cognito also feeds: a rebuild leaves it alone.
PROJECTED_TYPES = frozenset({"Album", "Photo"})
CHUNK = 500


@dataclass(frozen=True)
class RebuildReport:
    streams: int
    events: int
    seconds: float


@dataclass
class _Folded:
    views: list[AnyView]
    tags: list[TagRow]
    shares: list[ShareRow]
    events: int

    @property
    def rows(self) -> int:
        return len(self.views) + len(self.tags) + len(self.shares)


def rebuild(
    store: EventStore,
    read_models: ReadModels,
    progress: Progress | None = None,
    *,
    mapper: Mapper[Any] | None = None,
    chunk: int = CHUNK,
) -> RebuildReport:
    """Replace the read models with a projection of every commit in the store."""
    started = time.perf_counter()
    folded = fold_store(store.all_commits(), mapper or build_mapper())
    read_models.clear()
    done, total = 0, folded.rows
    if progress:
        progress(done, total)
    batches: list[tuple[str, Sequence[Any]]] = [
        ("views", folded.views),
        ("tags", folded.tags),
        ("shares", folded.shares),
    ]
    for kind, rows in batches:
        for start in range(0, len(rows), chunk):
            part = rows[start : start + chunk]
            read_models.bulk_load(**{kind: part})
            done += len(part)
            if progress:
                progress(done, total)
    return RebuildReport(
        streams=len(folded.views), events=folded.events, seconds=time.perf_counter() - started
    )


def fold_store(commits: Iterable[Commit], mapper: Mapper[Any]) -> _Folded:
    """Every projected stream folded to its final view, with its derived rows."""
    folded = _Folded([], [], [], 0)
    streams: dict[str, list[Commit]] = {}
    for commit in commits:
        streams.setdefault(commit.stream_id, []).append(commit)
    for _, stream in sorted(streams.items()):
        ordered = sorted(stream, key=lambda commit: commit.first_version)
        kind = ordered[0].aggregate_type
        if kind and kind not in PROJECTED_TYPES:
            continue
        events = [mapper.to_domain_event(chained.stored) for c in ordered for chained in c.events]
        view = fold(None, events)
        if view is None:
            continue
        folded.events += len(events)
        folded.views.append(view)
        changes = derived_changes(None, view)
        folded.tags += changes.tags
        folded.shares += changes.shares
    return folded


# -- the command line ------------------------------------------------------------------


def progress_bar(out: TextIO = sys.stderr, width: int = 40) -> Progress:
    """A progress callback drawing `[#####.....] done/total rows` on one line."""

    def draw(done: int, total: int) -> None:
        filled = width if total == 0 else width * done // total
        out.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} rows")
        if done >= total:
            out.write("\n")
        out.flush()

    return draw
