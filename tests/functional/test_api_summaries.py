"""Sentences on every record, history that says what can be undone, undo and redo that
say what they act on, the redo chain, and validation messages people can act on."""

from __future__ import annotations

import csv
import io
import re

import pytest

from api.export import parse_jsonl
from tests.functional.api_helpers import ALICE, AUDITOR, BOB, SUPPORT, ApiHarness, install_api

ALICE_NAMED = {**ALICE, "name": "Alice Liddell"}
SAM_NAMED = {**SUPPORT, "name": "Sam Support"}
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> ApiHarness:
    return install_api(monkeypatch)


def _rename(api: ApiHarness, album_id: str, title: str) -> dict[str, str]:
    response = api.call("PATCH", f"/albums/{album_id}", as_=ALICE_NAMED, body={"title": title})
    assert response.status == 202, response.text
    return dict(response.json)


# -- summaries on records ----------------------------------------------------------------


def test_a_finished_command_carries_the_summary_the_worker_wrote(api: ApiHarness) -> None:
    album_id = api.new_album(ALICE_NAMED, title="Paris")

    rename = _rename(api, album_id, "Paris 2024")
    status = api.call("GET", rename["location"]).json

    assert status["summary"] == 'Alice Liddell renamed the album "Paris" to "Paris 2024"'
    assert api.log.get(rename["command_id"]).summary == status["summary"]  # type: ignore[union-attr]


def test_a_queued_command_is_summarized_from_its_payload(api: ApiHarness) -> None:
    album_id = api.new_album(ALICE_NAMED, title="Paris")
    api.queue.execute = False

    rename = _rename(api, album_id, "Paris 2024")
    status = api.call("GET", rename["location"]).json
    activity = api.call("GET", "/me/activity").json["items"]

    assert status["status"] == "accepted"
    assert status["summary"] == 'Alice Liddell asked to rename the album to "Paris 2024"'
    assert activity[0]["summary"] == status["summary"]


def test_a_refused_command_says_why_in_words(api: ApiHarness) -> None:
    album_id = api.new_album(ALICE_NAMED, title="Paris")

    refused = api.call("DELETE", f"/albums/{album_id}/share", as_=ALICE_NAMED).json
    status = api.call("GET", refused["location"]).json

    assert status["status"] == "rejected"
    assert status["summary"] == (
        "Alice Liddell's unsharing of the album \"Paris\" was refused: album 'Paris' is not shared"
    )


def test_audit_rows_and_both_exports_carry_the_summary(api: ApiHarness) -> None:
    album_id = api.new_album(ALICE_NAMED, title="Paris")
    _rename(api, album_id, "Paris 2024")
    expected = 'Alice Liddell renamed the album "Paris" to "Paris 2024"'

    rows = api.call("GET", "/audit/commands", as_=AUDITOR).json["items"]
    jsonl = api.call("GET", "/audit/export", as_=AUDITOR, query={"format": "jsonl"}).text
    csv_text = api.call("GET", "/audit/export", as_=AUDITOR, query={"format": "csv"}).text

    assert rows[0]["summary"] == expected
    assert parse_jsonl(jsonl)[0].summary == expected
    exported = list(csv.DictReader(io.StringIO(csv_text)))
    assert exported[0]["summary"] == expected
    assert {row["summary"] for row in exported} == {
        expected,
        'Alice Liddell created the album "Paris"',
    }


# -- history -----------------------------------------------------------------------------


def test_history_entries_say_what_happened_and_whether_undo_or_redo_applies(
    api: ApiHarness,
) -> None:
    # given: a creation, a rename undone by support, and a rename still in effect
    album_id = api.new_album(ALICE_NAMED, title="Paris")
    first = _rename(api, album_id, "Paris 2024")
    undo = api.call(
        "POST",
        f"/commands/{first['command_id']}/undo",
        as_=SAM_NAMED,
        body={"reason": "customer asked"},
    )
    assert undo.status == 202, undo.text
    # when
    entries = api.call("GET", f"/albums/{album_id}/history", as_=ALICE_NAMED).json["entries"]
    # then
    assert [entry["summary"] for entry in entries] == [
        'Alice Liddell created the album "Paris"',
        'Alice Liddell renamed the album "Paris" to "Paris 2024"',
        'Sam Support (support) undid Alice Liddell\'s rename of the album "Paris" to '
        '"Paris 2024": "customer asked"',
    ]
    flags = [(e["can_undo"], e["can_redo"], e["cannot_undo_reason"]) for e in entries]
    assert flags[0] == (True, False, None)
    assert flags[1][:2] == (False, True)
    assert "redo" in str(flags[1][2])
    assert flags[2][:2] == (False, False)
    assert "This is an undo" in str(flags[2][2])
    assert not any(_UUID.search(entry["summary"]) for entry in entries)


def test_an_entry_a_later_change_stands_in_the_way_of_says_so(api: ApiHarness) -> None:
    album_id = api.new_album(ALICE_NAMED, title="Paris")
    _rename(api, album_id, "Paris 2024")
    _rename(api, album_id, "Paris in spring")

    entries = api.call("GET", f"/albums/{album_id}/history", as_=ALICE_NAMED).json["entries"]

    # the first rename is behind the second; the creation (existence) is not
    assert [entry["can_undo"] for entry in entries] == [True, False, True]
    assert entries[1]["cannot_undo_reason"] == (
        "This cannot be undone while a later change stands: Alice Liddell renamed the album "
        '"Paris 2024" to "Paris in spring". Undo that first.'
    )


