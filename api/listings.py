"""Listings of photos: by album, by tag, unsorted, trashed, and an album as it was.

Every listing pages through ONE read-model listing with its opaque cursor and
filters each page, so a page may hold fewer than `limit` photos; a client
follows `cursor` until it is null. Purged photos (tombstones) never show.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from datetime import datetime

from api.access import deps
from api.identity import Identity
from api.people import entries_out
from api.schemas import History, PhotoOut, PhotoPage
from projections.history import HistoryEntry, as_of
from projections.read_models import InvalidCursor
from projections.views import PhotoView

UNSORTED = "unsorted"


def listed(photo: PhotoView, trashed: bool) -> bool:
    """Trashed photos show only in the trash; purged ones nowhere."""
    return not photo.purged and photo.trashed == trashed


def shown(photo: PhotoView) -> PhotoOut:
    """The view as a response item (links and GPS are settled by `api.media.present`)."""
    return PhotoOut(**photo.model_dump())


def _album_filter(album_id: str | None) -> Callable[[PhotoView], bool]:
    """Whether a photo belongs in `album_id` ("unsorted": in no live album)."""
    if album_id is None:
        return lambda photo: True
    if album_id != UNSORTED:
        return lambda photo: photo.album_id == album_id
    deleted: dict[str, bool] = {}

    def in_no_live_album(photo: PhotoView) -> bool:
        if photo.album_id is None:
            return True
        if photo.album_id not in deleted:
            album = deps().read_models.get_album(photo.album_id)
            deleted[photo.album_id] = album is None or album.deleted
        return deleted[photo.album_id]

    return in_no_live_album


def photos(
    owner: str,
    *,
    album_id: str | None,
    tag: str | None,
    trashed: bool,
    limit: int,
    cursor: str | None,
) -> PhotoPage:
    """An owner's photos, narrowed by album (or unsorted), tag and trash."""
    read_models = deps().read_models
    in_album = _album_filter(album_id)
    if tag:
        rows = read_models.tagged(owner, tag, limit=limit, cursor=cursor)
        found = read_models.get_photos([row.photo_id for row in rows.items])
        next_cursor = rows.cursor
    elif album_id == UNSORTED:
        # Photos of deleted albums are unsorted too, so walk all of the owner's photos.
        page = read_models.photos_of(owner, limit=limit, cursor=cursor)
        found, next_cursor = page.items, page.cursor
    elif album_id:
        page = read_models.photos_in(album_id, limit=limit, cursor=cursor)
        found, next_cursor = page.items, page.cursor
    else:
        page = read_models.photos_of(owner, limit=limit, cursor=cursor)
        found, next_cursor = page.items, page.cursor
    items = [photo for photo in found if listed(photo, trashed) and in_album(photo)]
    return PhotoPage(items=[shown(photo) for photo in items], cursor=next_cursor)


def album_photos(album_id: str, *, limit: int, cursor: str | None) -> PhotoPage:
    """The photos in an album now, in album order (trash excluded)."""
    page = deps().read_models.photos_in(album_id, limit=limit, cursor=cursor)
    return PhotoPage(
        items=[shown(photo) for photo in page.items if listed(photo, False)], cursor=page.cursor
    )


def album_photos_as_of(
    owner: str, album_id: str, instant: datetime, *, limit: int, cursor: str | None
) -> PhotoPage:
    """The photos that were in an album at an instant, each rebuilt from its own stream.

    Membership lives on the photo, so the candidates are all of the owner's
    photos (a photo never leaves its owner), a page at a time.
    """
    page = deps().read_models.photos_of(owner, limit=limit, cursor=cursor)
    items = []
    for candidate in page.items:
        then = as_of(deps().store, candidate.photo_id, instant)
        if isinstance(then, PhotoView) and then.album_id == album_id and listed(then, False):
            items.append(then)
    items.sort(key=lambda photo: photo.album_order)
    return PhotoPage(items=[shown(photo) for photo in items], cursor=page.cursor)


def history_page(
    stream_id: str,
    entries: list[HistoryEntry],
    *,
    limit: int,
    cursor: str | None,
    viewer: Identity,
) -> History:
    """A page of an aggregate's history, oldest first; the cursor is the last version shown.

    Its actors are named as `viewer` may see them, with one read of the people model.
    """
    after = 0
    if cursor:
        try:
            after = int(base64.urlsafe_b64decode(cursor.encode()).decode())
        except (ValueError, binascii.Error) as exc:
            raise InvalidCursor("That cursor was not handed out by this history.") from exc
    remaining = [entry for entry in entries if entry.version > after]
    page = remaining[:limit]
    more = len(remaining) > limit
    next_cursor = (
        base64.urlsafe_b64encode(str(page[-1].version).encode()).decode() if more else None
    )
    return History(stream_id=stream_id, entries=entries_out(page, viewer), cursor=next_cursor)
