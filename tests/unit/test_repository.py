"""The repository: snapshots bound loading, and loading at a past version still works."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from adapters.memory import InMemoryEventStore
from commands.event_store import Commit
from commands.repository import AggregateCache, Repository
from domain.album import Album


def _renamed_album(repository: Repository, renames: int) -> str:
    album = Album.create(uuid4(), "alice", "Title 0")
    repository.save([(None, album)], "create")
    for number in range(1, renames + 1):
        loaded = repository.load(str(album.id))
        assert loaded is not None
        renamed = loaded.aggregate
        assert isinstance(renamed, Album)
        renamed.rename(f"Title {number}")
        repository.save([(loaded, renamed)], f"rename-{number}")
    return str(album.id)


def test_a_snapshot_is_taken_each_time_the_stream_crosses_the_interval() -> None:
    store = InMemoryEventStore()
    repository = Repository(store, snapshot_interval=5, cache=AggregateCache(capacity=0))
    stream_id = _renamed_album(repository, renames=11)  # versions 1..12
    snapshot = store.get_snapshot(stream_id)
    assert snapshot is not None and snapshot.version == 10
    older = store.get_snapshot(stream_id, up_to_version=9)
    assert older is not None and older.version == 5


class CountingStore(InMemoryEventStore):
    """Counts the commits each read returns."""

    def __init__(self) -> None:
        super().__init__()
        self.reads: list[int] = []

    def read_commits(self, stream_id: str, **kwargs: Any) -> list[Commit]:
        commits = super().read_commits(stream_id, **kwargs)
        self.reads.append(len(commits))
        return commits


def test_loading_reads_only_the_commits_after_the_newest_snapshot() -> None:
    store = CountingStore()
    repository = Repository(store, snapshot_interval=5, cache=AggregateCache(capacity=0))
    stream_id = _renamed_album(repository, renames=11)
    store.reads.clear()
    loaded = repository.load(stream_id)
    assert loaded is not None and loaded.aggregate.version == 12
    assert store.reads == [2]


def test_loading_at_a_past_version_uses_an_older_snapshot_and_stops_there() -> None:
    repository = Repository(InMemoryEventStore(), snapshot_interval=5,
                            cache=AggregateCache(capacity=0))  # fmt: skip
    stream_id = _renamed_album(repository, renames=11)
    for version in (1, 4, 5, 7, 10, 12):
        album = repository.load_at(stream_id, version)
        assert isinstance(album, Album)
        assert album.version == version
        assert album.title == f"Title {version - 1}"


def test_the_snapshot_remembers_recent_command_ids_for_repeated_deliveries() -> None:
    store = InMemoryEventStore()
    repository = Repository(store, snapshot_interval=5, cache=AggregateCache(capacity=0))
    stream_id = _renamed_album(repository, renames=9)  # snapshot at 10, no commits after
    loaded = repository.load(stream_id)
    assert loaded is not None
    assert "rename-9" in loaded.recent_command_ids
    assert "rename-5" in loaded.recent_command_ids
