"""Pure projectors: `(view | None, event) -> view`. No I/O.

`fold` applies a stream's events in order and skips any the view already
reflects (version <= view.version), which is what makes re-delivery harmless.
The derived rows (tags, share links) are computed from the view before and
after, so they too depend on one aggregate only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.album import Album
from domain.photo import Photo
from projections.views import AlbumView, PhotoView, ShareRow, TagRow

AnyView = AlbumView | PhotoView


class ProjectionGap(Exception):
    """An event arrived before the ones between it and the view: catch up first."""


def _at(event: Any) -> str:
    timestamp: datetime = event.timestamp
    return timestamp.isoformat()


def _touch(view: Any, event: Any, **changes: Any) -> Any:
    return view.model_copy(
        update={**changes, "version": event.originator_version, "updated_at": _at(event)}
    )


# -- albums and photos -------------------------------------------------------------------


def _album_created(view: AnyView | None, event: Album.Created) -> AlbumView:
    return AlbumView(
        album_id=str(event.originator_id),
        owner=event.owner,
        title=event.title,
        description=event.description,
        version=event.originator_version,
        created_at=_at(event),
        updated_at=_at(event),
    )


_ALBUM_CHANGES: dict[type, Any] = {
    Album.Renamed: lambda e: {"title": e.title},
    Album.Described: lambda e: {"description": e.description},
    Album.Shared: lambda e: {"share_token": e.token},
    Album.Unshared: lambda e: {"share_token": None},
    Album.Deleted: lambda e: {"deleted": True},
    Album.Restored: lambda e: {"deleted": False},
}

_PHOTO_CHANGES: dict[type, Any] = {
    Photo.Processed: lambda e: {
        "status": "ready",
        "failure_reason": None,
        "width": e.width,
        "height": e.height,
        "format": e.format,
        "metadata": dict(e.metadata),
        "renditions": dict(e.renditions),
    },
    Photo.ProcessingFailed: lambda e: {"status": "processing_failed", "failure_reason": e.reason},
    Photo.ReprocessingRequested: lambda e: {"status": "pending", "failure_reason": None},
    Photo.Retitled: lambda e: {"title": e.title},
    Photo.Captioned: lambda e: {"caption": e.caption},
    Photo.Trashed: lambda e: {"trashed": True},
    Photo.Restored: lambda e: {"trashed": False},
    Photo.Purged: lambda e: {"purged": True, "renditions": {}, "metadata": {}},
}


def _photo_registered(view: AnyView | None, event: Photo.Registered) -> PhotoView:
    return PhotoView(
        photo_id=str(event.originator_id),
        owner=event.owner,
        album_id=str(event.album_id) if event.album_id else None,
        album_joined_at=_at(event),
        filename=event.filename,
        content_type=event.content_type,
        size=event.size,
        title=event.title,
        version=event.originator_version,
        created_at=_at(event),
        updated_at=_at(event),
    )


def _changes(view: AnyView, event: Any) -> dict[str, Any]:
    kind = type(event)
    if kind in _ALBUM_CHANGES:
        changes: dict[str, Any] = _ALBUM_CHANGES[kind](event)
        return changes
    if kind in _PHOTO_CHANGES:
        changes = _PHOTO_CHANGES[kind](event)
        return changes
    if isinstance(view, PhotoView) and kind is Photo.Tagged:
        return {"tags": sorted({*view.tags, *event.tags})}
    if isinstance(view, PhotoView) and kind is Photo.Untagged:
        return {"tags": [tag for tag in view.tags if tag not in set(event.tags)]}
    if kind is Photo.Moved:
        return {
            "album_id": str(event.album_id) if event.album_id else None,
            "album_joined_at": _at(event),
        }
    raise TypeError(f"no projection for {kind.__qualname__}")


def apply(view: AnyView | None, event: Any) -> AnyView:
    """One event on a view; raises ProjectionGap if the view is not at version - 1."""
    if isinstance(event, Album.Created):
        return _album_created(view, event)
    if isinstance(event, Photo.Registered):
        return _photo_registered(view, event)
    if view is None or event.originator_version != view.version + 1:
        have = view.version if view else 0
        raise ProjectionGap(f"view at version {have}, event is version {event.originator_version}")
    updated: AnyView = _touch(view, event, **_changes(view, event))
    return updated


def fold(view: AnyView | None, events: Iterable[Any]) -> AnyView | None:
    """Apply events in order, skipping those the view already reflects."""
    for event in events:
        if view is not None and event.originator_version <= view.version:
            continue
        view = apply(view, event)
    return view


def tag_rows(view: PhotoView | None) -> list[TagRow]:
    """The (owner, tag) rows a photo appears under: one per tag, none once purged."""
    if view is None or view.purged:
        return []
    return [TagRow(owner=view.owner, tag=tag, photo_id=view.photo_id, version=view.version)
            for tag in view.tags]  # fmt: skip


def share_rows(view: AlbumView | None) -> list[ShareRow]:
    """The share-link row of an album that is shared and not deleted."""
    if view is None or view.share_token is None or view.deleted:
        return []
    return [ShareRow(token=view.share_token, album_id=view.album_id, owner=view.owner,
                     version=view.version)]  # fmt: skip


@dataclass(frozen=True)
class DerivedChanges:
    """Rows to write and rows to remove when a view moves from `before` to `after`.

    Derived rows exist only while they hold (no tombstones), so a rebuild that
    folds a whole stream at once yields exactly the rows live projection left.
    """

    tags: list[TagRow]
    removed_tags: list[TagRow]
    shares: list[ShareRow]
    removed_shares: list[ShareRow]


def derived_changes(
    before: AnyView | None, after: AnyView, between: Sequence[AnyView] = ()
) -> DerivedChanges:
    """The derived rows `after` needs, and those of `before` (or of any state `between`
    them) it no longer has.

    The states between matter when several events are applied at once: an
    earlier attempt may have written the rows of one of them and crashed before
    its view was written, and nothing else would ever remove those rows.
    """
    if isinstance(after, PhotoView):
        old = [row for view in (before, *between) if isinstance(view, PhotoView)
               for row in tag_rows(view)]  # fmt: skip
        new = tag_rows(after)
        kept = {row.tag for row in new}
        gone = list({row.tag: row for row in old if row.tag not in kept}.values())
        return DerivedChanges(new, gone, [], [])
    old_shares = [row for view in (before, *between) if isinstance(view, AlbumView)
                  for row in share_rows(view)]  # fmt: skip
    new_shares = share_rows(after)
    live = {row.token for row in new_shares}
    gone_shares = list({r.token: r for r in old_shares if r.token not in live}.values())
    return DerivedChanges([], [], new_shares, gone_shares)
