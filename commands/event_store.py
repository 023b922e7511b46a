"""The event store port: commits of stored events, hash-chained per stream.

A *commit* is everything one command wrote to one stream: one or more stored
events with contiguous versions, the command id, and the time. Backends keep a
commit as one record, keyed by (stream, first version), so a single-stream
commit is one conditional write: two writers that loaded the same version race
for the same key and exactly one wins.

Every event carries the hash of its predecessor in the stream, which makes an
altered, removed or reordered event detectable (see `verify_chains`).

The base class also honours the `eventsourcing` library's `AggregateRecorder`
contract, so the library's own recorder test cases run against every backend.
"""

from __future__ import annotations

import hashlib
from abc import abstractmethod
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal
from uuid import UUID

from eventsourcing.persistence import AggregateRecorder, IntegrityError, StoredEvent

GENESIS_HASH = "0" * 64

#: The priority of the command that wrote a commit: which read-side queue carries it.
CommitPriority = Literal["high", "low"]


class ConcurrencyConflict(IntegrityError):
    """Another writer appended to the stream since it was loaded."""

    def __init__(self, stream_ids: Iterable[str], detail: str = "") -> None:
        self.stream_ids = tuple(stream_ids)
        super().__init__(
            f"stream(s) {', '.join(self.stream_ids)} changed since loaded"
            + (f": {detail}" if detail else "")
        )


@dataclass(frozen=True)
class StreamHead:
    """The last version of a stream and the hash of its last event."""

    version: int
    hash: str


@dataclass(frozen=True)
class ChainedEvent:
    """A stored event with its place in the stream's hash chain."""

    stored: StoredEvent
    prev_hash: str
    hash: str

    @property
    def version(self) -> int:
        return self.stored.originator_version


@dataclass(frozen=True)
class Commit:
    """What one command wrote to one stream, as recorded."""

    stream_id: str
    command_id: str
    committed_at: str
    events: tuple[ChainedEvent, ...]
    #: Who and what, for subscribers that filter without decoding the events.
    aggregate_type: str = ""
    owner: str = ""
    actor_id: str = ""
    #: Routing metadata (bulk commits are projected from their own queue); not hashed.
    priority: CommitPriority = "high"

    @property
    def first_version(self) -> int:
        return self.events[0].version

    @property
    def last_version(self) -> int:
        return self.events[-1].version

    @property
    def head(self) -> StreamHead:
        return StreamHead(self.last_version, self.events[-1].hash)


@dataclass(frozen=True)
class PendingCommit:
    """Events to append to one stream, with the head the writer loaded."""

    stream_id: str
    events: Sequence[StoredEvent]
    expected: StreamHead | None
    command_id: str = ""
    aggregate_type: str = ""
    owner: str = ""
    actor_id: str = ""
    priority: CommitPriority = "high"


@dataclass(frozen=True)
class SnapshotRecord:
    """A stored snapshot with the chain head it was taken at."""

    stream_id: str
    snapshot: StoredEvent
    head: StreamHead
    recent_command_ids: tuple[str, ...] = ()

    @property
    def version(self) -> int:
        return self.head.version


@dataclass
class ChainBreak:
    stream_id: str
    version: int
    reason: str


@dataclass
class VerificationReport:
    streams_checked: int = 0
    events_checked: int = 0
    breaks: list[ChainBreak] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.breaks


def event_hash(prev_hash: str, stored: StoredEvent) -> str:
    """The chain link: a digest of the predecessor's hash and this event's content."""
    digest = hashlib.sha256()
    for part in (
        prev_hash.encode(),
        str(stored.originator_id).encode(),
        str(stored.originator_version).encode(),
        stored.topic.encode(),
        stored.state,
    ):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def chain(events: Sequence[StoredEvent], after: StreamHead | None) -> tuple[ChainedEvent, ...]:
    """Link events onto a stream whose head is `after` (None for a new stream)."""
    prev = after.hash if after else GENESIS_HASH
    linked = []
    for stored in events:
        digest = event_hash(prev, stored)
        linked.append(ChainedEvent(stored=stored, prev_hash=prev, hash=digest))
        prev = digest
    return tuple(linked)


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


def stream_key(originator_id: UUID | str) -> str:
    return str(originator_id)


