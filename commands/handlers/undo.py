"""Undo and redo: commands that append compensating events, never delete.

`UndoCommand(target)` reverses the events that currently carry the target's
effect: the target's own events, or those of its latest redo. `RedoCommand`
reverses the target's latest undo. Undoing an undo is a redo of its target,
and undoing a redo is an undo of its target, so the links stay consistent.

Either is refused with `undo_conflict` when a later command (by anyone)
touched the same fact of the same aggregate (a field, a tag, the album
membership, ...); support may pass `force` with a reason.
"""

from __future__ import annotations

from typing import Any

from commands.authorization import ensure_may_revert, ensure_may_write
from commands.command_log import CommandRecord, EventRef
from commands.handlers.context import HandlerContext, handles
from commands.models import RedoCommand, UndoCommand
from commands.unit_of_work import AlreadyApplied
from domain.album import Album
from domain.errors import DomainError, NotUndoable
from domain.undo import aggregate_class, compensate, irreversible_reason, overlaps, touched


class CommandNotFound(DomainError):
    code = "command_not_found"


class AlreadyUndone(DomainError):
    code = "already_undone"


class NotUndone(DomainError):
    code = "not_undone"


class NothingToUndo(DomainError):
    code = "nothing_to_undo"


class UndoConflict(DomainError):
    code = "undo_conflict"


class TargetPending(Exception):
    """The target command has not finished yet; try again later."""


@handles(UndoCommand)
def undo_command(command: UndoCommand, ctx: HandlerContext) -> None:
    target = _target(ctx, str(command.target_command_id), command.force)
    if target.type == "UndoCommand" and target.undoes:
        _redo(ctx, _record(ctx, target.undoes), command.force)
    elif target.type == "RedoCommand" and target.redoes:
        _undo(ctx, _record(ctx, target.redoes), command.force)
    else:
        _undo(ctx, target, command.force)


@handles(RedoCommand)
def redo_command(command: RedoCommand, ctx: HandlerContext) -> None:
    _redo(ctx, _target(ctx, str(command.target_command_id), command.force), command.force)


def _record(ctx: HandlerContext, command_id: str) -> CommandRecord:
    record = ctx.log.get(command_id)
    if record is None:
        raise CommandNotFound(f"No command with id {command_id}.", command_id=command_id)
    return record


def _target(ctx: HandlerContext, command_id: str, force: bool) -> CommandRecord:
    ensure_may_write(ctx.envelope)
    target = _record(ctx, command_id)
    ensure_may_revert(ctx.envelope, target, force)
    if target.status in ("accepted", "failed"):
        raise TargetPending(f"command {command_id} has not finished yet")
    if target.status != "succeeded":
        raise NotUndoable(
            "Only a command that succeeded can be undone or redone.",
            command_id=command_id,
            status=target.status,
        )
    return target


def _linked_by_this(ctx: HandlerContext, links: list[str]) -> bool:
    """Whether the target's latest link is this very command: a repeated delivery.

    The links are written just before the outcome, so a delivery that died in
    between finds its own link; it goes on, and the store tells it its
    compensation is already written.
    """
    return bool(links) and links[-1] == str(ctx.envelope.command_id)


def _undo(ctx: HandlerContext, target: CommandRecord, force: bool) -> None:
    if target.undone and not _linked_by_this(ctx, target.undone_by):
        raise AlreadyUndone("This command is already undone.", command_id=target.command_id)
    carrier = _record(ctx, target.redone_by[-1]) if target.redone_by else target
    _reverse(ctx, carrier.events, force, target)
    ctx.undoes = target.command_id


def _redo(ctx: HandlerContext, target: CommandRecord, force: bool) -> None:
    if not target.undone and not _linked_by_this(ctx, target.redone_by):
        raise NotUndone(
            "This command is not undone, so there is nothing to redo.", command_id=target.command_id
        )
    last_undo = _record(ctx, target.undone_by[-1])
    _reverse(ctx, last_undo.events, force, target)
    ctx.redoes = target.command_id


def _reverse(ctx: HandlerContext, refs: list[EventRef], force: bool, target: CommandRecord) -> None:
    """Append the compensation of every event in `refs`, newest first."""
    if not refs:
        raise NothingToUndo("This command changed nothing.", command_id=target.command_id)
    plan: list[tuple[str, list[Any]]] = []
    later_commands: set[str] = set()
    for ref in refs:
        events, later = _events_and_later(ctx, ref)
        for event in events:
            reason = irreversible_reason(event)
            if reason:
                raise NotUndoable(reason, command_id=target.command_id)
        facts = frozenset().union(*(touched(event) for event in events))
        overlapping = [cid for cid, event in later if cid and overlaps(facts, touched(event))]
        later_commands |= _standing(ctx, overlapping)
        plan.append((ref.stream_id, events))
    if later_commands and not force:
        raise UndoConflict(
            "A later change touched the same thing; undo that first.",
            later_command_ids=sorted(later_commands),
        )
    for stream_id, events in plan:
        aggregate = ctx.uow.get(aggregate_class(events[0]), stream_id)
        for event in reversed(events):
            compensate(event, aggregate, lambda album_id: ctx.uow.get(Album, album_id))


def _standing(ctx: HandlerContext, command_ids: list[str]) -> set[str]:
    """The later commands whose change still stands, in a stream's order.

    An undo or redo that comes right after the change it takes back cancels it,
    matched like brackets: so undoing newest first (as the conflict advises), or
    redoing in the reverse order, is not refused. Out-of-order reversals stand.
    """
    stack: list[tuple[str, CommandRecord | None]] = []
    for command_id in dict.fromkeys(command_ids):
        record = ctx.log.get(command_id)
        top = stack[-1][1] if stack else None
        if record is not None and top is not None and _takes_back(record, top):
            stack.pop()
        else:
            stack.append((command_id, record))
    return {command_id for command_id, _ in stack}


def _takes_back(later: CommandRecord, earlier: CommandRecord) -> bool:
    """Whether `later` is the undo (or redo) that reverses `earlier`'s change."""
    original = earlier.undoes or earlier.redoes or earlier.command_id
    if earlier.undoes:
        return later.redoes == original
    return later.undoes == original


def _events_and_later(
    ctx: HandlerContext, ref: EventRef
) -> tuple[list[Any], list[tuple[str, Any]]]:
    """The referenced events of a stream, and every (command id, event) after them."""
    commits = ctx.repository.store.read_commits(
        ref.stream_id, after_version=ref.first_version - 1, at_commit_boundary=True
    )
    events: list[Any] = []
    later: list[tuple[str, Any]] = []
    for commit in commits:
        if commit.command_id == ctx.uow.command_id:
            # This undo's own compensation is already written: a repeated delivery.
            raise AlreadyApplied(ref.stream_id)
        for chained in commit.events:
            if chained.version < ref.first_version:
                continue
            event = ctx.repository.to_domain(chained.stored)
            if chained.version <= ref.last_version:
                events.append(event)
            else:
                later.append((commit.command_id, event))
    return events, later
