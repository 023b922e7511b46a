"""The Album aggregate's rules, and reading an album event stored by an older version."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import StoredEvent

from commands.repository import build_mapper
from domain.album import Album
from domain.errors import DomainError

TOKEN = "a" * 16
OTHER_TOKEN = "b" * 16


@contextmanager
def refused(code: str) -> Iterator[None]:
    with pytest.raises(DomainError) as caught:
        yield
    assert caught.value.code == code, caught.value.message


def new_album(title: str = "Holiday", owner: str = "alice") -> Album:
    album = Album.create(uuid4(), owner, title)
    album.collect_events()
    return album


# -- title -----------------------------------------------------------------------------


def test_an_album_title_is_trimmed() -> None:
    album = Album.create(uuid4(), "alice", "  Holiday  ")

    assert album.title == "Holiday"


@pytest.mark.parametrize("length", [1, 200])
def test_an_album_title_of_1_to_200_characters_is_accepted(length: int) -> None:
    assert Album.create(uuid4(), "alice", "x" * length).title == "x" * length


def test_the_200_character_limit_applies_after_trimming() -> None:
    assert Album.create(uuid4(), "alice", "  " + "x" * 200 + "  ").title == "x" * 200


@pytest.mark.parametrize("title", ["", "   ", "x" * 201])
def test_an_album_title_of_0_or_201_characters_is_refused(title: str) -> None:
    with refused("invalid_value"):
        Album.create(uuid4(), "alice", title)


@pytest.mark.parametrize("title", ["Holi\x00day", "Holi\x07day", "Holi\x1bday", "Holi\x7fday"])
def test_an_album_title_with_control_characters_is_refused(title: str) -> None:
    with refused("invalid_value"):
        Album.create(uuid4(), "alice", title)


def test_renaming_follows_the_title_rules() -> None:
    album = new_album()

    with refused("invalid_value"):
        album.rename("x" * 201)
    with refused("invalid_value"):
        album.rename("a\x00b")

    assert album.title == "Holiday"
    assert album.collect_events() == []


def test_renaming_records_the_previous_title() -> None:
    album = new_album("Holiday")

    album.rename("  Summer 2024 ")

    [renamed] = album.collect_events()
    assert isinstance(renamed, Album.Renamed)
    assert (renamed.title, renamed.previous_title) == ("Summer 2024", "Holiday")
    assert album.title == "Summer 2024"


# -- description -----------------------------------------------------------------------


def test_a_new_album_has_an_empty_description_unless_given_one() -> None:
    assert Album.create(uuid4(), "alice", "Holiday").description == ""
    assert Album.create(uuid4(), "alice", "Holiday", " Beach \n").description == "Beach"


def test_describing_records_the_previous_description() -> None:
    album = Album.create(uuid4(), "alice", "Holiday", "Old")
    album.collect_events()

    album.describe("New\nlines are fine here")

    [described] = album.collect_events()
    assert isinstance(described, Album.Described)
    assert described.previous_description == "Old"
    assert album.description == "New\nlines are fine here"


@pytest.mark.parametrize("description", ["x" * 2001, "bell\x07"])
def test_a_description_that_is_too_long_or_has_control_characters_is_refused(
    description: str,
) -> None:
    with refused("invalid_value"):
        new_album().describe(description)


# -- sharing ---------------------------------------------------------------------------


def test_sharing_sets_the_token_and_records_there_was_none() -> None:
    album = new_album()

    album.share(TOKEN)

    [shared] = album.collect_events()
    assert isinstance(shared, Album.Shared)
    assert (shared.token, shared.previous_token) == (TOKEN, None)
    assert album.share_token == TOKEN


def test_sharing_a_shared_album_replaces_the_token_and_keeps_the_previous_one_in_the_event() -> (
    None
):
    album = new_album()
    album.share(TOKEN)
    album.collect_events()

    album.share(OTHER_TOKEN)

    [shared] = album.collect_events()
    assert (shared.token, shared.previous_token) == (OTHER_TOKEN, TOKEN)
    assert album.share_token == OTHER_TOKEN


@pytest.mark.parametrize("token", ["short", "has spaces in it ok", "x" * 65, "slash/" * 4])
def test_a_malformed_share_token_is_refused(token: str) -> None:
    with refused("invalid_value"):
        new_album().share(token)


def test_unsharing_clears_the_token_and_records_it() -> None:
    album = new_album()
    album.share(TOKEN)
    album.collect_events()

    album.unshare()

    [unshared] = album.collect_events()
    assert isinstance(unshared, Album.Unshared)
    assert unshared.previous_token == TOKEN
    assert album.share_token is None


def test_unsharing_an_unshared_album_is_refused() -> None:
    album = new_album()

    with refused("album_not_shared"):
        album.unshare()


# -- delete and restore ----------------------------------------------------------------


def test_deleting_an_album_marks_it_deleted() -> None:
    album = new_album()

    album.delete()

    assert album.deleted
    assert [type(e) for e in album.collect_events()] == [Album.Deleted]


@pytest.mark.parametrize(
    "change",
    [
        lambda album: album.rename("New"),
        lambda album: album.describe("New"),
        lambda album: album.share(TOKEN),
        lambda album: album.unshare(),
        lambda album: album.delete(),
        lambda album: album.accept_photo_of("alice"),
    ],
    ids=["rename", "describe", "share", "unshare", "delete", "accept_photo"],
)
def test_a_deleted_album_refuses_every_change_but_restore(change: Callable[[Album], None]) -> None:
    album = new_album()
    album.share(TOKEN)
    album.delete()
    album.collect_events()

    with refused("album_deleted"):
        change(album)

    assert album.collect_events() == []


def test_restoring_a_deleted_album_brings_it_back_unchanged() -> None:
    album = new_album("Holiday")
    album.share(TOKEN)
    album.delete()
    album.collect_events()

    album.restore()

    assert [type(e) for e in album.collect_events()] == [Album.Restored]
    assert (album.deleted, album.title, album.share_token) == (False, "Holiday", TOKEN)


def test_restoring_an_album_that_is_not_deleted_is_refused() -> None:
    with refused("album_not_deleted"):
        new_album().restore()


# -- accepting photos ------------------------------------------------------------------


def test_an_album_accepts_a_photo_of_its_owner() -> None:
    new_album(owner="alice").accept_photo_of("alice")


def test_an_album_refuses_a_photo_of_another_owner() -> None:
    with refused("owner_mismatch"):
        new_album(owner="alice").accept_photo_of("bob")


# -- stored versions -------------------------------------------------------------------


def test_a_version_1_created_event_is_read_with_an_empty_description() -> None:
    # given: an Album.Created stored before `description` existed (no class_version)
    album_id = uuid4()
    state = {
        "timestamp": {"_type_": "datetime_iso", "_data_": "2024-01-02T03:04:05+00:00"},
        "originator_topic": "domain.album:Album",
        "owner": "alice",
        "title": "Old album",
    }
    stored = StoredEvent(
        originator_id=album_id,
        originator_version=1,
        topic="domain.album:Album.Created",
        state=json.dumps(state).encode(),
    )

    # when
    created = build_mapper().to_domain_event(stored)

    # then
    assert isinstance(created, Album.Created)
    assert (created.owner, created.title, created.description) == ("alice", "Old album", "")
    album = created.mutate(None)
    assert isinstance(album, Album)
    assert (album.id, album.title, album.description) == (album_id, "Old album", "")


def test_a_current_created_event_round_trips_as_version_2() -> None:
    mapper = build_mapper()
    album = Album.create(uuid4(), "alice", "Holiday", "Beach")
    [created] = album.collect_events()

    stored = mapper.to_stored_event(created)

    assert json.loads(stored.state)["class_version"] == 2
    read = mapper.to_domain_event(stored)
    assert isinstance(read, Album.Created)
    assert read == created
    assert (read.owner, read.title, read.description) == ("alice", "Holiday", "Beach")
    assert isinstance(read.originator_id, UUID)
