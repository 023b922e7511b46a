"""Commands hold titles, texts, tags and filenames to the domain's own value rules.

What the domain would refuse is refused where the command is built (the API,
the pipeline), with the domain's message; what it accepts is kept in the
domain's normalised form, which the domain then accepts unchanged.
"""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from commands.models import (
    Actor,
    BatchTagPhotos,
    CaptionPhoto,
    CreateAlbum,
    DescribeAlbum,
    Envelope,
    FailProcessing,
    InvalidCommand,
    RegisterUpload,
    RenameAlbum,
    RetitlePhoto,
    TagPhoto,
    UntagPhoto,
    envelope_schema,
    validate_envelope,
)
from domain import values
from domain.errors import DomainError
from domain.photo import Photo

CONTROL_CHARACTERS = ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\x9f", "\r"]
#: Inside a tag, control characters that are also whitespace (\r, \x85) become spaces.
TAG_CONTROL_CHARACTERS = ["\x00", "\x07", "\x1b", "\x7f", "\x9f"]


def album(model: type[BaseModel], **fields: Any) -> Any:
    return model(album_id=uuid4(), **fields)


def photo(model: type[BaseModel], **fields: Any) -> Any:
    return model(photo_id=uuid4(), **fields)


def upload(filename: str) -> RegisterUpload:
    return RegisterUpload(photo_id=uuid4(), filename=filename, content_type="image/jpeg", size=1234)


def refusal(build: Any, *args: Any, **fields: Any) -> dict[str, Any]:
    """The one error pydantic reports for a command that does not build."""
    with pytest.raises(ValidationError) as caught:
        build(*args, **fields)
    [error] = caught.value.errors()
    return dict(error)


# -- titles ------------------------------------------------------------------------------

TITLED = [(album, CreateAlbum), (album, RenameAlbum), (photo, RetitlePhoto)]
TITLED_IDS = ["CreateAlbum", "RenameAlbum", "RetitlePhoto"]


@pytest.mark.parametrize(("target", "model"), TITLED, ids=TITLED_IDS)
def test_a_title_of_the_domains_longest_is_kept(target: Any, model: type[BaseModel]) -> None:
    assert target(model, title="x" * values.TITLE_MAX).title == "x" * values.TITLE_MAX


@pytest.mark.parametrize(("target", "model"), TITLED, ids=TITLED_IDS)
def test_a_title_one_character_too_long_is_refused_with_the_domains_message(
    target: Any, model: type[BaseModel]
) -> None:
    error = refusal(target, model, title="x" * (values.TITLE_MAX + 1))

    assert error["loc"] == ("title",)
    assert error["type"] == "invalid_value"
    assert error["msg"] == "A title must be 1 to 200 characters long (got 201)."


@pytest.mark.parametrize(("target", "model"), TITLED, ids=TITLED_IDS)
@pytest.mark.parametrize("character", [*CONTROL_CHARACTERS, "\n", "\t"])
def test_a_title_with_a_control_character_is_refused(
    target: Any, model: type[BaseModel], character: str
) -> None:
    error = refusal(target, model, title=f"Ice{character}land")

    assert (error["loc"], error["type"]) == (("title",), "invalid_value")
    assert error["msg"] == "A title cannot contain control characters."


@pytest.mark.parametrize("title", ["", "   ", "\u2003"])
def test_a_blank_title_is_refused(title: str) -> None:
    assert refusal(album, RenameAlbum, title=title)["type"] == "invalid_value"


def test_a_padded_title_is_kept_trimmed_as_the_domain_keeps_it() -> None:
    padded = "  " + "x" * values.TITLE_MAX + "  "

    assert album(RenameAlbum, title=padded).title == "x" * values.TITLE_MAX


# -- descriptions, captions, reasons -----------------------------------------------------

TEXTS = [
    (album, CreateAlbum, "description", {"title": "Trip"}),
    (album, DescribeAlbum, "description", {}),
    (photo, CaptionPhoto, "caption", {}),
    (photo, FailProcessing, "reason", {}),
]
TEXT_IDS = ["CreateAlbum", "DescribeAlbum", "CaptionPhoto", "FailProcessing"]


@pytest.mark.parametrize(("target", "model", "field", "others"), TEXTS, ids=TEXT_IDS)
def test_a_text_of_the_domains_longest_with_line_breaks_and_tabs_is_kept(
    target: Any, model: type[BaseModel], field: str, others: dict[str, Any]
) -> None:
    text = "a\nb\tc" + "x" * (values.TEXT_MAX - 5)

    assert getattr(target(model, **others, **{field: text}), field) == text


