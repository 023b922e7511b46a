"""Titles, texts, tags and filenames the domain refuses are refused by the API itself.

A refused value answers 400 `invalid_request` naming the field with the
domain's message, and nothing is recorded in the command log or queued. A
value at the domain's limits goes through and the worker accepts it.
"""

from __future__ import annotations

from typing import Any

import pytest

from domain.values import FILENAME_MAX, TAG_MAX, TAGS_PER_PHOTO_MAX, TEXT_MAX, TITLE_MAX
from tests.functional.api_helpers import ALICE, SUPPORT, ApiHarness, install_api


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> ApiHarness:
    return install_api(monkeypatch)


def _tags(count: int) -> list[str]:
    return [f"tag{number}" for number in range(count)]


UPLOAD = {"content_type": "image/jpeg", "size": 1234}

REFUSED = [
    pytest.param(
        "POST",
        "/albums",
        {"title": "x" * (TITLE_MAX + 1)},
        "body.title",
        "A title must be 1 to 200 characters long (got 201).",
        id="an over-long album title",
    ),
    pytest.param(
        "PATCH",
        "/albums/{album}",
        {"title": "Ice\x07land"},
        "body.title",
        "A title cannot contain control characters.",
        id="a control character in an album title",
    ),
    pytest.param(
        "PATCH",
        "/photos/{photo}",
        {"title": "Ice\x1b[2Jland"},
        "body.title",
        "A title cannot contain control characters.",
        id="a control character in a photo title",
    ),
    pytest.param(
        "PATCH",
        "/photos/{photo}",
        {"title": "   "},
        "body.title",
        "A title must be 1 to 200 characters long (got 0).",
        id="a blank photo title",
    ),
    pytest.param(
        "PATCH",
        "/albums/{album}",
        {"description": "x" * (TEXT_MAX + 1)},
        "body.description",
        "A description must be at most 2000 characters long (got 2001).",
        id="an over-long description",
    ),
    pytest.param(
        "PATCH",
        "/photos/{photo}",
        {"title": "Fine", "caption": "cold\x00morning"},
        "body.caption",
        "A caption cannot contain control characters.",
        id="a control character in a caption beside a good title",
    ),
    pytest.param(
        "POST",
        "/photos/{photo}/tags",
        {"tags": ["sea", "x" * (TAG_MAX + 1)]},
        "body.tags",
        f"A tag must be 1 to 50 characters long (got 51 for '{'x' * 51}').",
        id="an over-long tag",
    ),
    pytest.param(
        "POST",
        "/photos/{photo}/tags",
        {"tags": _tags(TAGS_PER_PHOTO_MAX + 1)},
        "body.tags",
        "A photo can have at most 50 tags (this would make 51).",
        id="too many tags",
    ),
    pytest.param(
        "POST",
        "/photos/{photo}/tags",
        {"tags": ["a/b"]},
        "body.tags",
        "A tag cannot contain control characters or '/'.",
        id="a tag with a slash",
    ),
    pytest.param(
        "POST",
        "/batch/tags",
        {"photo_ids": ["{photo}"], "tags": _tags(TAGS_PER_PHOTO_MAX + 1)},
        "body.tags",
        "A photo can have at most 50 tags (this would make 51).",
        id="too many tags in a batch",
    ),
    pytest.param(
        "POST",
        "/uploads",
        {**UPLOAD, "filename": "x" * (FILENAME_MAX - 3) + ".jpg"},
        "body.filename",
        "A filename must be 1 to 255 characters long.",
        id="an over-long filename",
    ),
]


def _filled(value: Any, ids: dict[str, str]) -> Any:
    """The body with "{album}" and "{photo}" replaced by the ids of this test's album and photo."""
    if isinstance(value, dict):
        return {name: _filled(item, ids) for name, item in value.items()}
    if isinstance(value, list):
        return [_filled(item, ids) for item in value]
    return value.format(**ids) if value in ("{album}", "{photo}") else value


