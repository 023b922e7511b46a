"""Command status, read-your-writes, undo and redo (by id and Ctrl+Z), activity."""

from __future__ import annotations

import pytest

from tests.functional.api_helpers import ALICE, AUDITOR, BOB, SUPPORT, ApiHarness, install_api


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> ApiHarness:
    return install_api(monkeypatch)


def _title(api: ApiHarness, album_id: str) -> str:
    return str(api.call("GET", f"/albums/{album_id}").json["title"])


def test_a_commands_status_says_projected_only_once_the_read_models_show_it(
    api: ApiHarness,
) -> None:
    # given: the worker has run the command, the projections have not caught up
    api.queue.project = False
    accepted = api.call("POST", "/albums", body={"title": "Trip"}).json
    # when
    before = api.call("GET", accepted["location"]).json
    api.queue.release()
    after = api.call("GET", accepted["location"]).json
    # then
    assert (before["status"], before["projected"]) == ("succeeded", False)
    assert (after["status"], after["projected"]) == ("succeeded", True)
    assert after["events"] == [
        {"stream_id": accepted["album_id"], "first_version": 1, "last_version": 1}
    ]
    assert after["links"]["self"] == accepted["location"]


def test_a_queued_command_is_accepted_and_not_projected(api: ApiHarness) -> None:
    api.queue.execute = False

    accepted = api.call("POST", "/albums", body={"title": "Trip"}).json
    status = api.call("GET", f"/commands/{accepted['command_id']}").json

    assert (status["status"], status["projected"]) == ("accepted", False)


def test_a_rejected_command_has_nothing_to_project(api: ApiHarness) -> None:
    album_id = api.new_album()

    accepted = api.call("DELETE", f"/albums/{album_id}/share").json
    status = api.call("GET", accepted["location"]).json

    assert status["status"] == "rejected"
    assert status["error"]["code"] == "album_not_shared"
    assert status["projected"] is True


def test_an_undo_conflict_the_api_can_see_is_refused_at_once_naming_the_later_change(
    api: ApiHarness,
) -> None:
    # given: two renames; undoing the first would silently revert the second
    album_id = api.new_album(title="Trip")
    first = api.call("PATCH", f"/albums/{album_id}", body={"title": "Iceland"}).json
    second = api.call("PATCH", f"/albums/{album_id}", body={"title": "Ísland"}).json
    sent = len(api.queue.sent)
    # when
    undo = api.call("POST", f"/commands/{first['command_id']}/undo")
    # then: 409 at once, nothing queued, the later command named with its summary
    assert (undo.status, undo.error_code) == (409, "undo_conflict")
    later = undo.json["error"]["details"]["later"]
    summary = 'alice renamed the album "Iceland" to "Ísland"'
    assert later == [{"command_id": second["command_id"], "summary": summary}]
    assert summary in undo.json["error"]["message"]
    assert second["command_id"] not in undo.json["error"]["message"]
    assert len(api.queue.sent) == sent
    assert _title(api, album_id) == "Ísland"


def test_a_redo_conflict_the_api_can_see_is_refused_at_once(api: ApiHarness) -> None:
    album_id = api.new_album(title="Trip")
    first = api.call("PATCH", f"/albums/{album_id}", body={"title": "Iceland"}).json
    api.call("POST", f"/commands/{first['command_id']}/undo")
    second = api.call("PATCH", f"/albums/{album_id}", body={"title": "Ísland"}).json

    redo = api.call("POST", f"/commands/{first['command_id']}/redo")

    assert (redo.status, redo.error_code) == (409, "undo_conflict")
    assert [item["command_id"] for item in redo.json["error"]["details"]["later"]] == [
        second["command_id"]
    ]
    assert _title(api, album_id) == "Ísland"


def test_an_undo_conflict_that_arises_after_acceptance_is_still_rejected_by_the_worker(
    api: ApiHarness,
) -> None:
    # given: the second rename is still queued when the undo of the first arrives
    album_id = api.new_album(title="Trip")
    first = api.call("PATCH", f"/albums/{album_id}", body={"title": "Iceland"}).json
    api.queue.execute = False
    second = api.call("PATCH", f"/albums/{album_id}", body={"title": "Ísland"}).json
    # when
    undo = api.call("POST", f"/commands/{first['command_id']}/undo")
    api.queue.release()
    status = api.call("GET", undo.json["location"]).json
    # then: accepted, as the API could not see the race, and refused by the worker
    assert undo.status == 202
    assert status["status"] == "rejected"
    assert status["error"]["code"] == "undo_conflict"
    assert status["error"]["details"]["later_command_ids"] == [second["command_id"]]
    assert status["summary"].startswith('alice\'s undo of the rename of the album "Trip"')
    assert _title(api, album_id) == "Ísland"


def test_support_may_force_an_undo_past_a_conflict_with_a_reason(api: ApiHarness) -> None:
    album_id = api.new_album(title="Trip")
    first = api.given(ALICE, {"type": "RenameAlbum", "album_id": album_id, "title": "Iceland"})
    api.given(ALICE, {"type": "RenameAlbum", "album_id": album_id, "title": "Ísland"})

    owner_forcing = api.call("POST", f"/commands/{first.command_id}/undo", body={"force": True})
    forced = api.call(
        "POST",
        f"/commands/{first.command_id}/undo",
        as_=SUPPORT,
        body={"reason": "ticket 42: the owner asked", "force": True},
    )

    assert (owner_forcing.status, owner_forcing.error_code) == (403, "forbidden")
    assert forced.status == 202
    status = api.call("GET", forced.json["location"], as_=SUPPORT).json
    assert status["status"] == "succeeded"
    assert (status["actor_id"], status["reason"]) == ("sam", "ticket 42: the owner asked")
    assert _title(api, album_id) == "Trip"


