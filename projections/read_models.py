"""The read-model port: what the projector writes and the read API reads.

Writes of a view are conditional on the version the writer read, so two
projector instances never overwrite each other's newer state (`StaleView`).
Derived rows (tags, share links) are written only if newer than what is
stored. Listings page with opaque cursors.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

from projections.views import AlbumView, Page, PhotoView, ShareRow, TagRow


class StaleView(Exception):
    """The view changed since it was read; reload and apply again."""


class InvalidCursor(ValueError):
    """A cursor that this listing did not hand out."""


class ReadModels(ABC):
    # -- reads -------------------------------------------------------------------------

    @abstractmethod
    def get_album(self, album_id: str) -> AlbumView | None:
        """One album's view."""

    @abstractmethod
    def get_photo(self, photo_id: str) -> PhotoView | None:
        """One photo's view."""

    @abstractmethod
    def get_photos(self, photo_ids: Sequence[str]) -> list[PhotoView]:
        """Several photos' views in one round trip, in the order asked (missing ones left out)."""

    @abstractmethod
    def get_share(self, token: str) -> ShareRow | None:
        """The album a share token opens, while it does."""

    @abstractmethod
    def albums_of(
        self, owner: str, *, limit: int = 50, cursor: str | None = None
    ) -> Page[AlbumView]:
        """An owner's albums (deleted ones included), oldest first."""

    @abstractmethod
    def photos_in(
        self, album_key: str, *, limit: int = 50, cursor: str | None = None
    ) -> Page[PhotoView]:
        """The photos of an album (or an owner's unsorted key), in album order."""

    @abstractmethod
    def photos_of(
        self, owner: str, *, limit: int = 50, cursor: str | None = None
    ) -> Page[PhotoView]:
        """All of an owner's photos, oldest first."""

    @abstractmethod
    def tagged(
        self, owner: str, tag: str, *, limit: int = 50, cursor: str | None = None
    ) -> Page[TagRow]:
        """The rows of an owner's photos with a tag."""

    @abstractmethod
    def view_versions(self, stream_ids: Sequence[str]) -> dict[str, int]:
        """The version of each stream's view, album or photo; streams without a view are absent."""

    # -- writes (the projector) --------------------------------------------------------

    @abstractmethod
    def put_view(self, view: AlbumView | PhotoView, expected_version: int | None) -> None:
        """Store a view if the stored one is at `expected_version` (None: absent).

        Raises StaleView otherwise.
        """

    @abstractmethod
    def put_tags(self, rows: Sequence[TagRow], removed: Sequence[TagRow]) -> None:
        """Write tag rows and remove others, each only if not older than what is stored."""

    @abstractmethod
    def put_shares(self, rows: Sequence[ShareRow], removed: Sequence[ShareRow]) -> None:
        """Write share rows and remove others, each only if not older than what is stored."""

    # -- the rebuild -------------------------------------------------------------------

    def bulk_load(
        self,
        views: Sequence[AlbumView | PhotoView] = (),
        tags: Sequence[TagRow] = (),
        shares: Sequence[ShareRow] = (),
    ) -> None:
        """Write rows as they are, unconditionally: a rebuild filling cleared tables.

        Backends override this with their batch writes; this default writes row by row.
        """
        for view in views:
            self.put_view(view, expected_version=None)
        self.put_tags(tags, ())
        self.put_shares(shares, ())

    @abstractmethod
    def clear(self) -> None:
        """Remove every row of every read model."""

    @abstractmethod
    def dump(self) -> dict[str, list[dict[str, Any]]]:
        """Every row of every read model, sorted: for comparing live and rebuilt tables."""
