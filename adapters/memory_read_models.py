"""Read models in memory: the same port as DynamoDB's, for unit and functional tests."""

from __future__ import annotations

import base64
import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from projections.read_models import InvalidCursor, ReadModels, StaleView
from projections.views import AlbumView, Page, PhotoView, ShareRow, TagRow

T = TypeVar("T")


def _page(rows: list[T], key: Callable[[T], str], limit: int, cursor: str | None) -> Page[T]:
    """Rows sorted by `key`, after the key the cursor encodes."""
    ordered = sorted(rows, key=key)
    if cursor:
        try:
            after = base64.b64decode(cursor.encode(), altchars=b"-_", validate=True).decode()
        except (ValueError, UnicodeDecodeError) as exc:
            raise InvalidCursor("That cursor was not handed out by this listing.") from exc
        ordered = [row for row in ordered if key(row) > after]
    items = ordered[:limit]
    more = len(ordered) > limit
    next_cursor = base64.urlsafe_b64encode(key(items[-1]).encode()).decode() if more else None
    return Page[T](items=items, cursor=next_cursor)


class InMemoryReadModels(ReadModels):
    def __init__(self) -> None:
        self._albums: dict[str, AlbumView] = {}
        self._photos: dict[str, PhotoView] = {}
        self._tags: dict[tuple[str, str], TagRow] = {}
        self._shares: dict[str, ShareRow] = {}
        self._lock = threading.RLock()

    def get_album(self, album_id: str) -> AlbumView | None:
        return self._albums.get(album_id)

    def get_photo(self, photo_id: str) -> PhotoView | None:
        return self._photos.get(photo_id)

    def get_photos(self, photo_ids: Sequence[str]) -> list[PhotoView]:
        return [self._photos[pid] for pid in photo_ids if pid in self._photos]

    def get_share(self, token: str) -> ShareRow | None:
        return self._shares.get(token)

    def albums_of(
        self, owner: str, *, limit: int = 50, cursor: str | None = None
    ) -> Page[AlbumView]:
        with self._lock:
            rows = [view for view in self._albums.values() if view.owner == owner]
        return _page(rows, lambda view: f"{view.created_at}#{view.album_id}", limit, cursor)

    def photos_in(
        self, album_key: str, *, limit: int = 50, cursor: str | None = None
    ) -> Page[PhotoView]:
        with self._lock:
            rows = [view for view in self._photos.values() if view.album_key == album_key]
        return _page(rows, lambda view: view.album_order, limit, cursor)

    def photos_of(
        self, owner: str, *, limit: int = 50, cursor: str | None = None
    ) -> Page[PhotoView]:
        with self._lock:
            rows = [view for view in self._photos.values() if view.owner == owner]
        return _page(rows, lambda view: f"{view.created_at}#{view.photo_id}", limit, cursor)

    def tagged(
        self, owner: str, tag: str, *, limit: int = 50, cursor: str | None = None
    ) -> Page[TagRow]:
        with self._lock:
            rows = [row for (owner_tag, _), row in self._tags.items()
                    if owner_tag == f"{owner}#{tag}"]  # fmt: skip
        return _page(rows, lambda row: row.photo_id, limit, cursor)

    def view_versions(self, stream_ids: Sequence[str]) -> dict[str, int]:
        versions: dict[str, int] = {}
        with self._lock:
            for stream_id in stream_ids:
                view = self._albums.get(stream_id) or self._photos.get(stream_id)
                if view is not None:
                    versions[stream_id] = view.version
        return versions

    def put_view(self, view: AlbumView | PhotoView, expected_version: int | None) -> None:
        with self._lock:
            table: dict[str, Any] = self._albums if isinstance(view, AlbumView) else self._photos
            key = view.album_id if isinstance(view, AlbumView) else view.photo_id
            stored = table.get(key)
            if (stored.version if stored else None) != expected_version:
                raise StaleView(f"view {key} is not at version {expected_version}")
            table[key] = view

    def put_tags(self, rows: Sequence[TagRow], removed: Sequence[TagRow]) -> None:
        with self._lock:
            for row in rows:
                key = (row.owner_tag, row.photo_id)
                stored = self._tags.get(key)
                if stored is None or stored.version <= row.version:
                    self._tags[key] = row
            for row in removed:
                key = (row.owner_tag, row.photo_id)
                stored = self._tags.get(key)
                if stored is not None and stored.version <= row.version:
                    del self._tags[key]

    def put_shares(self, rows: Sequence[ShareRow], removed: Sequence[ShareRow]) -> None:
        with self._lock:
            for row in rows:
                stored = self._shares.get(row.token)
                if stored is None or stored.version <= row.version:
                    self._shares[row.token] = row
            for row in removed:
                stored = self._shares.get(row.token)
                if stored is not None and stored.version <= row.version:
                    del self._shares[row.token]

    def bulk_load(
        self,
        views: Sequence[AlbumView | PhotoView] = (),
        tags: Sequence[TagRow] = (),
        shares: Sequence[ShareRow] = (),
    ) -> None:
        with self._lock:
            for view in views:
                if isinstance(view, AlbumView):
                    self._albums[view.album_id] = view
                else:
                    self._photos[view.photo_id] = view
            self._tags.update({(row.owner_tag, row.photo_id): row for row in tags})
            self._shares.update({row.token: row for row in shares})

    def clear(self) -> None:
        with self._lock:
            for table in (self._albums, self._photos, self._tags, self._shares):
                table.clear()

    def dump(self) -> dict[str, list[dict[str, Any]]]:
        with self._lock:
            tables: dict[str, list[Any]] = {
                "album-views": list(self._albums.values()),
                "photo-views": list(self._photos.values()),
                "tag-views": list(self._tags.values()),
                "share-views": list(self._shares.values()),
            }
        return {
            name: sorted((row.model_dump(mode="json") for row in rows), key=repr)
            for name, rows in tables.items()
        }
