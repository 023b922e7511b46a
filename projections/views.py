"""Read models: what the read API serves, each row derived from ONE aggregate.

Every row stores the version of the aggregate it reflects, so applying an
event twice (or late) changes nothing, and events of different aggregates can
arrive in any order.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")


class View(BaseModel):
    model_config = ConfigDict(frozen=True)

    version: int
    created_at: str
    updated_at: str


class AlbumView(View):
    album_id: str
    owner: str
    title: str
    description: str = ""
    share_token: str | None = None
    deleted: bool = False


class PhotoView(View):
    photo_id: str
    owner: str
    album_id: str | None = None
    #: When the photo joined its current album (or unsorted): its place in the album.
    album_joined_at: str
    filename: str
    content_type: str
    size: int
    title: str
    caption: str = ""
    tags: list[str] = Field(default_factory=list)
    status: str = "pending"
    failure_reason: str | None = None
    width: int | None = None
    height: int | None = None
    format: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    renditions: dict[str, str] = Field(default_factory=dict)
    trashed: bool = False
    purged: bool = False

    @property
    def album_key(self) -> str:
        """The album listing this photo appears in: its album, or the owner's unsorted."""
        return self.album_id or unsorted_key(self.owner)

    @property
    def album_order(self) -> str:
        return f"{self.album_joined_at}#{self.photo_id}"


def unsorted_key(owner: str) -> str:
    return f"unsorted#{owner}"


class TagRow(BaseModel):
    """(owner, tag) -> photo, while the photo has the tag."""

    model_config = ConfigDict(frozen=True)

    owner: str
    tag: str
    photo_id: str
    version: int

    @property
    def owner_tag(self) -> str:
        return f"{self.owner}#{self.tag}"


class ShareRow(BaseModel):
    """Share-link token -> album, while the album is shared with that token."""

    model_config = ConfigDict(frozen=True)

    token: str
    album_id: str
    owner: str
    version: int


class Page(BaseModel, Generic[T]):
    """One page of a listing; `cursor` (opaque) fetches the next, None at the end."""

    items: list[T]
    cursor: str | None = None
