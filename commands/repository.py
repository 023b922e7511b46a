"""Loading and saving aggregates: snapshots, a warm-container cache, and the mapper.

Loading reads the newest snapshot and the commits after it, so it costs a
bounded number of items however long the stream grows. A warm worker keeps the
aggregates it loaded or wrote: the next command on the same aggregate needs no
read at all, and a stale copy is harmless because the conditional append
refuses it (the worker then forgets it and reloads).
"""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast
from uuid import UUID

from eventsourcing.domain import Aggregate, Snapshot
from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    Mapper,
    StoredEvent,
    UUIDAsHex,
)

from commands.event_store import (
    Commit,
    CommitPriority,
    ConcurrencyConflict,
    EventStore,
    PendingCommit,
    SnapshotRecord,
    StreamHead,
)

RECENT_COMMANDS = 20


def build_mapper() -> Mapper[UUID]:
    transcoder = JSONTranscoder()
    for transcoding in (UUIDAsHex(), DatetimeAsISO(), DecimalAsStr()):
        transcoder.register(transcoding)
    return Mapper(transcoder=transcoder)


@dataclass
class Loaded:
    """An aggregate as loaded, with the stream head it was loaded at."""

    aggregate: Aggregate
    head: StreamHead
    recent_command_ids: deque[str] = field(default_factory=lambda: deque(maxlen=RECENT_COMMANDS))
    #: Handed out by the warm cache: it may be behind the store.
    from_cache: bool = False

    def copy(self, from_cache: bool = False) -> Loaded:
        return Loaded(
            copy.deepcopy(self.aggregate),
            self.head,
            deque(self.recent_command_ids, maxlen=RECENT_COMMANDS),
            from_cache,
        )


class AggregateCache:
    """The aggregates a warm container has seen, least recently used evicted first."""

    def __init__(self, capacity: int = 1000) -> None:
        self.capacity = capacity
        self._entries: OrderedDict[str, Loaded] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, stream_id: str) -> Loaded | None:
        with self._lock:
            entry = self._entries.get(stream_id)
            if entry is None:
                return None
            self._entries.move_to_end(stream_id)
            return entry.copy(from_cache=True)

    def put(self, stream_id: str, loaded: Loaded) -> None:
        if self.capacity <= 0:
            return
        with self._lock:
            self._entries[stream_id] = loaded.copy()
            self._entries.move_to_end(stream_id)
            while len(self._entries) > self.capacity:
                self._entries.popitem(last=False)

    def forget(self, stream_ids: Iterable[str]) -> None:
        with self._lock:
            for stream_id in stream_ids:
                self._entries.pop(stream_id, None)


