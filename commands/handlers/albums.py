"""Album command handlers: one per command, named for the intention."""

from __future__ import annotations

from commands.authorization import ensure_may_write, ensure_owner
from commands.handlers.context import HandlerContext, handles
from commands.models import (
    CreateAlbum,
    DeleteAlbum,
    DescribeAlbum,
    RenameAlbum,
    ShareAlbum,
    UnshareAlbum,
)
from domain.album import Album


def _owned_album(ctx: HandlerContext, album_id: object) -> Album:
    ensure_may_write(ctx.envelope)
    album = ctx.uow.get(Album, str(album_id))
    ensure_owner(ctx.envelope, album.owner, "album")
    return album


@handles(CreateAlbum)
def create_album(command: CreateAlbum, ctx: HandlerContext) -> None:
    ensure_may_write(ctx.envelope)
    album = Album.create(command.album_id, ctx.actor.user_id, command.title, command.description)
    ctx.uow.add(album)


@handles(RenameAlbum)
def rename_album(command: RenameAlbum, ctx: HandlerContext) -> None:
    _owned_album(ctx, command.album_id).rename(command.title)


@handles(DescribeAlbum)
def describe_album(command: DescribeAlbum, ctx: HandlerContext) -> None:
    _owned_album(ctx, command.album_id).describe(command.description)


@handles(ShareAlbum)
def share_album(command: ShareAlbum, ctx: HandlerContext) -> None:
    _owned_album(ctx, command.album_id).share(ctx.new_token())


@handles(UnshareAlbum)
def unshare_album(command: UnshareAlbum, ctx: HandlerContext) -> None:
    _owned_album(ctx, command.album_id).unshare()


@handles(DeleteAlbum)
def delete_album(command: DeleteAlbum, ctx: HandlerContext) -> None:
    """The album goes; its photos stay the owner's and show as unsorted."""
    _owned_album(ctx, command.album_id).delete()
