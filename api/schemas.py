"""Request and response bodies of the HTTP API, as documented in its OpenAPI.

Request bodies forbid unknown fields, so a typo is a 400 rather than a silent
no-op. Views come straight from the read side (`projections.views`).
"""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from commands.command_log import CommandRecord
from commands.models import Caption, Description, DisplayName, Filename, Reason, TagList, Title
from projections.history import HistoryEntry
from projections.views import AlbumView, PhotoView


class RequestBody(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _at_least_one(body: BaseModel, *names: str) -> None:
    if all(getattr(body, name) is None for name in names):
        raise ValueError(f"Give at least one of: {', '.join(names)}.")


class NewAlbum(RequestBody):
    title: Title
    description: Description = ""


class AlbumChanges(RequestBody):
    """Rename, describe, or both (each is its own command, so each can be undone)."""

    title: Title | None = None
    description: Description | None = None

    @model_validator(mode="after")
    def _something(self) -> AlbumChanges:
        _at_least_one(self, "title", "description")
        return self


class PhotoChanges(RequestBody):
    """Retitle, caption, or both (each is its own command, so each can be undone)."""

    title: Title | None = None
    caption: Caption | None = None

    @model_validator(mode="after")
    def _something(self) -> PhotoChanges:
        _at_least_one(self, "title", "caption")
        return self


class PhotoPlacement(RequestBody):
    album_id: UUID | None = Field(description="The album to file the photo in; null for none.")


class Tags(RequestBody):
    tags: TagList


class BatchTags(RequestBody):
    photo_ids: Annotated[list[UUID], Field(min_length=1, max_length=100)]
    tags: TagList

    @field_validator("photo_ids")
    @classmethod
    def _distinct(cls, photo_ids: list[UUID]) -> list[UUID]:
        if len(set(photo_ids)) != len(photo_ids):
            raise ValueError("Give each photo only once.")
        return photo_ids


class NewUpload(RequestBody):
    """A photo about to be uploaded: the API answers with where to send its bytes."""

    filename: Filename = Field(
        description="Shown to people only (path separators and control characters are "
        "replaced by '_'); storage keys are built from ids."
    )
    content_type: Annotated[str, Field(min_length=1, max_length=100)] = Field(
        description="image/jpeg, image/png, image/webp, image/gif or image/tiff."
    )
    size: Annotated[int, Field(ge=1)] = Field(description="The file's size in bytes.")
    album_id: UUID | None = Field(default=None, description="File the photo in this album.")


class UploadForm(BaseModel):
    """A presigned S3 POST: send every field, then the file as `file`, to `url`."""

    url: str
    fields: dict[str, str]
    expires_at: str


class UploadAccepted(BaseModel):
    """The pending photo's id, the command registering it, and where to upload its bytes."""

    photo_id: str
    command_id: str
    location: str
    upload: UploadForm
    max_bytes: int


class PhotoIds(RequestBody):
    photo_ids: Annotated[list[UUID], Field(min_length=1, max_length=100)]

    @field_validator("photo_ids")
    @classmethod
    def _distinct(cls, photo_ids: list[UUID]) -> list[UUID]:
        if len(set(photo_ids)) != len(photo_ids):
            raise ValueError("Give each photo only once.")
        return photo_ids


class Revert(RequestBody):
    """Support must say why when reverting someone else's command; `force` is theirs alone."""

    reason: Reason | None = None
    force: bool = False


class VerifyRequest(RequestBody):
    stream_id: Annotated[str, Field(min_length=1, max_length=100)] | None = Field(
        default=None, description="One stream (an album or photo id); every stream if absent."
    )


class Accepted(BaseModel):
    """A command on its way: follow `location` for its status."""

    command_id: str
    status: Literal["accepted"] = "accepted"
    location: str
    command_ids: list[str] = Field(description="Every command this request submitted, in order.")
    album_id: str | None = None
    photo_id: str | None = None
    target_command_id: str | None = None
    summary: str | None = Field(
        default=None,
        description="An undo or redo: what it acts on, in one sentence (the target's summary).",
    )


class AlbumPage(BaseModel):
    items: list[AlbumView]
    cursor: str | None = Field(default=None, description="Opaque; pass it back for the next page.")


class PhotoUrls(BaseModel):
    """Short-lived presigned links to the photo's bytes (null until it is processed)."""

    thumbnail: str | None = None
    large: str | None = None
    original: str | None = None
    expires_at: str


class PhotoOut(PhotoView):
    """A photo as the API shows it: GPS only to its owner, links to its renditions."""

    urls: PhotoUrls | None = None


class PhotoPage(BaseModel):
    """A page may hold fewer than `limit` photos; follow `cursor` until it is null."""

    items: list[PhotoOut]
    cursor: str | None = Field(default=None, description="Opaque; pass it back for the next page.")


class AlbumDetail(AlbumView):
    """An album with a page of its photos."""

    photos: PhotoPage
    as_of: str | None = Field(default=None, description="The instant rebuilt, if one was asked.")


class SharedPhoto(BaseModel):
    photo_id: str
    title: str
    caption: str
    tags: list[str]
    width: int | None = None
    height: int | None = None
    format: str | None = None
    renditions: dict[str, str]
    urls: PhotoUrls | None = None


class SharedAlbum(BaseModel):
    """What anyone with the link sees: no owner, no token."""

    title: str
    description: str
    photos: list[SharedPhoto]
    cursor: str | None = None


class ActorView(BaseModel):
    """Who did something, by name: shown as "Alice Liddell (alice)", or "Sam Support
    (sam, support)". Gallery users see other people by display name only (no username)."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(description="The person's id (their Cognito sub), or a system actor's name.")
    username: str | None = None
    name: str | None = Field(default=None, description="The display name.")
    groups: list[str] = Field(default_factory=list)


class CommandOut(CommandRecord):
    """A command record with its actor named."""

    actor: ActorView


class CommandStatus(CommandOut):
    projected: bool = Field(description="Whether the read models reflect every event it wrote.")
    links: dict[str, str] = Field(default_factory=dict)


class ReversalPreview(BaseModel):
    """What the Undo (or Redo) button would act on now."""

    command: CommandStatus
    summary: str = Field(description="The command's summary, a whole sentence.")
    label: str = Field(description='What the button calls it: "rename of "Paris 2024"".')


class LaterCommand(BaseModel):
    """A later command that stands in the way of an undo or redo (`undo_conflict` details)."""

    command_id: str
    summary: str


class CommandList(BaseModel):
    items: list[CommandOut]
    cursor: str | None = Field(default=None, description="Opaque; pass it back for the next page.")


class PersonOut(BaseModel):
    """A person: their id (Cognito sub), username, display name, email and groups."""

    id: str
    username: str
    name: str = Field(description="The display name.")
    email: str | None = None
    groups: list[str] = Field(default_factory=list)


class PeopleList(BaseModel):
    items: list[PersonOut]
    cursor: str | None = Field(default=None, description="Opaque; pass it back for the next page.")


class DisplayNameChange(RequestBody):
    display_name: DisplayName


class ChainBreakOut(BaseModel):
    stream_id: str
    version: int
    reason: str


class Verification(BaseModel):
    streams_checked: int
    events_checked: int
    intact: bool
    breaks: list[ChainBreakOut]


class Health(BaseModel):
    status: Literal["ok"] = "ok"


class HistoryEntryOut(HistoryEntry):
    """A history entry with its actor named (the read side keeps only the id)."""

    actor_id: str
    # The projection's `actor` is the id; the API's is the named actor, beside `actor_id`.
    actor: ActorView  # type: ignore[assignment]


class History(BaseModel):
    """Every change to one album or photo, oldest first, a page at a time."""

    stream_id: str
    entries: list[HistoryEntryOut]
    cursor: str | None = Field(default=None, description="Opaque; pass it back for the next page.")
