"""Event-store benchmarks on moto's server: append scaling and the cost of loading.

Both build real streams from the domain (an album renamed again and again),
one single-event commit per rename, chained and snapshotted exactly as the
worker would, and bulk-load them with BatchWriteItem so the setup stays short.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any
from uuid import uuid4

from eventsourcing.domain import Snapshot

from adapters.dynamodb_event_store import DynamoDBEventStore, commit_item
from bench.common import Progress, Result, median, provisioned_moto
from commands.event_store import Commit, PendingCommit, SnapshotRecord, StreamHead, chain
from commands.repository import AggregateCache, Repository, build_mapper
from domain.album import Album
from resources.definitions import EVENTS, SNAPSHOTS, Naming
from resources.provision import create_table

SNAPSHOT_INTERVAL = 20


def _stream(events: int, snapshot_interval: int) -> Iterator[tuple[Commit, SnapshotRecord | None]]:
    """A renamed album's commits, one event each, with a snapshot every `interval` versions."""
    mapper = build_mapper()
    album = Album.create(uuid4(), "alice", "Title 1")
    head: StreamHead | None = None
    for number in range(1, events + 1):
        if number > 1:
            album.rename(f"Title {number}")
        stored = [mapper.to_stored_event(event) for event in album.collect_events()]
        linked = chain(stored, head)
        commit = Commit(str(album.id), f"seed-{number}", "2026-01-01T00:00:00+00:00", linked)
        head = commit.head
        snapshot = None
        if snapshot_interval and number % snapshot_interval == 0:
            snapshot = SnapshotRecord(
                str(album.id), mapper.to_stored_event(Snapshot.take(album)), head
            )
        yield commit, snapshot


def _seed(store: DynamoDBEventStore, events: int, label: str) -> str:
    """Bulk-write one stream of `events` events; return its id."""
    progress = Progress(label, events)
    batch: list[Any] = []
    stream_id = ""
    for commit, snapshot in _stream(events, SNAPSHOT_INTERVAL):
        stream_id = commit.stream_id
        batch.append({"PutRequest": {"Item": commit_item(commit)}})
        if snapshot is not None:
            store.put_snapshot(snapshot)
        if len(batch) == 25:
            store.client.batch_write_item(RequestItems={store.events_table: batch})
            progress.advance(len(batch))
            batch = []
    if batch:
        store.client.batch_write_item(RequestItems={store.events_table: batch})
        progress.advance(len(batch))
    return stream_id


def _store(moto: Any, prefix: str) -> DynamoDBEventStore:
    naming = Naming(prefix)
    dynamodb = moto.client("dynamodb")
    for spec in (EVENTS, SNAPSHOTS):
        create_table(dynamodb, spec, naming)
    return DynamoDBEventStore(naming.table(EVENTS), naming.table(SNAPSHOTS), dynamodb)


def _append_rate(store: DynamoDBEventStore, appends: int) -> float:
    """Commits per second: new albums, each one single-event conditional put."""
    mapper = build_mapper()
    started = time.perf_counter()
    for _ in range(appends):
        album = Album.create(uuid4(), "bob", "New")
        stored = [mapper.to_stored_event(event) for event in album.collect_events()]
        store.append([PendingCommit(str(album.id), stored, None, str(uuid4()))])
    return appends / (time.perf_counter() - started)


def append_scaling(rounds: int = 4, appends: int = 100) -> Result:
    with provisioned_moto() as moto:
        small, large = _store(moto, "small"), _store(moto, "large")
        for number in range(10):
            _seed(small, 10, f"small store stream {number + 1}/10")
        _seed(large, 10_000, "large store (10,000 events)")
        small_rates, large_rates = [], []
        progress = Progress("alternating rounds", rounds * 2)
        for _ in range(rounds):
            small_rates.append(_append_rate(small, appends))
            progress.advance()
            large_rates.append(_append_rate(large, appends))
            progress.advance()
    small_rate, large_rate = median(small_rates), median(large_rates)
    return Result(
        "append-scaling",
        large_rate / small_rate,
        "ratio",
        ">=",
        0.8,
        notes=[
            f"{large_rate:.0f} commits/s with 10,000 events stored vs {small_rate:.0f} with 100 "
            f"(median of {rounds} alternating rounds of {appends} single-item conditional puts)"
        ],
    )


def _load(store: DynamoDBEventStore, stream_id: str, repeats: int = 5) -> tuple[int, float]:
    """Items read for one load, and the median load time."""
    repository = Repository(store, SNAPSHOT_INTERVAL, cache=AggregateCache(capacity=0))
    times, items = [], 0
    for _ in range(repeats):
        before = store.stats.items_read
        started = time.perf_counter()
        loaded = repository.load(stream_id)
        times.append(time.perf_counter() - started)
        items = store.stats.items_read - before
        assert loaded is not None
    return items, median(times)


def load_long_stream() -> Result:
    with provisioned_moto() as moto:
        store = _store(moto, "load")
        long_stream = _seed(store, 10_000, "stream of 10,000 events")
        short_stream = _seed(store, 10, "stream of 10 events")
        long_items, long_time = _load(store, long_stream)
        short_items, short_time = _load(store, short_stream)
        # The worst case: the stream is interval - 1 events past its newest snapshot.
        mapper = build_mapper()
        loaded = Repository(store, 0, cache=AggregateCache(capacity=0)).load(long_stream)
        assert loaded is not None
        album, head = loaded.aggregate, loaded.head
        assert isinstance(album, Album)
        for number in range(SNAPSHOT_INTERVAL - 1):
            album.rename(f"Later {number}")
            stored = [mapper.to_stored_event(event) for event in album.collect_events()]
            head = store.append([PendingCommit(long_stream, stored, head, f"later-{number}")])[
                0
            ].head
        worst_items, worst_time = _load(store, long_stream)
    return Result(
        "load-long-stream",
        long_items / short_items,
        "ratio of items read",
        "<=",
        2.0,
        notes=[
            f"10,000 events: {long_items} items read in {long_time * 1000:.0f} ms; "
            f"10 events: {short_items} items in {short_time * 1000:.0f} ms "
            f"(snapshot every {SNAPSHOT_INTERVAL} versions)",
            f"worst case, {SNAPSHOT_INTERVAL - 1} events past the newest snapshot "
            f"(10,0{SNAPSHOT_INTERVAL - 1:02d} events): {worst_items} items "
            f"({worst_items / short_items:.1f} x), {worst_time * 1000:.0f} ms; "
            "moto's Query scans the whole table, so its times say more about moto than the design",
        ],
    )
