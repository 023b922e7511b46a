"""What every route needs: the caller, the dependencies, who owns what, and submitting.

Ownership comes from the read model; an aggregate not projected yet (an album
created a moment ago) is looked up in the event store instead, so it can be
edited at once. A resource the caller may not see answers 404, exactly as one
that does not exist: a gallery user never learns that another's album exists.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.utilities.data_classes.common import BaseProxyEvent

from api import dependencies
from api.errors import BadRequest, Conflict, Forbidden, NotFound, Unauthorized
from api.idempotency import HEADER, IdempotencyKeyReused, RequestIds
from api.identity import Identity, identity_from_event
from api.schemas import Accepted
from commands.models import Envelope, validate_envelope
from commands.submit import CommandIdReused
from domain.album import Album
from domain.photo import Photo
from projections.history import StreamDamaged, as_of
from projections.views import AlbumView, PhotoView

READ_ONLY = "Auditors have read-only access."
NOT_THEIRS = (
    "Support may read anyone's {what} and revert anyone's command (with a reason), "
    "but not change another person's {what} directly."
)
_CREATION = {Album: "CreateAlbum", Photo: "RegisterUpload"}
# An unencoded '+' in a query string arrives as a space: "12:00:00 02:00" means "+02:00".
_SPACED_OFFSET = re.compile(r"(\d\d:\d\d(?::\d\d(?:\.\d+)?)?) (\d\d:?\d\d)$")


def deps() -> dependencies.ApiDependencies:
    return dependencies.current()


def caller(event: BaseProxyEvent) -> Identity:
    identity = identity_from_event(event.raw_event)
    if identity is None:
        raise Unauthorized("Sign in to use this.")
    return identity


def writer(event: BaseProxyEvent) -> Identity:
    """The caller, if their role may change anything at all."""
    identity = caller(event)
    if identity.is_auditor:
        raise Forbidden(READ_ONLY)
    return identity


# -- ownership ----------------------------------------------------------------------------


def current_album(album_id: str) -> AlbumView | None:
    """The album's view, from the read model or, if not projected yet, the event store."""
    view = deps().read_models.get_album(album_id)
    if view is None:
        rebuilt = as_of(deps().store, album_id, datetime.now(UTC))
        view = rebuilt if isinstance(rebuilt, AlbumView) else None
    return view


def current_photo(photo_id: str) -> PhotoView | None:
    view = deps().read_models.get_photo(photo_id)
    if view is None:
        rebuilt = as_of(deps().store, photo_id, datetime.now(UTC))
        view = rebuilt if isinstance(rebuilt, PhotoView) else None
    return view


def owner_of(kind: type[Album] | type[Photo], aggregate_id: str) -> str | None:
    """Who owns an album or photo: the read model's word, else the event store's.

    An album or photo whose creation is still queued belongs to whoever asked
    for it: FIFO order per aggregate runs its creation before any change to it.
    """
    read_models = deps().read_models
    view = (
        read_models.get_album(aggregate_id)
        if kind is Album
        else read_models.get_photo(aggregate_id)
    )
    if view is not None:
        return view.owner
    loaded = deps().repository.load(aggregate_id)
    if loaded is not None:
        return str(loaded.aggregate.owner) if isinstance(loaded.aggregate, kind) else None
    creations = (
        deps().log.search(aggregate_id=aggregate_id, command_type=_CREATION[kind], limit=1).items
    )
    if creations and creations[0].status in ("accepted", "failed"):
        return creations[0].actor_id
    return None


def ensure_readable(identity: Identity, owner: str | None, what: str, resource_id: str) -> str:
    if owner is None or not identity.may_read(owner):
        raise NotFound(f"No {what} with id {resource_id}.", **{f"{what}_id": resource_id})
    return owner


V = TypeVar("V", AlbumView, PhotoView)
T = TypeVar("T")


