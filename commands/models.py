"""Commands: frozen pydantic models, one discriminated union on `type`, in an envelope.

A command is what someone asked for; its envelope says who asked, when, how
urgently and why. The JSON schema of the envelope (`envelope_schema`) is what
the API documents and what the producer validates against.

Titles, captions, descriptions, tags and filenames are held to the domain's own
rules (`domain.values`) as a command is built, so a value the worker would
reject is refused before anything is recorded or queued.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar, Literal, TypeVar
from uuid import UUID, uuid4

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
)
from pydantic_core import PydanticCustomError

from domain import values
from domain.errors import DomainError
from domain.person import person_stream_id

Priority = Literal["high", "low"]

SUPPORT = "support"
AUDITORS = "auditors"
SYSTEM = "system"

_In = TypeVar("_In")
_Out = TypeVar("_Out")


def _domain_rule(rule: Callable[[_In], _Out]) -> Callable[[_In], _Out]:
    """A `domain.values` rule as a pydantic validator: a refusal becomes that field's error.

    The error's type is the domain's code and its message the domain's own, so a
    command is refused where it is submitted for exactly the reason the worker
    would reject it.
    """

    def check(value: _In) -> _Out:
        try:
            return rule(value)
        except DomainError as refusal:
            raise PydanticCustomError(refusal.code, refusal.message) from refusal

    return check


def _text_rule(field: str) -> Callable[[str], str]:
    return _domain_rule(lambda value: values.text(value, field))


def _tag_list(tags: Iterable[str]) -> list[str]:
    normalised = values.tags(tags)
    # No photo can hold more distinct tags than this, so no command needs more.
    values.check_tag_count(len(normalised))
    return list(normalised)


# The values keep the domain's normalised form (trimmed; tags lower-cased and
# de-duplicated), which the domain accepts again unchanged. The JSON schema
# documents the domain's limits; the validators enforce them.
Title = Annotated[
    str,
    AfterValidator(_domain_rule(values.title)),
    Field(
        description=f"Trimmed, 1 to {values.TITLE_MAX} characters, no control characters.",
        json_schema_extra={"minLength": 1, "maxLength": values.TITLE_MAX},
    ),
]
_TEXT_SCHEMA = Field(
    description=f"Trimmed, at most {values.TEXT_MAX} characters; no control characters "
    "but line breaks and tabs.",
    json_schema_extra={"maxLength": values.TEXT_MAX},
)
Description = Annotated[str, AfterValidator(_text_rule("description")), _TEXT_SCHEMA]
Caption = Annotated[str, AfterValidator(_text_rule("caption")), _TEXT_SCHEMA]
TagList = Annotated[
    list[str],
    AfterValidator(_domain_rule(_tag_list)),
    Field(
        description=f"1 to {values.TAGS_PER_PHOTO_MAX} tags of 1 to {values.TAG_MAX} "
        "characters each, without control characters or '/'. Each is trimmed, its inner "
        "spaces collapsed and lower-cased; repeats count once.",
        json_schema_extra={
            "minItems": 1,
            "maxItems": values.TAGS_PER_PHOTO_MAX,
            "items": {"type": "string", "minLength": 1, "maxLength": values.TAG_MAX},
        },
    ),
]
Filename = Annotated[
    str,
    AfterValidator(_domain_rule(values.filename)),
    Field(
        description=f"1 to {values.FILENAME_MAX} characters once path separators and control "
        "characters are replaced by '_' and the ends trimmed.",
        json_schema_extra={"minLength": 1, "maxLength": values.FILENAME_MAX},
    ),
]
DisplayName = Annotated[
    str,
    AfterValidator(_domain_rule(values.display_name)),
    Field(
        description=f"Trimmed, 1 to {values.DISPLAY_NAME_MAX} characters, no control characters.",
        json_schema_extra={"minLength": 1, "maxLength": values.DISPLAY_NAME_MAX},
    ),
]
#: Why a command was sent (support's reverts): kept in the command log, never in an event.
Reason = Annotated[str, Field(max_length=values.TEXT_MAX)]


class CommandModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    #: Which queue the command goes to unless the envelope says otherwise.
    default_priority: ClassVar[Priority] = "high"

    @property
    def aggregate_id(self) -> str:
        """The aggregate the command targets: its SQS message group."""
        raise NotImplementedError


class AlbumCommand(CommandModel):
    album_id: UUID

    @property
    def aggregate_id(self) -> str:
        return str(self.album_id)


class PhotoCommand(CommandModel):
    photo_id: UUID

    @property
    def aggregate_id(self) -> str:
        return str(self.photo_id)


class CreateAlbum(AlbumCommand):
    type: Literal["CreateAlbum"] = "CreateAlbum"
    title: Title
    description: Description = ""


class RenameAlbum(AlbumCommand):
    type: Literal["RenameAlbum"] = "RenameAlbum"
    title: Title


class DescribeAlbum(AlbumCommand):
    type: Literal["DescribeAlbum"] = "DescribeAlbum"
    description: Description


class ShareAlbum(AlbumCommand):
    type: Literal["ShareAlbum"] = "ShareAlbum"


class UnshareAlbum(AlbumCommand):
    type: Literal["UnshareAlbum"] = "UnshareAlbum"


class DeleteAlbum(AlbumCommand):
    type: Literal["DeleteAlbum"] = "DeleteAlbum"


class RegisterUpload(PhotoCommand):
    type: Literal["RegisterUpload"] = "RegisterUpload"
    filename: Filename
    content_type: Annotated[str, Field(min_length=1, max_length=100)]
    size: Annotated[int, Field(ge=1)]
    album_id: UUID | None = None


class AttachProcessing(PhotoCommand):
    """The image pipeline's result (system actors only)."""

    type: Literal["AttachProcessing"] = "AttachProcessing"
    width: Annotated[int, Field(ge=1)]
    height: Annotated[int, Field(ge=1)]
    format: Annotated[str, Field(min_length=1, max_length=20)]
    metadata: dict[str, Any] = Field(default_factory=dict)
    renditions: dict[str, str] = Field(default_factory=dict)