class EventStore(AggregateRecorder):
    """The port. Backends implement the abstract primitives below."""

    # -- primitives -------------------------------------------------------------------

    @abstractmethod
    def _write(self, commits: Sequence[Commit], expected: dict[str, StreamHead | None]) -> None:
        """Write all commits atomically; raise ConcurrencyConflict when a key is taken."""

    @abstractmethod
    def read_commits(
        self,
        stream_id: str,
        *,
        after_version: int = -1,
        up_to_version: int | None = None,
        at_commit_boundary: bool = False,
    ) -> list[Commit]:
        """Commits of a stream whose events lie after `after_version`, oldest first.

        A commit that straddles `after_version` is included whole. A caller that
        knows `after_version` is a commit's last version (a snapshot's head, say)
        passes `at_commit_boundary=True` so backends need not look for one.
        """

    @abstractmethod
    def last_commit(self, stream_id: str) -> Commit | None:
        """The newest commit of a stream, or None for an empty stream."""

    @abstractmethod
    def put_snapshot(self, record: SnapshotRecord) -> None:
        """Store a snapshot (overwriting one at the same version is harmless)."""

    @abstractmethod
    def get_snapshot(
        self, stream_id: str, up_to_version: int | None = None
    ) -> SnapshotRecord | None:
        """The newest snapshot at or below `up_to_version`."""

    @abstractmethod
    def all_commits(self) -> Iterator[Commit]:
        """Every commit of every stream, each stream's commits in version order."""

    # -- the write path ---------------------------------------------------------------

    def append(self, pending: Sequence[PendingCommit]) -> list[Commit]:
        """Chain and write the pending commits; one conditional write per stream.

        Raises ConcurrencyConflict when any stream's head moved since it was
        loaded, and IntegrityError for malformed commits. Nothing is written
        unless everything is.
        """
        commits: list[Commit] = []
        expected: dict[str, StreamHead | None] = {}
        committed_at = now_iso()
        for item in pending:
            if not item.events:
                continue
            if item.stream_id in expected:
                raise IntegrityError(f"two commits for stream {item.stream_id} in one append")
            versions = [event.originator_version for event in item.events]
            if any(stream_key(e.originator_id) != item.stream_id for e in item.events):
                raise IntegrityError("a commit's events must all belong to its stream")
            if versions != list(range(versions[0], versions[0] + len(versions))):
                raise IntegrityError(f"versions {versions} are not contiguous")
            if item.expected is not None and versions[0] != item.expected.version + 1:
                raise ConcurrencyConflict(
                    [item.stream_id],
                    f"expected version {item.expected.version + 1}, got {versions[0]}",
                )
            expected[item.stream_id] = item.expected
            commits.append(
                Commit(
                    stream_id=item.stream_id,
                    command_id=item.command_id,
                    committed_at=committed_at,
                    events=chain(item.events, item.expected),
                    aggregate_type=item.aggregate_type,
                    owner=item.owner,
                    actor_id=item.actor_id,
                    priority=item.priority,
                )
            )
        if commits:
            self._write(commits, expected)
        return commits

    def head(self, stream_id: str) -> StreamHead | None:
        last = self.last_commit(stream_id)
        return last.head if last else None

    # -- the eventsourcing recorder contract --------------------------------------------

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> None:
        by_stream: dict[str, list[StoredEvent]] = defaultdict(list)
        for stored in stored_events:
            by_stream[stream_key(stored.originator_id)].append(stored)
        pending = []
        for stream_id, events in by_stream.items():
            head = self.head(stream_id)
            if head is not None and events[0].originator_version != head.version + 1:
                raise IntegrityError(
                    f"stream {stream_id} is at version {head.version}; "
                    f"cannot insert version {events[0].originator_version}"
                )
            pending.append(
                PendingCommit(stream_id, events, head, str(kwargs.get("command_id", "")))
            )
        self.append(pending)
        return None

    def select_events(
        self,
        originator_id: UUID | str,
        *,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> list[StoredEvent]:
        stream_id = stream_key(originator_id)
        if desc and limit is not None and gt is None:
            events = self._newest_events(stream_id, lte, limit)
        else:
            commits = self.read_commits(
                stream_id, after_version=-1 if gt is None else gt, up_to_version=lte
            )
            events = [
                chained.stored
                for commit in commits
                for chained in commit.events
                if (gt is None or chained.version > gt) and (lte is None or chained.version <= lte)
            ]
            if desc:
                events.reverse()
        # Hand back the caller's id type (UUID or str), as the contract expects.
        events = [replace(stored, originator_id=originator_id) for stored in events]
        return events[:limit] if limit is not None else events

    def _newest_events(self, stream_id: str, lte: int | None, limit: int) -> list[StoredEvent]:
        """The newest `limit` events at or below `lte`, newest first (versions are contiguous)."""
        top = lte
        if top is None:
            last = self.last_commit(stream_id)
            if last is None:
                return []
            if len(last.events) >= limit:
                return [chained.stored for chained in reversed(last.events)][:limit]
            top = last.last_version
        bottom = max(top - limit, -1)
        commits = self.read_commits(stream_id, after_version=bottom, up_to_version=top)
        events = [
            chained.stored
            for commit in commits
            for chained in commit.events
            if bottom < chained.version <= top
        ]
        events.reverse()
        return events[:limit]

    # -- integrity ---------------------------------------------------------------------

    def verify(self, stream_id: str | None = None) -> VerificationReport:
        """Recompute every hash chain (or one) and report each stream's first break."""
        report = VerificationReport()
        commits = self.read_commits(stream_id) if stream_id else self.all_commits()
        current: str | None = None
        prev_hash = GENESIS_HASH
        previous_version: int | None = None
        broken = False
        for commit in commits:
            if commit.stream_id != current:
                current = commit.stream_id
                report.streams_checked += 1
                prev_hash, previous_version, broken = GENESIS_HASH, None, False
            for chained in commit.events:
                report.events_checked += 1
                if broken:
                    continue
                reason = _link_fault(chained, prev_hash, previous_version)
                if reason:
                    report.breaks.append(ChainBreak(commit.stream_id, chained.version, reason))
                    broken = True
                prev_hash, previous_version = chained.hash, chained.version
        return report


def _link_fault(chained: ChainedEvent, prev_hash: str, previous_version: int | None) -> str:
    """Why this event does not follow its predecessor, or '' when it does."""
    if previous_version is not None and chained.version != previous_version + 1:
        return f"version {previous_version + 1} is missing (found {chained.version} next)"
    if chained.prev_hash != prev_hash:
        return (
            "its link to the previous event does not match "
            "(an earlier event was altered or removed)"
        )
    if event_hash(prev_hash, chained.stored) != chained.hash:
        return "content does not match its hash (the event was altered)"
    return ""
