"""Command routes: a command's status, undo and redo (by id or the caller's latest), activity.

Undo and redo are commands too: they are queued, audited, and can themselves
be undone. Support may revert anyone's command, always with a written reason,
which the command log keeps with the revert.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from api.access import caller, deps, submit, writer
from api.errors import BadRequest, Conflict, Forbidden, NotFound, documented
from api.idempotency import request_ids
from api.identity import Identity
from api.media import record_without_gps
from api.params import SIGNED_IN, Cursor, Limit
from api.people import actor_views, commands_out
from api.schemas import (
    Accepted,
    CommandList,
    CommandStatus,
    LaterCommand,
    ReversalPreview,
    Revert,
)
from api.summaries import all_described, described
from commands.command_log import CommandRecord
from commands.handlers.undo import standing_in_the_way
from projections.command_phrases import quoted, quoted_list
from projections.people import People
from projections.read_models import ReadModels

router = Router()
TAGS = ["Commands"]
REVERSALS = frozenset({"UndoCommand", "RedoCommand"})
#: How far back `/me/undo` and `/me/redo` look for something to act on.
RECENT = 200
NOTHING_TO_UNDO = "You have nothing to undo."
NOTHING_TO_REDO = (
    "You have nothing to redo: nothing of yours is undone, or you changed something since."
)

CommandId = Annotated[str, Path(min_length=1, max_length=100)]
OptionalRevert = Annotated[Revert | None, Body()]


def is_projected(
    record: CommandRecord, read_models: ReadModels, people: People | None = None
) -> bool:
    """Whether the read models reflect every event the command wrote (read-your-writes)."""
    if record.status == "rejected":
        return True
    if record.status != "succeeded":
        return False
    if not record.events:
        return True
    # Every view stores the version it reflects: the command is visible once each stream's
    # view has reached the last version the command wrote there.
    versions = read_models.view_versions([ref.stream_id for ref in record.events])
    if people is not None and len(versions) < len({ref.stream_id for ref in record.events}):
        # A Person stream's view is its person in the people model.
        versions |= people.versions([ref.stream_id for ref in record.events
                                     if ref.stream_id not in versions])  # fmt: skip
    return all(versions.get(ref.stream_id, 0) >= ref.last_version for ref in record.events)


def visible_command(identity: Identity, command_id: str) -> CommandRecord:
    record = deps().log.get(command_id)
    if record is None or not identity.may_read(record.actor_id):
        raise NotFound(f"No command with id {command_id}.", command_id=command_id)
    return record


@router.get(
    "/commands/<command_id>",
    summary="A command's status, outcome, events and whether it is projected yet",
    tags=TAGS,
    security=SIGNED_IN,
    responses=documented(200, 401, 404),
)
def command_status(command_id: CommandId) -> CommandStatus:
    identity = caller(router.current_event)
    return status_of(visible_command(identity, command_id), identity)


def status_of(found: CommandRecord, identity: Identity) -> CommandStatus:
    """A record as `/commands/{id}` shows it: named, summarized, projected or not, linked."""
    record = described(record_without_gps(found))
    base = f"/commands/{record.command_id}"
    links = {"self": base, "undo": f"{base}/undo", "redo": f"{base}/redo"}
    links |= {name: f"/commands/{target}" for name, target in
              (("undoes", record.undoes), ("redoes", record.redoes)) if target}  # fmt: skip
    return CommandStatus(
        **record.model_dump(),
        actor=actor_views([record], identity)[record.actor_id],
        projected=is_projected(record, deps().read_models, deps().people),
        links=links,
    )


def _revert(
    kind: Literal["UndoCommand", "RedoCommand"], command_id: str, body: Revert | None
) -> Response[Accepted]:
    identity = writer(router.current_event)
    target = visible_command(identity, command_id)
    reason = ((body.reason if body else None) or "").strip()
    force = body.force if body else False
    if target.actor_id != identity.user_id and not reason:
        raise BadRequest(
            "Support must give a reason when reverting someone else's command.",
            code="reason_required",
            field="reason",
        )
    if force and not (identity.is_support and reason):
        raise Forbidden("Only support, with a reason, may override an undo conflict.")
    return _submit_revert(identity, kind, target, force=force, reason=reason or None)


def _repeated_target(identity: Identity) -> CommandRecord | None:
    """The target of the undo or redo an earlier try of this request (same key) submitted.

    Ctrl+Z picks the latest command still in effect; once the first try's undo
    ran, that is another one, so a repeat must keep the first try's target.
    """
    ids = request_ids(router.current_event, identity)
    known = deps().log.get(ids.mint("command 0")) if ids.key else None
    if known is None or known.type not in REVERSALS or known.actor_id != identity.user_id:
        return None
    return deps().log.get(str(known.payload.get("target_command_id")))


def _submit_revert(
    identity: Identity,
    kind: Literal["UndoCommand", "RedoCommand"],
    target: CommandRecord,
    *,
    force: bool = False,
    reason: str | None = None,
) -> Response[Accepted]:
    if not force:
        ensure_nothing_in_the_way(kind, target)
    command = {
        "type": kind,
        "target_command_id": target.command_id,
        "target_aggregate_id": target.aggregate_id,
        "force": force,
    }
    return submit(
        identity,
        [command],
        ids=request_ids(router.current_event, identity),
        reason=reason,
        target_command_id=target.command_id,
        summary=described(target).summary or "",
    )


def ensure_nothing_in_the_way(
    kind: Literal["UndoCommand", "RedoCommand"], target: CommandRecord
) -> None:
    """Refuse at once (409 `undo_conflict`, nothing queued) an undo or redo that later
    commands already stand in the way of: the worker's own rule, asked on arrival.

    A race the API cannot see yet (a later command still queued) is still the
    worker's to decide, and rejected as before.
    """
    log = deps().log
    ids = standing_in_the_way(log, deps().repository, target, undo=kind == "UndoCommand")
    if not ids:
        return
    later = [
        LaterCommand(command_id=command_id, summary=described(record).summary or "")
        for command_id in ids
        if (record := log.get(command_id)) is not None
    ]
    verb = "undone" if kind == "UndoCommand" else "redone"
    named = "; ".join(item.summary for item in later)
    raise Conflict(
        f"This cannot be {verb} yet: a later change touched the same thing ({named}). "
        "Undo that first.",
        code="undo_conflict",
        later=[item.model_dump() for item in later],
        later_command_ids=ids,
    )


@router.post(
    "/commands/<command_id>/undo",
    summary="Undo a command (support: anyone's, with a reason)",
    tags=TAGS,
    security=SIGNED_IN,
    status_code=202,
    responses=documented(202, 400, 401, 403, 404, 409, 413),
)
def undo(command_id: CommandId, body: OptionalRevert = None) -> Response[Accepted]:
    return _revert("UndoCommand", command_id, body)


@router.post(
    "/commands/<command_id>/redo",
    summary="Redo an undone command (support: anyone's, with a reason)",
    tags=TAGS,
    security=SIGNED_IN,
    status_code=202,
    responses=documented(202, 400, 401, 403, 404, 409, 413),
)
def redo(command_id: CommandId, body: OptionalRevert = None) -> Response[Accepted]:
    return _revert("RedoCommand", command_id, body)


def _undone_now(history: list[CommandRecord]) -> dict[str, bool]:
    """Targets whose undone-ness a still-queued undo or redo is about to flip."""
    flips: dict[str, bool] = {}
    for record in reversed(history):  # oldest first: the last queued flip wins
        if record.type in REVERSALS and record.status == "accepted":
            target = str(record.payload.get("target_command_id", ""))
            flips[target] = record.type == "UndoCommand"
    return flips


def _originals(history: list[CommandRecord]) -> list[CommandRecord]:
    return [
        r for r in history if r.type not in REVERSALS and r.status not in ("rejected", "failed")
    ]


def latest_undoable(history: list[CommandRecord]) -> CommandRecord | None:
    """The caller's newest command that is in effect (queued ones count: Ctrl+Z means it)."""
    flips = _undone_now(history)
    for record in _originals(history):
        if not flips.get(record.command_id, record.undone):
            return record
    return None


