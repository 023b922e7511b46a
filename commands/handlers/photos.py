"""Photo command handlers: one per command, named for the intention."""

from __future__ import annotations

from uuid import UUID

from commands.authorization import ensure_may_write, ensure_owner, ensure_system
from commands.handlers.context import HandlerContext, handles
from commands.models import (
    AttachProcessing,
    BatchTagPhotos,
    CaptionPhoto,
    FailProcessing,
    MovePhoto,
    PurgePhoto,
    RegisterUpload,
    ReprocessPhoto,
    RestorePhoto,
    RetitlePhoto,
    TagPhoto,
    TrashPhoto,
    UntagPhoto,
)
from domain.album import Album
from domain.photo import Photo


def _owned_photo(ctx: HandlerContext, photo_id: UUID) -> Photo:
    ensure_may_write(ctx.envelope)
    photo = ctx.uow.get(Photo, photo_id)
    ensure_owner(ctx.envelope, photo.owner, "photo")
    return photo


def _owned_album(ctx: HandlerContext, album_id: UUID) -> Album:
    album = ctx.uow.get(Album, album_id)
    ensure_owner(ctx.envelope, album.owner, "album")
    return album


@handles(RegisterUpload)
def register_upload(command: RegisterUpload, ctx: HandlerContext) -> None:
    ensure_may_write(ctx.envelope)
    album = _owned_album(ctx, command.album_id) if command.album_id else None
    photo = Photo.register(
        command.photo_id,
        ctx.actor.user_id,
        command.filename,
        command.content_type,
        command.size,
        album,
    )
    ctx.uow.add(photo)


@handles(AttachProcessing)
def attach_processing(command: AttachProcessing, ctx: HandlerContext) -> None:
    ensure_system(ctx.envelope)
    photo = ctx.uow.get(Photo, command.photo_id)
    photo.attach_processing(
        command.width, command.height, command.format, command.metadata, command.renditions
    )


@handles(FailProcessing)
def fail_processing(command: FailProcessing, ctx: HandlerContext) -> None:
    ensure_system(ctx.envelope)
    ctx.uow.get(Photo, command.photo_id).fail_processing(command.reason)


@handles(ReprocessPhoto)
def reprocess_photo(command: ReprocessPhoto, ctx: HandlerContext) -> None:
    _owned_photo(ctx, command.photo_id).request_reprocessing()


@handles(RetitlePhoto)
def retitle_photo(command: RetitlePhoto, ctx: HandlerContext) -> None:
    _owned_photo(ctx, command.photo_id).retitle(command.title)


@handles(CaptionPhoto)
def caption_photo(command: CaptionPhoto, ctx: HandlerContext) -> None:
    _owned_photo(ctx, command.photo_id).set_caption(command.caption)


@handles(TagPhoto)
def tag_photo(command: TagPhoto, ctx: HandlerContext) -> None:
    _owned_photo(ctx, command.photo_id).tag(command.tags)


@handles(UntagPhoto)
def untag_photo(command: UntagPhoto, ctx: HandlerContext) -> None:
    _owned_photo(ctx, command.photo_id).untag(command.tags)


@handles(MovePhoto)
def move_photo(command: MovePhoto, ctx: HandlerContext) -> None:
    photo = _owned_photo(ctx, command.photo_id)
    album = _owned_album(ctx, command.album_id) if command.album_id else None
    photo.move_to(album)


@handles(TrashPhoto)
def trash_photo(command: TrashPhoto, ctx: HandlerContext) -> None:
    _owned_photo(ctx, command.photo_id).trash()


@handles(RestorePhoto)
def restore_photo(command: RestorePhoto, ctx: HandlerContext) -> None:
    _owned_photo(ctx, command.photo_id).restore()


@handles(PurgePhoto)
def purge_photo(command: PurgePhoto, ctx: HandlerContext) -> None:
    """Irreversible. Deleting the stored bytes follows the Purged event (photo pipeline)."""
    _owned_photo(ctx, command.photo_id).purge()


@handles(BatchTagPhotos)
def batch_tag_photos(command: BatchTagPhotos, ctx: HandlerContext) -> None:
    """All or nothing: one commit per photo, written in a single transaction."""
    for photo_id in command.photo_ids:
        _owned_photo(ctx, photo_id).tag(command.tags)
