"""Commands in words, from their payload: for those with no events to tell (refused,
still queued, failed), and the pieces every sentence shares (who, what, values).

A payload names albums and photos by id only, so what they were called comes
from the subjects the worker had loaded; without them a sentence says "the
album" or "the photo" rather than show an id.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from commands.command_log import CommandRecord
from commands.summary import Subject, SubjectLookup
from domain import values

SUPPORT = "support"
SYSTEM = "system"
#: The image pipeline and other system actors, as sentences name them.
RETAKE = "Retake"
QUOTE_MAX = 80
#: The multiplication sign of dimensions, as people write them (4000 by 3000).
TIMES = "\u00d7"
_UUID = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}", re.I)

# -- values -------------------------------------------------------------------------------


def quoted(text: str) -> str:
    """A value as people read it: in quotes, on one line, long ones shortened."""
    flat = " ".join(str(text).split())
    if len(flat) > QUOTE_MAX:
        flat = flat[: QUOTE_MAX - 1].rstrip() + "…"
    return f'"{flat}"'


def quoted_list(items: Sequence[str]) -> str:
    """`"a"`, `"a" and "b"`, `"a", "b" and "c"`."""
    parts = [quoted(item) for item in items]
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def tags_phrase(tags: Sequence[str]) -> str:
    return f"the tag{'s' if len(tags) > 1 else ''} {quoted_list(tags)}"


def album_label(title: str) -> str:
    return f"the album {quoted(title)}"


def _default_title(filename: str) -> str:
    """The title a photo starts with (as `Photo.register` gives it): the name without extension."""
    stem = filename.rsplit(".", 1)[0] if "." in filename[1:] else filename
    return stem[: values.TITLE_MAX]


def photo_label(title: str, filename: str | None) -> str:
    """A photo by its filename while it keeps the title it started with, else by its title."""
    if filename and title == _default_title(filename):
        return filename
    return f"the photo {quoted(title)}"


class Names:
    """What the albums and photos of a command were called, by stream id."""

    def __init__(self, subjects: Mapping[str, Subject], lookup: SubjectLookup | None = None):
        self._subjects: dict[str, Subject | None] = dict(subjects)
        self._lookup = lookup

    def subject(self, stream_id: str, *, lookup: bool = False) -> Subject | None:
        if stream_id not in self._subjects and lookup and self._lookup is not None:
            self._subjects[stream_id] = self._lookup(stream_id)
        return self._subjects.get(stream_id)

    def album(self, stream_id: str, fallback: str = "an album") -> str:
        subject = self.subject(stream_id)
        return album_label(subject.title) if subject else fallback

    def album_title(self, stream_id: str, fallback: str = "an album", lookup: bool = False) -> str:
        """An album as a destination: `"Paris"`."""
        subject = self.subject(stream_id, lookup=lookup)
        return quoted(subject.title) if subject else fallback

    def photo(self, stream_id: str, fallback: str = "a photo") -> str:
        subject = self.subject(stream_id)
        return photo_label(subject.title, subject.filename) if subject else fallback


# -- who ----------------------------------------------------------------------------------


def person_name(record: CommandRecord) -> str:
    """The actor's display name as recorded, else their username, else "Someone"."""
    if SYSTEM in record.actor_groups:
        return RETAKE
    return record.actor_name or record.actor_username or "Someone"


def actor_label(record: CommandRecord) -> str:
    """Who acted, as a sentence opens: support says so ("Sam Support (support)")."""
    name = person_name(record)
    return f"{name} (support)" if SUPPORT in record.actor_groups else name


def possessive(target: CommandRecord, record: CommandRecord) -> str:
    """Whose change an undo or redo acted on: "the " for one's own, else "Alice Liddell's "."""
    if target.actor_id == record.actor_id:
        return "the "
    return f"{person_name(target)}'s "


def with_reason(sentence: str, record: CommandRecord) -> str:
    reason = (record.reason or "").strip()
    return f"{sentence}: {quoted(reason)}" if reason else sentence