def latest_undone(
    history: list[CommandRecord], get: Callable[[str], CommandRecord | None] | None = None
) -> CommandRecord | None:
    """The caller's command undone most recently (by them or by support), while no new
    change of theirs came after that undo: a new change ends the redo chain, as in every
    editor (a redo by id, from a history entry, still works)."""
    flips = _undone_now(history)
    latest_change = max((r.issued_at for r in _originals(history)), default="")
    queued_at = {
        str(r.payload.get("target_command_id")): r.issued_at
        for r in reversed(history)
        if r.type == "UndoCommand" and r.status == "accepted"
    }
    best: tuple[str, CommandRecord] | None = None
    for record in _originals(history):
        if record.status != "succeeded" or not flips.get(record.command_id, record.undone):
            continue
        if record.command_id in queued_at:
            when = queued_at[record.command_id]
        else:
            last_undo = (get or deps().log.get)(record.undone_by[-1])
            when = last_undo.issued_at if last_undo else record.issued_at
        if best is None or when > best[0]:
            best = (when, record)
    if best is None or best[0] < latest_change:
        return None
    return best[1]


@router.post(
    "/me/undo",
    summary="Undo the caller's latest command still in effect (Ctrl+Z)",
    tags=TAGS,
    security=SIGNED_IN,
    status_code=202,
    responses=documented(202, 400, 401, 403, 409),
)
def undo_mine() -> Response[Accepted]:
    identity = writer(router.current_event)
    target = _repeated_target(identity) or latest_undoable(
        deps().log.history(identity.user_id, limit=RECENT)
    )
    if target is None:
        raise Conflict(NOTHING_TO_UNDO, code="nothing_to_undo")
    return _submit_revert(identity, "UndoCommand", target)


