"""The pure projectors: each event's effect on a view, folding, gaps and derived rows."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest

from domain.album import Album
from domain.photo import Photo
from projections.projectors import (
    DerivedChanges,
    ProjectionGap,
    apply,
    derived_changes,
    fold,
)
from projections.views import AlbumView, PhotoView, ShareRow, TagRow

TOKEN = "share-token-000001"
OTHER_TOKEN = "share-token-000002"


def new_album(title: str = "Trip") -> Album:
    return Album.create(uuid4(), "alice", title, "About")


def new_photo(album: Album | None = None) -> Photo:
    return Photo.register(uuid4(), "alice", "beach.jpg", "image/jpeg", 10, album)


def project(aggregate: Album | Photo) -> Any:
    """The view of every event the aggregate has triggered since last asked."""
    return fold(None, aggregate.collect_events())


def album_view(album: Album) -> AlbumView:
    view = project(album)
    assert isinstance(view, AlbumView)
    return view


def photo_view(photo: Photo) -> PhotoView:
    view = project(photo)
    assert isinstance(view, PhotoView)
    return view


# -- albums ----------------------------------------------------------------------------


def test_a_created_album_is_a_view_at_version_1() -> None:
    album = new_album()
    [created] = album.collect_events()

    view = apply(None, created)

    assert view == AlbumView(
        album_id=str(album.id), owner="alice", title="Trip", description="About", version=1,
        created_at=created.timestamp.isoformat(), updated_at=created.timestamp.isoformat(),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda a: a.rename("Iceland"), {"title": "Iceland"}),
        (lambda a: a.describe("Ring road"), {"description": "Ring road"}),
        (lambda a: a.share(TOKEN), {"share_token": TOKEN}),
        (lambda a: (a.share(TOKEN), a.unshare()), {"share_token": None}),
        (lambda a: a.delete(), {"deleted": True}),
        (lambda a: (a.delete(), a.restore()), {"deleted": False}),
    ],
)
def test_each_album_event_changes_its_field_and_the_version(
    change: Any, expected: dict[str, Any]
) -> None:
    album = new_album()
    before = album_view(album)

    change(album)
    events = album.collect_events()
    after = fold(before, events)

    assert isinstance(after, AlbumView)
    assert after.model_dump(include=set(expected)) == expected
    assert after.version == before.version + len(events)
    assert after.updated_at == events[-1].timestamp.isoformat()
    assert after.created_at == before.created_at


# -- photos ----------------------------------------------------------------------------


def test_a_registered_photo_is_pending_in_its_album() -> None:
    album = new_album()
    photo = new_photo(album)

    view = photo_view(photo)

    assert (view.photo_id, view.album_id, view.album_key) == (
        str(photo.id),
        str(album.id),
        str(album.id),
    )
    assert (view.title, view.filename, view.status, view.version) == (
        "beach",
        "beach.jpg",
        "pending",
        1,
    )
    assert view.album_joined_at == view.created_at
    assert view.album_order == f"{view.created_at}#{view.photo_id}"


def test_an_unsorted_photo_is_listed_under_its_owners_unsorted_key() -> None:
    assert photo_view(new_photo()).album_key == "unsorted#alice"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda p: p.attach_processing(4, 3, "JPEG", {"iso": 100}, {"thumb": "t.jpg"}),
            {"status": "ready", "width": 4, "height": 3, "format": "JPEG",
             "metadata": {"iso": 100}, "renditions": {"thumb": "t.jpg"}},
        ),
        (
            lambda p: (p.fail_processing("bad"), p.attach_processing(4, 3, "PNG", {}, {})),
            {"status": "ready", "failure_reason": None},
        ),
        (lambda p: p.fail_processing("corrupt"), {"status": "processing_failed",
                                                 "failure_reason": "corrupt"}),
        (lambda p: p.retitle("Sunset"), {"title": "Sunset"}),
        (lambda p: p.set_caption("At the sea"), {"caption": "At the sea"}),
        (lambda p: p.tag(["sun", "sea"]), {"tags": ["sea", "sun"]}),
        (lambda p: (p.tag(["sun", "sea", "x"]), p.untag(["sea"])), {"tags": ["sun", "x"]}),
        (lambda p: p.move_to(None), {"album_id": None}),
        (lambda p: p.trash(), {"trashed": True}),
        (lambda p: (p.trash(), p.restore()), {"trashed": False}),
        (
            lambda p: (p.attach_processing(4, 3, "JPEG", {"iso": 1}, {"t": "t"}), p.trash(),
                       p.purge()),
            {"purged": True, "metadata": {}, "renditions": {}},
        ),
    ],
)  # fmt: skip
def test_each_photo_event_changes_its_fields_and_the_version(
    change: Any, expected: dict[str, Any]
) -> None:
    photo = new_photo(new_album())
    before = photo_view(photo)

    change(photo)
    events = photo.collect_events()
    after = fold(before, events)

    assert isinstance(after, PhotoView)
    assert after.model_dump(include=set(expected)) == expected
    assert after.version == before.version + len(events)


def test_a_moved_photo_joins_the_end_of_its_new_album() -> None:
    first, second = new_album(), new_album()
    photo = new_photo(first)
    before = photo_view(photo)

    photo.move_to(second)
    [moved] = photo.collect_events()
    after = apply(before, moved)

    assert isinstance(after, PhotoView)
    assert after.album_key == str(second.id)
    assert after.album_joined_at == moved.timestamp.isoformat() > before.album_joined_at


# -- folding ---------------------------------------------------------------------------


def test_fold_skips_the_events_a_view_already_reflects() -> None:
    album = new_album()
    album.rename("One")
    album.rename("Two")
    events = album.collect_events()
    view = fold(None, events[:2])

    assert fold(view, events) == fold(None, events)
    assert fold(fold(None, events), events) == fold(None, events)


def test_an_event_after_a_gap_raises_projection_gap() -> None:
    album = new_album()
    album.rename("One")
    album.rename("Two")
    created, _, second_rename = album.collect_events()

    with pytest.raises(ProjectionGap):
        fold(apply(None, created), [second_rename])
    with pytest.raises(ProjectionGap):
        apply(None, second_rename)


def test_fold_of_no_events_is_no_view() -> None:
    assert fold(None, []) is None


# -- derived rows ----------------------------------------------------------------------


def tags(*names: str, photo_id: str, version: int) -> list[TagRow]:
    return [TagRow(owner="alice", tag=n, photo_id=photo_id, version=version) for n in names]


def test_tagging_writes_a_row_per_tag_at_the_new_version() -> None:
    photo = new_photo()
    before = photo_view(photo)
    photo.tag(["sea", "sun"])
    after = fold(before, photo.collect_events())
    assert after is not None

    changes = derived_changes(before, after)

    pid = str(photo.id)
    assert changes == DerivedChanges(tags("sea", "sun", photo_id=pid, version=2), [], [], [])


def test_untagging_removes_that_row_and_rewrites_the_rest() -> None:
    photo = new_photo()
    photo.tag(["sea", "sun"])
    before = photo_view(photo)
    photo.untag(["sea"])
    after = fold(before, photo.collect_events())
    assert after is not None

    changes = derived_changes(before, after)

    pid = str(photo.id)
    assert changes.tags == tags("sun", photo_id=pid, version=3)
    assert changes.removed_tags == tags("sea", photo_id=pid, version=2)


def test_a_purged_photo_has_no_tag_rows() -> None:
    photo = new_photo()
    photo.tag(["sea", "sun"])
    photo.trash()
    before = photo_view(photo)
    photo.purge()
    after = fold(before, photo.collect_events())
    assert after is not None

    changes = derived_changes(before, after)

    assert changes.tags == []
    assert [row.tag for row in changes.removed_tags] == ["sea", "sun"]


def shares(token: str, album: Album, version: int) -> list[ShareRow]:
    return [ShareRow(token=token, album_id=str(album.id), owner="alice", version=version)]


def test_sharing_writes_the_token_row() -> None:
    album = new_album()
    before = album_view(album)
    album.share(TOKEN)
    after = fold(before, album.collect_events())
    assert after is not None

    assert derived_changes(before, after) == DerivedChanges([], [], shares(TOKEN, album, 2), [])


def test_unsharing_removes_the_token_row() -> None:
    album = new_album()
    album.share(TOKEN)
    before = album_view(album)
    album.unshare()
    after = fold(before, album.collect_events())
    assert after is not None

    assert derived_changes(before, after) == DerivedChanges([], [], [], shares(TOKEN, album, 2))


def test_sharing_again_replaces_the_token() -> None:
    album = new_album()
    album.share(TOKEN)
    before = album_view(album)
    album.share(OTHER_TOKEN)
    after = fold(before, album.collect_events())
    assert after is not None

    changes = derived_changes(before, after)

    assert changes.shares == shares(OTHER_TOKEN, album, 3)
    assert changes.removed_shares == shares(TOKEN, album, 2)


def test_deleting_a_shared_album_closes_its_link_and_restoring_reopens_it() -> None:
    album = new_album()
    album.share(TOKEN)
    shared = album_view(album)
    album.delete()
    deleted = fold(shared, album.collect_events())
    assert deleted is not None
    album.restore()
    restored = fold(deleted, album.collect_events())
    assert restored is not None

    assert derived_changes(shared, deleted) == DerivedChanges([], [], [], shares(TOKEN, album, 2))
    assert derived_changes(deleted, restored).shares == shares(TOKEN, album, 4)


def test_a_new_view_derives_rows_from_nothing() -> None:
    album = new_album()
    album.share(TOKEN)
    view = album_view(album)

    assert derived_changes(None, view) == DerivedChanges([], [], shares(TOKEN, album, 2), [])
