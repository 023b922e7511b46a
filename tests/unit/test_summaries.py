"""The renderers: one sentence per event type, composed per command, in words people read."""

from __future__ import annotations

import inspect
from typing import Any
from uuid import uuid4

import pytest

from commands.command_log import CommandError, CommandRecord
from commands.summary import Subject, SummaryFacts
from domain.album import Album
from domain.person import Person
from domain.photo import Photo
from projections.command_phrases import Names, actor_label, photo_label, quoted, refusal_reason
from projections.summaries import RENDERERS, combined, phrase, summarize, summary_of

TOKEN = "share-token-000001"


def record(
    command_type: str = "RenameAlbum",
    *,
    actor_id: str = "alice",
    name: str | None = "Alice Liddell",
    username: str | None = "alice",
    groups: tuple[str, ...] = (),
    status: str = "succeeded",
    payload: dict[str, Any] | None = None,
    **changes: Any,
) -> CommandRecord:
    return CommandRecord(
        command_id=str(uuid4()),
        type=command_type,
        actor_id=actor_id,
        actor_username=username,
        actor_name=name,
        actor_groups=list(groups),
        aggregate_id=str(uuid4()),
        payload=payload or {},
        issued_at="2026-12-04T10:00:00+00:00",
        status=status,  # type: ignore[arg-type]
        **changes,
    )


def album(title: str = "Paris") -> Album:
    return Album.create(uuid4(), "alice", title)


def photo(filename: str = "IMG_0001.jpg", into: Album | None = None) -> Photo:
    return Photo.register(uuid4(), "alice", filename, "image/jpeg", 10, into)


def last_event(aggregate: Any) -> Any:
    return aggregate.collect_events()[-1]


def names_of(*aggregates: Any) -> Names:
    subjects = {}
    for aggregate in aggregates:
        if isinstance(aggregate, Album):
            subjects[str(aggregate.id)] = Subject("album", aggregate.title)
        else:
            subjects[str(aggregate.id)] = Subject("photo", aggregate.title, aggregate.filename)
    return Names(subjects)


def verb(aggregate: Any, change: Any, *others: Any) -> str:
    aggregate.collect_events()
    change(aggregate)
    return phrase(last_event(aggregate), names_of(aggregate, *others)).verb


# -- every event type has a renderer -----------------------------------------------------


def _event_types(aggregate: type) -> list[str]:
    return [
        f"{aggregate.__name__}.{name}"
        for name, member in vars(aggregate).items()
        if inspect.isclass(member) and hasattr(member, "touches")
    ]


def test_every_event_of_every_aggregate_has_a_renderer() -> None:
    events = _event_types(Album) + _event_types(Photo) + _event_types(Person)

    assert len(events) == 21
    assert sorted(set(events) - set(RENDERERS)) == []


# -- albums ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda a: a.rename("Paris 2024"), 'renamed the album "Paris" to "Paris 2024"'),
        (lambda a: a.describe("Spring trip"), 'described the album "Paris" as "Spring trip"'),
        (lambda a: (a.describe("x"), a.describe("")),
         'removed the description of the album "Paris"'),
        (lambda a: a.share(TOKEN), 'shared the album "Paris" by link'),
        (lambda a: (a.share(TOKEN), a.share(TOKEN + "2")),
         'made a new share link for the album "Paris"'),
        (lambda a: (a.share(TOKEN), a.unshare()), 'stopped sharing the album "Paris"'),
        (lambda a: a.delete(), 'deleted the album "Paris"'),
        (lambda a: (a.delete(), a.restore()), 'brought back the album "Paris"'),
    ],
)  # fmt: skip
def test_each_album_event_reads_as_what_was_done(change: Any, expected: str) -> None:
    assert verb(album(), change) == expected


def test_a_created_album_is_named_by_its_title() -> None:
    created = last_event(album("Paris"))

    assert phrase(created, Names({})).verb == 'created the album "Paris"'
    assert phrase(created, Names({})).noun == 'creation of the album "Paris"'


