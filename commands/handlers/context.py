"""What a handler gets: the envelope, the unit of work, and the command log."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from commands.command_log import CommandLog
from commands.models import Actor, CommandModel, Envelope
from commands.repository import Repository
from commands.unit_of_work import UnitOfWork

C = TypeVar("C", bound=CommandModel)


def new_share_token() -> str:
    return secrets.token_urlsafe(24)


@dataclass
class HandlerContext:
    envelope: Envelope
    uow: UnitOfWork
    log: CommandLog
    repository: Repository
    new_token: Callable[[], str] = new_share_token
    #: Set by the undo and redo handlers: the command this one reverses or re-applies.
    undoes: str | None = None
    redoes: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def actor(self) -> Actor:
        return self.envelope.actor


Handler = Callable[[Any, HandlerContext], None]
HANDLERS: dict[str, Handler] = {}


def handles(command_type: type[C]) -> Callable[[Callable[[C, HandlerContext], None]], Handler]:
    """Register the one handler of a command type."""
    type_name = command_type.model_fields["type"].default

    def register(handler: Callable[[C, HandlerContext], None]) -> Handler:
        if type_name in HANDLERS:
            raise RuntimeError(f"{type_name} already has a handler")
        HANDLERS[type_name] = handler
        return handler

    return register
