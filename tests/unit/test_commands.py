"""The command union and its envelope: parsing, validation, priority, schema."""

from __future__ import annotations

import json
from typing import Any
from uuid import uuid4

import pytest
from pydantic import ValidationError

from commands.models import (
    COMMAND_TYPES,
    Actor,
    BatchTagPhotos,
    CreateAlbum,
    Envelope,
    InvalidCommand,
    RenameAlbum,
    TagPhoto,
    UndoCommand,
    envelope_schema,
    parse_envelope,
)

ALICE = {"user_id": "alice"}


def envelope_body(command: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"actor": ALICE, "command": command, **extra}


def error_locations(error: ValidationError) -> list[tuple[str | int, ...]]:
    return [tuple(detail["loc"]) for detail in error.errors()]


def test_the_command_is_chosen_by_its_type() -> None:
    album_id = uuid4()

    envelope = Envelope.model_validate(
        envelope_body({"type": "RenameAlbum", "album_id": str(album_id), "title": "Trip"})
    )

    assert isinstance(envelope.command, RenameAlbum)
    assert envelope.command.album_id == album_id
    assert envelope.aggregate_id == str(album_id)


def test_a_serialised_envelope_parses_back_to_the_same_envelope() -> None:
    envelope = Envelope(
        actor=Actor(user_id="alice", groups=("support",)),
        command=TagPhoto(photo_id=uuid4(), tags=["sea"]),
        reason="asked by the owner",
    )

    assert parse_envelope(envelope.model_dump_json()) == envelope


def test_an_unknown_command_type_is_refused_naming_the_type_field() -> None:
    with pytest.raises(ValidationError) as caught:
        Envelope.model_validate(envelope_body({"type": "DropTables", "album_id": str(uuid4())}))

    [detail] = caught.value.errors()
    assert detail["loc"] == ("command",)
    assert detail["type"] == "union_tag_invalid"
    assert "DropTables" in str(caught.value)


def test_a_command_without_a_type_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        Envelope.model_validate(envelope_body({"album_id": str(uuid4()), "title": "Trip"}))

    assert caught.value.errors()[0]["type"] == "union_tag_not_found"


def test_a_missing_field_is_refused_naming_the_field() -> None:
    with pytest.raises(ValidationError) as caught:
        Envelope.model_validate(envelope_body({"type": "RenameAlbum", "album_id": str(uuid4())}))

    assert error_locations(caught.value) == [("command", "RenameAlbum", "title")]
    assert caught.value.errors()[0]["type"] == "missing"


def test_a_malformed_message_body_is_refused_naming_the_field() -> None:
    body = json.dumps(envelope_body({"type": "RenameAlbum", "album_id": str(uuid4())}))

    with pytest.raises(InvalidCommand) as caught:
        parse_envelope(body)

    assert caught.value.problems == [
        {"field": "command.RenameAlbum.title", "message": "Field required"}
    ]
    assert isinstance(caught.value.__cause__, ValidationError)


def test_an_unexpected_field_is_refused_naming_the_field() -> None:
    body = {"type": "TrashPhoto", "photo_id": str(uuid4()), "force": True}

    with pytest.raises(ValidationError) as caught:
        Envelope.model_validate(envelope_body(body))

    assert error_locations(caught.value) == [("command", "TrashPhoto", "force")]


def test_an_envelope_without_an_actor_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        Envelope.model_validate({"command": {"type": "TrashPhoto", "photo_id": str(uuid4())}})

    assert error_locations(caught.value) == [("actor",)]


def test_commands_and_envelopes_are_frozen() -> None:
    command = RenameAlbum(album_id=uuid4(), title="Trip")
    envelope = Envelope(actor=Actor(user_id="alice"), command=command)

    with pytest.raises(ValidationError):
        command.title = "Other"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        envelope.reason = "because"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        envelope.actor.user_id = "mallory"  # type: ignore[misc]


@pytest.mark.parametrize(
    "command",
    [
        CreateAlbum(album_id=uuid4(), title="Trip"),
        TagPhoto(photo_id=uuid4(), tags=["sea"]),
        UndoCommand(target_command_id=uuid4(), target_aggregate_id="x"),
    ],
    ids=lambda command: command.type,
)
def test_commands_are_high_priority_by_default(command: Any) -> None:
    assert Envelope(actor=Actor(user_id="alice"), command=command).effective_priority == "high"


def test_a_batch_tag_is_low_priority_by_default() -> None:
    batch = BatchTagPhotos(photo_ids=[uuid4()], tags=["sea"])

    assert Envelope(actor=Actor(user_id="alice"), command=batch).effective_priority == "low"


def test_the_envelope_priority_overrides_the_commands_default() -> None:
    actor = Actor(user_id="alice")
    batch = BatchTagPhotos(photo_ids=[uuid4()], tags=["sea"])
    tag = TagPhoto(photo_id=uuid4(), tags=["sea"])

    assert Envelope(actor=actor, command=batch, priority="high").effective_priority == "high"
    assert Envelope(actor=actor, command=tag, priority="low").effective_priority == "low"


def test_the_envelope_schema_names_every_command_type() -> None:
    schema = envelope_schema()

    mapping = schema["properties"]["command"]["discriminator"]["mapping"]
    names = {command.model_fields["type"].default for command in COMMAND_TYPES}
    assert set(mapping) == names
    for name in names:
        assert schema["$defs"][name]["properties"]["type"]["const"] == name
    json.dumps(schema)  # it is plain JSON


def test_a_batch_tag_refuses_repeated_photo_ids() -> None:
    photo_id = uuid4()

    with pytest.raises(ValidationError) as caught:
        BatchTagPhotos(photo_ids=[photo_id, uuid4(), photo_id], tags=["sea"])

    assert error_locations(caught.value) == [("photo_ids",)]
    assert "must not repeat" in str(caught.value)


def test_a_batch_tag_takes_1_to_100_photos() -> None:
    BatchTagPhotos(photo_ids=[uuid4() for _ in range(100)], tags=["sea"])

    for count in (0, 101):
        with pytest.raises(ValidationError) as caught:
            BatchTagPhotos(photo_ids=[uuid4() for _ in range(count)], tags=["sea"])
        assert error_locations(caught.value) == [("photo_ids",)]


def test_a_batch_tag_is_grouped_by_its_batch_not_by_a_photo() -> None:
    batch = BatchTagPhotos(photo_ids=[uuid4()], tags=["sea"])

    assert batch.aggregate_id == f"batch-{batch.batch_id}"


def test_an_actor_has_a_user_id_and_groups() -> None:
    actor = Actor(user_id="bob", groups=("support",))

    assert actor.is_in("support") and not actor.is_in("auditors")
    with pytest.raises(ValidationError):
        Actor(user_id="")
