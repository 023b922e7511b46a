"""Photo routes: change, file, tag, trash and restore, list, read (now or as of), history."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import unquote
from uuid import UUID

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Query

from api.access import (
    caller,
    current_photo,
    deps,
    ensure_readable,
    intact,
    owner_of,
    parse_instant,
    readable_view,
    submit,
    writable_album,
    writable_photo,
    writer,
)
from api.errors import NotFound, documented
from api.idempotency import request_ids
from api.listings import UNSORTED, history_page, photos
from api.media import entry_without_gps, present, present_page
from api.params import SIGNED_IN, AsOf, Cursor, HistoryLimit, Limit
from api.schemas import (
    Accepted,
    BatchTags,
    History,
    PhotoChanges,
    PhotoIds,
    PhotoOut,
    PhotoPage,
    PhotoPlacement,
    Tags,
)
from domain.album import Album
from domain.photo import Photo
from projections import history as past
from projections.views import PhotoView

router = Router()
TAGS = ["Photos"]
AlbumFilter = Annotated[str | None, Query(max_length=64, description="An album id or `unsorted`.")]


def _photo_commands(photo_id: UUID, *commands: dict[str, Any]) -> Response[Accepted]:
    identity = writer(router.current_event)
    writable_photo(identity, str(photo_id))
    return submit(
        identity,
        [{**command, "photo_id": str(photo_id)} for command in commands],
        ids=request_ids(router.current_event, identity),
        photo_id=str(photo_id),
    )


@router.patch(
    "/photos/<photo_id>",
    summary="Retitle a photo, caption it, or both",
    tags=TAGS,
    security=SIGNED_IN,
    status_code=202,
    responses=documented(202, 400, 401, 403, 404, 413),
)
def change_photo(photo_id: UUID, changes: Annotated[PhotoChanges, Body()]) -> Response[Accepted]:
    commands: list[dict[str, Any]] = []
    if changes.title is not None:
        commands.append({"type": "RetitlePhoto", "title": changes.title})
    if changes.caption is not None:
        commands.append({"type": "CaptionPhoto", "caption": changes.caption})
    return _photo_commands(photo_id, *commands)


@router.put(
    "/photos/<photo_id>/album",
    summary="File a photo in an album (album_id null: in none)",
    tags=TAGS,
    security=SIGNED_IN,
    status_code=202,
    responses=documented(202, 400, 401, 403, 404, 413),
)
def move_photo(photo_id: UUID, placement: Annotated[PhotoPlacement, Body()]) -> Response[Accepted]:
    identity = writer(router.current_event)
    writable_photo(identity, str(photo_id))
    album_id = str(placement.album_id) if placement.album_id else None
    if album_id is not None:
        writable_album(identity, album_id)
    command = {"type": "MovePhoto", "photo_id": str(photo_id), "album_id": album_id}
    return submit(
        identity,
        [command],
        ids=request_ids(router.current_event, identity),
        photo_id=str(photo_id),
        **({"album_id": album_id} if album_id else {}),
    )


@router.post(
    "/photos/<photo_id>/tags",
    summary="Tag a photo",
    tags=TAGS,
    security=SIGNED_IN,
    status_code=202,
    responses=documented(202, 400, 401, 403, 404, 413),
)
def tag_photo(photo_id: UUID, tags: Annotated[Tags, Body()]) -> Response[Accepted]:
    return _photo_commands(photo_id, {"type": "TagPhoto", "tags": tags.tags})


@router.delete(
    "/photos/<photo_id>/tags/<tag>",
    summary="Remove one tag from a photo",
    tags=TAGS,
    security=SIGNED_IN,
    status_code=202,
    responses=documented(202, 400, 401, 403, 404),
)
def untag_photo(photo_id: UUID, tag: str) -> Response[Accepted]:
    # The gateway may hand the path over still percent-encoded ("new%20york").
    return _photo_commands(photo_id, {"type": "UntagPhoto", "tags": [unquote(tag)]})


@router.delete(
    "/photos/<photo_id>",
    summary="Move a photo to the trash",
    tags=TAGS,
    security=SIGNED_IN,
    status_code=202,
    responses=documented(202, 400, 401, 403, 404),
)
def trash_photo(photo_id: UUID) -> Response[Accepted]:
    return _photo_commands(photo_id, {"type": "TrashPhoto"})


@router.post(
    "/photos/<photo_id>/restore",
    summary="Bring a photo back from the trash",
    tags=TAGS,
    security=SIGNED_IN,
    status_code=202,
    responses=documented(202, 400, 401, 403, 404),
)
def restore_photo(photo_id: UUID) -> Response[Accepted]:
    return _photo_commands(photo_id, {"type": "RestorePhoto"})


@router.post(
    "/batch/tags",
    summary="Tag many photos at once (bulk: low priority, all or nothing)",
    tags=TAGS,
    security=SIGNED_IN,
    status_code=202,
    responses=documented(202, 400, 401, 403, 404, 413),
)
def batch_tag(batch: Annotated[BatchTags, Body()]) -> Response[Accepted]:
    identity = writer(router.current_event)
    for photo_id in batch.photo_ids:
        writable_photo(identity, str(photo_id))
    command = {
        "type": "BatchTagPhotos",
        "photo_ids": [str(photo_id) for photo_id in batch.photo_ids],
        "tags": batch.tags,
    }
    return submit(identity, [command], ids=request_ids(router.current_event, identity))


@router.post(
    "/photos/<photo_id>/reprocess",
    summary="Run the image pipeline again on a photo (after a failure, or if stuck pending)",
    tags=TAGS,
    security=SIGNED_IN,
    status_code=202,
    responses=documented(202, 400, 401, 403, 404),
)
def reprocess_photo(photo_id: UUID) -> Response[Accepted]:
    return _photo_commands(photo_id, {"type": "ReprocessPhoto"})


@router.post(
    "/batch/reprocess",
    summary="Reprocess many photos (bulk: low priority, one command per photo)",
    tags=TAGS,
    security=SIGNED_IN,
    status_code=202,
    responses=documented(202, 400, 401, 403, 404, 413),
)
def batch_reprocess(batch: Annotated[PhotoIds, Body()]) -> Response[Accepted]:
    identity = writer(router.current_event)
    for photo_id in batch.photo_ids:
        writable_photo(identity, str(photo_id))
    commands = [{"type": "ReprocessPhoto", "photo_id": str(pid)} for pid in batch.photo_ids]
    ids = request_ids(router.current_event, identity)
    return submit(identity, commands, ids=ids, priority="low")


@router.get(
    "/photos",
    summary="List photos by album (or `unsorted`), tag, or trash",
    description=(
        "The caller's photos (auditors and support may name an `owner`). Trashed photos are "
        "listed only with `trashed=true`, and then only they are. `album_id=unsorted` lists "
        "photos in no album or in a deleted one. A page may hold fewer than `limit` photos: "
        "follow `cursor` until it is null."
    ),
    tags=TAGS,
    security=SIGNED_IN,
    responses=documented(200, 400, 401, 404),
)
def list_photos(
    album_id: Annotated[
        str | None, Query(max_length=64, description="An album id or `unsorted`.")
    ] = None,
    tag: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
    trashed: bool = False,
    owner: Annotated[str | None, Query(max_length=128)] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> PhotoPage:
    identity = caller(router.current_event)
    wanted = ensure_readable(identity, owner or identity.user_id, "owner", owner or "")
    if album_id and album_id != UNSORTED:
        wanted = ensure_readable(identity, owner_of(Album, album_id), "album", album_id)
    page = photos(wanted, album_id=album_id, tag=tag, trashed=trashed, limit=limit, cursor=cursor)
    return present_page(page, identity)


@router.get(
    "/photos/<photo_id>",
    summary="A photo, now or as of an instant",
    tags=TAGS,
    security=SIGNED_IN,
    responses=documented(200, 400, 401, 404, 409),
)
def get_photo(photo_id: UUID, as_of: AsOf = None) -> PhotoOut:
    identity = caller(router.current_event)
    key = str(photo_id)
    if as_of is None:
        return present(readable_view(identity, current_photo(key), "photo", key), identity)
    instant = parse_instant(as_of)
    then = intact(identity, Photo, key, lambda: past.as_of(deps().store, key, instant))
    if not isinstance(then, PhotoView):
        ensure_readable(identity, owner_of(Photo, key), "photo", key)
        raise NotFound(f"Photo {key} did not exist yet at {instant.isoformat()}.", photo_id=key)
    return present(readable_view(identity, then, "photo", key), identity)


@router.get(
    "/photos/<photo_id>/history",
    summary="Every change to a photo: who, what, when, before and after",
    tags=TAGS,
    security=SIGNED_IN,
    responses=documented(200, 400, 401, 404, 409),
)
def photo_history(photo_id: UUID, limit: HistoryLimit = 100, cursor: Cursor = None) -> History:
    identity = caller(router.current_event)
    key = str(photo_id)
    owner = owner_of(Photo, key)
    ensure_readable(identity, owner, "photo", key)
    entries = intact(identity, Photo, key, lambda: past.history(deps().store, deps().log, key))
    if identity.user_id != owner:
        entries = [entry_without_gps(entry) for entry in entries]
    return history_page(key, entries, limit=limit, cursor=cursor, viewer=identity)
