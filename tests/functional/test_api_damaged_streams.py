"""A stream with a missing commit: its history and past states answer 409, never 500."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.functional.api_helpers import ALICE, BOB, SUPPORT, ApiHarness, install_api


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> ApiHarness:
    return install_api(monkeypatch)


def _renamed_album(api: ApiHarness) -> str:
    album = api.new_album(title="Paris")
    for title in ("Paris 2024", "Paris in spring", "Paris, finally"):
        api.given(ALICE, {"type": "RenameAlbum", "album_id": album, "title": title})
    return album


def _remove_commit(api: ApiHarness, stream_id: str, first_version: int) -> None:
    with api.store._lock:
        del api.store._streams[stream_id][first_version]


def test_an_album_missing_a_middle_commit_answers_409_naming_the_version(api: ApiHarness) -> None:
    # given an album whose second change has been deleted from the store
    album = _renamed_album(api)
    _remove_commit(api, album, 3)
    now = datetime.now(UTC).isoformat()

    # when its history and its state as of now are read
    history = api.call("GET", f"/albums/{album}/history")
    then = api.call("GET", f"/albums/{album}", query={"as_of": now})

    # then both say which change is missing, and the current view still answers
    for response in (history, then):
        assert response.status == 409, response.text
        error = response.json["error"]
        assert error["code"] == "stream_damaged"
        assert error["details"] == {"stream_id": album, "version": 3}
        assert '"Paris, finally"' in error["message"]
        assert "version 3 is missing" in error["message"]
    assert api.call("GET", f"/albums/{album}").status == 200


def test_a_missing_first_commit_names_version_1(api: ApiHarness) -> None:
    album = _renamed_album(api)
    _remove_commit(api, album, 1)

    response = api.call("GET", f"/albums/{album}/history", as_=SUPPORT)

    assert response.status == 409
    assert response.json["error"]["details"]["version"] == 1


def test_a_damaged_photo_history_answers_409(api: ApiHarness) -> None:
    photo = api.new_photo()
    api.given(ALICE, {"type": "TagPhoto", "photo_id": photo, "tags": ["sea"]})
    api.given(ALICE, {"type": "TagPhoto", "photo_id": photo, "tags": ["ice"]})
    _remove_commit(api, photo, 2)

    history = api.call("GET", f"/photos/{photo}/history")
    then = api.call("GET", f"/photos/{photo}", query={"as_of": datetime.now(UTC).isoformat()})

    for response in (history, then):
        assert response.status == 409, response.text
        assert response.json["error"]["details"] == {"stream_id": photo, "version": 2}


def test_someone_who_may_not_read_the_album_gets_404_not_the_damage(api: ApiHarness) -> None:
    album = _renamed_album(api)
    _remove_commit(api, album, 3)
    now = datetime.now(UTC).isoformat()

    history = api.call("GET", f"/albums/{album}/history", as_=BOB)
    then = api.call("GET", f"/albums/{album}", as_=BOB, query={"as_of": now})

    assert [history.status, then.status] == [404, 404]
    assert "Paris" not in history.text + then.text


def test_an_intact_stream_still_reads_as_before(api: ApiHarness) -> None:
    album = _renamed_album(api)

    history = api.call("GET", f"/albums/{album}/history")

    assert history.status == 200
    assert len(history.json["entries"]) == 4
