"""Hostile input over HTTP: oversized and deeply nested bodies, huge lists, odd names, markup.

- A body over 64 KiB answers 413 `payload_too_large` before anything parses it.
- JSON nested deeper than 32 levels answers 400 `invalid_json` (Python's parser
  would otherwise hit its recursion limit: a 500), at any depth up to the size
  limit.
- Tag lists over 50 tags, tags over 50 characters and batches over 100 photos
  answer 400 before reaching a queue.
- Control characters and path separators in a filename are stored replaced by
  `_` (the name is only ever shown; storage keys are built from ids). A title
  with control characters and a tag with `/` answer 400 with the domain's
  reason before reaching a queue.
- Markup in titles, captions and descriptions comes back as the same string, as
  JSON data. That the page shows it as text (no element, no script run) is the
  browser suite's: `tests/browser/story.py` (`retitle_twice_and_caption`, run
  by `test_a_new_user_signs_up_uploads_tags_undoes_redoes_and_shares`).
"""

from __future__ import annotations

import json
import unicodedata
import urllib.error
import urllib.request

import pytest

from domain import values
from tests.e2e.conftest import Reply, RunningStack
from tests.security.conftest import World, accepted, build_world

LIMIT = 64 * 1024
MARKUP = '<script>alert("x")</script><img src=x onerror="alert(1)"><b>bold</b>&amp;'


@pytest.fixture(scope="module")
def mine(stack: RunningStack) -> World:
    return build_world(stack)


def _raw(
    stack: RunningStack, method: str, path: str, body: str, user: str | None = "alice"
) -> Reply:
    """A request whose body is sent exactly as written (JSON or not)."""
    request = urllib.request.Request(f"{stack.api_url}{path}", data=body.encode(), method=method)
    request.add_header("Content-Type", "application/json")
    if user is not None:
        request.add_header("Authorization", stack.token(user))
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return Reply(response.status, dict(response.headers), response.read().decode())
    except urllib.error.HTTPError as error:
        return Reply(error.code, dict(error.headers), error.read().decode())


def _refused(reply: Reply, status: int, code: str) -> None:
    assert (reply.status, reply.error_code) == (status, code), reply.text[:300]
    assert reply.headers["Content-Type"].startswith("application/json")


# -- size ---------------------------------------------------------------------------------


@pytest.mark.parametrize("extra", [1, 1024 * 1024])
def test_a_body_over_64_kib_is_refused_with_413(
    stack: RunningStack, mine: World, extra: int
) -> None:
    body = json.dumps({"caption": "x" * (LIMIT + extra)})
    reply = _raw(stack, "PATCH", f"/photos/{mine.photo}", body)
    _refused(reply, 413, "payload_too_large")
    assert reply.body["error"]["details"]["limit_bytes"] == LIMIT


def test_a_body_of_exactly_64_kib_is_read_and_judged_on_its_content(
    stack: RunningStack, mine: World
) -> None:
    padding = LIMIT - len(json.dumps({"caption": ""}))
    body = json.dumps({"caption": "x" * padding})
    assert len(body.encode()) == LIMIT
    _refused(_raw(stack, "PATCH", f"/photos/{mine.photo}", body), 400, "invalid_request")


def test_an_anonymous_oversized_body_is_refused_as_anonymous_first(
    stack: RunningStack, mine: World
) -> None:
    body = json.dumps({"title": "x" * (2 * LIMIT)})
    _refused(_raw(stack, "POST", "/albums", body, user=None), 401, "unauthorized")


# -- nesting ------------------------------------------------------------------------------


def _nested(depth: int, leaf: str = "1") -> str:
    return "[" * depth + leaf + "]" * depth


@pytest.mark.parametrize("depth", [33, 1_000, 5_000, 32_000])
@pytest.mark.parametrize(
    "shape",
    [
        "{nested}",
        '{{"title": {nested}}}',
        '{{"tags": {nested}}}',
    ],
)
def test_deeply_nested_json_is_refused_with_400(
    stack: RunningStack, mine: World, depth: int, shape: str
) -> None:
    body = shape.format(nested=_nested(depth))
    assert len(body.encode()) <= LIMIT
    reply = _raw(stack, "POST", f"/photos/{mine.photo}/tags", body)
    _refused(reply, 400, "invalid_json")


def test_nested_objects_are_counted_like_nested_arrays(stack: RunningStack) -> None:
    body = '{"a":' * 5_000 + "1" + "}" * 5_000
    _refused(_raw(stack, "POST", "/albums", body), 400, "invalid_json")


def test_brackets_inside_strings_do_not_count_as_nesting(stack: RunningStack) -> None:
    title = "[[{{" * 20 + '\\"' + "]]" * 10  # 80 open brackets, an escaped quote
    reply = _raw(stack, "POST", "/albums", f'{{"title": "{title}"}}')
    assert reply.status == 202, reply.text


def test_nesting_within_the_limit_is_judged_by_the_schema(stack: RunningStack) -> None:
    body = json.dumps({"title": json.loads(_nested(30))})
    _refused(_raw(stack, "POST", "/albums", body), 400, "invalid_request")


