"""Applying published commits to the read models: idempotent, ordered per aggregate.

For each commit the projector reads the aggregate's view and skips what the
view already reflects. If the commit is ahead of the view (a message was lost
or arrived early), it catches up from the event store instead of guessing. It
writes the derived rows (tags, share links) first and the view last: the
view's write, conditional on the version it read, is the commit point, so two
projector instances never overwrite each other and a crash in between is
repaired by the retry. Whether a command is visible yet is read off the views'
versions (`api.activity.is_projected`), so nothing more is written per command.

A Person commit goes to the people model instead: each `DisplayNameChanged`
carries the whole new name, so the newest one wins (`People.apply_display_name`
ignores a version it already holds or has passed) and nothing needs catching up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eventsourcing.persistence import Mapper

from commands.event_store import Commit, EventStore
from commands.repository import build_mapper
from domain.person import Person
from fanout.messages import CommitMessage
from projections.people import People
from projections.projectors import AnyView, ProjectionGap, derived_changes, fold
from projections.read_models import ReadModels, StaleView

MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class Projected:
    stream_id: str
    version: int
    applied: bool
    """False when the views already reflected the commit (a repeated delivery)."""


class Projector:
    def __init__(
        self,
        read_models: ReadModels,
        store: EventStore | None = None,
        mapper: Mapper[Any] | None = None,
        max_attempts: int = MAX_ATTEMPTS,
        people: People | None = None,
    ) -> None:
        self.read_models = read_models
        self.store = store
        self.people = people
        self.mapper = mapper or build_mapper()
        self.max_attempts = max_attempts

    def _view(self, aggregate_type: str, stream_id: str) -> AnyView | None:
        if aggregate_type == "Album":
            return self.read_models.get_album(stream_id)
        if aggregate_type == "Photo":
            return self.read_models.get_photo(stream_id)
        raise ValueError(f"no read model for aggregate type {aggregate_type!r}")

    def apply_message(self, message: CommitMessage) -> Projected:
        return self.apply(message.to_commit())

    def apply(self, commit: Commit) -> Projected:
        """Bring the views of the commit's aggregate up to at least the commit."""
        if commit.aggregate_type == "Person":
            return self._apply_person(commit)
        for _ in range(self.max_attempts):
            before = self._view(commit.aggregate_type, commit.stream_id)
            have = before.version if before else 0
            if have >= commit.last_version:
                return Projected(commit.stream_id, have, applied=False)
            commits = [commit]
            if have + 1 < commit.first_version:
                commits = self._catch_up(commit, have)
            events = [self.mapper.to_domain_event(c.stored) for c in _events(commits)]
            states: list[AnyView] = []
            after = before
            for event in events:
                after = fold(after, [event])
                if after is not None and (not states or states[-1] is not after):
                    states.append(after)
            if after is None:
                raise ProjectionGap(f"stream {commit.stream_id} has no creation event yet")
            # Derived rows first, the view last: the view's conditional write is the
            # commit point. A crash before it leaves the view behind, so the retry
            # recomputes the same derived rows (newer-wins writes, harmless twice).
            changes = derived_changes(before, after, states[:-1])
            if changes.tags or changes.removed_tags:
                self.read_models.put_tags(changes.tags, changes.removed_tags)
            if changes.shares or changes.removed_shares:
                self.read_models.put_shares(changes.shares, changes.removed_shares)
            try:
                self.read_models.put_view(
                    after, expected_version=before.version if before else None
                )
            except StaleView:
                continue
            return Projected(commit.stream_id, after.version, applied=True)
        raise StaleView(f"view of {commit.stream_id} kept changing; the message will be retried")

    def _apply_person(self, commit: Commit) -> Projected:
        """A person's chosen name, to the people model: the commit's last one is the newest."""
        if self.people is None:
            raise ValueError("this projector has no people model for Person commits")
        events = [self.mapper.to_domain_event(chained.stored) for chained in commit.events]
        renames = [event for event in events if isinstance(event, Person.DisplayNameChanged)]
        if not renames:
            return Projected(commit.stream_id, commit.last_version, applied=False)
        latest = renames[-1]
        person_id = commit.owner or self._owner(commit.stream_id)
        applied = self.people.apply_display_name(person_id, latest.after, latest.originator_version)
        return Projected(commit.stream_id, commit.last_version, applied=applied)

    def _owner(self, stream_id: str) -> str:
        """Whose Person stream this is, from its creation (for commits that do not say)."""
        if self.store is not None:
            for commit in self.store.read_commits(stream_id, up_to_version=1):
                for chained in commit.events:
                    event = self.mapper.to_domain_event(chained.stored)
                    if isinstance(event, Person.Created):
                        return event.owner
        raise ProjectionGap(f"stream {stream_id}: no person named by the commit or the store")

    def _catch_up(self, commit: Commit, have: int) -> list[Commit]:
        if self.store is None:
            raise ProjectionGap(
                f"stream {commit.stream_id}: view at {have}, "
                f"commit starts at {commit.first_version}"
            )
        return self.store.read_commits(
            commit.stream_id, after_version=have, up_to_version=commit.last_version
        )


def _events(commits: list[Commit]) -> list[Any]:
    return [chained for commit in commits for chained in commit.events]
