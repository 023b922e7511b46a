"""Where photo bytes live in the bucket. Keys are built from ids, never from filenames."""

from __future__ import annotations

from uuid import UUID

from resources.definitions import ORIGINALS_PREFIX, RENDITIONS_PREFIX


def original_key(owner: str, photo_id: UUID | str) -> str:
    return f"{ORIGINALS_PREFIX}{owner}/{photo_id}"


def rendition_key(owner: str, photo_id: UUID | str, name: str) -> str:
    return f"{RENDITIONS_PREFIX}{owner}/{photo_id}/{name}.jpg"


def parse_original_key(key: str) -> tuple[str, UUID] | None:
    """(owner, photo id) of `originals/{owner}/{photo_id}`, or None for any other key."""
    if not key.startswith(ORIGINALS_PREFIX):
        return None
    parts = key[len(ORIGINALS_PREFIX) :].split("/")
    if len(parts) != 2 or not parts[0]:
        return None
    try:
        return parts[0], UUID(parts[1])
    except ValueError:
        return None
