"""One attempt at executing a command: the aggregates it touched, saved together."""

from __future__ import annotations

from typing import TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from commands.event_store import Commit, CommitPriority
from commands.repository import Loaded, Repository
from domain.album import Album
from domain.errors import AlbumNotFound, AlreadyExists, DomainError, PhotoNotFound
from domain.photo import Photo

A = TypeVar("A", bound=Aggregate)

_NOT_FOUND: dict[type[Aggregate], type[DomainError]] = {
    Album: AlbumNotFound,
    Photo: PhotoNotFound,
}


class AlreadyApplied(Exception):
    """This command's commit is already in the stream: a repeated delivery."""

    def __init__(self, stream_id: str) -> None:
        super().__init__(f"command already applied to stream {stream_id}")
        self.stream_id = stream_id


class UnitOfWork:
    """Tracks loaded and new aggregates; `commit` appends all their events at once.

    `verify` (set on retries and redeliveries) bypasses the warm cache and
    checks that a "new" aggregate's stream is really empty before trusting it.
    """

    def __init__(
        self,
        repository: Repository,
        command_id: str,
        verify: bool = False,
        actor_id: str = "",
        priority: CommitPriority = "high",
    ) -> None:
        self.repository = repository
        self.command_id = command_id
        self.actor_id = actor_id
        self.priority = priority
        self.verify = verify
        self._touched: dict[str, tuple[Loaded | None, Aggregate]] = {}

    def _load(self, stream_id: str) -> Loaded | None:
        loaded = self.repository.load(stream_id, use_cache=not self.verify)
        if loaded is not None and self.command_id in loaded.recent_command_ids:
            raise AlreadyApplied(stream_id)
        return loaded

    def find(self, kind: type[A], aggregate_id: UUID | str) -> A | None:
        stream_id = str(aggregate_id)
        if stream_id in self._touched:
            aggregate = self._touched[stream_id][1]
        else:
            loaded = self._load(stream_id)
            if loaded is None:
                return None
            self._touched[stream_id] = (loaded, loaded.aggregate)
            aggregate = loaded.aggregate
        return aggregate if isinstance(aggregate, kind) else None

    def get(self, kind: type[A], aggregate_id: UUID | str) -> A:
        aggregate = self.find(kind, aggregate_id)
        if aggregate is None:
            error = _NOT_FOUND.get(kind, DomainError)
            raise error(f"No {kind.__name__.lower()} with id {aggregate_id}.", id=str(aggregate_id))
        return aggregate

    def add(self, aggregate: Aggregate) -> None:
        """A new aggregate; its first commit claims version 1 of an empty stream."""
        stream_id = str(aggregate.id)
        if self.verify and self._load(stream_id) is not None:
            raise AlreadyExists(f"Id {stream_id} is already taken.", id=stream_id)
        self._touched[stream_id] = (None, aggregate)

    def aggregates(self) -> list[Aggregate]:
        """Every aggregate this attempt loaded or added, as it stands now."""
        return [aggregate for _, aggregate in self._touched.values()]

    def commit(self) -> list[Commit]:
        return self.repository.save(
            list(self._touched.values()), self.command_id, self.actor_id, self.priority
        )