@pytest.mark.parametrize(("target", "model", "field", "others"), TEXTS, ids=TEXT_IDS)
def test_a_text_one_character_too_long_is_refused_naming_its_field(
    target: Any, model: type[BaseModel], field: str, others: dict[str, Any]
) -> None:
    error = refusal(target, model, **others, **{field: "x" * (values.TEXT_MAX + 1)})

    assert (error["loc"], error["type"]) == ((field,), "invalid_value")
    assert error["msg"] == f"A {field} must be at most 2000 characters long (got 2001)."


@pytest.mark.parametrize(("target", "model", "field", "others"), TEXTS, ids=TEXT_IDS)
@pytest.mark.parametrize("character", CONTROL_CHARACTERS)
def test_a_text_with_a_control_character_is_refused(
    target: Any, model: type[BaseModel], field: str, others: dict[str, Any], character: str
) -> None:
    error = refusal(target, model, **others, **{field: f"cold{character}morning"})

    assert error["msg"] == f"A {field} cannot contain control characters."


def test_an_empty_caption_clears_the_caption() -> None:
    assert photo(CaptionPhoto, caption="   ").caption == ""


def test_an_envelope_reason_may_be_as_long_as_a_text_and_no_longer() -> None:
    command = album(RenameAlbum, title="Trip")
    alice = Actor(user_id="alice")

    kept = Envelope(actor=alice, command=command, reason="x" * values.TEXT_MAX)
    error = refusal(Envelope, actor=alice, command=command, reason="x" * (values.TEXT_MAX + 1))

    assert kept.reason == "x" * values.TEXT_MAX
    assert (error["loc"], error["type"]) == (("reason",), "string_too_long")


# -- tags --------------------------------------------------------------------------------

TAGGED = [
    lambda tags: photo(TagPhoto, tags=tags),
    lambda tags: photo(UntagPhoto, tags=tags),
    lambda tags: BatchTagPhotos(photo_ids=[uuid4()], tags=tags),
]
TAGGED_IDS = ["TagPhoto", "UntagPhoto", "BatchTagPhotos"]


def distinct_tags(count: int) -> list[str]:
    return [f"tag{number}" for number in range(count)]


@pytest.mark.parametrize("build", TAGGED, ids=TAGGED_IDS)
def test_the_domains_most_tags_of_its_longest_are_kept(build: Any) -> None:
    tags = [f"{n:02d}".ljust(values.TAG_MAX, "x") for n in range(values.TAGS_PER_PHOTO_MAX)]

    assert build(tags).tags == tags


@pytest.mark.parametrize("build", TAGGED, ids=TAGGED_IDS)
def test_a_tag_one_character_too_long_is_refused_with_the_domains_message(build: Any) -> None:
    error = refusal(build, ["sea", "x" * (values.TAG_MAX + 1)])

    assert (error["loc"], error["type"]) == (("tags",), "invalid_value")
    assert error["msg"].startswith("A tag must be 1 to 50 characters long (got 51")


@pytest.mark.parametrize("build", TAGGED, ids=TAGGED_IDS)
def test_one_tag_too_many_is_refused_as_too_many_tags(build: Any) -> None:
    error = refusal(build, distinct_tags(values.TAGS_PER_PHOTO_MAX + 1))

    assert (error["loc"], error["type"]) == (("tags",), "too_many_tags")
    assert error["msg"] == "A photo can have at most 50 tags (this would make 51)."


@pytest.mark.parametrize("build", TAGGED, ids=TAGGED_IDS)
@pytest.mark.parametrize(
    "tags",
    [[], [""], ["   "], ["a/b"], *[[f"bell{character}"] for character in TAG_CONTROL_CHARACTERS]],
)
def test_a_tag_list_the_domain_refuses_is_refused(build: Any, tags: list[str]) -> None:
    assert refusal(build, tags)["type"] == "invalid_value"


def test_tags_are_kept_as_the_domain_keeps_them_and_repeats_count_once() -> None:
    repeated = [*distinct_tags(values.TAGS_PER_PHOTO_MAX), "TAG0", " tag1 "]

    assert photo(TagPhoto, tags=[" New   York ", "SEA", "sea"]).tags == ["new york", "sea"]
    assert photo(TagPhoto, tags=repeated).tags == distinct_tags(values.TAGS_PER_PHOTO_MAX)


# -- filenames ---------------------------------------------------------------------------


def test_a_filename_of_the_domains_longest_is_kept() -> None:
    name = "x" * (values.FILENAME_MAX - 4) + ".jpg"

    assert upload(name).filename == name


def test_a_filename_one_character_too_long_is_refused_with_the_domains_message() -> None:
    error = refusal(upload, "x" * (values.FILENAME_MAX - 3) + ".jpg")

    assert (error["loc"], error["type"]) == (("filename",), "invalid_value")
    assert error["msg"] == "A filename must be 1 to 255 characters long."


