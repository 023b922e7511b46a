"""The event store contract, run against the in-memory fake and DynamoDB alike.

A subclass named `Test...` supplies the store and the means to tamper with it
behind its back (the way an attacker with table access would).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from uuid import uuid4

import pytest
from eventsourcing.persistence import StoredEvent

from commands.event_store import (
    ConcurrencyConflict,
    EventStore,
    PendingCommit,
    SnapshotRecord,
    StreamHead,
    chain,
)


def new_stream() -> str:
    return str(uuid4())


def events(stream_id: str, first: int, count: int, label: str = "e") -> list[StoredEvent]:
    return [
        StoredEvent(
            originator_id=stream_id,
            originator_version=version,
            topic=f"gallery:{label}",
            state=f"{label}{version}".encode(),
        )
        for version in range(first, first + count)
    ]


def commit(
    store: EventStore, stream_id: str, first: int, count: int, command_id: str = ""
) -> StreamHead:
    """Append `count` events after the stream's current head; return the new head."""
    head = store.head(stream_id)
    [written] = store.append(
        [PendingCommit(stream_id, events(stream_id, first, count), head, command_id)]
    )
    return written.head


def versions_of(
    store: EventStore,
    stream_id: str,
    after_version: int = -1,
    up_to_version: int | None = None,
    at_commit_boundary: bool = False,
) -> list[list[int]]:
    """The event versions of each commit `read_commits` returns."""
    commits = store.read_commits(
        stream_id,
        after_version=after_version,
        up_to_version=up_to_version,
        at_commit_boundary=at_commit_boundary,
    )
    return [[chained.version for chained in c.events] for c in commits]