def test_undo_and_redo_by_command_id(api: ApiHarness) -> None:
    album_id = api.new_album(title="Trip")
    rename = api.call("PATCH", f"/albums/{album_id}", body={"title": "Iceland"}).json

    undo = api.call("POST", f"/commands/{rename['command_id']}/undo")
    assert undo.json["target_command_id"] == rename["command_id"]
    assert _title(api, album_id) == "Trip"
    redo = api.call("POST", f"/commands/{rename['command_id']}/redo")
    assert redo.status == 202
    assert _title(api, album_id) == "Iceland"
    status = api.call("GET", rename["location"]).json
    assert status["undone_by"] == [undo.json["command_id"]]
    assert status["redone_by"] == [redo.json["command_id"]]


def test_support_must_give_a_reason_to_revert_someone_elses_command(api: ApiHarness) -> None:
    album_id = api.new_album(title="Trip")
    rename = api.given(ALICE, {"type": "RenameAlbum", "album_id": album_id, "title": "Iceland"})
    sent = len(api.queue.sent)

    for body in (None, {}, {"reason": "   "}):
        response = api.call("POST", f"/commands/{rename.command_id}/undo", as_=SUPPORT, body=body)
        assert (response.status, response.error_code) == (400, "reason_required")
    assert len(api.queue.sent) == sent

    done = api.call(
        "POST", f"/commands/{rename.command_id}/undo", as_=SUPPORT, body={"reason": "ticket 7"}
    )
    assert done.status == 202
    trail = api.call("GET", f"/albums/{album_id}/history", as_=AUDITOR).json["entries"]
    assert (trail[-1]["actor_id"], trail[-1]["reason"]) == ("sam", "ticket 7")
    assert _title(api, album_id) == "Trip"


def test_me_undo_and_redo_walk_back_and_forth_through_the_callers_commands(
    api: ApiHarness,
) -> None:
    album_id = api.new_album(title="Trip")
    api.call("PATCH", f"/albums/{album_id}", body={"title": "Iceland"})
    api.call("PATCH", f"/albums/{album_id}", body={"title": "Ísland"})
    api.given(ALICE, {"type": "UnshareAlbum", "album_id": album_id})  # rejected: skipped

    titles = []
    for path in ("/me/undo", "/me/undo", "/me/redo", "/me/redo"):
        response = api.call("POST", path)
        assert response.status == 202, response.text
        titles.append(_title(api, album_id))
    nothing = api.call("POST", "/me/redo")

    assert titles == ["Iceland", "Trip", "Iceland", "Ísland"]
    assert (nothing.status, nothing.error_code) == (409, "nothing_to_redo")


def test_me_undo_with_nothing_to_undo_is_409(api: ApiHarness) -> None:
    api.new_album(ALICE)

    response = api.call("POST", "/me/undo", as_=BOB)

    assert (response.status, response.error_code) == (409, "nothing_to_undo")


def test_me_redo_picks_the_command_undone_most_recently_even_by_support(api: ApiHarness) -> None:
    album_id = api.new_album(title="Trip")
    photo_id = api.new_photo()
    rename = api.given(ALICE, {"type": "RenameAlbum", "album_id": album_id, "title": "Iceland"})
    tag = api.given(ALICE, {"type": "TagPhoto", "photo_id": photo_id, "tags": ["sea"]})
    api.call("POST", f"/commands/{tag.command_id}/undo")
    api.call("POST", f"/commands/{rename.command_id}/undo", as_=SUPPORT, body={"reason": "r"})

    redo = api.call("POST", "/me/redo")

    assert redo.json["target_command_id"] == rename.command_id
    assert _title(api, album_id) == "Iceland"


def test_me_undo_counts_commands_still_queued(api: ApiHarness) -> None:
    # given: nothing runs yet, as when Ctrl+Z follows an action at once
    album_id = api.new_album(title="Trip")
    api.queue.execute = False
    rename = api.call("PATCH", f"/albums/{album_id}", body={"title": "Iceland"}).json
    # when
    first = api.call("POST", "/me/undo").json
    second = api.call("POST", "/me/undo").json
    # then: the first targets the queued rename, the second the creation before it
    assert first["target_command_id"] == rename["command_id"]
    assert second["target_command_id"] != rename["command_id"]


def test_activity_lists_the_callers_commands_newest_first_a_page_at_a_time(
    api: ApiHarness,
) -> None:
    album_id = api.new_album(title="Trip")
    for title in ("A", "B", "C"):
        api.call("PATCH", f"/albums/{album_id}", body={"title": title})
    api.new_album(BOB)

    first = api.call("GET", "/me/activity", query={"limit": "3"}).json
    rest = api.call("GET", "/me/activity", query={"limit": "3", "cursor": first["cursor"]}).json

    titles = [item["payload"]["title"] for item in first["items"] + rest["items"]]
    assert titles == ["C", "B", "A", "Trip"]
    assert rest["cursor"] is None
    assert {item["actor_id"] for item in first["items"] + rest["items"]} == {"alice"}


def test_a_command_is_visible_to_its_actor_auditors_and_support_only(api: ApiHarness) -> None:
    album_id = api.new_album()
    rename = api.given(ALICE, {"type": "RenameAlbum", "album_id": album_id, "title": "X"})

    statuses = {
        name: api.call("GET", f"/commands/{rename.command_id}", as_=who).status
        for name, who in (("alice", ALICE), ("bob", BOB), ("audrey", AUDITOR), ("sam", SUPPORT))
    }

    assert statuses == {"alice": 200, "bob": 404, "audrey": 200, "sam": 200}
    assert api.call("GET", "/commands/no-such-command").status == 404