# -- photos ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda p: p.request_reprocessing(), "asked to process IMG_0001.jpg again"),
        (lambda p: p.retitle("Sunset"), 'renamed IMG_0001.jpg to "Sunset"'),
        (lambda p: (p.retitle("Sunset"), p.retitle("Dusk")),
         'renamed the photo "Sunset" to "Dusk"'),
        (lambda p: p.set_caption("At the beach"), 'captioned IMG_0001.jpg "At the beach"'),
        (lambda p: (p.set_caption("a"), p.set_caption("b")),
         'changed the caption of IMG_0001.jpg to "b"'),
        (lambda p: (p.set_caption("a"), p.set_caption("")), "removed the caption of IMG_0001.jpg"),
        (lambda p: p.tag(["beach"]), 'tagged IMG_0001.jpg with "beach"'),
        (lambda p: p.tag(["beach", "sea"]), 'tagged IMG_0001.jpg with "beach" and "sea"'),
        (lambda p: (p.tag(["beach"]), p.untag(["beach"])),
         'removed the tag "beach" from IMG_0001.jpg'),
        (lambda p: p.trash(), "put IMG_0001.jpg in the trash"),
        (lambda p: (p.trash(), p.restore()), "took IMG_0001.jpg out of the trash"),
        (lambda p: (p.trash(), p.purge()), "deleted IMG_0001.jpg for good"),
        (lambda p: p.attach_processing(4000, 3000, "JPEG", {"camera": "X"}, {"large": "k"}),
         "finished processing IMG_0001.jpg (4000 × 3000)"),  # noqa: RUF001
        (lambda p: p.fail_processing("not an image"),
         'could not process IMG_0001.jpg: "not an image"'),
    ],
)  # fmt: skip
def test_each_photo_event_reads_as_what_was_done(change: Any, expected: str) -> None:
    assert verb(photo(), change) == expected


def test_an_upload_names_its_file_and_the_album_it_went_to() -> None:
    paris = album("Paris")
    uploaded = last_event(photo(into=paris))

    assert phrase(uploaded, names_of(paris)).verb == 'uploaded IMG_0001.jpg to "Paris"'
    assert phrase(uploaded, Names({})).verb == "uploaded IMG_0001.jpg to an album"


def test_a_move_names_the_album_by_its_title_and_a_removal_looks_up_the_one_left() -> None:
    paris, rome = album("Paris"), album("Rome")
    picture = photo(into=paris)
    picture.collect_events()
    picture.move_to(rome)
    moved = last_event(picture)
    picture.move_to(None)
    taken_out = last_event(picture)
    looked_up: list[str] = []

    def lookup(stream_id: str) -> Subject | None:
        looked_up.append(stream_id)
        return Subject("album", "Rome")

    assert phrase(moved, names_of(picture, rome)).verb == 'moved IMG_0001.jpg to "Rome"'
    names = Names({str(picture.id): Subject("photo", picture.title, picture.filename)}, lookup)
    assert phrase(taken_out, names).verb == 'took IMG_0001.jpg out of "Rome"'
    assert looked_up == [str(rome.id)]  # one extra read, for the name it did not load
    assert phrase(taken_out, Names({})).verb == "took a photo out of an album"


def test_a_person_changing_their_display_name() -> None:
    person = Person.create("alice-sub")
    person.change_display_name("Alice Liddell", known_as="alice")
    changed = last_event(person)
    first = Person.create("bob-sub")
    first.change_display_name("Bob Builder")

    assert phrase(changed, Names({})).verb == (
        'changed their display name from "alice" to "Alice Liddell"'
    )
    assert phrase(last_event(first), Names({})).verb == 'set their display name to "Bob Builder"'


# -- values and people -------------------------------------------------------------------


def test_values_are_quoted_on_one_line_and_long_ones_shortened() -> None:
    assert quoted("two\nlines") == '"two lines"'
    assert len(quoted("x" * 500)) == 82
    assert quoted("x" * 500).endswith('…"')


def test_a_photo_is_named_by_its_filename_until_it_is_given_a_title() -> None:
    assert photo_label("IMG_0001", "IMG_0001.jpg") == "IMG_0001.jpg"
    assert photo_label("Sunset", "IMG_0001.jpg") == 'the photo "Sunset"'


def test_actors_are_named_by_display_name_then_username_then_someone() -> None:
    assert actor_label(record()) == "Alice Liddell"
    assert actor_label(record(name=None)) == "alice"
    assert actor_label(record(name=None, username=None)) == "Someone"
    assert actor_label(record(name="Sam Support", groups=("support",))) == "Sam Support (support)"
    pipeline = record(name="Retake (image processing)", groups=("system",))
    assert actor_label(pipeline) == "Retake"


