"""What undo means for each event: which facts it touched and how to reverse it.

Undo never deletes history: it asks the aggregate to make the opposite change,
which appends new (compensating) events. Because redo is the undo of an undo,
the same table serves both.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import singledispatch
from typing import Any
from uuid import UUID

from domain.album import EVERYTHING, Album
from domain.errors import NotUndoable
from domain.person import Person
from domain.photo import Photo

AlbumLookup = Callable[[UUID], Album]


def touched(event: Any) -> frozenset[str]:
    """The facts of its aggregate that an event changed (`*` means all of them)."""
    return frozenset(event.touches)


def overlaps(earlier: frozenset[str], later: frozenset[str]) -> bool:
    """Whether a later change touched something an earlier one did."""
    return bool(earlier & later) or EVERYTHING in earlier or EVERYTHING in later


def irreversible_reason(event: Any) -> str | None:
    """Why an event cannot be undone, or None when it can."""
    return _IRREVERSIBLE.get(type(event))


def aggregate_class(event: Any) -> type[Album] | type[Photo] | type[Person]:
    """The aggregate class whose event this is."""
    for kind in (Album, Photo, Person):
        if type(event).__qualname__.startswith(f"{kind.__name__}."):
            return kind
    raise TypeError(f"{type(event).__qualname__} belongs to no known aggregate")


_IRREVERSIBLE: dict[type, str] = {
    Photo.Purged: "Purging a photo deletes its bytes; it cannot be undone.",
    Photo.Processed: "Processing results come from the image pipeline; reprocess instead.",
    Photo.ProcessingFailed: "Processing results come from the image pipeline; reprocess instead.",
    Photo.ReprocessingRequested: (
        "Reprocessing runs the image pipeline again; its results cannot be taken back."
    ),
}


def compensate(event: Any, aggregate: Any, albums: AlbumLookup) -> None:
    """Make the change that reverses `event` on `aggregate` (appending new events)."""
    reason = irreversible_reason(event)
    if reason:
        raise NotUndoable(reason)
    _compensate(event, aggregate, albums)


@singledispatch
def _compensate(event: Any, aggregate: Any, albums: AlbumLookup) -> None:
    raise NotUndoable(f"{type(event).__qualname__} has no undo.")


@_compensate.register
def _(event: Album.Created, album: Album, albums: AlbumLookup) -> None:
    album.delete()


@_compensate.register
def _(event: Album.Deleted, album: Album, albums: AlbumLookup) -> None:
    album.restore()


@_compensate.register
def _(event: Album.Restored, album: Album, albums: AlbumLookup) -> None:
    album.delete()


@_compensate.register
def _(event: Album.Renamed, album: Album, albums: AlbumLookup) -> None:
    album.rename(event.previous_title)


@_compensate.register
def _(event: Album.Described, album: Album, albums: AlbumLookup) -> None:
    album.describe(event.previous_description)


@_compensate.register
def _(event: Album.Shared, album: Album, albums: AlbumLookup) -> None:
    if event.previous_token is None:
        album.unshare()
    else:
        album.share(event.previous_token)


@_compensate.register
def _(event: Album.Unshared, album: Album, albums: AlbumLookup) -> None:
    album.share(event.previous_token)


@_compensate.register
def _(event: Photo.Registered, photo: Photo, albums: AlbumLookup) -> None:
    """Undoing an upload puts the photo in the trash (redo takes it out again)."""
    photo.trash()


@_compensate.register
def _(event: Photo.Retitled, photo: Photo, albums: AlbumLookup) -> None:
    photo.retitle(event.previous_title)


@_compensate.register
def _(event: Photo.Captioned, photo: Photo, albums: AlbumLookup) -> None:
    photo.set_caption(event.previous_caption)


@_compensate.register
def _(event: Photo.Tagged, photo: Photo, albums: AlbumLookup) -> None:
    photo.untag(event.tags)


@_compensate.register
def _(event: Photo.Untagged, photo: Photo, albums: AlbumLookup) -> None:
    photo.tag(event.tags)


@_compensate.register
def _(event: Photo.Moved, photo: Photo, albums: AlbumLookup) -> None:
    previous = event.previous_album_id
    photo.move_to(albums(previous) if previous is not None else None, returning=True)


@_compensate.register
def _(event: Photo.Trashed, photo: Photo, albums: AlbumLookup) -> None:
    photo.restore()


@_compensate.register
def _(event: Photo.Restored, photo: Photo, albums: AlbumLookup) -> None:
    photo.trash()


@_compensate.register
def _(event: Person.Created, person: Person, albums: AlbumLookup) -> None:
    """A person's record stays: undoing their first change restores only their name."""


@_compensate.register
def _(event: Person.DisplayNameChanged, person: Person, albums: AlbumLookup) -> None:
    if not event.before:
        raise NotUndoable(
            "The name shown before this change is not known, so it cannot be restored."
        )
    person.change_display_name(event.before)
