"""Album routes: create, change, share, delete, list, read (now or as of an instant), history."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Query

from api.access import (
    caller,
    current_album,
    deps,
    ensure_readable,
    intact,
    owner_of,
    parse_instant,
    readable_view,
    submit,
    writable_album,
    writer,
)
from api.errors import NotFound, documented
from api.idempotency import request_ids
from api.listings import album_photos, album_photos_as_of, history_page, listed
from api.media import present_page, urls
from api.params import SIGNED_IN, AsOf, Cursor, HistoryLimit, Limit
from api.schemas import (
    Accepted,
    AlbumChanges,
    AlbumDetail,
    AlbumPage,
    History,
    NewAlbum,
    SharedAlbum,
    SharedPhoto,
)
from domain.album import Album
from projections import history as past
from projections.views import AlbumView

router = Router()
TAGS = ["Albums"]


@router.post(
    "/albums",
    summary="Create an album",
    tags=TAGS,
    security=SIGNED_IN,
    status_code=202,
    responses=documented(202, 400, 401, 403, 413),
)
def create_album(album: Annotated[NewAlbum, Body()]) -> Response[Accepted]:
    identity = writer(router.current_event)
    ids = request_ids(router.current_event, identity)
    album_id = ids.mint("album")
    command = {"type": "CreateAlbum", "album_id": album_id, **album.model_dump()}
    return submit(identity, [command], ids=ids, album_id=album_id)


@router.patch(
    "/albums/<album_id>",
    summary="Rename an album, describe it, or both",
    tags=TAGS,
    security=SIGNED_IN,
    status_code=202,
    responses=documented(202, 400, 401, 403, 404, 413),
)
def change_album(album_id: UUID, changes: Annotated[AlbumChanges, Body()]) -> Response[Accepted]:
    identity = writer(router.current_event)
    writable_album(identity, str(album_id))
    commands = []
    if changes.title is not None:
        commands.append({"type": "RenameAlbum", "album_id": str(album_id), "title": changes.title})
    if changes.description is not None:
        commands.append(
            {"type": "DescribeAlbum", "album_id": str(album_id), "description": changes.description}
        )
    ids = request_ids(router.current_event, identity)
    return submit(identity, commands, ids=ids, album_id=str(album_id))


def _album_command(album_id: UUID, command_type: str) -> Response[Accepted]:
    identity = writer(router.current_event)
    writable_album(identity, str(album_id))
    return submit(
        identity,
        [{"type": command_type, "album_id": str(album_id)}],
        ids=request_ids(router.current_event, identity),
        album_id=str(album_id),
    )


@router.delete(
    "/albums/<album_id>",
    summary="Delete an album (its photos stay, unsorted)",
    tags=TAGS,
    security=SIGNED_IN,
    status_code=202,
    responses=documented(202, 400, 401, 403, 404),
)
def delete_album(album_id: UUID) -> Response[Accepted]:
    return _album_command(album_id, "DeleteAlbum")


@router.post(
    "/albums/<album_id>/share",
    summary="Share an album by link (a new link replaces the old one)",
    tags=TAGS,
    security=SIGNED_IN,
    status_code=202,
    responses=documented(202, 400, 401, 403, 404),
)
def share_album(album_id: UUID) -> Response[Accepted]:
    return _album_command(album_id, "ShareAlbum")


@router.delete(
    "/albums/<album_id>/share",
    summary="Stop sharing an album (its link stops working)",
    tags=TAGS,
    security=SIGNED_IN,
    status_code=202,
    responses=documented(202, 400, 401, 403, 404),
)
def unshare_album(album_id: UUID) -> Response[Accepted]:
    return _album_command(album_id, "UnshareAlbum")


@router.get(
    "/albums",
    summary="List albums (the caller's; auditors and support may name an owner)",
    tags=TAGS,
    security=SIGNED_IN,
    responses=documented(200, 400, 401, 404),
)
def list_albums(
    limit: Limit = 50,
    cursor: Cursor = None,
    owner: Annotated[str | None, Query(max_length=128)] = None,
    include_deleted: bool = False,
) -> AlbumPage:
    identity = caller(router.current_event)
    wanted = ensure_readable(identity, owner or identity.user_id, "owner", owner or "")
    page = deps().read_models.albums_of(wanted, limit=limit, cursor=cursor)
    items = [album for album in page.items if include_deleted or not album.deleted]
    return AlbumPage(items=items, cursor=page.cursor)


@router.get(
    "/albums/<album_id>",
    summary="An album with a page of its photos, now or as of an instant",
    tags=TAGS,
    security=SIGNED_IN,
    responses=documented(200, 400, 401, 404, 409),
)
def get_album(
    album_id: UUID, limit: Limit = 50, cursor: Cursor = None, as_of: AsOf = None
) -> AlbumDetail:
    identity = caller(router.current_event)
    key = str(album_id)
    if as_of is None:
        album = readable_view(identity, current_album(key), "album", key)
        photos = present_page(album_photos(key, limit=limit, cursor=cursor), identity)
        return AlbumDetail(**album.model_dump(), photos=photos)
    instant = parse_instant(as_of)
    then = intact(identity, Album, key, lambda: past.as_of(deps().store, key, instant))
    if not isinstance(then, AlbumView):
        ensure_readable(identity, owner_of(Album, key), "album", key)
        raise NotFound(f"Album {key} did not exist yet at {instant.isoformat()}.", album_id=key)
    ensure_readable(identity, then.owner, "album", key)
    photos = present_page(
        album_photos_as_of(then.owner, key, instant, limit=limit, cursor=cursor), identity
    )
    return AlbumDetail(**then.model_dump(), photos=photos, as_of=instant.isoformat())


@router.get(
    "/albums/<album_id>/history",
    summary="Every change to an album: who, what, when, before and after",
    tags=TAGS,
    security=SIGNED_IN,
    responses=documented(200, 400, 401, 404, 409),
)
def album_history(album_id: UUID, limit: HistoryLimit = 100, cursor: Cursor = None) -> History:
    identity = caller(router.current_event)
    key = str(album_id)
    ensure_readable(identity, owner_of(Album, key), "album", key)
    entries = intact(identity, Album, key, lambda: past.history(deps().store, deps().log, key))
    return history_page(key, entries, limit=limit, cursor=cursor, viewer=identity)


@router.get(
    "/shared/<token>",
    summary="A shared album, for anyone with the link (no sign-in)",
    tags=TAGS,
    responses=documented(200, 400, 404),
)
def shared_album(token: str, limit: Limit = 50, cursor: Cursor = None) -> SharedAlbum:
    read_models = deps().read_models
    share = read_models.get_share(token)
    album = read_models.get_album(share.album_id) if share else None
    if album is None or album.deleted or album.share_token != token:
        raise NotFound("This link does not open any album (it may have been unshared).")
    page = read_models.photos_in(album.album_id, limit=limit, cursor=cursor)
    return SharedAlbum(
        title=album.title,
        description=album.description,
        photos=[
            SharedPhoto.model_validate({**photo.model_dump(), "urls": urls(photo, original=True)})
            for photo in page.items
            if listed(photo, False)
        ],
        cursor=page.cursor,
    )