class EventStoreContract(ABC):
    @abstractmethod
    def create_store(self) -> EventStore:
        """A new, empty store."""

    @abstractmethod
    def tamper_event(
        self, store: EventStore, stream_id: str, version: int, new_state: bytes
    ) -> None:
        """Overwrite one stored event's state, bypassing the store."""

    @abstractmethod
    def remove_commit(self, store: EventStore, stream_id: str, first_version: int) -> None:
        """Delete one stored commit, bypassing the store."""

    # -- appending ------------------------------------------------------------------------

    def test_a_single_commit_is_read_back_as_written(self) -> None:
        store = self.create_store()
        stream_id = new_stream()
        written = events(stream_id, 1, 3)

        store.append([PendingCommit(stream_id, written, None, command_id="cmd-1")])

        [stored] = store.read_commits(stream_id)
        assert stored.stream_id == stream_id
        assert stored.command_id == "cmd-1"
        assert (stored.first_version, stored.last_version) == (1, 3)
        assert [(c.version, c.stored.topic, c.stored.state) for c in stored.events] == [
            (e.originator_version, e.topic, e.state) for e in written
        ]
        assert stored.committed_at

    def test_a_commit_keeps_its_priority_and_its_hashes_do_not_depend_on_it(self) -> None:
        store = self.create_store()
        bulk, interactive = new_stream(), new_stream()

        # when: a bulk command and an interactive one each write a commit
        store.append(
            [
                PendingCommit(bulk, events(bulk, 1, 2), None, "cmd-bulk", priority="low"),
                PendingCommit(interactive, events(interactive, 1, 2), None, "cmd-now"),
            ]
        )

        # then: each reads back with its priority, and priority is no part of the chain
        [low] = store.read_commits(bulk)
        [high] = store.read_commits(interactive)
        assert (low.priority, high.priority) == ("low", "high")
        assert store.last_commit(bulk) == low
        assert low.events == chain(events(bulk, 1, 2), None)
        assert high.events == chain(events(interactive, 1, 2), None)
        assert store.verify().intact

    def test_two_writers_from_the_same_head_one_wins_and_the_other_gets_a_conflict(
        self,
    ) -> None:
        store = self.create_store()
        stream_id = new_stream()
        head = commit(store, stream_id, 1, 1)

        # given two writers that both loaded version 1
        first = PendingCommit(stream_id, events(stream_id, 2, 2, "first"), head, "cmd-a")
        second = PendingCommit(stream_id, events(stream_id, 2, 1, "second"), head, "cmd-b")

        # when both append
        store.append([first])
        with pytest.raises(ConcurrencyConflict) as conflict:
            store.append([second])

        # then the first writer's events stand alone
        assert conflict.value.stream_ids == (stream_id,)
        assert [c.command_id for c in store.read_commits(stream_id)] == ["", "cmd-a"]
        assert store.head(stream_id) == StreamHead(3, store.read_commits(stream_id)[-1].head.hash)

    def test_events_that_do_not_follow_the_expected_head_are_a_conflict(self) -> None:
        store = self.create_store()
        stream_id = new_stream()
        head = commit(store, stream_id, 1, 2)

        with pytest.raises(ConcurrencyConflict):
            store.append([PendingCommit(stream_id, events(stream_id, 4, 1), head)])

        assert versions_of(store, stream_id) == [[1, 2]]

    def test_a_writer_with_a_stale_head_gets_a_conflict(self) -> None:
        store = self.create_store()
        stream_id = new_stream()
        stale = commit(store, stream_id, 1, 1)
        commit(store, stream_id, 2, 1)

        with pytest.raises(ConcurrencyConflict):
            store.append([PendingCommit(stream_id, events(stream_id, 2, 1, "late"), stale)])

        assert versions_of(store, stream_id) == [[1], [2]]

    def test_a_multi_stream_append_with_one_conflicting_stream_writes_nothing(self) -> None:
        store = self.create_store()
        album, photo = new_stream(), new_stream()
        stale = commit(store, photo, 1, 1)
        commit(store, photo, 2, 1)

        with pytest.raises(ConcurrencyConflict) as conflict:
            store.append(
                [
                    PendingCommit(album, events(album, 1, 2), None, "cmd-move"),
                    PendingCommit(photo, events(photo, 2, 1, "late"), stale, "cmd-move"),
                ]
            )

        assert conflict.value.stream_ids == (photo,)
        assert store.read_commits(album) == []
        assert versions_of(store, photo) == [[1], [2]]

    def test_a_multi_stream_append_writes_every_stream(self) -> None:
        store = self.create_store()
        album, photo = new_stream(), new_stream()

        store.append(
            [
                PendingCommit(album, events(album, 1, 1), None, "cmd-add"),
                PendingCommit(photo, events(photo, 1, 2), None, "cmd-add"),
            ]
        )

        assert versions_of(store, album) == [[1]]
        assert versions_of(store, photo) == [[1, 2]]

    # -- reading --------------------------------------------------------------------------

    def test_read_commits_includes_a_commit_that_straddles_after_version(self) -> None:
        store = self.create_store()
        stream_id = new_stream()
        for first, count in ((1, 2), (3, 3), (6, 1), (7, 2)):
            commit(store, stream_id, first, count)

        assert versions_of(store, stream_id, after_version=4) == [[3, 4, 5], [6], [7, 8]]
        assert versions_of(store, stream_id, after_version=5) == [[6], [7, 8]]
        assert versions_of(store, stream_id, after_version=2, up_to_version=6) == [
            [3, 4, 5],
            [6],
        ]
        assert versions_of(store, stream_id, after_version=3, up_to_version=4) == [[3, 4, 5]]
        assert versions_of(store, stream_id, up_to_version=2) == [[1, 2]]
        assert versions_of(store, stream_id, after_version=8) == []
        assert versions_of(store, stream_id, after_version=4, up_to_version=2) == []

    def test_read_commits_at_a_commit_boundary_starts_after_it(self) -> None:
        store = self.create_store()
        stream_id = new_stream()
        for first, count in ((1, 2), (3, 3), (6, 1)):
            commit(store, stream_id, first, count)

        commits = versions_of(store, stream_id, after_version=5, at_commit_boundary=True)

        assert commits == [[6]]

    def test_reading_an_unknown_stream_finds_nothing(self) -> None:
        store = self.create_store()
        stream_id = new_stream()

        assert store.read_commits(stream_id) == []
        assert store.read_commits(stream_id, after_version=3) == []
        assert store.last_commit(stream_id) is None
        assert store.head(stream_id) is None

    def test_last_commit_is_the_newest_and_gives_the_head(self) -> None:
        store = self.create_store()
        stream_id = new_stream()
        commit(store, stream_id, 1, 3)
        head = commit(store, stream_id, 4, 2, command_id="cmd-2")

        last = store.last_commit(stream_id)

        assert last is not None
        assert (last.first_version, last.command_id) == (4, "cmd-2")
        assert store.head(stream_id) == head == StreamHead(5, last.events[-1].hash)

    def test_all_commits_yields_each_stream_in_version_order(self) -> None:
        store = self.create_store()
        streams = [new_stream() for _ in range(3)]
        for first in (1, 2, 3):
            for stream_id in streams:
                commit(store, stream_id, first, 1)

        seen = [(c.stream_id, c.first_version) for c in store.all_commits()]

        assert sorted(seen) == sorted((s, v) for s in streams for v in (1, 2, 3))
        for stream_id in streams:
            mine = [index for index, (s, _) in enumerate(seen) if s == stream_id]
            assert mine == list(range(mine[0], mine[0] + 3)), "a stream's commits are together"
            assert [seen[index][1] for index in mine] == [1, 2, 3]

    # -- snapshots ------------------------------------------------------------------------

    def test_the_newest_snapshot_at_or_below_a_version_is_returned(self) -> None:
        store = self.create_store()
        stream_id = new_stream()
        assert store.get_snapshot(stream_id) is None
        for version in (3, 6):
            store.put_snapshot(snapshot(stream_id, version))

        newest = store.get_snapshot(stream_id)
        at_five = store.get_snapshot(stream_id, up_to_version=5)
        at_six = store.get_snapshot(stream_id, up_to_version=6)

        assert newest is not None and at_five is not None and at_six is not None
        assert (newest.version, at_five.version, at_six.version) == (6, 3, 6)
        assert store.get_snapshot(stream_id, up_to_version=2) is None
        assert at_five.head == StreamHead(3, "hash-3")
        assert at_five.snapshot.state == b"album@3"
        assert at_five.snapshot.topic == "gallery:Album"
        assert at_five.snapshot.originator_version == 3
        assert at_five.recent_command_ids == ("cmd-2", "cmd-3")

    def test_putting_a_snapshot_twice_at_one_version_keeps_one(self) -> None:
        store = self.create_store()
        stream_id = new_stream()

        store.put_snapshot(snapshot(stream_id, 4))
        store.put_snapshot(snapshot(stream_id, 4))

        found = store.get_snapshot(stream_id)
        assert found is not None and found.version == 4
        assert store.get_snapshot(stream_id, up_to_version=3) is None

    # -- verification ---------------------------------------------------------------------

    def test_verify_finds_an_untouched_store_intact(self) -> None:
        store = self.create_store()
        album, photo = new_stream(), new_stream()
        commit(store, album, 1, 2)
        commit(store, album, 3, 1)
        commit(store, photo, 1, 3)

        report = store.verify()

        assert report.intact
        assert (report.streams_checked, report.events_checked) == (2, 6)

    def test_verify_names_the_stream_and_version_of_an_altered_event(self) -> None:
        store = self.create_store()
        album, photo = new_stream(), new_stream()
        commit(store, album, 1, 2)
        commit(store, album, 3, 2)
        commit(store, photo, 1, 1)

        self.tamper_event(store, album, 4, b'{"name": "forged"}')
        report = store.verify()

        assert not report.intact
        assert [(b.stream_id, b.version) for b in report.breaks] == [(album, 4)]
        assert "altered" in report.breaks[0].reason

    def test_verify_detects_a_removed_middle_commit(self) -> None:
        store = self.create_store()
        stream_id = new_stream()
        commit(store, stream_id, 1, 1)
        commit(store, stream_id, 2, 2)
        commit(store, stream_id, 4, 1)

        self.remove_commit(store, stream_id, 2)
        report = store.verify()

        assert [(b.stream_id, b.version) for b in report.breaks] == [(stream_id, 4)]
        assert "missing" in report.breaks[0].reason

    def test_verify_of_one_stream_checks_only_that_stream(self) -> None:
        store = self.create_store()
        album, photo = new_stream(), new_stream()
        commit(store, album, 1, 2)
        commit(store, photo, 1, 2)
        self.tamper_event(store, photo, 1, b"forged")

        album_report = store.verify(album)
        photo_report = store.verify(photo)

        assert album_report.intact
        assert (album_report.streams_checked, album_report.events_checked) == (1, 2)
        assert [(b.stream_id, b.version) for b in photo_report.breaks] == [(photo, 1)]


def snapshot(stream_id: str, version: int) -> SnapshotRecord:
    return SnapshotRecord(
        stream_id=stream_id,
        snapshot=StoredEvent(
            originator_id=stream_id,
            originator_version=version,
            topic="gallery:Album",
            state=f"album@{version}".encode(),
        ),
        head=StreamHead(version, f"hash-{version}"),
        recent_command_ids=(f"cmd-{version - 1}", f"cmd-{version}"),
    )
