"""The Photo aggregate's rules: titles, tags, trash and purge, albums, filenames."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from uuid import uuid4

import pytest

from domain.album import Album
from domain.errors import DomainError
from domain.photo import PENDING, PROCESSING_FAILED, READY, Photo


@contextmanager
def refused(code: str) -> Iterator[None]:
    with pytest.raises(DomainError) as caught:
        yield
    assert caught.value.code == code, caught.value.message


def new_album(owner: str = "alice") -> Album:
    album = Album.create(uuid4(), owner, "Holiday")
    album.collect_events()
    return album


def new_photo(
    owner: str = "alice", filename: str = "beach.jpg", album: Album | None = None
) -> Photo:
    photo = Photo.register(uuid4(), owner, filename, "image/jpeg", 1024, album)
    photo.collect_events()
    return photo


def trashed_photo() -> Photo:
    photo = new_photo()
    photo.tag(["sea"])
    photo.trash()
    photo.collect_events()
    return photo


def purged_photo() -> Photo:
    photo = trashed_photo()
    photo.purge()
    photo.collect_events()
    return photo


# -- registering -----------------------------------------------------------------------


def test_a_registered_photo_is_pending_untagged_and_titled_after_its_filename() -> None:
    photo = new_photo(filename="Beach day.jpeg")

    assert (photo.title, photo.filename, photo.status) == ("Beach day", "Beach day.jpeg", PENDING)
    assert (photo.tags, photo.caption, photo.album_id, photo.trashed) == ([], "", None, False)


@pytest.mark.parametrize(
    ("filename", "stored"),
    [
        ("../../etc/passwd", ".._.._etc_passwd"),
        ("C:\\photos\\beach.jpg", "C:_photos_beach.jpg"),
        ("bea\x00ch.jpg", "bea_ch.jpg"),
        ("line\nbreak.jpg", "line_break.jpg"),
        ("tab\there\x7f.jpg", "tab_here_.jpg"),
        ("next\x85line\x9f.jpg", "next_line_.jpg"),
    ],
)
def test_filenames_are_stored_with_path_separators_and_control_characters_replaced(
    filename: str, stored: str
) -> None:
    photo = new_photo(filename=filename)

    assert photo.filename == stored
    assert "/" not in photo.title and "\\" not in photo.title


def test_a_dotfile_keeps_its_whole_name_as_title() -> None:
    assert new_photo(filename=".hidden").title == ".hidden"


def test_a_long_filename_gives_a_title_cut_to_200_characters() -> None:
    assert new_photo(filename="x" * 250 + ".jpg").title == "x" * 200


def test_a_filename_over_255_characters_is_refused() -> None:
    with refused("invalid_value"):
        new_photo(filename="x" * 256)


def test_a_photo_can_be_registered_into_an_album_of_its_owner() -> None:
    album = new_album("alice")

    assert new_photo("alice", album=album).album_id == album.id


def test_a_photo_cannot_be_registered_into_another_owners_album() -> None:
    with refused("owner_mismatch"):
        new_photo("bob", album=new_album("alice"))


def test_a_photo_cannot_be_registered_into_a_deleted_album() -> None:
    album = new_album()
    album.delete()

    with refused("album_deleted"):
        new_photo(album=album)


# -- title and caption -----------------------------------------------------------------


def test_retitling_trims_and_records_the_previous_title() -> None:
    photo = new_photo(filename="beach.jpg")

    photo.retitle("  Sunset  ")

    [retitled] = photo.collect_events()
    assert isinstance(retitled, Photo.Retitled)
    assert (retitled.title, retitled.previous_title) == ("Sunset", "beach")
    assert photo.title == "Sunset"


@pytest.mark.parametrize("length", [1, 200])
def test_a_photo_title_of_1_to_200_characters_is_accepted(length: int) -> None:
    photo = new_photo()

    photo.retitle("t" * length)

    assert photo.title == "t" * length


@pytest.mark.parametrize("title", ["", "  \n ", "t" * 201])
def test_a_photo_title_of_0_or_201_characters_is_refused(title: str) -> None:
    photo = new_photo()

    with refused("invalid_value"):
        photo.retitle(title)

    assert photo.collect_events() == []


@pytest.mark.parametrize("title", ["a\x00b", "a\x08b", "a\x1fb", "a\x7fb", "a\nb", "a\tb"])
def test_a_photo_title_with_control_characters_is_refused(title: str) -> None:
    with refused("invalid_value"):
        new_photo().retitle(title)


def test_captioning_records_the_previous_caption_and_keeps_line_breaks() -> None:
    photo = new_photo()
    photo.set_caption("first")
    photo.collect_events()

    photo.set_caption(" second\nline ")

    [captioned] = photo.collect_events()
    assert isinstance(captioned, Photo.Captioned)
    assert (captioned.caption, captioned.previous_caption) == ("second\nline", "first")


@pytest.mark.parametrize("caption", ["c" * 2001, "bell\x07"])
def test_a_caption_that_is_too_long_or_has_control_characters_is_refused(caption: str) -> None:
    with refused("invalid_value"):
        new_photo().set_caption(caption)


# -- tags ------------------------------------------------------------------------------


def test_tags_are_trimmed_lower_cased_and_inner_whitespace_collapsed() -> None:
    photo = new_photo()

    photo.tag(["  Summer   Holiday ", "BEACH", "sea\tside"])

    assert photo.tags == ["beach", "sea side", "summer holiday"]


def test_tags_that_normalise_to_the_same_tag_are_added_once() -> None:
    photo = new_photo()

    photo.tag(["Beach", " beach ", "BEACH"])

    [tagged] = photo.collect_events()
    assert isinstance(tagged, Photo.Tagged)
    assert tagged.tags == ["beach"]


@pytest.mark.parametrize("tag", ["t" * 50, "  " + "t" * 50 + "  ", "a" + " " * 10 + "b" * 48])
def test_a_tag_of_up_to_50_characters_after_normalising_is_accepted(tag: str) -> None:
    photo = new_photo()

    photo.tag([tag])

    assert len(photo.tags[0]) <= 50


@pytest.mark.parametrize("tag", ["", "   ", "\t\n", "t" * 51])
def test_a_tag_of_0_or_51_characters_is_refused(tag: str) -> None:
    with refused("invalid_value"):
        new_photo().tag([tag])


@pytest.mark.parametrize("tag", ["bell\x07", "nul\x00", "a/b"])
def test_a_tag_with_control_characters_or_a_slash_is_refused(tag: str) -> None:
    with refused("invalid_value"):
        new_photo().tag([tag])


def test_tagging_with_no_tags_is_refused() -> None:
    with refused("invalid_value"):
        new_photo().tag([])


def test_a_photo_can_have_50_tags_but_not_51() -> None:
    photo = new_photo()
    photo.tag([f"tag{n}" for n in range(49)])

    photo.tag(["tag49"])
    with refused("too_many_tags"):
        photo.tag(["tag50"])

    assert len(photo.tags) == 50


def test_tagging_with_51_tags_at_once_is_refused() -> None:
    photo = new_photo()

    with refused("too_many_tags"):
        photo.tag([f"tag{n}" for n in range(51)])

    assert photo.tags == []


def test_tags_the_photo_already_has_do_not_count_against_the_limit() -> None:
    photo = new_photo()
    photo.tag([f"tag{n}" for n in range(50)])

    photo.tag(["tag0", "TAG1"])

    assert len(photo.tags) == 50


def test_tagging_with_an_existing_tag_adds_no_event() -> None:
    photo = new_photo()
    photo.tag(["beach"])
    photo.collect_events()

    photo.tag([" Beach"])

    assert photo.collect_events() == []
    assert photo.tags == ["beach"]


def test_a_tagged_event_carries_only_the_new_tags() -> None:
    photo = new_photo()
    photo.tag(["beach"])
    photo.collect_events()

    photo.tag(["beach", "sea"])

    [tagged] = photo.collect_events()
    assert tagged.tags == ["sea"]
    assert tagged.touches == frozenset({"tag:sea"})


def test_untagging_removes_normalised_tags_and_records_only_those_removed() -> None:
    photo = new_photo()
    photo.tag(["beach", "sea", "sun"])
    photo.collect_events()

    photo.untag([" SEA ", "snow"])

    [untagged] = photo.collect_events()
    assert isinstance(untagged, Photo.Untagged)
    assert untagged.tags == ["sea"]
    assert photo.tags == ["beach", "sun"]


def test_untagging_an_absent_tag_adds_no_event() -> None:
    photo = new_photo()
    photo.tag(["beach"])
    photo.collect_events()

    photo.untag(["snow"])

    assert photo.collect_events() == []
    assert photo.tags == ["beach"]


# -- moving between albums -------------------------------------------------------------


def test_moving_records_the_previous_album() -> None:
    first, second = new_album(), new_album()
    photo = new_photo(album=first)

    photo.move_to(second)

    [moved] = photo.collect_events()
    assert isinstance(moved, Photo.Moved)
    assert (moved.album_id, moved.previous_album_id) == (second.id, first.id)
    assert photo.album_id == second.id


def test_moving_out_of_any_album_leaves_the_photo_unsorted() -> None:
    album = new_album()
    photo = new_photo(album=album)

    photo.move_to(None)

    [moved] = photo.collect_events()
    assert (moved.album_id, moved.previous_album_id) == (None, album.id)
    assert photo.album_id is None


def test_moving_to_the_album_it_is_in_adds_no_event() -> None:
    album = new_album()
    photo = new_photo(album=album)

    photo.move_to(album)
    new_photo().move_to(None)

    assert photo.collect_events() == []


def test_a_photo_can_only_move_to_an_album_of_the_same_owner() -> None:
    photo = new_photo("alice")

    with refused("owner_mismatch"):
        photo.move_to(new_album("bob"))

    assert photo.album_id is None


def test_a_photo_cannot_move_into_a_deleted_album() -> None:
    album = new_album()
    album.delete()
    photo = new_photo()

    with refused("album_deleted"):
        photo.move_to(album)


# -- trash, restore, purge -------------------------------------------------------------


EDITS: dict[str, Callable[[Photo], None]] = {
    "retitle": lambda photo: photo.retitle("New"),
    "caption": lambda photo: photo.set_caption("New"),
    "tag": lambda photo: photo.tag(["new"]),
    "untag": lambda photo: photo.untag(["sea"]),
    "move": lambda photo: photo.move_to(new_album()),
    "unsort": lambda photo: photo.move_to(None),
    "trash": lambda photo: photo.trash(),
}


@pytest.mark.parametrize("edit", EDITS.values(), ids=EDITS.keys())
def test_a_trashed_photo_refuses_edits(edit: Callable[[Photo], None]) -> None:
    photo = trashed_photo()

    with refused("photo_trashed"):
        edit(photo)

    assert photo.collect_events() == []


def test_a_trashed_photo_can_be_restored() -> None:
    photo = trashed_photo()

    photo.restore()

    assert [type(e) for e in photo.collect_events()] == [Photo.Restored]
    assert not photo.trashed
    assert photo.tags == ["sea"]


def test_restoring_a_photo_that_is_not_trashed_is_refused() -> None:
    with refused("photo_not_trashed"):
        new_photo().restore()


def test_purging_a_photo_that_is_not_trashed_is_refused() -> None:
    photo = new_photo()

    with refused("photo_not_trashed"):
        photo.purge()

    assert not photo.purged


def test_purging_a_trashed_photo_drops_its_renditions_and_metadata() -> None:
    photo = new_photo()
    photo.attach_processing(640, 480, "jpeg", {"camera": "x"}, {"thumb": "t.jpg"})
    photo.trash()
    photo.collect_events()

    photo.purge()

    assert [type(e) for e in photo.collect_events()] == [Photo.Purged]
    assert (photo.purged, photo.renditions, photo.metadata) == (True, {}, {})


PURGED_CHANGES: dict[str, Callable[[Photo], None]] = {
    **EDITS,
    "restore": lambda photo: photo.restore(),
    "purge": lambda photo: photo.purge(),
    "attach_processing": lambda photo: photo.attach_processing(1, 1, "jpeg", {}, {}),
    "fail_processing": lambda photo: photo.fail_processing("broken"),
}


@pytest.mark.parametrize("change", PURGED_CHANGES.values(), ids=PURGED_CHANGES.keys())
def test_nothing_changes_a_purged_photo(change: Callable[[Photo], None]) -> None:
    photo = purged_photo()

    with refused("photo_purged"):
        change(photo)

    assert photo.collect_events() == []


# -- processing ------------------------------------------------------------------------


def test_processing_results_make_the_photo_ready() -> None:
    photo = new_photo()
    photo.fail_processing("timeout")

    photo.attach_processing(640, 480, "jpeg", {"iso": 100}, {"thumb": "t.jpg"})

    assert (photo.status, photo.failure_reason) == (READY, None)
    assert (photo.width, photo.height, photo.format) == (640, 480, "jpeg")
    assert (photo.metadata, photo.renditions) == ({"iso": 100}, {"thumb": "t.jpg"})


def test_failed_processing_records_the_reason() -> None:
    photo = new_photo()

    photo.fail_processing("  ")

    assert (photo.status, photo.failure_reason) == (PROCESSING_FAILED, "failed")
