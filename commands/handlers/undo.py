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

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from commands.authorization import ensure_may_revert, ensure_may_write
from commands.command_log import CommandLog, CommandRecord, EventRef
from commands.handlers.context import HandlerContext, handles
from commands.models import RedoCommand, UndoCommand
from commands.repository import Repository
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
    original, undoing = resolve(ctx.log, target, undo=True)
    (_undo if undoing else _redo)(ctx, original, command.force)


@handles(RedoCommand)
def redo_command(command: RedoCommand, ctx: HandlerContext) -> None:
    _redo(ctx, _target(ctx, str(command.target_command_id), command.force), command.force)


def _record(log: CommandLog, command_id: str) -> CommandRecord:
    record = log.get(command_id)
    if record is None:
        raise CommandNotFound(f"No command with id {command_id}.", command_id=command_id)
    return record


def resolve(log: CommandLog, target: CommandRecord, *, undo: bool) -> tuple[CommandRecord, bool]:
    """(the original command acted on, whether it is to be undone) for an undo or redo of
    `target`: undoing an undo is a redo of its target, undoing a redo an undo of its target."""
    if not undo:
        return target, False
    if target.type == "UndoCommand" and target.undoes:
        return _record(log, target.undoes), False
    if target.type == "RedoCommand" and target.redoes:
        return _record(log, target.redoes), True
    return target, True


def _target(ctx: HandlerContext, command_id: str, force: bool) -> CommandRecord:
    ensure_may_write(ctx.envelope)
    target = _record(ctx.log, command_id)
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


def _refs(log: CommandLog, original: CommandRecord, undoing: bool) -> list[EventRef]:
    """The events to reverse: what carries the original's effect (undo), or its latest undo's."""
    if undoing:
        return (_record(log, original.redone_by[-1]) if original.redone_by else original).events
    return _record(log, original.undone_by[-1]).events if original.undone_by else []


def _undo(ctx: HandlerContext, target: CommandRecord, force: bool) -> None:
    if target.undone and not _linked_by_this(ctx, target.undone_by):
        raise AlreadyUndone("This command is already undone.", command_id=target.command_id)
    ctx.extra |= {"target": target, "undoing": True}
    _reverse(ctx, _refs(ctx.log, target, undoing=True), force, target)
    ctx.undoes = target.command_id


def _redo(ctx: HandlerContext, target: CommandRecord, force: bool) -> None:
    if not target.undone and not _linked_by_this(ctx, target.redone_by):
        raise NotUndone(
            "This command is not undone, so there is nothing to redo.", command_id=target.command_id
        )
    ctx.extra["target"] = target
    _reverse(ctx, _refs(ctx.log, target, undoing=False), force, target)
    ctx.redoes = target.command_id


@dataclass(frozen=True)
class Reversal:
    """What reversing a set of events would take: the events per stream, and who is in the way."""

    plan: list[tuple[str, list[Any]]]
    later_command_ids: set[str]


def plan_reversal(
    repository: Repository,
    log: CommandLog,
    refs: list[EventRef],
    target: CommandRecord,
    own_command_id: str | None = None,
) -> Reversal:
    """The events of `refs`, and the later commands still standing that touched their facts.

    Raises NothingToUndo for no events and NotUndoable for an irreversible one.
    """
    if not refs:
        raise NothingToUndo("This command changed nothing.", command_id=target.command_id)
    plan: list[tuple[str, list[Any]]] = []
    later_commands: set[str] = set()
    for ref in refs:
        events, later = _events_and_later(repository, ref, own_command_id)
        for event in events:
            reason = irreversible_reason(event)
            if reason:
                raise NotUndoable(reason, command_id=target.command_id)
        facts = frozenset().union(*(touched(event) for event in events))
        overlapping = [cid for cid, event in later if cid and overlaps(facts, touched(event))]
        later_commands |= standing(log.get, overlapping)
        plan.append((ref.stream_id, events))
    return Reversal(plan, later_commands)


def standing_in_the_way(
    log: CommandLog, repository: Repository, target: CommandRecord, *, undo: bool
) -> list[str]:
    """The later commands that would refuse an undo (or redo) of `target` right now.

    The same rule the worker applies, asked before anything is queued. Empty
    when nothing stands in the way, and whenever the worker is the one to decide
    (the target unfinished, already undone, irreversible, ...).
    """
    if target.status != "succeeded":
        return []
    try:
        original, undoing = resolve(log, target, undo=undo)
        if original.status != "succeeded" or original.undone == undoing:
            return []
        refs = _refs(log, original, undoing)
        if not refs:
            return []
        return sorted(plan_reversal(log=log, repository=repository, refs=refs, target=original)
                      .later_command_ids)  # fmt: skip
    except DomainError:
        return []


def _reverse(ctx: HandlerContext, refs: list[EventRef], force: bool, target: CommandRecord) -> None:
    """Append the compensation of every event in `refs`, newest first."""
    reversal = plan_reversal(ctx.repository, ctx.log, refs, target, ctx.uow.command_id)
    # What is taken back, for the summary (an undo's carry the target's effect).
    ctx.extra["reversed_events"] = [event for _, events in reversal.plan for event in events]
    if reversal.later_command_ids and not force:
        raise UndoConflict(
            "A later change touched the same thing; undo that first.",
            later_command_ids=sorted(reversal.later_command_ids),
        )
    for stream_id, events in reversal.plan:
        aggregate = ctx.uow.get(aggregate_class(events[0]), stream_id)
        for event in reversed(events):
            compensate(event, aggregate, lambda album_id: ctx.uow.get(Album, album_id))


def standing(get: Callable[[str], CommandRecord | None], command_ids: list[str]) -> set[str]:
    """The later commands whose change still stands, in a stream's order.

    An undo or redo that comes right after the change it takes back cancels it,
    matched like brackets: so undoing newest first (as the conflict advises), or
    redoing in the reverse order, is not refused. Out-of-order reversals stand.
    """
    stack: list[tuple[str, CommandRecord | None]] = []
    for command_id in dict.fromkeys(command_ids):
        record = get(command_id)
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
    repository: Repository, ref: EventRef, own_command_id: str | None
) -> tuple[list[Any], list[tuple[str, Any]]]:
    """The referenced events of a stream, and every (command id, event) after them."""
    commits = repository.store.read_commits(
        ref.stream_id, after_version=ref.first_version - 1, at_commit_boundary=True
    )
    events: list[Any] = []
    later: list[tuple[str, Any]] = []
    for commit in commits:
        if own_command_id is not None and commit.command_id == own_command_id:
            # This undo's own compensation is already written: a repeated delivery.
            raise AlreadyApplied(ref.stream_id)
        for chained in commit.events:
            if chained.version < ref.first_version:
                continue
            event = repository.to_domain(chained.stored)
            if chained.version <= ref.last_version:
                events.append(event)
            else:
                later.append((commit.command_id, event))
    return events, later
