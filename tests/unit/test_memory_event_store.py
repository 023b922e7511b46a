"""The in-memory event store honours the event store contract and the recorder contract."""

from __future__ import annotations

from dataclasses import replace

from eventsourcing.tests.persistence import AggregateRecorderTestCase

from adapters.memory import InMemoryEventStore
from commands.event_store import EventStore
from tests.contracts.event_store import EventStoreContract


def _memory(store: EventStore) -> InMemoryEventStore:
    assert isinstance(store, InMemoryEventStore)
    return store


class TestInMemoryEventStore(EventStoreContract):
    def create_store(self) -> EventStore:
        return InMemoryEventStore()

    def tamper_event(
        self, store: EventStore, stream_id: str, version: int, new_state: bytes
    ) -> None:
        [target] = store.read_commits(stream_id, after_version=version - 1, up_to_version=version)
        forged = tuple(
            replace(chained, stored=replace(chained.stored, state=new_state))
            if chained.version == version
            else chained
            for chained in target.events
        )
        _memory(store).tamper(stream_id, target.first_version, replace(target, events=forged))

    def remove_commit(self, store: EventStore, stream_id: str, first_version: int) -> None:
        memory = _memory(store)
        with memory._lock:
            del memory._streams[stream_id][first_version]


class TestInMemoryAggregateRecorder(AggregateRecorderTestCase):
    def create_recorder(self) -> InMemoryEventStore:
        return InMemoryEventStore()
