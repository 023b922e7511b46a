"""Value rules: titles, captions, tags, filenames. Each returns the normalised value."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from domain.errors import InvalidValue, TooManyTags

TITLE_MAX = 200
TEXT_MAX = 2000
TAG_MAX = 50
TAGS_PER_PHOTO_MAX = 50
FILENAME_MAX = 255
SHARE_TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")

#: Every control character (Unicode's Cc: C0, DEL and C1) and both path separators.
_CONTROL_OR_SEPARATOR = re.compile(r"[\x00-\x1f\x7f-\x9f/\\]")


def _has_control_characters(text: str, allowed: str = "\n\t") -> bool:
    return any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in text)


def title(value: str) -> str:
    """A title: trimmed, 1-200 characters, no control characters."""
    cleaned = value.strip()
    if not 1 <= len(cleaned) <= TITLE_MAX:
        raise InvalidValue(
            f"A title must be 1 to {TITLE_MAX} characters long (got {len(cleaned)}).",
            field="title",
        )
    # Line breaks and tabs are fine in captions, not in a one-line title.
    if _has_control_characters(cleaned, allowed=""):
        raise InvalidValue("A title cannot contain control characters.", field="title")
    return cleaned


def text(value: str, field: str) -> str:
    """A caption or description: trimmed, at most 2000 characters, may be empty."""
    cleaned = value.strip()
    if len(cleaned) > TEXT_MAX:
        raise InvalidValue(
            f"A {field} must be at most {TEXT_MAX} characters long (got {len(cleaned)}).",
            field=field,
        )
    if _has_control_characters(cleaned):
        raise InvalidValue(f"A {field} cannot contain control characters.", field=field)
    return cleaned


def tag(value: str) -> str:
    """A tag: trimmed, lower case, 1-50 characters, no control characters."""
    cleaned = " ".join(value.split()).lower()
    if not 1 <= len(cleaned) <= TAG_MAX:
        raise InvalidValue(
            f"A tag must be 1 to {TAG_MAX} characters long (got {len(cleaned)!r} for {value!r}).",
            field="tags",
        )
    if _has_control_characters(cleaned) or "/" in cleaned:
        raise InvalidValue("A tag cannot contain control characters or '/'.", field="tags")
    return cleaned


def tags(values: Iterable[str]) -> tuple[str, ...]:
    """Normalised, de-duplicated tags in first-seen order."""
    seen: dict[str, None] = {}
    for value in values:
        seen.setdefault(tag(value), None)
    if not seen:
        raise InvalidValue("Give at least one tag.", field="tags")
    return tuple(seen)


def check_tag_count(count: int) -> None:
    if count > TAGS_PER_PHOTO_MAX:
        raise TooManyTags(
            f"A photo can have at most {TAGS_PER_PHOTO_MAX} tags (this would make {count}).",
            limit=TAGS_PER_PHOTO_MAX,
        )


def filename(value: str) -> str:
    """A display filename: path separators and control characters replaced by '_'.

    The filename is only ever shown to people; storage keys are built from ids.
    """
    cleaned = _CONTROL_OR_SEPARATOR.sub("_", value).strip()
    if not 1 <= len(cleaned) <= FILENAME_MAX:
        raise InvalidValue(
            f"A filename must be 1 to {FILENAME_MAX} characters long.", field="filename"
        )
    return cleaned


def share_token(value: str) -> str:
    if not SHARE_TOKEN_PATTERN.match(value):
        raise InvalidValue("A share token must be 16-64 URL-safe characters.", field="token")
    return value


DISPLAY_NAME_MAX = 80


def display_name(value: str) -> str:
    """A person's display name: trimmed, 1-80 characters, no control characters."""
    cleaned = value.strip()
    if not 1 <= len(cleaned) <= DISPLAY_NAME_MAX:
        raise InvalidValue(
            f"A display name must be 1 to {DISPLAY_NAME_MAX} characters long (got {len(cleaned)}).",
            field="display_name",
        )
    if _has_control_characters(cleaned, allowed=""):
        raise InvalidValue(
            "A display name cannot contain control characters such as line breaks or tabs.",
            field="display_name",
        )
    return cleaned
