"""The photo routes, driven by API Gateway REST events, on in-memory fakes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.functional.api_helpers import ALICE, AUDITOR, BOB, SUPPORT, ApiHarness, install_api


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> ApiHarness:
    return install_api(monkeypatch)


def _ids(response_json: dict[str, Any]) -> list[str]:
    return [photo["photo_id"] for photo in response_json["items"]]


def test_patch_retitles_and_captions_a_photo(api: ApiHarness) -> None:
    photo_id = api.new_photo()

    response = api.call(
        "PATCH", f"/photos/{photo_id}", body={"title": "Glacier", "caption": "Cold morning"}
    )

    assert response.status == 202
    assert response.json["photo_id"] == photo_id
    assert len(response.json["command_ids"]) == 2
    photo = api.call("GET", f"/photos/{photo_id}").json
    assert (photo["title"], photo["caption"]) == ("Glacier", "Cold morning")


def test_a_photo_moves_between_albums_and_out_of_any(api: ApiHarness) -> None:
    first, second = api.new_album(title="First"), api.new_album(title="Second")
    photo_id = api.new_photo(album_id=first)

    moved = api.call("PUT", f"/photos/{photo_id}/album", body={"album_id": second})
    assert moved.status == 202 and moved.json["album_id"] == second
    assert api.call("GET", f"/photos/{photo_id}").json["album_id"] == second

    assert api.call("PUT", f"/photos/{photo_id}/album", body={"album_id": None}).status == 202
    assert api.call("GET", f"/photos/{photo_id}").json["album_id"] is None


def test_a_photo_cannot_move_into_someone_elses_album(api: ApiHarness) -> None:
    photo_id = api.new_photo()
    bobs_album = api.new_album(BOB, title="Bob's")

    response = api.call("PUT", f"/photos/{photo_id}/album", body={"album_id": bobs_album})

    assert (response.status, response.error_code) == (404, "not_found")
    missing_key = api.call("PUT", f"/photos/{photo_id}/album", body={})
    assert (missing_key.status, missing_key.error_code) == (400, "invalid_request")
    assert [e.command.type for e in api.queue.sent] == ["RegisterUpload", "CreateAlbum"]


def test_tags_are_added_and_removed_one_at_a_time_even_percent_encoded(api: ApiHarness) -> None:
    photo_id = api.new_photo()

    assert (
        api.call("POST", f"/photos/{photo_id}/tags", body={"tags": ["sea", "new york"]}).status
        == 202
    )
    assert api.call("DELETE", f"/photos/{photo_id}/tags/new%20york").status == 202

    assert api.call("GET", f"/photos/{photo_id}").json["tags"] == ["sea"]
    empty = api.call("POST", f"/photos/{photo_id}/tags", body={"tags": []})
    assert (empty.status, empty.error_code) == (400, "invalid_request")


def test_trash_and_restore_and_the_trash_is_listed_only_when_asked(api: ApiHarness) -> None:
    kept, binned = api.new_photo(filename="kept.jpg"), api.new_photo(filename="binned.jpg")

    assert api.call("DELETE", f"/photos/{binned}").status == 202
    assert _ids(api.call("GET", "/photos").json) == [kept]
    assert _ids(api.call("GET", "/photos", query={"trashed": "true"}).json) == [binned]

    assert api.call("POST", f"/photos/{binned}/restore").status == 202
    assert _ids(api.call("GET", "/photos").json) == [kept, binned]
    assert _ids(api.call("GET", "/photos", query={"trashed": "true"}).json) == []


def test_photos_are_listed_by_album_unsorted_and_tag(api: ApiHarness) -> None:
    # given
    iceland, deleted = api.new_album(title="Iceland"), api.new_album(title="Old")
    in_iceland = api.new_photo(album_id=iceland, filename="a.jpg")
    in_deleted = api.new_photo(album_id=deleted, filename="b.jpg")
    loose = api.new_photo(filename="c.jpg")
    api.new_photo(BOB, filename="bobs.jpg")
    api.given(ALICE, {"type": "DeleteAlbum", "album_id": deleted})
    for photo_id in (in_iceland, loose):
        api.given(ALICE, {"type": "TagPhoto", "photo_id": photo_id, "tags": ["sea"]})

    def listing(**query: str) -> list[str]:
        response = api.call("GET", "/photos", query=query)
        assert response.status == 200, response.text
        return _ids(response.json)

    # then
    assert listing() == [in_iceland, in_deleted, loose]
    assert listing(album_id=iceland) == [in_iceland]
    assert listing(album_id="unsorted") == [in_deleted, loose]
    assert sorted(listing(tag="sea")) == sorted([in_iceland, loose])
    assert listing(tag="sea", album_id=iceland) == [in_iceland]
    assert listing(tag="sea", album_id="unsorted") == [loose]
    assert listing(tag="nothing") == []
    repeated = api.call("GET", "/photos", multi_query={"tag": ["nothing", "sea"]})
    assert (repeated.status, repeated.error_code) == (400, "invalid_request")  # one tag at a time


def test_auditors_and_support_may_list_anyones_photos_by_owner(api: ApiHarness) -> None:
    alices = api.new_photo()

    for reader in (AUDITOR, SUPPORT):
        response = api.call("GET", "/photos", as_=reader, query={"owner": "alice"})
        assert _ids(response.json) == [alices]
    assert api.call("GET", "/photos", as_=BOB, query={"owner": "alice"}).status == 404


def test_photo_listings_page_with_cursors(api: ApiHarness) -> None:
    album_id = api.new_album()
    photos = [api.new_photo(album_id=album_id, filename=f"{n}.jpg") for n in range(5)]

    for query in ({}, {"album_id": album_id}):
        seen: list[str] = []
        cursor = None
        while True:
            page = api.call(
                "GET",
                "/photos",
                query={"limit": "2", **query, **({"cursor": cursor} if cursor else {})},
            ).json
            seen += _ids(page)
            cursor = page["cursor"]
            if cursor is None:
                break
        assert seen == photos, query


def test_batch_tagging_tags_every_photo_on_the_low_priority_queue(api: ApiHarness) -> None:
    photos = [api.new_photo(filename=f"{n}.jpg") for n in range(3)]

    response = api.call("POST", "/batch/tags", body={"photo_ids": photos, "tags": ["trip"]})

    assert response.status == 202
    assert api.queue.sent[-1].command.type == "BatchTagPhotos"
    assert api.queue.sent[-1].effective_priority == "low"
    for photo_id in photos:
        assert api.call("GET", f"/photos/{photo_id}").json["tags"] == ["trip"]


def test_batch_tagging_refuses_the_whole_batch_if_one_photo_is_not_the_callers(
    api: ApiHarness,
) -> None:
    mine, bobs = api.new_photo(), api.new_photo(BOB)
    sent = len(api.queue.sent)

    response = api.call("POST", "/batch/tags", body={"photo_ids": [mine, bobs], "tags": ["x"]})
    repeated = api.call("POST", "/batch/tags", body={"photo_ids": [mine, mine], "tags": ["x"]})

    assert (response.status, response.error_code) == (404, "not_found")
    assert (repeated.status, repeated.error_code) == (400, "invalid_request")
    assert len(api.queue.sent) == sent


def test_photo_history_and_as_of(api: ApiHarness) -> None:
    photo_id = api.new_photo(filename="glacier.jpg")
    api.given(ALICE, {"type": "TagPhoto", "photo_id": photo_id, "tags": ["ice"]})
    then = datetime.now(UTC)
    api.given(ALICE, {"type": "RetitlePhoto", "photo_id": photo_id, "title": "Jökulsárlón"})
    api.given(ALICE, {"type": "UntagPhoto", "photo_id": photo_id, "tags": ["ice"]})

    entries = api.call("GET", f"/photos/{photo_id}/history", as_=AUDITOR).json["entries"]
    past = api.call("GET", f"/photos/{photo_id}", query={"as_of": then.isoformat()}).json

    assert [e["type"] for e in entries] == [
        "RegisterUpload",
        "TagPhoto",
        "RetitlePhoto",
        "UntagPhoto",
    ]
    assert (entries[1]["before"], entries[1]["after"]) == ({"tags": []}, {"tags": ["ice"]})
    assert (entries[2]["before"], entries[2]["after"]) == (
        {"title": "glacier"},
        {"title": "Jökulsárlón"},
    )
    assert (past["title"], past["tags"]) == ("glacier", ["ice"])
    assert api.call("GET", f"/photos/{photo_id}/history", as_=BOB).status == 404
