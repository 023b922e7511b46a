"""The command log: one record per command, the start of the audit trail.

A record is written `accepted` when the command is enqueued and finished once:
`succeeded` (with the events it produced) or `rejected` (with the rule that
refused it). `failed` marks a command whose attempts all crashed; it is not
final, because a redriven message may still succeed. Undo and redo link
records both ways (`undone_by`/`undoes`, `redone_by`/`redoes`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from commands.event_store import Commit
from commands.models import Envelope

Status = Literal["accepted", "succeeded", "rejected", "failed"]
FINAL: frozenset[str] = frozenset({"succeeded", "rejected"})


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


class EventRef(BaseModel):
    """The events a command wrote to one stream."""

    model_config = ConfigDict(frozen=True)

    stream_id: str
    first_version: int
    last_version: int

    @classmethod
    def of(cls, commit: Commit) -> EventRef:
        return cls(
            stream_id=commit.stream_id,
            first_version=commit.first_version,
            last_version=commit.last_version,
        )


class CommandError(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str
    message: str
    details: dict[str, Any] = Field(default_factory=dict)


class CommandRecord(BaseModel):
    model_config = ConfigDict(frozen=True)

    command_id: str
    type: str
    actor_id: str
    actor_groups: list[str] = Field(default_factory=list)
    aggregate_id: str
    payload: dict[str, Any] = Field(default_factory=dict)
    priority: str = "high"
    issued_at: str
    issued_day: str = ""
    causation_id: str | None = None
    reason: str | None = None
    status: Status = "accepted"
    accepted_at: str | None = None
    succeeded_at: str | None = None
    rejected_at: str | None = None
    failed_at: str | None = None
    attempts: int = 0
    events: list[EventRef] = Field(default_factory=list)
    error: CommandError | None = None
    undoes: str | None = None
    redoes: str | None = None
    undone_by: list[str] = Field(default_factory=list)
    redone_by: list[str] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _derive_issued_day(cls, data: Any) -> Any:
        """The UTC day of issue keys the audit trail's time-range index."""
        if isinstance(data, dict) and data.get("issued_at") and not data.get("issued_day"):
            data = {**data, "issued_day": str(data["issued_at"])[:10]}
        return data

    @property
    def is_final(self) -> bool:
        return self.status in FINAL

    @property
    def undone(self) -> bool:
        """Whether the command's effect is currently reversed."""
        return len(self.undone_by) > len(self.redone_by)

    @classmethod
    def accepted(cls, envelope: Envelope) -> CommandRecord:
        command = envelope.command
        return cls(
            command_id=str(envelope.command_id),
            type=command.type,
            actor_id=envelope.actor.user_id,
            actor_groups=list(envelope.actor.groups),
            aggregate_id=envelope.aggregate_id,
            payload=command.model_dump(mode="json", exclude={"type"}),
            priority=envelope.effective_priority,
            issued_at=envelope.issued_at.astimezone(UTC).isoformat(),
            causation_id=str(envelope.causation_id) if envelope.causation_id else None,
            reason=envelope.reason,
            accepted_at=now_iso(),
        )

    def succeeded(
        self, commits: list[Commit], undoes: str | None = None, redoes: str | None = None
    ) -> CommandRecord:
        return self.model_copy(
            update={
                "status": "succeeded",
                "succeeded_at": now_iso(),
                "events": [EventRef.of(commit) for commit in commits],
                "undoes": undoes,
                "redoes": redoes,
                "error": None,
            }
        )

    def rejected(self, code: str, message: str, details: dict[str, Any]) -> CommandRecord:
        return self.model_copy(
            update={
                "status": "rejected",
                "rejected_at": now_iso(),
                "error": CommandError(code=code, message=message, details=details),
            }
        )


class CommandLog(ABC):
    """The port. `finish` is write-once: the first final outcome wins."""

    @abstractmethod
    def record_accepted(self, record: CommandRecord) -> None:
        """Store an accepted record unless the command is already known."""

    @abstractmethod
    def get(self, command_id: str) -> CommandRecord | None:
        """The record of a command, or None."""

    @abstractmethod
    def finish(self, record: CommandRecord) -> CommandRecord:
        """Store a final record unless one exists; return the stored (first) final record."""

    @abstractmethod
    def record_failure(self, record: CommandRecord, error: CommandError, final: bool) -> None:
        """Count a crashed attempt; `final` marks the command `failed` (bound for the DLQ)."""

    @abstractmethod
    def link_undo(self, target_id: str, undo_id: str) -> None:
        """Add `undo_id` to the target's `undone_by` (idempotent)."""

    @abstractmethod
    def link_redo(self, target_id: str, redo_id: str) -> None:
        """Add `redo_id` to the target's `redone_by` (idempotent)."""

    @abstractmethod
    def history(self, actor_id: str, limit: int = 50) -> list[CommandRecord]:
        """The actor's commands, newest first."""
