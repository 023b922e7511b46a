"""The command log: one record per command, the start of the audit trail.

A record is written `accepted` when the command is enqueued and finished once:
`succeeded` (with the events it produced) or `rejected` (with the rule that
refused it). `failed` marks a command whose attempts all crashed; it is not
final, because a redriven message may still succeed. Undo and redo link
records both ways (`undone_by`/`undoes`, `redone_by`/`redoes`).
"""

from __future__ import annotations

import base64
import binascii
import json
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
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
    #: The actor's username and display name when the command was sent (older records lack them).
    actor_username: str | None = None
    actor_name: str | None = None
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
    #: One sentence for people, written with the outcome (`commands.summary`); records
    #: still accepted, and older ones, get theirs made when read.
    summary: str | None = None

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
            actor_username=envelope.actor.username,
            actor_name=envelope.actor.name,
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


class CommandPage(BaseModel):
    """One page of an audit search, newest first; `cursor` (opaque) fetches the next."""

    items: list[CommandRecord]
    cursor: str | None = None


class InvalidSearchCursor(ValueError):
    """A cursor that an audit search did not hand out."""


def iso_utc(instant: datetime) -> str:
    """An instant as the command log writes times: ISO 8601 in UTC (naive means UTC)."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return instant.astimezone(UTC).isoformat()


@dataclass(frozen=True)
class SearchFilters:
    """What an audit search asks for; every filter given must match.

    Times compare as the ISO 8601 UTC strings the log stores, which sort in time
    order; `since` and `until` are both inclusive.
    """

    actor: str | None = None
    command_type: str | None = None
    aggregate_id: str | None = None
    status: str | None = None
    since: str | None = None
    until: str | None = None

    @classmethod
    def of(
        cls,
        actor: str | None = None,
        command_type: str | None = None,
        aggregate_id: str | None = None,
        status: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> SearchFilters:
        return cls(
            actor=actor or None,
            command_type=command_type or None,
            aggregate_id=aggregate_id or None,
            status=status or None,
            since=iso_utc(since) if since else None,
            until=iso_utc(until) if until else None,
        )

    def matches(self, record: CommandRecord) -> bool:
        return (
            (self.actor is None or record.actor_id == self.actor)
            and (self.command_type is None or record.type == self.command_type)
            and (self.aggregate_id is None or record.aggregate_id == self.aggregate_id)
            and (self.status is None or record.status == self.status)
            and (self.since is None or record.issued_at >= self.since)
            and (self.until is None or record.issued_at <= self.until)
        )


def search_position(record: CommandRecord) -> tuple[str, str]:
    """Where a record sits in the newest-first order of a search."""
    return (record.issued_at, record.command_id)


def encode_search_cursor(record: CommandRecord) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(search_position(record))).encode()).decode()


def decode_search_cursor(cursor: str) -> tuple[str, str]:
    """The position a cursor stands for; InvalidSearchCursor unless a search made it."""
    try:
        position = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, binascii.Error) as exc:
        raise InvalidSearchCursor("That cursor was not handed out by this search.") from exc
    if (
        not isinstance(position, list)
        or len(position) != 2
        or not all(isinstance(part, str) for part in position)
    ):
        raise InvalidSearchCursor("That cursor was not handed out by this search.")
    return position[0], position[1]


def take_page(
    candidates: Iterable[CommandRecord],
    filters: SearchFilters,
    limit: int,
    cursor: str | None,
) -> CommandPage:
    """A page of the records that match, from candidates arriving newest first by `issued_at`.

    Records issued at the same instant may arrive in any order (a DynamoDB index
    keeps no order among equal sort keys), so the page keeps reading until the
    instant changes, then orders by (issued_at, command_id): no record is skipped
    or repeated across pages.
    """
    limit = max(1, limit)
    after = decode_search_cursor(cursor) if cursor else None
    page: list[CommandRecord] = []
    for record in candidates:
        if after is not None and search_position(record) >= after:
            continue
        if not filters.matches(record):
            continue
        if len(page) > limit and record.issued_at < page[limit - 1].issued_at:
            break
        page.append(record)
    page.sort(key=search_position, reverse=True)
    items = page[:limit]
    more = len(page) > limit
    return CommandPage(items=items, cursor=encode_search_cursor(items[-1]) if more else None)


class CommandLog(ABC):
    """The port. `finish` is write-once: the first final outcome wins."""

    @abstractmethod
    def record_accepted(self, record: CommandRecord) -> CommandRecord | None:
        """Store an accepted record; if the command id is already known, store nothing and
        return the known record."""

    @abstractmethod
    def get(self, command_id: str) -> CommandRecord | None:
        """The record of a command, or None."""

    @abstractmethod
    def finish(self, record: CommandRecord) -> CommandRecord:
        """Store a final record unless one exists; return the stored (first) final record."""

    @abstractmethod
    def record_failure(
        self, record: CommandRecord, error: CommandError, final: bool, count: bool = True
    ) -> None:
        """Count a crashed attempt; `final` marks the command `failed` (bound for the DLQ).

        `count=False` records the error (and with `final`, the status) without
        counting an attempt: a mark made before the last attempt runs."""

    @abstractmethod
    def link_undo(self, target_id: str, undo_id: str) -> None:
        """Add `undo_id` to the target's `undone_by` (idempotent)."""

    @abstractmethod
    def link_redo(self, target_id: str, redo_id: str) -> None:
        """Add `redo_id` to the target's `redone_by` (idempotent)."""

    @abstractmethod
    def history(self, actor_id: str, limit: int = 50) -> list[CommandRecord]:
        """The actor's commands, newest first."""

    @abstractmethod
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
        """The audit trail: matching records newest first, a page at a time.

        Raises InvalidSearchCursor for a cursor this search did not hand out.
        """