class FailProcessing(PhotoCommand):
    """The image pipeline gave up on a photo (system actors only)."""

    type: Literal["FailProcessing"] = "FailProcessing"
    reason: Annotated[str, Field(min_length=1), AfterValidator(_text_rule("reason")), _TEXT_SCHEMA]


class ReprocessPhoto(PhotoCommand):
    """Run the image pipeline again on the photo's original (owner only).

    Sent with priority `low` when many photos are reprocessed at once.
    """

    type: Literal["ReprocessPhoto"] = "ReprocessPhoto"


class RetitlePhoto(PhotoCommand):
    type: Literal["RetitlePhoto"] = "RetitlePhoto"
    title: Title


class CaptionPhoto(PhotoCommand):
    type: Literal["CaptionPhoto"] = "CaptionPhoto"
    caption: Caption


class TagPhoto(PhotoCommand):
    type: Literal["TagPhoto"] = "TagPhoto"
    tags: TagList


class UntagPhoto(PhotoCommand):
    type: Literal["UntagPhoto"] = "UntagPhoto"
    tags: TagList


class MovePhoto(PhotoCommand):
    """File a photo in an album, or take it out of any album with `album_id: null`."""

    type: Literal["MovePhoto"] = "MovePhoto"
    album_id: UUID | None


class TrashPhoto(PhotoCommand):
    type: Literal["TrashPhoto"] = "TrashPhoto"


class RestorePhoto(PhotoCommand):
    type: Literal["RestorePhoto"] = "RestorePhoto"


class PurgePhoto(PhotoCommand):
    """Irreversible: deletes the photo's bytes. Cannot be undone."""

    type: Literal["PurgePhoto"] = "PurgePhoto"


class ChangeDisplayName(CommandModel):
    """Choose the name others see you by (only the person themself may)."""

    type: Literal["ChangeDisplayName"] = "ChangeDisplayName"
    person_id: Annotated[str, Field(min_length=1, max_length=128, description="Your Cognito sub.")]
    display_name: DisplayName

    @property
    def aggregate_id(self) -> str:
        return str(person_stream_id(self.person_id))


class BatchTagPhotos(CommandModel):
    """Tag up to 100 of one owner's photos at once, atomically (bulk: low priority)."""

    type: Literal["BatchTagPhotos"] = "BatchTagPhotos"
    default_priority: ClassVar[Priority] = "low"
    photo_ids: Annotated[list[UUID], Field(min_length=1, max_length=100)]
    tags: TagList
    batch_id: UUID = Field(default_factory=uuid4)

    @field_validator("photo_ids")
    @classmethod
    def _distinct(cls, photo_ids: list[UUID]) -> list[UUID]:
        if len(set(photo_ids)) != len(photo_ids):
            raise ValueError("photo_ids must not repeat")
        return photo_ids

    @property
    def aggregate_id(self) -> str:
        return f"batch-{self.batch_id}"