class Repository:
    def __init__(
        self,
        store: EventStore,
        snapshot_interval: int = 20,
        cache: AggregateCache | None = None,
    ) -> None:
        self.store = store
        self.snapshot_interval = snapshot_interval
        self.cache = cache if cache is not None else AggregateCache()
        self.mapper = build_mapper()

    def to_domain(self, stored: StoredEvent) -> Any:
        return self.mapper.to_domain_event(stored)

    def load(self, stream_id: str, *, use_cache: bool = True) -> Loaded | None:
        """The aggregate's current state, or None if the stream is empty."""
        if use_cache:
            cached = self.cache.get(stream_id)
            if cached is not None:
                return cached
        loaded = self._replay(stream_id, up_to_version=None)
        if loaded is not None:
            self.cache.put(stream_id, loaded)
        return loaded

    def load_at(self, stream_id: str, version: int) -> Aggregate | None:
        """The aggregate as it was at `version` (for history and time travel)."""
        loaded = self._replay(stream_id, up_to_version=version)
        return loaded.aggregate if loaded else None

    def _replay(self, stream_id: str, up_to_version: int | None) -> Loaded | None:
        snapshot = self.store.get_snapshot(stream_id, up_to_version)
        after = snapshot.version if snapshot else -1
        commits = self.store.read_commits(
            stream_id, after_version=after, up_to_version=up_to_version, at_commit_boundary=True
        )
        aggregate: Aggregate | None = None
        recent: deque[str] = deque(maxlen=RECENT_COMMANDS)
        head = snapshot.head if snapshot else None
        if snapshot is not None:
            aggregate = cast(Aggregate, self.to_domain(snapshot.snapshot).mutate(None))
            recent.extend(snapshot.recent_command_ids)
        for commit in commits:
            for chained in commit.events:
                if up_to_version is not None and chained.version > up_to_version:
                    break
                aggregate = self.to_domain(chained.stored).mutate(aggregate)
                head = StreamHead(chained.version, chained.hash)
            if commit.command_id:
                recent.append(commit.command_id)
        if aggregate is None or head is None:
            return None
        return Loaded(aggregate, head, recent)

    def save(
        self,
        changes: Sequence[tuple[Loaded | None, Aggregate]],
        command_id: str,
        actor_id: str = "",
        priority: CommitPriority = "high",
    ) -> list[Commit]:
        """Append each changed aggregate's pending events as one commit per stream.

        The conditional append refuses a stale copy of what a command writes.
        What it only read, from the warm cache, is checked here first: if that
        stream moved since, ConcurrencyConflict, so the decision is made again.
        """
        self._check_unchanged_reads(changes)
        pending = []
        for loaded, aggregate in changes:
            events = aggregate.collect_events()
            if not events:
                continue
            pending.append(
                PendingCommit(
                    stream_id=str(aggregate.id),
                    events=[self.mapper.to_stored_event(event) for event in events],
                    expected=loaded.head if loaded else None,
                    command_id=command_id,
                    aggregate_type=type(aggregate).__name__,
                    owner=str(getattr(aggregate, "owner", "")),
                    actor_id=actor_id,
                    priority=priority,
                )
            )
        try:
            commits = self.store.append(pending)
        except Exception:
            self.cache.forget(item.stream_id for item in pending)
            raise
        by_stream = {commit.stream_id: commit for commit in commits}
        for loaded, aggregate in changes:
            commit = by_stream.get(str(aggregate.id))
            if commit is None:
                continue
            recent = deque(loaded.recent_command_ids if loaded else (), maxlen=RECENT_COMMANDS)
            recent.append(command_id)
            saved = Loaded(aggregate, commit.head, recent)
            self.cache.put(commit.stream_id, saved)
            self._maybe_snapshot(saved, previous=loaded.head.version if loaded else 0)
        return commits

    def _check_unchanged_reads(self, changes: Sequence[tuple[Loaded | None, Aggregate]]) -> None:
        """Cached copies the command read but did not change are still the stream's head.

        A consistent read of each head, just before the append; a freshly loaded
        copy needs none, as its load was that read. (A DynamoDB ConditionCheck in
        the append's transaction would close the gap between the two, but moto
        rolls a failed transaction back by replacing the whole table, which
        strands every open stream iterator, and the local stack's projection with it.)
        """
        stale = [
            str(aggregate.id)
            for loaded, aggregate in changes
            if loaded is not None
            and loaded.from_cache
            and not aggregate.pending_events
            and self.store.head(str(aggregate.id)) != loaded.head
        ]
        if stale:
            self.cache.forget(stale)
            raise ConcurrencyConflict(stale, "a cached copy read by the command is behind")

    def _maybe_snapshot(self, saved: Loaded, previous: int) -> None:
        """Snapshot when the stream crosses a multiple of the interval."""
        interval = self.snapshot_interval
        if interval <= 0 or saved.head.version // interval == previous // interval:
            return
        snapshot = Snapshot.take(saved.aggregate)
        self.store.put_snapshot(
            SnapshotRecord(
                stream_id=str(saved.aggregate.id),
                snapshot=self.mapper.to_stored_event(snapshot),
                head=saved.head,
                recent_command_ids=tuple(saved.recent_command_ids),
            )
        )
