"""The Album aggregate.

An album belongs to one owner. Photos point at their album (membership lives on
the Photo), so deleting an album never touches, moves or loses a photo: the
photos of a deleted album show as the owner's *unsorted* photos, and undoing
the deletion brings the album back with every photo still in it.
"""

from __future__ import annotations

from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain import values
from domain.errors import AlbumDeleted, AlbumNotDeleted, AlbumNotShared, OwnerMismatch

EVERYTHING = "*"


class Album(Aggregate):
    class Created(Aggregate.Created):
        """Version 2 added `description`; version-1 records are upcast with an empty one."""

        class_version = 2
        # Undoing a creation deletes the album: existence is the fact it competes for.
        touches: ClassVar[frozenset[str]] = frozenset({"existence"})
        owner: str
        title: str
        description: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["description"] = ""

    class Renamed(Aggregate.Event):
        touches: ClassVar[frozenset[str]] = frozenset({"title"})
        title: str
        previous_title: str

        def apply(self, album: Album) -> None:
            album.title = self.title

    class Described(Aggregate.Event):
        touches: ClassVar[frozenset[str]] = frozenset({"description"})
        description: str
        previous_description: str

        def apply(self, album: Album) -> None:
            album.description = self.description

    class Shared(Aggregate.Event):
        touches: ClassVar[frozenset[str]] = frozenset({"share"})
        token: str
        previous_token: str | None

        def apply(self, album: Album) -> None:
            album.share_token = self.token

    class Unshared(Aggregate.Event):
        touches: ClassVar[frozenset[str]] = frozenset({"share"})
        previous_token: str

        def apply(self, album: Album) -> None:
            album.share_token = None

    class Deleted(Aggregate.Event):
        touches: ClassVar[frozenset[str]] = frozenset({"existence"})

        def apply(self, album: Album) -> None:
            album.deleted = True

    class Restored(Aggregate.Event):
        touches: ClassVar[frozenset[str]] = frozenset({"existence"})

        def apply(self, album: Album) -> None:
            album.deleted = False

    def __init__(self, owner: str, title: str, description: str) -> None:
        self.owner = owner
        self.title = title
        self.description = description
        self.share_token: str | None = None
        self.deleted = False

    @classmethod
    def create(cls, album_id: UUID, owner: str, title: str, description: str = "") -> Album:
        return cls._create(
            cls.Created,
            id=album_id,
            owner=owner,
            title=values.title(title),
            description=values.text(description, "description"),
        )

    def _ensure_live(self) -> None:
        if self.deleted:
            raise AlbumDeleted(f"Album '{self.title}' is deleted.", album_id=str(self.id))

    def rename(self, title: str) -> None:
        self._ensure_live()
        self.trigger_event(self.Renamed, title=values.title(title), previous_title=self.title)

    def describe(self, description: str) -> None:
        self._ensure_live()
        self.trigger_event(
            self.Described,
            description=values.text(description, "description"),
            previous_description=self.description,
        )

    def share(self, token: str) -> None:
        """Share by link; sharing a shared album replaces its link (the old one stops working)."""
        self._ensure_live()
        self.trigger_event(
            self.Shared, token=values.share_token(token), previous_token=self.share_token
        )

    def unshare(self) -> None:
        self._ensure_live()
        if self.share_token is None:
            raise AlbumNotShared(f"Album '{self.title}' is not shared.", album_id=str(self.id))
        self.trigger_event(self.Unshared, previous_token=self.share_token)

    def delete(self) -> None:
        self._ensure_live()
        self.trigger_event(self.Deleted)

    def restore(self) -> None:
        """Bring a deleted album back (reached through undo)."""
        if not self.deleted:
            raise AlbumNotDeleted(f"Album '{self.title}' is not deleted.", album_id=str(self.id))
        self.trigger_event(self.Restored)

    def accept_photo_of(self, owner: str, *, deleted_ok: bool = False) -> None:
        """Refuse a photo unless this album has the same owner and is live (or `deleted_ok`)."""
        if not deleted_ok:
            self._ensure_live()
        if owner != self.owner:
            raise OwnerMismatch(
                "A photo can only move to an album of the same owner.", album_id=str(self.id)
            )
