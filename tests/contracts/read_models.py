"""The read-model contract, run against the in-memory fake and DynamoDB alike.

A subclass named `Test...` supplies `create_read_models()`: new, empty read models.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, TypeVar
from uuid import uuid4

import pytest

from adapters.memory_read_models import InMemoryReadModels
from projections.read_models import InvalidCursor, ReadModels, StaleView
from projections.views import (
    AlbumView,
    Page,
    PhotoView,
    ShareRow,
    TagRow,
    unsorted_key,
)

T = TypeVar("T")

TABLES = ["album-views", "photo-views", "tag-views", "share-views"]
NOT_CURSORS = ["abc", "***", "a b=", "%%%%"]


def at(second: int) -> str:
    return f"2025-03-01T10:00:{second:02d}.000001+00:00"


def album(owner: str = "alice", second: int = 0, version: int = 1, **fields: Any) -> AlbumView:
    fields.setdefault("album_id", str(uuid4()))
    return AlbumView(owner=owner, title="Trip", version=version, created_at=at(second),
                     updated_at=at(second + version), **fields)  # fmt: skip


def photo(owner: str = "alice", second: int = 0, version: int = 1, **fields: Any) -> PhotoView:
    fields.setdefault("photo_id", str(uuid4()))
    fields.setdefault("album_joined_at", at(second))
    return PhotoView(owner=owner, filename="a.jpg", content_type="image/jpeg", size=10,
                     title="A", version=version, created_at=at(second),
                     updated_at=at(second + version), **fields)  # fmt: skip


def tag_row(tag: str = "sea", version: int = 1, photo_id: str = "p1") -> TagRow:
    return TagRow(owner="alice", tag=tag, photo_id=photo_id, version=version)


def share_row(token: str = "token-1", version: int = 1) -> ShareRow:
    return ShareRow(token=token, album_id="a1", owner="alice", version=version)


def every_page(listing: Callable[[str | None], Page[T]]) -> list[Page[T]]:
    pages = [listing(None)]
    while pages[-1].cursor is not None:
        pages.append(listing(pages[-1].cursor))
        assert len(pages) < 50, "the cursor never ran out"
    return pages


class ReadModelsContract(ABC):
    @abstractmethod
    def create_read_models(self) -> ReadModels:
        """New, empty read models."""

    # -- views -----------------------------------------------------------------------

    def test_views_are_read_back_as_written(self) -> None:
        models = self.create_read_models()
        shared = album(share_token="tok", description="North", deleted=True)
        full = photo(
            album_id="a1", caption="", tags=["sea", "sun"], status="ready", width=3, height=2,
            format="JPEG", metadata={"exif": {"f": 2.8, "iso": 100, "flash": False}, "n": None},
            renditions={"thumb": "t/1.jpg"}, trashed=True,
        )  # fmt: skip
        bare = photo()

        for view in (shared, full, bare):
            models.put_view(view, expected_version=None)

        assert models.get_album(shared.album_id) == shared
        assert models.get_photo(full.photo_id) == full
        assert models.get_photo(bare.photo_id) == bare
        assert models.get_album("nope") is None and models.get_photo("nope") is None

    def test_a_view_is_replaced_by_a_writer_that_read_its_version(self) -> None:
        models = self.create_read_models()
        first = photo()
        models.put_view(first, expected_version=None)
        second = first.model_copy(update={"version": 2, "title": "B"})

        models.put_view(second, expected_version=1)

        assert models.get_photo(first.photo_id) == second

    def test_a_second_create_is_stale(self) -> None:
        models = self.create_read_models()
        view = album()
        models.put_view(view, expected_version=None)

        with pytest.raises(StaleView):
            models.put_view(view.model_copy(update={"title": "Other"}), expected_version=None)

        assert models.get_album(view.album_id) == view

    @pytest.mark.parametrize("expected", [1, 3])
    def test_a_writer_that_read_another_version_is_stale(self, expected: int) -> None:
        models = self.create_read_models()
        view = photo(version=2)
        models.put_view(view, expected_version=None)

        with pytest.raises(StaleView):
            models.put_view(view.model_copy(update={"version": 4}), expected_version=expected)

        assert models.get_photo(view.photo_id) == view

    def test_updating_a_view_that_is_not_there_is_stale(self) -> None:
        models = self.create_read_models()
        with pytest.raises(StaleView):
            models.put_view(album(version=2), expected_version=1)

    # -- derived rows ----------------------------------------------------------------

    def test_tag_rows_are_written_only_if_not_older_than_what_is_stored(self) -> None:
        models = self.create_read_models()
        models.put_tags([tag_row(version=3), tag_row("sun", version=3)], [])

        models.put_tags([tag_row(version=2), tag_row("sun", version=4)], [])

        assert models.tagged("alice", "sea").items == [tag_row(version=3)]
        assert models.tagged("alice", "sun").items == [tag_row("sun", version=4)]

    def test_tag_rows_are_removed_only_by_a_version_not_older_than_theirs(self) -> None:
        models = self.create_read_models()
        models.put_tags([tag_row(version=3), tag_row("sun", version=3)], [])

        models.put_tags([], [tag_row(version=2), tag_row("sun", version=3), tag_row("x")])

        assert models.tagged("alice", "sea").items == [tag_row(version=3)]
        assert models.tagged("alice", "sun").items == []

    def test_share_rows_are_newer_wins_and_removed_by_a_version_not_older(self) -> None:
        models = self.create_read_models()
        models.put_shares([share_row("t1", 3), share_row("t2", 3)], [])

        models.put_shares([share_row("t1", 2), share_row("t3", 1)], [share_row("t2", 2)])
        assert models.get_share("t1") == share_row("t1", 3)
        assert models.get_share("t2") == share_row("t2", 3)
        assert models.get_share("t3") == share_row("t3", 1)

        models.put_shares([share_row("t1", 5)], [share_row("t2", 4), share_row("gone", 9)])
        assert models.get_share("t1") == share_row("t1", 5)
        assert models.get_share("t2") is None

    # -- which commands are visible -----------------------------------------------------

    def test_view_versions_cover_albums_and_photos_together_leaving_out_absent_ones(
        self,
    ) -> None:
        models = self.create_read_models()
        shared, loose = album(version=2), photo(version=5, album_id="a1")
        for view in (shared, loose):
            models.put_view(view, expected_version=None)
        asked = [shared.album_id, "missing", loose.photo_id, shared.album_id]

        assert models.view_versions(asked) == {shared.album_id: 2, loose.photo_id: 5}
        assert models.view_versions(["missing"]) == {}
        assert models.view_versions([]) == {}

    def test_view_versions_follow_the_views_as_they_are_written(self) -> None:
        models = self.create_read_models()
        view = photo()
        assert models.view_versions([view.photo_id]) == {}

        models.put_view(view, expected_version=None)
        assert models.view_versions([view.photo_id]) == {view.photo_id: 1}

        models.put_view(view.model_copy(update={"version": 4}), expected_version=1)
        assert models.view_versions([view.photo_id]) == {view.photo_id: 4}

        with pytest.raises(StaleView):
            models.put_view(view.model_copy(update={"version": 9}), expected_version=1)
        assert models.view_versions([view.photo_id]) == {view.photo_id: 4}

    def test_view_versions_of_many_streams_are_all_read(self) -> None:
        models = self.create_read_models()
        views = [album(second=n % 60) for n in range(40)] + [photo(second=n) for n in range(40)]
        models.bulk_load(views)
        ids = [v.album_id if isinstance(v, AlbumView) else v.photo_id for v in views]

        assert models.view_versions(ids) == dict.fromkeys(ids, 1)

    # -- listings ----------------------------------------------------------------------

    def test_an_owners_albums_come_oldest_first_page_by_page(self) -> None:
        models = self.create_read_models()
        albums = [album(second=s) for s in (4, 0, 3, 1, 2)]
        for view in [*albums, album("bob", second=9)]:
            models.put_view(view, expected_version=None)

        pages = every_page(lambda cursor: models.albums_of("alice", limit=2, cursor=cursor))

        assert [len(page.items) for page in pages] == [2, 2, 1]
        assert [v for page in pages for v in page.items] == sorted(albums, key=_created)

    def test_photos_come_in_album_order_and_unsorted_ones_by_owner(self) -> None:
        models = self.create_read_models()
        in_a1 = [photo(second=s, album_id="a1", album_joined_at=at(10 - s)) for s in range(4)]
        unsorted = [photo(second=s) for s in (3, 1)]
        for view in [*in_a1, *unsorted, photo("bob", album_id="a2")]:
            models.put_view(view, expected_version=None)

        pages = every_page(lambda cursor: models.photos_in("a1", limit=2, cursor=cursor))
        loose = models.photos_in(unsorted_key("alice"))

        assert [len(page.items) for page in pages] == [2, 2]  # no empty page at the end
        assert [v for page in pages for v in page.items] == in_a1[::-1]
        assert loose.items == unsorted[::-1] and loose.cursor is None

    def test_an_owners_photos_come_oldest_first_page_by_page(self) -> None:
        models = self.create_read_models()
        photos = [photo(second=s, album_id=f"a{s % 2}") for s in (5, 2, 0, 4, 1, 3, 6)]
        for view in [*photos, photo("bob")]:
            models.put_view(view, expected_version=None)

        pages = every_page(lambda cursor: models.photos_of("alice", limit=3, cursor=cursor))

        assert [len(page.items) for page in pages] == [3, 3, 1]
        assert [v for page in pages for v in page.items] == sorted(photos, key=_created)

    def test_tagged_rows_come_by_photo_id_page_by_page(self) -> None:
        models = self.create_read_models()
        rows = [tag_row(photo_id=f"p{n}") for n in (3, 1, 4, 0, 2)]
        other = TagRow(owner="bob", tag="sea", photo_id="p9", version=1)
        models.put_tags([*rows, other, tag_row("sun", photo_id="p7")], [])

        pages = every_page(lambda cursor: models.tagged("alice", "sea", limit=2, cursor=cursor))

        assert [len(page.items) for page in pages] == [2, 2, 1]
        assert [r for page in pages for r in page.items] == sorted(rows, key=lambda r: r.photo_id)

    def test_an_empty_listing_is_one_empty_page(self) -> None:
        models = self.create_read_models()
        assert models.albums_of("nobody") == Page[AlbumView](items=[])
        assert models.tagged("nobody", "sea") == Page[TagRow](items=[])

    @pytest.mark.parametrize("cursor", NOT_CURSORS)
    def test_a_cursor_the_listing_did_not_hand_out_is_refused(self, cursor: str) -> None:
        models = self.create_read_models()
        models.put_view(album(), expected_version=None)
        for listing in (
            lambda: models.albums_of("alice", cursor=cursor),
            lambda: models.photos_in("a1", cursor=cursor),
            lambda: models.photos_of("alice", cursor=cursor),
            lambda: models.tagged("alice", "sea", cursor=cursor),
        ):
            with pytest.raises(InvalidCursor):
                listing()

    def test_several_photos_come_in_the_order_asked_without_the_missing(self) -> None:
        models = self.create_read_models()
        photos = [photo(second=s) for s in range(5)]
        for view in photos:
            models.put_view(view, expected_version=None)
        asked = [photos[3].photo_id, "missing", photos[0].photo_id, photos[3].photo_id]

        assert models.get_photos(asked) == [photos[3], photos[0], photos[3]]
        assert models.get_photos([]) == []

    # -- the rebuild -------------------------------------------------------------------

    def test_clear_removes_every_row(self) -> None:
        models = self.create_read_models()
        write_a_bit_of_everything(models)

        models.clear()

        assert models.dump() == {name: [] for name in TABLES}

    def test_the_dump_is_every_row_as_json_like_the_in_memory_one(self) -> None:
        models, reference = self.create_read_models(), InMemoryReadModels()
        assert models.dump() == {name: [] for name in TABLES}

        for target in (models, reference):
            write_a_bit_of_everything(target)

        dump = models.dump()
        assert dump == reference.dump()
        assert [len(dump[name]) for name in TABLES] == [1, 2, 2, 1]

    def test_a_bulk_load_writes_what_the_single_writes_would(self) -> None:
        models, reference = self.create_read_models(), InMemoryReadModels()
        write_a_bit_of_everything(reference)
        dump = reference.dump()
        albums = [AlbumView.model_validate(row) for row in dump["album-views"]]
        photos = [PhotoView.model_validate(row) for row in dump["photo-views"]]

        models.bulk_load(
            [*albums, *photos],
            [TagRow.model_validate(row) for row in dump["tag-views"]],
            [ShareRow.model_validate(row) for row in dump["share-views"]],
        )

        assert models.dump() == dump
        assert models.get_photos([view.photo_id for view in photos]) == photos

    def test_a_bulk_load_of_many_rows_writes_them_all(self) -> None:
        models = self.create_read_models()
        photos = [photo(second=s % 60, tags=["sea"]) for s in range(60)]
        rows = [tag_row(photo_id=view.photo_id) for view in photos]

        models.bulk_load(photos, rows, [])

        assert len(models.photos_of("alice", limit=100).items) == 60
        assert len(models.tagged("alice", "sea", limit=100).items) == 60


def _created(view: AlbumView | PhotoView) -> str:
    key = view.album_id if isinstance(view, AlbumView) else view.photo_id
    return f"{view.created_at}#{key}"


def write_a_bit_of_everything(models: ReadModels) -> None:
    """One row or two in every table, through the projector's writes."""
    shared = album(share_token="tok", version=2, album_id="a1")
    models.put_view(shared, expected_version=None)
    models.put_view(photo(photo_id="p1", album_id="a1", tags=["sea"], version=3,
                          metadata={"f": 1.5}), expected_version=None)  # fmt: skip
    models.put_view(photo(photo_id="p2", second=1), expected_version=None)
    models.put_tags([tag_row("sea", 3), tag_row("sun", 2)], [])
    models.put_shares([share_row("tok", 2)], [])