def damaged(damage: StreamDamaged, subject: str) -> Conflict:
    """409 `stream_damaged`: a stream with a missing commit, named for people and programs."""
    return Conflict(
        f"The stored history of {subject} is damaged: the change at version {damage.version} "
        "is missing, so it cannot be read as it was. An auditor's Verify names every break.",
        code="stream_damaged",
        stream_id=damage.stream_id,
        version=damage.version,
    )


def intact(
    identity: Identity, kind: type[Album] | type[Photo], aggregate_id: str, read: Callable[[], T]
) -> T:
    """`read()` of an aggregate's past; a damaged stream answers 409 `stream_damaged`.

    Only to a caller who may read the aggregate: anyone else gets the same 404 as
    for an id that names nothing.
    """
    try:
        return read()
    except StreamDamaged as damage:
        what = "album" if kind is Album else "photo"
        ensure_readable(identity, owner_of(kind, aggregate_id), what, aggregate_id)
        view = (
            deps().read_models.get_album(aggregate_id)
            if kind is Album
            else deps().read_models.get_photo(aggregate_id)
        )
        subject = f'{what} "{view.title}"' if view is not None and view.title else f"this {what}"
        raise damaged(damage, subject) from damage


def readable_view(identity: Identity, view: V | None, what: str, resource_id: str) -> V:
    """The view, if the caller may see it; 404 otherwise."""
    if view is None:
        raise NotFound(f"No {what} with id {resource_id}.", **{f"{what}_id": resource_id})
    ensure_readable(identity, view.owner, what, resource_id)
    return view


def ensure_writable(identity: Identity, owner: str | None, what: str, resource_id: str) -> str:
    ensure_readable(identity, owner, what, resource_id)
    if owner != identity.user_id:
        raise Forbidden(NOT_THEIRS.format(what=what), **{f"{what}_id": resource_id})
    return owner


def writable_album(identity: Identity, album_id: str) -> None:
    ensure_writable(identity, owner_of(Album, album_id), "album", album_id)


def writable_photo(identity: Identity, photo_id: str) -> None:
    ensure_writable(identity, owner_of(Photo, photo_id), "photo", photo_id)


# -- parameters ---------------------------------------------------------------------------


def parse_instant(value: str, field: str = "as_of") -> datetime:
    """An ISO 8601 instant; naive means UTC."""
    text = _SPACED_OFFSET.sub(r"\1+\2", value.strip())
    try:
        instant = datetime.fromisoformat(text)
    except ValueError as exc:
        raise BadRequest(
            "Give the moment as a date and time, such as 2024-05-01T12:00:00Z.",
            field=field,
            value=value,
        ) from exc
    return instant if instant.tzinfo else instant.replace(tzinfo=UTC)


# -- submitting ---------------------------------------------------------------------------


def submit(
    identity: Identity,
    commands: Sequence[Mapping[str, Any]],
    *,
    ids: RequestIds,
    reason: str | None = None,
    priority: str | None = None,
    **named: str,
) -> Response[Accepted]:
    """Validate every command first (all or none go), submit them, answer 202.

    A repeat of an earlier request (the same idempotency key) answers with the
    same commands; the same key on another request is refused with 422.
    """
    envelopes: list[Envelope] = [
        validate_envelope(
            {
                "command_id": ids.mint(f"command {index}"),
                "actor": identity.actor.model_dump(),
                "command": dict(command),
                "reason": reason,
                "priority": priority,
            }
        )
        for index, command in enumerate(commands)
    ]
    try:
        records = [deps().submitter.submit(envelope) for envelope in envelopes]
    except CommandIdReused as reused:
        raise IdempotencyKeyReused(
            f"This {HEADER} was already used for a different request "
            f"({reused.known.type}); send a new key for a new request.",
            command_id=reused.known.command_id,
        ) from reused
    last = records[-1].command_id
    location = f"/commands/{last}"
    return Response(
        status_code=202,
        content_type="application/json",
        body=Accepted(
            command_id=last,
            location=location,
            command_ids=[record.command_id for record in records],
            **named,
        ),
        headers={"Location": location},
    )
