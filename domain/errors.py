"""Domain errors: each has a stable `code` and a message a person can act on."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A rule of the gallery refused the change. An outcome, not a failure."""

    code = "domain_error"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class InvalidValue(DomainError):
    code = "invalid_value"


class Forbidden(DomainError):
    code = "forbidden"


class AlbumNotFound(DomainError):
    code = "album_not_found"


class PhotoNotFound(DomainError):
    code = "photo_not_found"


class AlreadyExists(DomainError):
    code = "already_exists"


class AlbumDeleted(DomainError):
    code = "album_deleted"


class AlbumNotShared(DomainError):
    code = "album_not_shared"


class AlbumNotDeleted(DomainError):
    code = "album_not_deleted"


class PhotoTrashed(DomainError):
    code = "photo_trashed"


class PhotoNotTrashed(DomainError):
    code = "photo_not_trashed"


class PhotoPurged(DomainError):
    code = "photo_purged"


class OwnerMismatch(DomainError):
    code = "owner_mismatch"


class TooManyTags(DomainError):
    code = "too_many_tags"


class NotUndoable(DomainError):
    code = "not_undoable"
