"""Sentences people read: one renderer per event type, composed into one sentence per command.

Each renderer turns one event into a `Phrase`: what someone did ("renamed the
album "Paris" to "Paris 2024"") and the same change as a noun ("rename of the
album "Paris" to "Paris 2024""), which undo, redo and refusals are built on.
Albums and photos are named as they were called at that moment (a rename by
its previous title), values in the words people read: tag names, titles,
dimensions; never ids, field names or JSON.

Commands that have no events (refused, still queued or failed) are described
from their payload by `projections.command_phrases`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from commands.command_log import CommandRecord
from commands.summary import Subject, SubjectLookup, SummaryFacts
from projections import command_phrases as phrases
from projections.command_phrases import (
    TIMES,
    Names,
    actor_label,
    album_label,
    photo_label,
    possessive,
    quoted,
    quoted_list,
    refusal_reason,
    tags_phrase,
    with_reason,
)


@dataclass(frozen=True)
class Phrase:
    """A change as a predicate ("renamed ...") and as a noun ("rename of ...")."""

    verb: str
    noun: str


Renderer = Callable[[Any, Names], Phrase]
RENDERERS: dict[str, Renderer] = {}


def renders(event_type: str) -> Callable[[Renderer], Renderer]:
    """Register the renderer of an event type, by its qualified name (e.g. `Album.Renamed`)."""

    def register(renderer: Renderer) -> Renderer:
        RENDERERS[event_type] = renderer
        return renderer

    return register


def _stream(event: Any) -> str:
    return str(event.originator_id)


# -- albums -------------------------------------------------------------------------------


@renders("Album.Created")
def _album_created(event: Any, names: Names) -> Phrase:
    album = album_label(event.title)
    return Phrase(f"created {album}", f"creation of {album}")


@renders("Album.Renamed")
def _album_renamed(event: Any, names: Names) -> Phrase:
    change = f"{album_label(event.previous_title)} to {quoted(event.title)}"
    return Phrase(f"renamed {change}", f"rename of {change}")


@renders("Album.Described")
def _album_described(event: Any, names: Names) -> Phrase:
    album = names.album(_stream(event))
    if not event.description:
        return Phrase(
            f"removed the description of {album}", f"removal of the description of {album}"
        )
    text = quoted(event.description)
    return Phrase(f"described {album} as {text}", f"description of {album} as {text}")


@renders("Album.Shared")
def _album_shared(event: Any, names: Names) -> Phrase:
    album = names.album(_stream(event))
    if event.previous_token:
        return Phrase(f"made a new share link for {album}", f"new share link for {album}")
    return Phrase(f"shared {album} by link", f"sharing of {album}")


@renders("Album.Unshared")
def _album_unshared(event: Any, names: Names) -> Phrase:
    album = names.album(_stream(event))
    return Phrase(f"stopped sharing {album}", f"unsharing of {album}")


@renders("Album.Deleted")
def _album_deleted(event: Any, names: Names) -> Phrase:
    album = names.album(_stream(event))
    return Phrase(f"deleted {album}", f"deletion of {album}")


@renders("Album.Restored")
def _album_restored(event: Any, names: Names) -> Phrase:
    album = names.album(_stream(event))
    return Phrase(f"brought back {album}", f"return of {album}")


# -- photos -------------------------------------------------------------------------------


@renders("Photo.Registered")
def _photo_registered(event: Any, names: Names) -> Phrase:
    photo = photo_label(event.title, event.filename)
    into = f" to {names.album_title(str(event.album_id))}" if event.album_id else ""
    return Phrase(f"uploaded {photo}{into}", f"upload of {photo}{into}")


@renders("Photo.Processed")
def _photo_processed(event: Any, names: Names) -> Phrase:
    photo = names.photo(_stream(event))
    size = f"{event.width} {TIMES} {event.height}"
    return Phrase(f"finished processing {photo} ({size})", f"processing of {photo} ({size})")


@renders("Photo.ProcessingFailed")
def _photo_processing_failed(event: Any, names: Names) -> Phrase:
    photo = names.photo(_stream(event))
    return Phrase(
        f"could not process {photo}: {quoted(event.reason)}", f"failed processing of {photo}"
    )


@renders("Photo.ReprocessingRequested")
def _photo_reprocessing(event: Any, names: Names) -> Phrase:
    photo = names.photo(_stream(event))
    return Phrase(f"asked to process {photo} again", f"reprocessing of {photo}")


@renders("Photo.Retitled")
def _photo_retitled(event: Any, names: Names) -> Phrase:
    subject = names.subject(_stream(event))
    filename = subject.filename if subject else None
    change = f"{photo_label(event.previous_title, filename)} to {quoted(event.title)}"
    return Phrase(f"renamed {change}", f"rename of {change}")


@renders("Photo.Captioned")
def _photo_captioned(event: Any, names: Names) -> Phrase:
    photo = names.photo(_stream(event))
    if not event.caption:
        return Phrase(f"removed the caption of {photo}", f"removal of the caption of {photo}")
    text = quoted(event.caption)
    if not event.previous_caption:
        return Phrase(f"captioned {photo} {text}", f"caption {text} on {photo}")
    return Phrase(f"changed the caption of {photo} to {text}", f"caption {text} on {photo}")


@renders("Photo.Tagged")
def _photo_tagged(event: Any, names: Names) -> Phrase:
    photo = names.photo(_stream(event))
    return Phrase(
        f"tagged {photo} with {quoted_list(event.tags)}",
        f"tagging of {photo} with {quoted_list(event.tags)}",
    )


@renders("Photo.Untagged")
def _photo_untagged(event: Any, names: Names) -> Phrase:
    photo = names.photo(_stream(event))
    return Phrase(
        f"removed {tags_phrase(event.tags)} from {photo}", f"removal of {tags_phrase(event.tags)}"
    )


@renders("Photo.Moved")
def _photo_moved(event: Any, names: Names) -> Phrase:
    photo = names.photo(_stream(event))
    if event.album_id is not None:
        album = names.album_title(str(event.album_id))
        return Phrase(f"moved {photo} to {album}", f"move of {photo} to {album}")
    previous = event.previous_album_id
    album = names.album_title(str(previous), lookup=True) if previous else "its album"
    return Phrase(f"took {photo} out of {album}", f"removal of {photo} from {album}")


@renders("Photo.Trashed")
def _photo_trashed(event: Any, names: Names) -> Phrase:
    photo = names.photo(_stream(event))
    return Phrase(f"put {photo} in the trash", f"move of {photo} to the trash")


@renders("Photo.Restored")
def _photo_restored(event: Any, names: Names) -> Phrase:
    photo = names.photo(_stream(event))
    return Phrase(f"took {photo} out of the trash", f"return of {photo} from the trash")


@renders("Photo.Purged")
def _photo_purged(event: Any, names: Names) -> Phrase:
    photo = names.photo(_stream(event))
    return Phrase(f"deleted {photo} for good", f"permanent deletion of {photo}")


# -- people -------------------------------------------------------------------------------


@renders("Person.DisplayNameChanged")
def _display_name_changed(event: Any, names: Names) -> Phrase:
    after = quoted(event.after)
    if not event.before:
        return Phrase(f"set their display name to {after}", f"display name change to {after}")
    change = f"from {quoted(event.before)} to {after}"
    return Phrase(f"changed their display name {change}", f"display name change {change}")


@renders("Person.Created")
def _person_created(event: Any, names: Names) -> Phrase:
    # A person's record comes with their first change of name, which says it all.
    return Phrase("", "")


# -- composing ----------------------------------------------------------------------------


def phrase(event: Any, names: Names) -> Phrase:
    """The phrase of one event; an event type without a renderer is named by its kind."""
    renderer = RENDERERS.get(type(event).__qualname__)
    if renderer is not None:
        return renderer(event, names)
    kind = type(event).__qualname__.split(".", 1)[0].lower()
    return Phrase(f"changed a {kind}", f"change to a {kind}")


def _join(parts: Sequence[str]) -> str:
    unique = list(dict.fromkeys(part for part in parts if part))
    if len(unique) <= 1:
        return "".join(unique)
    return ", ".join(unique[:-1]) + " and " + unique[-1]


def combined(events: Sequence[Any], names: Names) -> Phrase:
    """One phrase for every event of a command (several only for batches and undo)."""
    tagged = [event for event in events if type(event).__qualname__ == "Photo.Tagged"]
    if len(tagged) > 1 and len(tagged) == len(events):
        tags = sorted({tag for event in tagged for tag in event.tags})
        photos = f"{len(tagged)} photos"
        return Phrase(
            f"tagged {photos} with {quoted_list(tags)}",
            f"tagging of {photos} with {quoted_list(tags)}",
        )
    found = [phrase(event, names) for event in events]
    return Phrase(_join([p.verb for p in found]), _join([p.noun for p in found]))


class EventSummarizer:
    """The summarizer the worker is wired to: events first, the payload when there are none."""

    def summarize(self, facts: SummaryFacts) -> str:
        return summarize(facts)


def summarize(facts: SummaryFacts) -> str:
    record = facts.record
    names = Names(facts.subjects, facts.lookup)
    actor = actor_label(record)
    if record.status == "rejected" and facts.reversed_events and facts.target is not None:
        # A refused undo names what it would have taken back, as it was then.
        taken_back = combined(facts.reversed_events, names).noun
        owner = possessive(facts.target, record)
        refused = f"{phrases.person_name(record)}'s undo of {owner}{taken_back}"
        return f"{refused} was refused: {refusal_reason(record)}"
    if record.status == "rejected" or not facts.events:
        return phrases.describe(record, names, target=facts.target)
    if record.undoes or record.redoes:
        target = facts.target
        owner = possessive(target, record) if target is not None else "an earlier "
        if record.undoes:
            # The events taken back carry the target's effect; without them (a repeated
            # delivery finishing its bookkeeping) the target's payload says what it was.
            if facts.reversed_events:
                taken_back = combined(facts.reversed_events, names).noun
            else:
                taken_back = phrases.forms(target, names)[1] if target is not None else "change"
            sentence = f"{actor} undid {owner}{taken_back}"
        else:
            sentence = f"{actor} redid {owner}{combined(facts.events, names).noun or 'change'}"
        if record.payload.get("force"):
            sentence += ", overriding a later change"
        return with_reason(sentence, record)
    return with_reason(f"{actor} {combined(facts.events, names).verb}", record)


def summary_of(
    record: CommandRecord,
    events: Sequence[Any] = (),
    subjects: Mapping[str, Subject] | None = None,
    lookup: SubjectLookup | None = None,
) -> str:
    """The record's summary: the stored one, else one made now (from events, else the payload)."""
    if record.summary and record.status in ("succeeded", "rejected"):
        return record.summary
    if record.status == "succeeded" and events and not (record.undoes or record.redoes):
        names = Names(subjects or {}, lookup)
        return with_reason(f"{actor_label(record)} {combined(events, names).verb}", record)
    return phrases.describe(record, Names(subjects or {}, lookup))


__all__ = [
    "RENDERERS",
    "EventSummarizer",
    "Phrase",
    "combined",
    "phrase",
    "refusal_reason",
    "summarize",
    "summary_of",
]