_REASONS = {
    "album_not_found": "that album does not exist",
    "photo_not_found": "that photo does not exist",
    "command_not_found": "that change does not exist",
    "already_exists": "it exists already",
    "already_undone": "it is undone already",
    "not_undone": "it is not undone, so there is nothing to redo",
    "nothing_to_undo": "it had changed nothing",
    "undo_conflict": "a later change touched the same thing; undo that first",
    "malformed_command": "Retake could not read it",
}


def refusal_reason(record: CommandRecord) -> str:
    """Why a command was refused, in words without ids."""
    error = record.error
    if error is None:
        return "a rule of the gallery refused it"
    if error.code in _REASONS:
        return _REASONS[error.code]
    message = error.message.strip().rstrip(".")
    if not message or _UUID.search(message):
        return "a rule of the gallery refused it"
    return message[0].lower() + message[1:] if message[1:2].islower() else message


# -- commands -----------------------------------------------------------------------------

#: A command as (what was asked, as an infinitive; the same as a noun).
Forms = tuple[str, str]
CommandPhrase = Callable[[Mapping[str, Any], Names], Forms]
COMMANDS: dict[str, CommandPhrase] = {}


def _command(*types: str) -> Callable[[CommandPhrase], CommandPhrase]:
    def register(phrase: CommandPhrase) -> CommandPhrase:
        for command_type in types:
            COMMANDS[command_type] = phrase
        return phrase

    return register


def _album(payload: Mapping[str, Any], names: Names) -> str:
    return names.album(str(payload.get("album_id")), fallback="the album")


def _photo(payload: Mapping[str, Any], names: Names) -> str:
    return names.photo(str(payload.get("photo_id")), fallback="the photo")


@_command("CreateAlbum")
def _create_album(p: Mapping[str, Any], names: Names) -> Forms:
    album = album_label(str(p.get("title", "")))
    return f"create {album}", f"creation of {album}"


@_command("RenameAlbum")
def _rename_album(p: Mapping[str, Any], names: Names) -> Forms:
    change = f"{_album(p, names)} to {quoted(str(p.get('title', '')))}"
    return f"rename {change}", f"rename of {change}"


@_command("DescribeAlbum")
def _describe_album(p: Mapping[str, Any], names: Names) -> Forms:
    album = _album(p, names)
    if not p.get("description"):
        return f"remove the description of {album}", f"removal of the description of {album}"
    text = quoted(str(p["description"]))
    return f"describe {album} as {text}", f"description of {album} as {text}"


@_command("ShareAlbum")
def _share_album(p: Mapping[str, Any], names: Names) -> Forms:
    album = _album(p, names)
    return f"share {album} by link", f"sharing of {album}"


@_command("UnshareAlbum")
def _unshare_album(p: Mapping[str, Any], names: Names) -> Forms:
    album = _album(p, names)
    return f"stop sharing {album}", f"unsharing of {album}"


@_command("DeleteAlbum")
def _delete_album(p: Mapping[str, Any], names: Names) -> Forms:
    album = _album(p, names)
    return f"delete {album}", f"deletion of {album}"


@_command("RegisterUpload")
def _register_upload(p: Mapping[str, Any], names: Names) -> Forms:
    filename = str(p.get("filename", "a photo"))
    album_id = p.get("album_id")
    into = f" to {names.album_title(str(album_id), fallback='an album')}" if album_id else ""
    return f"upload {filename}{into}", f"upload of {filename}{into}"


@_command("AttachProcessing")
def _attach_processing(p: Mapping[str, Any], names: Names) -> Forms:
    photo = _photo(p, names)
    size = f"{p.get('width')} {TIMES} {p.get('height')}"
    return f"record the processing of {photo} ({size})", f"processing of {photo} ({size})"


@_command("FailProcessing")
def _fail_processing(p: Mapping[str, Any], names: Names) -> Forms:
    photo = _photo(p, names)
    return f"record that {photo} could not be processed", f"failed processing of {photo}"


@_command("ReprocessPhoto")
def _reprocess_photo(p: Mapping[str, Any], names: Names) -> Forms:
    photo = _photo(p, names)
    return f"process {photo} again", f"reprocessing of {photo}"