class UndoCommand(CommandModel):
    """Reverse a command by appending compensating events; never deletes anything."""

    type: Literal["UndoCommand"] = "UndoCommand"
    target_command_id: UUID
    target_aggregate_id: str = Field(min_length=1, max_length=100)
    force: bool = False

    @property
    def aggregate_id(self) -> str:
        return self.target_aggregate_id


class RedoCommand(CommandModel):
    """Re-apply an undone command (the undo of its undo)."""

    type: Literal["RedoCommand"] = "RedoCommand"
    target_command_id: UUID
    target_aggregate_id: str = Field(min_length=1, max_length=100)
    force: bool = False

    @property
    def aggregate_id(self) -> str:
        return self.target_aggregate_id


Command = Annotated[
    CreateAlbum
    | RenameAlbum
    | DescribeAlbum
    | ShareAlbum
    | UnshareAlbum
    | DeleteAlbum
    | RegisterUpload
    | AttachProcessing
    | FailProcessing
    | ReprocessPhoto
    | RetitlePhoto
    | CaptionPhoto
    | TagPhoto
    | UntagPhoto
    | MovePhoto
    | TrashPhoto
    | RestorePhoto
    | PurgePhoto
    | BatchTagPhotos
    | ChangeDisplayName
    | UndoCommand
    | RedoCommand,
    Field(discriminator="type"),
]

COMMAND_TYPES: tuple[type[CommandModel], ...] = (
    CreateAlbum, RenameAlbum, DescribeAlbum, ShareAlbum, UnshareAlbum, DeleteAlbum,
    RegisterUpload, AttachProcessing, FailProcessing, ReprocessPhoto, RetitlePhoto, CaptionPhoto,
    TagPhoto, UntagPhoto, MovePhoto, TrashPhoto, RestorePhoto, PurgePhoto, BatchTagPhotos,
    ChangeDisplayName, UndoCommand, RedoCommand,
)  # fmt: skip


class Actor(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    user_id: Annotated[str, Field(min_length=1, max_length=128)]
    groups: tuple[str, ...] = ()
    #: Who the id is, as the token said when the command was sent (Cognito's username and
    #: display name): kept in the command log so the trail names people without a lookup.
    username: Annotated[str, Field(max_length=128)] | None = None
    name: Annotated[str, Field(max_length=256)] | None = None

    def is_in(self, group: str) -> bool:
        return group in self.groups


class Envelope(BaseModel):
    """A command with who asked for it, when, how urgently and in answer to what."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    command_id: UUID = Field(default_factory=uuid4)
    actor: Actor
    issued_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    priority: Priority | None = None
    causation_id: UUID | None = None
    reason: Reason | None = None
    command: Command

    @property
    def effective_priority(self) -> Priority:
        return self.priority or self.command.default_priority

    @property
    def aggregate_id(self) -> str:
        return self.command.aggregate_id


_ENVELOPE = TypeAdapter(Envelope)


class InvalidCommand(ValueError):
    """A command that does not match its schema; `problems` names each bad field."""

    def __init__(self, problems: list[dict[str, str]]) -> None:
        self.problems = problems
        super().__init__(
            "invalid command: "
            + "; ".join(f"{problem['field']}: {problem['message']}" for problem in problems)
        )


def validate_envelope(payload: Envelope | Mapping[str, Any] | str | bytes) -> Envelope:
    """An Envelope from a model, a mapping or JSON; raises InvalidCommand naming the fields."""
    if isinstance(payload, Envelope):
        return payload
    try:
        if isinstance(payload, (str, bytes)):
            return _ENVELOPE.validate_json(payload)
        return _ENVELOPE.validate_python(dict(payload))
    except ValidationError as exc:
        raise InvalidCommand(
            [
                {
                    "field": ".".join(str(part) for part in error["loc"]) or "(body)",
                    "message": error["msg"],
                }
                for error in exc.errors()
            ]
        ) from exc


def parse_envelope(body: str | bytes) -> Envelope:
    """Parse a serialised envelope; raises InvalidCommand naming the bad fields."""
    return validate_envelope(body)


def envelope_schema() -> dict[str, Any]:
    """The JSON schema of an envelope and every command type."""
    return _ENVELOPE.json_schema()
