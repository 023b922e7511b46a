"""The album routes, driven by API Gateway REST events, on in-memory fakes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.values import TITLE_MAX
from tests.functional.api_helpers import ALICE, BOB, ApiHarness, install_api


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> ApiHarness:
    return install_api(monkeypatch)


def test_creating_an_album_answers_202_with_its_ids_and_the_status_location(
    api: ApiHarness,
) -> None:
    response = api.call("POST", "/albums", body={"title": "Iceland", "description": "Ring road"})

    assert response.status == 202
    accepted = response.json
    assert accepted["status"] == "accepted"
    assert response.headers["Location"] == f"/commands/{accepted['command_id']}"
    assert accepted["location"] == response.headers["Location"]
    assert accepted["command_ids"] == [accepted["command_id"]]
    album = api.call("GET", f"/albums/{accepted['album_id']}").json
    assert (album["title"], album["description"], album["owner"]) == (
        "Iceland",
        "Ring road",
        "alice",
    )


def test_patch_renames_and_describes_as_two_commands_each_undoable(api: ApiHarness) -> None:
    album_id = api.new_album(title="Trip")

    response = api.call(
        "PATCH", f"/albums/{album_id}", body={"title": "Iceland", "description": "Ring road"}
    )

    assert response.status == 202
    describe = response.json["command_ids"][-1]
    assert response.json["command_id"] == describe
    assert [envelope.command.type for envelope in api.queue.sent[-2:]] == [
        "RenameAlbum",
        "DescribeAlbum",
    ]
    album = api.call("GET", f"/albums/{album_id}").json
    assert (album["title"], album["description"]) == ("Iceland", "Ring road")
    assert api.call("POST", f"/commands/{describe}/undo").status == 202
    album = api.call("GET", f"/albums/{album_id}").json
    assert (album["title"], album["description"]) == ("Iceland", "")


def test_an_album_just_created_can_be_read_and_edited_before_it_is_projected(
    api: ApiHarness,
) -> None:
    # given: the projections are behind
    api.queue.project = False
    album_id = api.call("POST", "/albums", body={"title": "Trip"}).json["album_id"]
    assert api.read_models.get_album(album_id) is None
    # when
    renamed = api.call("PATCH", f"/albums/{album_id}", body={"title": "Iceland"})
    read = api.call("GET", f"/albums/{album_id}")
    # then: ownership and the view come from the event store
    assert renamed.status == 202
    assert read.status == 200
    assert read.json["title"] == "Iceland"
    assert api.call("PATCH", f"/albums/{album_id}", as_=BOB, body={"title": "Mine"}).status == 404


def test_an_album_whose_creation_is_still_queued_can_be_changed_by_its_creator_only(
    api: ApiHarness,
) -> None:
    # given: the worker has not run yet
    api.queue.execute = False
    album_id = api.call("POST", "/albums", body={"title": "Trip"}).json["album_id"]
    # when
    mine = api.call("PATCH", f"/albums/{album_id}", body={"title": "Iceland"})
    theirs = api.call("PATCH", f"/albums/{album_id}", as_=BOB, body={"title": "Mine"})
    api.queue.release()
    # then: FIFO order per album runs the creation first
    assert (mine.status, theirs.status) == (202, 404)
    assert api.call("GET", f"/albums/{album_id}").json["title"] == "Iceland"


def test_sharing_opens_a_public_view_without_owner_or_token_and_unsharing_closes_it(
    api: ApiHarness,
) -> None:
    album_id = api.new_album(title="Iceland")
    shown = api.new_photo(album_id=album_id, filename="glacier.jpg")
    trashed = api.new_photo(album_id=album_id, filename="blurry.jpg")
    api.given(ALICE, {"type": "TrashPhoto", "photo_id": trashed})

    assert api.call("POST", f"/albums/{album_id}/share").status == 202
    token = api.call("GET", f"/albums/{album_id}").json["share_token"]
    public = api.call("GET", f"/shared/{token}", as_=None)

    assert public.status == 200
    assert public.json["title"] == "Iceland"
    assert [photo["photo_id"] for photo in public.json["photos"]] == [shown]
    assert "alice" not in public.text and token not in public.text
    assert api.call("DELETE", f"/albums/{album_id}/share").status == 202
    closed = api.call("GET", f"/shared/{token}", as_=None)
    assert (closed.status, closed.error_code) == (404, "not_found")


def test_a_deleted_album_is_listed_only_when_asked_and_its_link_stops_working(
    api: ApiHarness,
) -> None:
    kept, deleted = api.new_album(title="Kept"), api.new_album(title="Gone")
    api.given(ALICE, {"type": "ShareAlbum", "album_id": deleted})
    token = api.call("GET", f"/albums/{deleted}").json["share_token"]

    assert api.call("DELETE", f"/albums/{deleted}").status == 202

    listed = api.call("GET", "/albums").json["items"]
    everything = api.call("GET", "/albums", query={"include_deleted": "true"}).json["items"]
    assert [album["album_id"] for album in listed] == [kept]
    assert {album["album_id"] for album in everything} == {kept, deleted}
    assert api.call("GET", f"/shared/{token}", as_=None).status == 404
    assert api.call("GET", f"/albums/{deleted}").json["deleted"] is True


def test_albums_page_with_opaque_cursors_and_a_forged_cursor_is_refused(api: ApiHarness) -> None:
    created = [api.new_album(title=f"Album {n}") for n in range(5)]
    api.new_album(BOB, title="Bob's")

    seen, cursor, pages = [], None, 0
    while True:
        query = {"limit": "2"} | ({"cursor": cursor} if cursor else {})
        page = api.call("GET", "/albums", query=query).json
        seen += [album["album_id"] for album in page["items"]]
        pages += 1
        cursor = page["cursor"]
        if cursor is None:
            break

    assert seen == created
    assert pages == 3
    forged = api.call("GET", "/albums", query={"cursor": "!!not-a-cursor!!"})
    assert (forged.status, forged.error_code) == (400, "invalid_cursor")
    too_many = api.call("GET", "/albums", query={"limit": "1000"})
    assert (too_many.status, too_many.error_code) == (400, "invalid_request")


def test_an_album_comes_with_a_page_of_its_photos_in_album_order(api: ApiHarness) -> None:
    album_id = api.new_album()
    photos = [api.new_photo(album_id=album_id, filename=f"{n}.jpg") for n in range(3)]
    api.new_photo(filename="elsewhere.jpg")

    first = api.call("GET", f"/albums/{album_id}", query={"limit": "2"}).json
    second = api.call(
        "GET", f"/albums/{album_id}", query={"limit": "2", "cursor": first["photos"]["cursor"]}
    ).json

    assert [p["photo_id"] for p in first["photos"]["items"]] == photos[:2]
    assert [p["photo_id"] for p in second["photos"]["items"]] == photos[2:]
    assert second["photos"]["cursor"] is None


@pytest.mark.parametrize(
    ("method", "path", "request_", "code"),
    [
        ("POST", "/albums", {"body": {"title": ""}}, "invalid_request"),
        ("POST", "/albums", {"body": {"description": "no title"}}, "invalid_request"),
        ("POST", "/albums", {"body": {"title": "x" * (TITLE_MAX + 1)}}, "invalid_request"),
        ("POST", "/albums", {"body": {"title": "Trip", "owner": "bob"}}, "invalid_request"),
        ("POST", "/albums", {"body": ["Trip"]}, "invalid_request"),
        ("POST", "/albums", {"raw_body": '{"title": "Trip"'}, "invalid_json"),
        ("PATCH", "/albums/{album}", {"body": {}}, "invalid_request"),
        ("PATCH", "/albums/{album}", {"body": {"title": None}}, "invalid_request"),
        ("PATCH", "/albums/not-a-uuid", {"body": {"title": "Trip"}}, "invalid_request"),
        ("DELETE", "/albums/not-a-uuid", {}, "invalid_request"),
        ("GET", "/albums/{album}", {"query": {"as_of": "last tuesday"}}, "invalid_request"),
    ],
)
def test_invalid_input_is_400_with_a_stable_code_and_nothing_is_queued(
    api: ApiHarness, method: str, path: str, request_: dict[str, object], code: str
) -> None:
    album_id = api.new_album()
    sent, logged = len(api.queue.sent), len(api.log.history("alice"))

    response = api.call(method, path.format(album=album_id), **request_)

    assert (response.status, response.error_code) == (400, code)
    assert response.json["error"]["message"]
    assert len(api.queue.sent) == sent
    assert len(api.log.history("alice")) == logged


def test_invalid_fields_are_named_in_the_details(api: ApiHarness) -> None:
    response = api.call("POST", "/albums", body={"title": "", "colour": "red"})

    fields = {problem["field"] for problem in response.json["error"]["details"]["problems"]}
    assert {"body.title", "body.colour"} <= fields
    assert api.queue.sent == []


def test_a_body_over_64_kib_is_refused_before_it_is_parsed(api: ApiHarness) -> None:
    huge_json = '{"title": "' + "x" * (64 * 1024) + '"}'
    huge_garbage = "{" * (64 * 1024 + 1)

    for raw_body in (huge_json, huge_garbage):
        response = api.call("POST", "/albums", raw_body=raw_body)
        assert (response.status, response.error_code) == (413, "payload_too_large")
    within = '{"title": "' + "x" * TITLE_MAX + '"}'
    assert api.call("POST", "/albums", raw_body=within).status == 202
    assert len(api.queue.sent) == 1


def test_a_body_that_is_not_json_is_415(api: ApiHarness) -> None:
    response = api.call(
        "POST", "/albums", raw_body="title=Trip", headers={"Content-Type": "text/plain"}
    )

    assert (response.status, response.error_code) == (415, "unsupported_media_type")
    assert api.queue.sent == []


def test_album_history_lists_every_change_with_before_after_and_undone_by(
    api: ApiHarness,
) -> None:
    album_id = api.new_album(title="Trip")
    renamed = api.call("PATCH", f"/albums/{album_id}", body={"title": "Iceland"}).json
    undo = api.call("POST", f"/commands/{renamed['command_id']}/undo").json

    entries = api.call("GET", f"/albums/{album_id}/history").json["entries"]

    assert [entry["type"] for entry in entries] == ["CreateAlbum", "RenameAlbum", "UndoCommand"]
    created, rename, undone = entries
    assert created["before"] == {} and created["after"]["title"] == "Trip"
    assert (rename["before"], rename["after"]) == ({"title": "Trip"}, {"title": "Iceland"})
    assert rename["undone_by"] == [undo["command_id"]]
    assert rename["actor_id"] == "alice" and rename["events"] == ["Album.Renamed"]
    assert (undone["before"], undone["after"]) == ({"title": "Iceland"}, {"title": "Trip"})
    assert undone["undoes"] == renamed["command_id"]
    assert [entry["version"] for entry in entries] == [1, 2, 3]
    first = api.call("GET", f"/albums/{album_id}/history", query={"limit": "2"}).json
    rest = api.call(
        "GET", f"/albums/{album_id}/history", query={"limit": "2", "cursor": first["cursor"]}
    ).json
    assert first["entries"] + rest["entries"] == entries
    assert rest["cursor"] is None


def test_an_album_as_of_an_instant_is_rebuilt_with_the_photos_it_had_then(
    api: ApiHarness,
) -> None:
    # given
    before_anything = datetime.now(UTC)
    album_id = api.new_album(title="Trip")
    photo_id = api.new_photo(album_id=album_id)
    then = datetime.now(UTC)
    api.given(ALICE, {"type": "RenameAlbum", "album_id": album_id, "title": "Iceland"})
    api.given(ALICE, {"type": "MovePhoto", "photo_id": photo_id, "album_id": None})
    # when
    past = api.call("GET", f"/albums/{album_id}", query={"as_of": then.isoformat()})
    now = api.call("GET", f"/albums/{album_id}")
    # then
    assert past.status == 200
    assert past.json["title"] == "Trip"
    assert [p["photo_id"] for p in past.json["photos"]["items"]] == [photo_id]
    assert past.json["as_of"] == then.isoformat()
    assert now.json["title"] == "Iceland"
    assert now.json["photos"]["items"] == []
    too_early = api.call(
        "GET", f"/albums/{album_id}", query={"as_of": (before_anything - timedelta(1)).isoformat()}
    )
    assert (too_early.status, too_early.error_code) == (404, "not_found")


def test_as_of_accepts_z_and_an_offset_whose_plus_arrived_as_a_space(api: ApiHarness) -> None:
    album_id = api.new_album(title="Trip")
    later = datetime.now(UTC) + timedelta(hours=1)

    for as_of in (
        later.strftime("%Y-%m-%dT%H:%M:%SZ"),
        later.astimezone().isoformat().replace("+", " "),
        later.replace(tzinfo=None).isoformat(),
    ):
        response = api.call("GET", f"/albums/{album_id}", query={"as_of": as_of})
        assert response.status == 200, as_of
        assert response.json["title"] == "Trip"