@router.post(
    "/me/redo",
    summary="Redo the caller's most recently undone command (Ctrl+Shift+Z)",
    tags=TAGS,
    security=SIGNED_IN,
    status_code=202,
    responses=documented(202, 400, 401, 403, 409),
)
def redo_mine() -> Response[Accepted]:
    identity = writer(router.current_event)
    target = _repeated_target(identity) or latest_undone(
        deps().log.history(identity.user_id, limit=RECENT)
    )
    if target is None:
        raise Conflict(NOTHING_TO_REDO, code="nothing_to_redo")
    return _submit_revert(identity, "RedoCommand", target)


@router.get(
    "/me/activity",
    summary="The caller's commands, newest first",
    tags=TAGS,
    security=SIGNED_IN,
    responses=documented(200, 400, 401),
)
def my_activity(limit: Limit = 50, cursor: Cursor = None) -> CommandList:
    identity = caller(router.current_event)
    page = deps().log.search(actor=identity.user_id, limit=limit, cursor=cursor)
    return CommandList(items=commands_out(all_described(page.items), identity), cursor=page.cursor)


#: What the Undo and Redo buttons call a command, before the name of what it changed:
#: "Undo: rename of "Paris 2024"".
_BUTTON_NOUNS = {
    "CreateAlbum": "creation", "RenameAlbum": "rename", "DescribeAlbum": "description",
    "ShareAlbum": "sharing", "UnshareAlbum": "unsharing", "DeleteAlbum": "deletion",
    "RegisterUpload": "upload", "ReprocessPhoto": "reprocessing", "RetitlePhoto": "retitle",
    "CaptionPhoto": "caption", "TagPhoto": "tagging", "UntagPhoto": "untagging",
    "MovePhoto": "move", "TrashPhoto": "trashing", "RestorePhoto": "restore",
    "PurgePhoto": "purge",
}  # fmt: skip


def button_label(target: CommandRecord) -> str:
    """A short name for what an Undo or Redo button acts on: "rename of "Paris 2024"".

    The album or photo is named as it is called now; a rename or a tag also names
    the value it set, so Redo after an undo still says what it brings back.
    """
    payload = target.payload
    if target.type == "ChangeDisplayName":
        return f"change of your display name to {quoted(str(payload.get('display_name', '')))}"
    if target.type == "BatchTagPhotos":
        count = len(payload.get("photo_ids") or [])
        batch_tags = quoted_list([str(tag) for tag in payload.get("tags") or []])
        return f"tagging of {count} photo{'s' if count != 1 else ''} with {batch_tags}"
    noun = _BUTTON_NOUNS.get(target.type, "change")
    read_models = deps().read_models
    name: str | None = None
    album = read_models.get_album(target.aggregate_id)
    if album is not None:
        name = album.title
    else:
        photo = read_models.get_photo(target.aggregate_id)
        if photo is not None:
            name = photo.title or photo.filename
    name = name or str(payload.get("title") or payload.get("filename") or "")
    subject = quoted(name) if name else ("the album" if "Album" in target.type else "the photo")
    tags = [str(tag) for tag in payload.get("tags") or []]
    if target.type in ("RenameAlbum", "RetitlePhoto"):
        wanted = str(payload.get("title", ""))
        return (
            f"{noun} of {subject}" if wanted == name else f"{noun} of {subject} to {quoted(wanted)}"
        )
    if target.type == "TagPhoto" and tags:
        return f"tagging of {subject} with {quoted_list(tags)}"
    if target.type == "UntagPhoto" and tags:
        return f"removal of {quoted_list(tags)} from {subject}"
    return f"{noun} of {subject}"


def _preview(
    target: CommandRecord | None, identity: Identity, nothing: Conflict
) -> ReversalPreview:
    if target is None:
        raise nothing
    status = status_of(target, identity)
    return ReversalPreview(command=status, summary=status.summary or "", label=button_label(target))


@router.get(
    "/me/undo",
    summary="What the Undo button would act on: the caller's latest command in effect",
    tags=TAGS,
    security=SIGNED_IN,
    responses=documented(200, 401, 403, 409),
)
def preview_undo() -> ReversalPreview:
    identity = writer(router.current_event)
    target = latest_undoable(deps().log.history(identity.user_id, limit=RECENT))
    return _preview(target, identity, Conflict(NOTHING_TO_UNDO, code="nothing_to_undo"))


@router.get(
    "/me/redo",
    summary="What the Redo button would act on: the caller's command undone most recently",
    tags=TAGS,
    security=SIGNED_IN,
    responses=documented(200, 401, 403, 409),
)
def preview_redo() -> ReversalPreview:
    identity = writer(router.current_event)
    target = latest_undone(deps().log.history(identity.user_id, limit=RECENT))
    return _preview(target, identity, Conflict(NOTHING_TO_REDO, code="nothing_to_redo"))
