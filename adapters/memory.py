"""In-memory adapters: the same ports as the AWS ones, for unit and functional tests."""

from __future__ import annotations

import hashlib
import threading
from bisect import insort
from collections.abc import Iterator, Sequence
from datetime import datetime

from commands.command_log import (
    CommandError,
    CommandLog,
    CommandPage,
    CommandRecord,
    SearchFilters,
    now_iso,
    search_position,
    take_page,
)
from commands.event_store import (
    Commit,
    ConcurrencyConflict,
    EventStore,
    SnapshotRecord,
    StreamHead,
)
from pipeline.filters import Job, Stage, StoredObject


class InMemoryEventStore(EventStore):
    """An event store in a dict, with the same commit semantics as DynamoDB's."""

    def __init__(self) -> None:
        self._streams: dict[str, dict[int, Commit]] = {}
        self._snapshots: dict[str, list[tuple[int, SnapshotRecord]]] = {}
        self._lock = threading.Lock()

    def _write(self, commits: Sequence[Commit], expected: dict[str, StreamHead | None]) -> None:
        with self._lock:
            taken = [
                commit.stream_id
                for commit in commits
                if commit.first_version in self._streams.get(commit.stream_id, {})
            ]
            if taken:
                raise ConcurrencyConflict(taken)
            for commit in commits:
                self._streams.setdefault(commit.stream_id, {})[commit.first_version] = commit

    def read_commits(
        self,
        stream_id: str,
        *,
        after_version: int = -1,
        up_to_version: int | None = None,
        at_commit_boundary: bool = False,
    ) -> list[Commit]:
        with self._lock:
            commits = sorted(self._streams.get(stream_id, {}).values(), key=_first)
        return [
            commit
            for commit in commits
            if commit.last_version > after_version
            and (up_to_version is None or commit.first_version <= up_to_version)
        ]

    def last_commit(self, stream_id: str) -> Commit | None:
        with self._lock:
            commits = self._streams.get(stream_id)
            return commits[max(commits)] if commits else None

    def put_snapshot(self, record: SnapshotRecord) -> None:
        with self._lock:
            snapshots = self._snapshots.setdefault(record.stream_id, [])
            snapshots[:] = [(v, r) for v, r in snapshots if v != record.version]
            insort(snapshots, (record.version, record), key=lambda pair: pair[0])

    def get_snapshot(
        self, stream_id: str, up_to_version: int | None = None
    ) -> SnapshotRecord | None:
        with self._lock:
            candidates = [
                record
                for version, record in self._snapshots.get(stream_id, [])
                if up_to_version is None or version <= up_to_version
            ]
        return candidates[-1] if candidates else None

    def all_commits(self) -> Iterator[Commit]:
        with self._lock:
            streams = {sid: sorted(c.values(), key=_first) for sid, c in self._streams.items()}
        for stream_id in sorted(streams):
            yield from streams[stream_id]

    def tamper(self, stream_id: str, first_version: int, commit: Commit) -> None:
        """Replace a stored commit behind the store's back (for tamper-detection tests)."""
        with self._lock:
            self._streams[stream_id][first_version] = commit


def _first(commit: Commit) -> int:
    return commit.first_version


class InMemoryCommandLog(CommandLog):
    """The command log in a dict, with the DynamoDB adapter's write-once semantics."""

    def __init__(self) -> None:
        self._records: dict[str, CommandRecord] = {}
        self._lock = threading.Lock()

    def record_accepted(self, record: CommandRecord) -> CommandRecord | None:
        with self._lock:
            known = self._records.get(record.command_id)
            if known is None:
                self._records[record.command_id] = record
            return known

    def get(self, command_id: str) -> CommandRecord | None:
        with self._lock:
            return self._records.get(command_id)

    def finish(self, record: CommandRecord) -> CommandRecord:
        with self._lock:
            existing = self._records.get(record.command_id)
            if existing is not None and existing.is_final:
                return existing
            if existing is not None:
                record = record.model_copy(
                    update={
                        "attempts": existing.attempts,
                        "failed_at": existing.failed_at,
                        "undone_by": existing.undone_by,
                        "redone_by": existing.redone_by,
                    }
                )
            self._records[record.command_id] = record
            return record

    def record_failure(
        self, record: CommandRecord, error: CommandError, final: bool, count: bool = True
    ) -> None:
        with self._lock:
            existing = self._records.get(record.command_id, record)
            if existing.is_final:
                return
            self._records[record.command_id] = existing.model_copy(
                update={
                    "attempts": existing.attempts + (1 if count else 0),
                    "error": error,
                    "status": "failed" if final else existing.status,
                    "failed_at": now_iso() if final else existing.failed_at,
                }
            )

    def _link(self, target_id: str, field: str, command_id: str) -> None:
        with self._lock:
            target = self._records.get(target_id)
            if target is None or command_id in getattr(target, field):
                return
            self._records[target_id] = target.model_copy(
                update={field: [*getattr(target, field), command_id]}
            )

    def link_undo(self, target_id: str, undo_id: str) -> None:
        self._link(target_id, "undone_by", undo_id)

    def link_redo(self, target_id: str, redo_id: str) -> None:
        self._link(target_id, "redone_by", redo_id)

    def history(self, actor_id: str, limit: int = 50) -> list[CommandRecord]:
        with self._lock:
            mine = [r for r in self._records.values() if r.actor_id == actor_id]
        mine.sort(key=lambda record: (record.issued_at, record.command_id), reverse=True)
        return mine[:limit]

    def search(
        self,
        *,
        actor: str | None = None,
        command_type: str | None = None,
        aggregate_id: str | None = None,
        status: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> CommandPage:
        filters = SearchFilters.of(actor, command_type, aggregate_id, status, since, until)
        with self._lock:
            records = list(self._records.values())
        records.sort(key=search_position, reverse=True)
        return take_page(records, filters, limit, cursor)


class InMemoryPhotoObjects:
    """`pipeline.filters.PhotoObjects` in a dict (tests, benchmarks)."""

    def __init__(self) -> None:
        self.objects: dict[str, tuple[bytes, str | None]] = {}
        self.puts = 0

    def head(self, key: str) -> StoredObject | None:
        if key not in self.objects:
            return None
        data, content_type = self.objects[key]
        return StoredObject(
            len(data), content_type, hashlib.md5(data, usedforsecurity=False).hexdigest()
        )

    def get(self, key: str) -> bytes:
        return self.objects[key][0]

    def put(self, key: str, data: bytes, content_type: str | None) -> None:
        self.objects[key] = (data, content_type)
        self.puts += 1


class InMemoryPipe:
    """`pipeline.filters.Pipe` as lists of jobs per stage (tests drive the filters by hand)."""

    def __init__(self) -> None:
        self.sent: dict[str, list[Job]] = {}

    def send(self, stage: Stage, job: Job) -> None:
        self.sent.setdefault(stage, []).append(job)

    def take(self, stage: Stage) -> list[Job]:
        return self.sent.pop(stage, [])
