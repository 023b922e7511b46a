"""`Idempotency-Key`: repeating a write names the same commands and changes nothing more."""

from __future__ import annotations

from typing import Any

import pytest

from tests.functional.api_helpers import ALICE, BOB, ApiHarness, install_api


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> ApiHarness:
    return install_api(monkeypatch)


def _keyed(key: str) -> dict[str, Any]:
    return {"headers": {"Idempotency-Key": key}}


def test_a_repeated_create_answers_the_same_album_and_command_and_creates_one(
    api: ApiHarness,
) -> None:
    # when: the same request twice, as a client does after a lost answer
    first = api.call("POST", "/albums", body={"title": "Trip"}, **_keyed("create-trip-1"))
    again = api.call("POST", "/albums", body={"title": "Trip"}, **_keyed("create-trip-1"))
    # then
    assert (first.status, again.status) == (202, 202)
    assert again.json["album_id"] == first.json["album_id"]
    assert again.json["command_ids"] == first.json["command_ids"]
    assert [album["title"] for album in api.call("GET", "/albums").json["items"]] == ["Trip"]
    assert len(api.log.history(str(ALICE["sub"]))) == 1


def test_a_repeat_of_a_finished_command_is_not_sent_again(api: ApiHarness) -> None:
    # given: the first request's command has run to its end
    photo_id = api.new_photo()
    api.call("POST", f"/photos/{photo_id}/tags", body={"tags": ["dog"]}, **_keyed("tag-dog"))
    sent = len(api.queue.sent)
    # when
    again = api.call(
        "POST", f"/photos/{photo_id}/tags", body={"tags": ["dog"]}, **_keyed("tag-dog")
    )
    # then: the answer names the first command; nothing was queued
    assert again.status == 202
    assert len(api.queue.sent) == sent
    assert api.log.get(again.json["command_id"]).status == "succeeded"


def test_a_repeat_of_a_queued_command_is_sent_again_under_the_same_id(api: ApiHarness) -> None:
    # given: the first request's command waits in the queue (or its send was lost)
    photo_id = api.new_photo()
    api.queue.execute = False
    first = api.call("POST", f"/photos/{photo_id}/restore", **_keyed("restore-1"))
    # when
    again = api.call("POST", f"/photos/{photo_id}/restore", **_keyed("restore-1"))
    # then: sent twice with one id (SQS FIFO drops the second by its deduplication id)
    ids = [str(envelope.command_id) for envelope in api.queue.sent[-2:]]
    assert ids == [first.json["command_id"]] * 2
    assert again.json["command_id"] == first.json["command_id"]


def test_one_request_of_several_commands_repeats_all_of_them(api: ApiHarness) -> None:
    album_id = api.new_album()
    body = {"title": "Iceland 2025", "description": "Ice"}

    first = api.call("PATCH", f"/albums/{album_id}", body=body, **_keyed("edit-1"))
    again = api.call("PATCH", f"/albums/{album_id}", body=body, **_keyed("edit-1"))

    assert len(first.json["command_ids"]) == 2
    assert again.json["command_ids"] == first.json["command_ids"]


def test_a_key_reused_for_a_different_request_is_refused_and_nothing_is_queued(
    api: ApiHarness,
) -> None:
    api.call("POST", "/albums", body={"title": "Trip"}, **_keyed("k-1"))
    sent = len(api.queue.sent)

    reused = api.call("POST", "/albums", body={"title": "Other trip"}, **_keyed("k-1"))

    assert reused.status == 422
    assert reused.error_code == "idempotency_key_reused"
    assert "CreateAlbum" in reused.json["error"]["message"]
    assert len(api.queue.sent) == sent
    titles = [album["title"] for album in api.call("GET", "/albums").json["items"]]
    assert titles == ["Trip"]


def test_the_same_key_from_two_people_makes_two_commands(api: ApiHarness) -> None:
    alices = api.call("POST", "/albums", body={"title": "Trip"}, **_keyed("shared-key"))
    bobs = api.call("POST", "/albums", body={"title": "Trip"}, as_=BOB, **_keyed("shared-key"))

    assert (alices.status, bobs.status) == (202, 202)
    assert alices.json["album_id"] != bobs.json["album_id"]
    assert alices.json["command_id"] != bobs.json["command_id"]


def test_without_a_key_each_request_is_a_new_command(api: ApiHarness) -> None:
    first = api.call("POST", "/albums", body={"title": "Trip"})
    again = api.call("POST", "/albums", body={"title": "Trip"})

    assert first.json["album_id"] != again.json["album_id"]
    assert len(api.call("GET", "/albums").json["items"]) == 2


@pytest.mark.parametrize("key", ["", "has space", "slash/inside", "x" * 129, "naïve"])
def test_a_malformed_key_is_refused_before_anything_is_queued(api: ApiHarness, key: str) -> None:
    response = api.call("POST", "/albums", body={"title": "Trip"}, **_keyed(key))

    assert response.status == 400
    assert response.error_code == "invalid_request"
    assert "Idempotency-Key" in response.json["error"]["message"]
    assert api.queue.sent == []


def test_a_repeated_upload_hands_out_the_same_photo_and_form(api: ApiHarness) -> None:
    body = {"filename": "beach.jpg", "content_type": "image/jpeg", "size": 2048}

    first = api.call("POST", "/uploads", body=body, **_keyed("upload-beach"))
    again = api.call("POST", "/uploads", body=body, **_keyed("upload-beach"))

    assert (first.status, again.status) == (201, 201)
    assert again.json["photo_id"] == first.json["photo_id"]
    assert again.json["command_id"] == first.json["command_id"]
    assert again.json["upload"]["fields"]["key"] == first.json["upload"]["fields"]["key"]


@pytest.mark.parametrize("shortcut", ["/me/undo", "/me/redo"])
def test_a_repeated_ctrl_z_or_ctrl_shift_z_acts_on_the_first_tries_target(
    api: ApiHarness, shortcut: str
) -> None:
    # given: two renames; for redo, both undone (newest first)
    album_id = api.new_album()
    for title in ("First", "Second"):
        api.call("PATCH", f"/albums/{album_id}", body={"title": title})
    if shortcut == "/me/redo":
        api.call("POST", "/me/undo")
        api.call("POST", "/me/undo")
    # when: the shortcut's request is repeated after its command ran
    first = api.call("POST", shortcut, **_keyed("shortcut-1"))
    again = api.call("POST", shortcut, **_keyed("shortcut-1"))
    # then: the same command, not a second one on the next target
    assert (first.status, again.status) == (202, 202)
    assert again.json["command_id"] == first.json["command_id"]
    assert again.json["target_command_id"] == first.json["target_command_id"]
    # undo took "Second" back; redo brought back "First", the rename undone last
    assert api.call("GET", f"/albums/{album_id}").json["title"] == "First"