# -- lists --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "tags",
    [
        [f"tag{n}" for n in range(51)],
        [f"t{n}" for n in range(5_000)],
        ["x" * (values.TAG_MAX + 1)],
        [],
        [""],
    ],
    ids=["51 tags", "5,000 tags", "a 51-character tag", "no tag", "an empty tag"],
)
def test_tag_lists_past_the_limits_are_refused_with_400(
    stack: RunningStack, mine: World, tags: list[str]
) -> None:
    reply = stack.call("POST", f"/photos/{mine.photo}/tags", "alice", {"tags": tags})
    _refused(reply, 400, "invalid_request")


def test_a_batch_of_more_than_100_photos_is_refused_with_400(stack: RunningStack) -> None:
    photo_ids = [f"00000000-0000-4000-8000-{n:012d}" for n in range(101)]
    for path, body in (
        ("/batch/tags", {"photo_ids": photo_ids, "tags": ["sea"]}),
        ("/batch/reprocess", {"photo_ids": photo_ids}),
    ):
        _refused(stack.call("POST", path, "alice", body), 400, "invalid_request")


# -- names --------------------------------------------------------------------------------

HOSTILE_FILENAMES = [
    "../../../etc/passwd",
    "..\\..\\windows\\system32\\config.jpg",
    "/absolute/path.jpg",
    "new\nline\r\ttab.jpg",
    "nul\x00byte\x1bescape\x7fdel.jpg",
    "originals/someone-else/photo.jpg",
]


def _no_control_or_separator(text: str) -> bool:
    return not any(unicodedata.category(ch) == "Cc" or ch in "/\\" for ch in text)


@pytest.mark.parametrize("filename", HOSTILE_FILENAMES)
def test_a_hostile_filename_is_stored_with_replacements_and_never_names_a_key(
    stack: RunningStack, mine: World, filename: str
) -> None:
    # when
    started = stack.call(
        "POST",
        "/uploads",
        "alice",
        {"filename": filename, "content_type": "image/jpeg", "size": 1234},
    )
    # then: the storage key is built from the owner's and the photo's ids alone
    body = accepted(started)
    photo_id = body["photo_id"]
    assert body["upload"]["fields"]["key"] == f"originals/{stack.sub('alice')}/{photo_id}"
    # and the name is shown with its separators and control characters replaced
    assert stack.wait_projected(body["command_id"])["status"] == "succeeded"
    photo = stack.call("GET", f"/photos/{photo_id}", "alice").body
    assert photo["filename"] == values.filename(filename)
    assert _no_control_or_separator(photo["filename"])
    assert _no_control_or_separator(photo["title"])


@pytest.mark.parametrize("title", ["Ice\x00land", "Ice\x1b[2Jland", "Ice\rland"])
def test_a_title_with_control_characters_never_becomes_a_title(
    stack: RunningStack, mine: World, title: str
) -> None:
    before = stack.call("GET", f"/albums/{mine.album}", "alice").body["title"]
    reply = stack.call("PATCH", f"/albums/{mine.album}", "alice", {"title": title})
    _refused(reply, 400, "invalid_request")
    [problem] = reply.body["error"]["details"]["problems"]
    assert problem["message"] == "A title cannot contain control characters.", problem
    assert stack.call("GET", f"/albums/{mine.album}", "alice").body["title"] == before


def test_a_tag_with_a_path_separator_is_never_stored(stack: RunningStack, mine: World) -> None:
    reply = stack.call("POST", f"/photos/{mine.photo}/tags", "alice", {"tags": ["a/b"]})
    _refused(reply, 400, "invalid_request")
    assert "a/b" not in stack.call("GET", f"/photos/{mine.photo}", "alice").body["tags"]


# -- markup -------------------------------------------------------------------------------


def test_markup_in_text_fields_comes_back_as_the_same_string_in_json(
    stack: RunningStack, mine: World
) -> None:
    # given: markup in a photo's title and caption, and in the album's description
    commands = [
        stack.call("PATCH", f"/photos/{mine.photo}", "alice", {"title": MARKUP, "caption": MARKUP}),
        stack.call("PATCH", f"/albums/{mine.album}", "alice", {"description": MARKUP}),
    ]
    for reply in commands:
        for command_id in accepted(reply)["command_ids"]:
            assert stack.wait_projected(command_id)["status"] == "succeeded"

    # then: the owner and the public link return it unchanged, as JSON data
    photo = stack.call("GET", f"/photos/{mine.photo}", "alice")
    album = stack.call("GET", f"/albums/{mine.album}", "alice")
    shared = stack.call("GET", f"/shared/{mine.token}")
    for reply in (photo, album, shared):
        assert reply.status == 200, reply.text
        assert reply.headers["Content-Type"].startswith("application/json")
    assert (photo.body["title"], photo.body["caption"]) == (MARKUP, MARKUP)
    assert album.body["description"] == MARKUP
    assert [p["caption"] for p in shared.body["photos"]] == [MARKUP]
