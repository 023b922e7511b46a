"""The message every subscriber receives: one commit, as JSON, with filterable attributes.

A commit (everything one command wrote to one stream) travels whole, so a
subscriber applies it atomically and knows which command it completes. SNS
message attributes let each subscription filter without reading the body:
`aggregate_type` (Album, Photo), `owner`, `event_types` (a String.Array of
event class names such as `Photo.Tagged`) and `priority` (`high` or `low`, the
command's), which sends bulk commits to their own projection queue.
"""

from __future__ import annotations

import json
from typing import Any

from eventsourcing.persistence import StoredEvent
from pydantic import BaseModel, ConfigDict

from commands.event_store import ChainedEvent, Commit, CommitPriority


class EventMessage(BaseModel):
    model_config = ConfigDict(frozen=True)

    version: int
    topic: str
    state: str
    hash: str
    prev_hash: str

    @property
    def type(self) -> str:
        """The event class name within its aggregate, e.g. `Photo.Tagged`."""
        return self.topic.split(":", 1)[-1]


class CommitMessage(BaseModel):
    model_config = ConfigDict(frozen=True)

    stream_id: str
    aggregate_type: str
    owner: str
    actor_id: str
    command_id: str
    committed_at: str
    events: list[EventMessage]
    #: Absent from messages published before priorities: those were all interactive.
    priority: CommitPriority = "high"

    @property
    def first_version(self) -> int:
        return self.events[0].version

    @property
    def last_version(self) -> int:
        return self.events[-1].version

    @property
    def deduplication_id(self) -> str:
        """Unique per commit: a republished commit is dropped by FIFO deduplication."""
        return f"{self.stream_id}:{self.first_version}"

    @classmethod
    def of(cls, commit: Commit) -> CommitMessage:
        return cls(
            stream_id=commit.stream_id,
            aggregate_type=commit.aggregate_type,
            owner=commit.owner,
            actor_id=commit.actor_id,
            command_id=commit.command_id,
            committed_at=commit.committed_at,
            priority=commit.priority,
            events=[
                EventMessage(
                    version=chained.version,
                    topic=chained.stored.topic,
                    state=chained.stored.state.decode(),
                    hash=chained.hash,
                    prev_hash=chained.prev_hash,
                )
                for chained in commit.events
            ],
        )

    def to_commit(self) -> Commit:
        return Commit(
            stream_id=self.stream_id,
            command_id=self.command_id,
            committed_at=self.committed_at,
            events=tuple(
                ChainedEvent(
                    stored=StoredEvent(
                        originator_id=self.stream_id,
                        originator_version=event.version,
                        topic=event.topic,
                        state=event.state.encode(),
                    ),
                    prev_hash=event.prev_hash,
                    hash=event.hash,
                )
                for event in self.events
            ),
            aggregate_type=self.aggregate_type,
            owner=self.owner,
            actor_id=self.actor_id,
            priority=self.priority,
        )

    def attributes(self) -> dict[str, Any]:
        """SNS message attributes for subscription filter policies."""
        return {
            "aggregate_type": {"DataType": "String", "StringValue": self.aggregate_type or "-"},
            "owner": {"DataType": "String", "StringValue": self.owner or "-"},
            "event_types": {
                "DataType": "String.Array",
                "StringValue": json.dumps(sorted({event.type for event in self.events})),
            },
            "priority": {"DataType": "String", "StringValue": self.priority},
        }