# -- commands ----------------------------------------------------------------------------


def test_a_command_is_its_actor_and_its_events() -> None:
    paris = album("Paris")
    paris.collect_events()
    paris.rename("Paris 2024")
    facts = SummaryFacts(record=record(), events=paris.collect_events())

    assert summarize(facts) == 'Alice Liddell renamed the album "Paris" to "Paris 2024"'


def test_support_undoing_someones_change_names_both_and_the_reason() -> None:
    picture = photo()
    picture.tag(["beach"])
    picture.collect_events()
    picture.untag(["beach"])
    removal = picture.collect_events()
    target = record("UntagPhoto")
    picture.tag(["beach"])
    undo = record(
        "UndoCommand",
        actor_id="sam",
        name="Sam Support",
        groups=("support",),
        undoes=target.command_id,
        reason="customer asked",
    )
    facts = SummaryFacts(
        record=undo,
        events=picture.collect_events(),
        subjects=names_of(picture)._subjects,  # type: ignore[arg-type]
        target=target,
        reversed_events=removal,
    )

    assert summarize(facts) == (
        'Sam Support (support) undid Alice Liddell\'s removal of the tag "beach": "customer asked"'
    )


def test_a_redo_names_the_change_it_made_again() -> None:
    paris = album("Paris")
    paris.collect_events()
    paris.rename("Paris 2024")
    target = record()
    redo = record("RedoCommand", redoes=target.command_id, payload={"force": True})
    facts = SummaryFacts(record=redo, events=paris.collect_events(), target=target)

    assert summarize(facts) == (
        'Alice Liddell redid the rename of the album "Paris" to "Paris 2024", '
        "overriding a later change"
    )


def test_batch_tagging_is_one_sentence() -> None:
    photos = [photo(f"IMG_000{n}.jpg") for n in range(3)]
    events = []
    for picture in photos:
        picture.collect_events()
        picture.tag(["beach"])
        events += picture.collect_events()

    assert combined(events, Names({})).verb == 'tagged 3 photos with "beach"'


def test_a_refused_command_says_what_was_asked_and_why_without_ids() -> None:
    paris = album("Paris")
    refused = record(
        status="rejected",
        payload={"album_id": str(paris.id), "title": "Paris 2024"},
        error=CommandError(code="album_deleted", message="Album 'Paris' is deleted."),
    )
    not_found = refused.model_copy(
        update={"error": CommandError(code="x", message=f"No album with id {paris.id}.")}
    )

    assert summarize(SummaryFacts(record=refused, subjects=names_of(paris)._subjects)) == (  # type: ignore[arg-type]
        'Alice Liddell\'s rename of the album "Paris" to "Paris 2024" was refused: '
        "album 'Paris' is deleted"
    )
    assert refusal_reason(not_found) == "a rule of the gallery refused it"


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("accepted", 'Alice Liddell asked to tag the photo "beach"'),
        ("failed", "Alice Liddell's tagging of the photo with \"beach\" did not go through "
                   "because of a fault on our side; it will be run again"),
        ("succeeded", "Alice Liddell's tagging of the photo with \"beach\" changed nothing: "
                      "it was so already"),
    ],
)  # fmt: skip
def test_a_record_without_events_is_described_from_its_payload(status: str, expected: str) -> None:
    found = record("TagPhoto", status=status, payload={"photo_id": str(uuid4()), "tags": ["beach"]})

    assert summary_of(found) == expected


def test_a_stored_summary_is_kept_and_a_queued_undo_names_no_ids() -> None:
    stored = record(summary="Alice Liddell renamed the album")
    queued = record("UndoCommand", status="accepted", payload={"target_command_id": str(uuid4())})

    assert summary_of(stored) == "Alice Liddell renamed the album"
    assert summary_of(queued) == "Alice Liddell asked to undo an earlier change"


def test_an_undo_finished_on_a_repeated_delivery_names_its_target_from_the_payload() -> None:
    target = record(payload={"album_id": str(uuid4()), "title": "Paris 2024"})
    undo = record("UndoCommand", undoes=target.command_id)
    paris = album("Paris")
    paris.collect_events()
    paris.rename("Paris")  # the compensation it wrote, all the delivery has
    facts = SummaryFacts(record=undo, events=paris.collect_events(), target=target)

    assert summarize(facts) == 'Alice Liddell undid the rename of the album to "Paris 2024"'