def test_the_pipelines_results_cannot_be_undone_and_say_why(api: ApiHarness) -> None:
    photo_id = api.new_photo(ALICE_NAMED, filename="IMG_0001.jpg")
    pipeline = {"sub": "image-pipeline", "cognito:username": "retake", "cognito:groups": ["system"]}
    api.given(
        {**pipeline, "name": "Retake (image processing)"},
        {"type": "AttachProcessing", "photo_id": photo_id, "width": 4000, "height": 3000,
         "format": "JPEG"},
    )  # fmt: skip

    entries = api.call("GET", f"/photos/{photo_id}/history", as_=ALICE_NAMED).json["entries"]

    assert entries[0]["summary"] == "Alice Liddell uploaded IMG_0001.jpg"
    processed = "Retake finished processing IMG_0001.jpg (4000 × 3000)"  # noqa: RUF001
    assert entries[1]["summary"] == processed
    assert (entries[1]["can_undo"], entries[1]["can_redo"]) == (False, False)
    assert "image pipeline" in entries[1]["cannot_undo_reason"]


# -- previews, the redo chain and the 202 --------------------------------------------------


def test_me_undo_and_redo_preview_what_the_buttons_would_act_on(api: ApiHarness) -> None:
    album_id = api.new_album(ALICE_NAMED, title="Paris")
    rename = _rename(api, album_id, "Paris 2024")
    sent = len(api.queue.sent)

    undo_preview = api.call("GET", "/me/undo", as_=ALICE_NAMED)
    nothing = api.call("GET", "/me/redo", as_=ALICE_NAMED)

    assert undo_preview.status == 200
    assert undo_preview.json["command"]["command_id"] == rename["command_id"]
    assert undo_preview.json["summary"] == 'Alice Liddell renamed the album "Paris" to "Paris 2024"'
    assert undo_preview.json["command"]["actor"]["name"] == "Alice Liddell"
    assert undo_preview.json["label"] == 'rename of "Paris 2024"'
    assert (nothing.status, nothing.error_code) == (409, "nothing_to_redo")
    assert len(api.queue.sent) == sent  # a preview queues nothing

    undone = api.call("POST", "/me/undo", as_=ALICE_NAMED)
    redo_preview = api.call("GET", "/me/redo", as_=ALICE_NAMED).json

    assert undone.json["summary"] == undo_preview.json["summary"]
    assert undone.json["target_command_id"] == rename["command_id"]
    assert redo_preview["command"]["command_id"] == rename["command_id"]
    # Once undone, the album is "Paris" again: Redo names what it would bring back.
    assert redo_preview["label"] == 'rename of "Paris" to "Paris 2024"'
    assert api.call("GET", "/me/undo", as_=BOB).error_code == "nothing_to_undo"


def test_a_new_change_after_an_undo_ends_the_redo_chain_but_not_selective_redo(
    api: ApiHarness,
) -> None:
    # given: a rename undone, then an unrelated new change
    album_id = api.new_album(ALICE_NAMED, title="Paris")
    rename = _rename(api, album_id, "Paris 2024")
    assert api.call("POST", "/me/undo", as_=ALICE_NAMED).status == 202
    assert api.call("GET", "/me/redo", as_=ALICE_NAMED).status == 200
    api.call("PATCH", f"/albums/{album_id}", as_=ALICE_NAMED, body={"description": "Spring"})
    # when
    preview = api.call("GET", "/me/redo", as_=ALICE_NAMED)
    pressed = api.call("POST", "/me/redo", as_=ALICE_NAMED)
    selective = api.call("POST", f"/commands/{rename['command_id']}/redo", as_=ALICE_NAMED)
    # then
    assert (preview.status, preview.error_code) == (409, "nothing_to_redo")
    assert (pressed.status, pressed.error_code) == (409, "nothing_to_redo")
    assert selective.status == 202
    assert api.call("GET", f"/albums/{album_id}").json["title"] == "Paris 2024"


def test_a_rejected_new_change_does_not_end_the_redo_chain(api: ApiHarness) -> None:
    album_id = api.new_album(ALICE_NAMED, title="Paris")
    _rename(api, album_id, "Paris 2024")
    api.call("POST", "/me/undo", as_=ALICE_NAMED)

    api.call("DELETE", f"/albums/{album_id}/share", as_=ALICE_NAMED)  # refused: not shared

    assert api.call("GET", "/me/redo", as_=ALICE_NAMED).status == 200


# -- validation messages -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message", "field"),
    [
        ({"filename": "a.jpg", "content_type": "image/jpeg", "size": 0},
         "Give a size of at least 1 byte.", "body.size"),
        ({"filename": "a.jpg", "content_type": "image/jpeg"}, "Give the size.", "body.size"),
        ({"filename": "a.jpg", "content_type": "", "size": 5},
         "Give the file type; it cannot be empty.", "body.content_type"),
        ({"filename": "a.jpg", "content_type": "image/jpeg", "size": 5, "album_id": "nope"},
         "That album is not one Retake knows; pick it again.", "body.album_id"),
        ({"filename": "a.jpg", "content_type": "image/jpeg", "size": 5, "colour": "red"},
         'This request does not take "colour"; leave it out.', "body.colour"),
    ],
)  # fmt: skip
def test_a_validation_error_is_a_sentence_and_the_field_path_stays_in_the_details(
    api: ApiHarness, body: dict[str, object], message: str, field: str
) -> None:
    response = api.call("POST", "/uploads", body=body)

    assert (response.status, response.error_code) == (400, "invalid_request"), response.text
    assert response.json["error"]["message"] == message
    assert [p["field"] for p in response.json["error"]["details"]["problems"]] == [field]


def test_several_problems_are_said_one_sentence_each(api: ApiHarness) -> None:
    response = api.call("POST", "/uploads", body={"size": -1})

    message = response.json["error"]["message"]
    assert "Give the filename." in message
    assert "Give the file type." in message
    assert "Give a size of at least 1 byte." in message
    assert "body." not in message