@_command("RetitlePhoto")
def _retitle_photo(p: Mapping[str, Any], names: Names) -> Forms:
    change = f"{_photo(p, names)} to {quoted(str(p.get('title', '')))}"
    return f"rename {change}", f"rename of {change}"


@_command("CaptionPhoto")
def _caption_photo(p: Mapping[str, Any], names: Names) -> Forms:
    photo = _photo(p, names)
    if not p.get("caption"):
        return f"remove the caption of {photo}", f"removal of the caption of {photo}"
    text = quoted(str(p["caption"]))
    return f"caption {photo} {text}", f"caption {text} on {photo}"


@_command("TagPhoto")
def _tag_photo(p: Mapping[str, Any], names: Names) -> Forms:
    photo, tags = _photo(p, names), quoted_list(list(p.get("tags", [])))
    return f"tag {photo} {tags}", f"tagging of {photo} with {tags}"


@_command("UntagPhoto")
def _untag_photo(p: Mapping[str, Any], names: Names) -> Forms:
    photo, tags = _photo(p, names), tags_phrase(list(p.get("tags", [])))
    return f"remove {tags} from {photo}", f"removal of {tags} from {photo}"


@_command("MovePhoto")
def _move_photo(p: Mapping[str, Any], names: Names) -> Forms:
    photo = _photo(p, names)
    if p.get("album_id"):
        album = names.album_title(str(p["album_id"]), fallback="another album")
        return f"move {photo} to {album}", f"move of {photo} to {album}"
    return f"take {photo} out of its album", f"removal of {photo} from its album"


@_command("TrashPhoto")
def _trash_photo(p: Mapping[str, Any], names: Names) -> Forms:
    photo = _photo(p, names)
    return f"put {photo} in the trash", f"move of {photo} to the trash"


@_command("RestorePhoto")
def _restore_photo(p: Mapping[str, Any], names: Names) -> Forms:
    photo = _photo(p, names)
    return f"take {photo} out of the trash", f"return of {photo} from the trash"


@_command("PurgePhoto")
def _purge_photo(p: Mapping[str, Any], names: Names) -> Forms:
    photo = _photo(p, names)
    return f"delete {photo} for good", f"permanent deletion of {photo}"


@_command("BatchTagPhotos")
def _batch_tag(p: Mapping[str, Any], names: Names) -> Forms:
    count = len(p.get("photo_ids", []))
    photos = f"{count} photo{'s' if count != 1 else ''}"
    tags = quoted_list(list(p.get("tags", [])))
    return f"tag {photos} {tags}", f"tagging of {photos} with {tags}"


@_command("ChangeDisplayName")
def _change_display_name(p: Mapping[str, Any], names: Names) -> Forms:
    name = quoted(str(p.get("display_name", "")))
    return f"change their display name to {name}", f"display name change to {name}"


def forms(record: CommandRecord, names: Names, target: CommandRecord | None = None) -> Forms:
    """The command as an infinitive and as a noun; undo and redo name their target's change."""
    if record.type in ("UndoCommand", "RedoCommand"):
        verb = "undo" if record.type == "UndoCommand" else "redo"
        if target is None:
            return f"{verb} an earlier change", f"{verb} of an earlier change"
        owner = possessive(target, record)
        change = forms(target, names)[1]
        return f"{verb} {owner}{change}", f"{verb} of {owner}{change}"
    phrase = COMMANDS.get(record.type)
    if phrase is None:
        return "send a command Retake could not read", "unreadable command"
    return phrase(record.payload, names)


def describe(record: CommandRecord, names: Names, target: CommandRecord | None = None) -> str:
    """A sentence from the payload and the status, for a command without events to tell."""
    actor = actor_label(record)
    asked, change = forms(record, names, target)
    own = f"{person_name(record)}'s {change}"
    if record.status == "accepted":
        sentence = f"{actor} asked to {asked}"
    elif record.status == "failed":
        sentence = f"{own} did not go through because of a fault on our side; it will be run again"
    elif record.status == "rejected":
        return f"{own} was refused: {refusal_reason(record)}"
    elif not record.events:
        sentence = f"{own} changed nothing: it was so already"
    else:
        sentence = f"{own} was carried out"
    return with_reason(sentence, record)