@pytest.mark.parametrize(("method", "path", "body", "field", "message"), REFUSED)
def test_a_value_the_domain_refuses_is_400_with_its_message_and_nothing_is_recorded_or_queued(
    api: ApiHarness, method: str, path: str, body: dict[str, Any], field: str, message: str
) -> None:
    # given
    ids = {"album": api.new_album(title="Trip"), "photo": api.new_photo(filename="sea.jpg")}
    logged, sent = api.log.history("alice"), list(api.queue.sent)
    before = {
        "album": api.call("GET", f"/albums/{ids['album']}").json,
        "photo": api.call("GET", f"/photos/{ids['photo']}").json,
    }
    # when
    response = api.call(method, path.format(**ids), body=_filled(body, ids))
    # then
    assert (response.status, response.error_code) == (400, "invalid_request"), response.text
    assert response.headers["Content-Type"] == "application/json"
    problems = response.json["error"]["details"]["problems"]
    assert [(p["field"], p["message"]) for p in problems] == [(field, message)]
    # the domain's message is the message itself, so a page showing only that says what to
    # fix; the field's path is in the details only
    assert response.json["error"]["message"] == message
    assert field not in response.json["error"]["message"]
    assert api.log.history("alice") == logged
    assert api.queue.sent == sent
    assert api.call("GET", f"/albums/{ids['album']}").json == before["album"]
    assert api.call("GET", f"/photos/{ids['photo']}").json == before["photo"]


def test_untagging_a_tag_no_photo_can_have_is_400_and_nothing_is_queued(api: ApiHarness) -> None:
    photo_id = api.new_photo()
    logged, sent = api.log.history("alice"), list(api.queue.sent)

    too_long = api.call("DELETE", f"/photos/{photo_id}/tags/{'x' * (TAG_MAX + 1)}")
    slashed = api.call("DELETE", f"/photos/{photo_id}/tags/a%2Fb")

    for response in (too_long, slashed):
        assert (response.status, response.error_code) == (400, "invalid_request")
        [problem] = response.json["error"]["details"]["problems"]
        assert problem["field"] == "command.UntagPhoto.tags"
    assert api.log.history("alice") == logged
    assert api.queue.sent == sent


def test_a_revert_reason_longer_than_a_text_is_400(api: ApiHarness) -> None:
    album_id = api.new_album(title="Trip")
    rename = api.given(ALICE, {"type": "RenameAlbum", "album_id": album_id, "title": "Iceland"})
    sent = list(api.queue.sent)

    response = api.call(
        "POST",
        f"/commands/{rename.command_id}/undo",
        as_=SUPPORT,
        body={"reason": "x" * (TEXT_MAX + 1)},
    )

    assert (response.status, response.error_code) == (400, "invalid_request")
    assert api.queue.sent == sent


def test_values_at_the_domains_limits_are_accepted_and_the_worker_applies_them(
    api: ApiHarness,
) -> None:
    album_id = api.new_album()
    longest_tags = [f"{n:02d}".ljust(TAG_MAX, "x") for n in range(TAGS_PER_PHOTO_MAX)]
    filename = "x" * (FILENAME_MAX - 4) + ".jpg"

    replies = [
        api.call("PATCH", f"/albums/{album_id}", body={"title": "t" * TITLE_MAX}),
        api.call("PATCH", f"/albums/{album_id}", body={"description": "d\n" * (TEXT_MAX // 2)}),
        api.call("POST", "/uploads", body={**UPLOAD, "filename": filename}),
    ]
    photo_id = replies[-1].json["photo_id"]
    replies += [
        api.call("PATCH", f"/photos/{photo_id}", body={"caption": "c\t" * (TEXT_MAX // 2)}),
        api.call("POST", f"/photos/{photo_id}/tags", body={"tags": longest_tags}),
    ]

    for reply in replies:
        assert reply.status in (201, 202), reply.text
        for command_id in reply.json.get("command_ids") or [reply.json["command_id"]]:
            assert api.call("GET", f"/commands/{command_id}").json["status"] == "succeeded"
    album = api.call("GET", f"/albums/{album_id}").json
    photo = api.call("GET", f"/photos/{photo_id}").json
    assert album["title"] == "t" * TITLE_MAX
    assert photo["filename"] == filename
    assert photo["tags"] == longest_tags


def test_the_command_log_keeps_the_value_as_the_domain_stores_it(api: ApiHarness) -> None:
    photo_id = api.new_photo()

    retitled = api.call("PATCH", f"/photos/{photo_id}", body={"title": "  Glacier  "}).json
    tagged = api.call(
        "POST", f"/photos/{photo_id}/tags", body={"tags": [" New   York ", "SEA", "sea"]}
    ).json

    retitle = api.log.get(retitled["command_id"])
    tag = api.log.get(tagged["command_id"])
    assert retitle is not None and retitle.payload["title"] == "Glacier"
    assert tag is not None and tag.payload["tags"] == ["new york", "sea"]
    photo = api.call("GET", f"/photos/{photo_id}").json
    assert (photo["title"], photo["tags"]) == ("Glacier", ["new york", "sea"])