@pytest.mark.parametrize("filename", ["", "   ", "\u2003"])
def test_a_blank_filename_is_refused(filename: str) -> None:
    assert refusal(upload, filename)["type"] == "invalid_value"


def test_a_filename_keeps_its_separators_and_control_characters_replaced() -> None:
    assert upload(" ../beach\x00\x85day.jpg ").filename == ".._beach__day.jpg"


# -- one rule, two places ----------------------------------------------------------------


def test_a_refusal_reaches_the_api_with_the_domains_message_and_its_field() -> None:
    body = {
        "actor": {"user_id": "alice"},
        "command": {"type": "RenameAlbum", "album_id": str(uuid4()), "title": "x" * 201},
    }

    with pytest.raises(InvalidCommand) as caught:
        validate_envelope(body)

    assert caught.value.problems == [
        {
            "field": "command.RenameAlbum.title",
            "message": "A title must be 1 to 200 characters long (got 201).",
        }
    ]


def test_the_command_schema_documents_the_domains_limits() -> None:
    definitions = envelope_schema()["$defs"]

    assert definitions["RenameAlbum"]["properties"]["title"]["maxLength"] == values.TITLE_MAX
    assert definitions["CaptionPhoto"]["properties"]["caption"]["maxLength"] == values.TEXT_MAX
    tags = definitions["TagPhoto"]["properties"]["tags"]
    assert (tags["maxItems"], tags["items"]["maxLength"]) == (
        values.TAGS_PER_PHOTO_MAX,
        values.TAG_MAX,
    )
    filename = definitions["RegisterUpload"]["properties"]["filename"]
    assert filename["maxLength"] == values.FILENAME_MAX


def domain_outcome(rule: Any, *args: Any) -> Any:
    """What a domain rule makes of a value, or the DomainError class it raises."""
    try:
        return rule(*args)
    except DomainError as refused:
        return type(refused)


def command_outcome(build: Any, *args: Any) -> Any:
    try:
        return build(*args)
    except ValidationError:
        return None


#: Short texts of the characters the rules care about, and long ones around the limits.
SHORT_TEXTS = st.text(
    alphabet=st.sampled_from(["a", "Z", " ", "\u2003", "\n", "\t", "\x07", "\x85", "/", "\\"]),
    max_size=8,
)
LONG_TEXTS = st.builds(
    lambda padding, length: " " * padding + "x" * length, st.integers(0, 3), st.integers(45, 260)
)
TEXTS_TO_TRY = SHORT_TEXTS | LONG_TEXTS


@given(TEXTS_TO_TRY)
def test_a_title_is_refused_by_the_command_exactly_when_the_domain_refuses_it(text: str) -> None:
    by_domain = domain_outcome(values.title, text)
    command = command_outcome(lambda title: album(RenameAlbum, title=title), text)

    if isinstance(by_domain, str):
        assert command is not None and command.title == by_domain
        assert values.title(command.title) == command.title
    else:
        assert command is None


@given(TEXTS_TO_TRY)
def test_a_caption_is_refused_by_the_command_exactly_when_the_domain_refuses_it(
    text: str,
) -> None:
    long_text = text * 300
    for caption in (text, long_text):
        by_domain = domain_outcome(values.text, caption, "caption")
        command = command_outcome(lambda value: photo(CaptionPhoto, caption=value), caption)
        if isinstance(by_domain, str):
            assert command is not None and command.caption == by_domain
            assert values.text(command.caption, "caption") == command.caption
        else:
            assert command is None


@given(st.lists(TEXTS_TO_TRY, max_size=55))
def test_tags_the_command_keeps_are_tags_the_domain_adds_unchanged(tags: list[str]) -> None:
    command = command_outcome(lambda value: photo(TagPhoto, tags=value), tags)
    subject = Photo.register(uuid4(), "alice", "sea.jpg", "image/jpeg", 10)

    tagged = domain_outcome(subject.tag, tags)

    if command is None:
        assert tagged is not None  # the domain refuses them too
    else:
        assert tagged is None
        assert subject.tags == sorted(command.tags)  # a photo keeps its tags sorted
        assert values.tags(command.tags) == tuple(command.tags)


@given(TEXTS_TO_TRY)
def test_an_upload_the_command_accepts_registers_a_photo_of_that_name(filename: str) -> None:
    command = command_outcome(upload, filename)
    registered = domain_outcome(
        lambda name: Photo.register(uuid4(), "alice", name, "image/jpeg", 10), filename
    )

    if command is None:
        assert not isinstance(registered, Photo)
    else:
        assert isinstance(registered, Photo)
        assert registered.filename == command.filename
        assert values.filename(command.filename) == command.filename
