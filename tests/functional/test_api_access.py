"""Who may do what: every contract path, for every role, with the status it answers.

Alice owns an album (shared by link) with one tagged photo in it, and renamed
the album once. Bob is another gallery user, Audrey an auditor, Sam support.
Another user's private resource answers 404, never 403, so it is not revealed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.functional.api_helpers import ALICE, AUDITOR, BOB, SUPPORT, ApiHarness, install_api

ROLES = {"anonymous": None, "owner": ALICE, "other": BOB, "auditor": AUDITOR, "support": SUPPORT}

# Expected status per role, in the order of ROLES.
READ = (401, 200, 404, 200, 200)
WRITE = (401, 202, 404, 403, 403)
OWN_LISTING = (401, 200, 200, 200, 200)
AUDIT = (401, 403, 403, 200, 200)
PUBLIC = (200, 200, 200, 200, 200)
REVERT = (401, 202, 404, 403, 400)  # support must give a reason for someone else's command
REVERT_WITH_REASON = (401, 202, 404, 403, 202)
REASON = {"body": {"reason": "ticket 42"}}
UPLOAD = {"filename": "IMG_1.jpg", "content_type": "image/jpeg", "size": 1234}

TABLE: list[tuple[str, str, dict[str, Any], tuple[int, ...]]] = [
    # albums
    ("POST", "/albums", {"body": {"title": "New"}}, (401, 202, 202, 403, 202)),
    ("PATCH", "/albums/{album}", {"body": {"title": "Renamed"}}, WRITE),
    ("DELETE", "/albums/{album}", {}, WRITE),
    ("POST", "/albums/{album}/share", {}, WRITE),
    ("DELETE", "/albums/{album}/share", {}, WRITE),
    ("GET", "/albums", {}, OWN_LISTING),
    ("GET", "/albums", {"query": {"owner": "alice"}}, (401, 200, 404, 200, 200)),
    ("GET", "/albums/{album}", {}, READ),
    ("GET", "/shared/{token}", {}, PUBLIC),
    # photos
    ("PATCH", "/photos/{photo}", {"body": {"title": "Glacier", "caption": "Cold"}}, WRITE),
    ("PUT", "/photos/{photo}/album", {"body": {"album_id": None}}, WRITE),
    ("POST", "/photos/{photo}/tags", {"body": {"tags": ["ice"]}}, WRITE),
    ("DELETE", "/photos/{photo}/tags/sea", {}, WRITE),
    ("DELETE", "/photos/{photo}", {}, WRITE),
    ("POST", "/photos/{photo}/restore", {}, WRITE),
    ("GET", "/photos/{photo}", {}, READ),
    ("GET", "/photos", {}, OWN_LISTING),
    ("GET", "/photos", {"query": {"album_id": "{album}"}}, READ),
    ("GET", "/photos", {"query": {"tag": "sea", "trashed": "true"}}, OWN_LISTING),
    ("POST", "/batch/tags", {"body": {"photo_ids": ["{photo}"], "tags": ["ice"]}}, WRITE),
    ("POST", "/photos/{photo}/reprocess", {}, WRITE),
    ("POST", "/batch/reprocess", {"body": {"photo_ids": ["{photo}"]}}, WRITE),
    ("POST", "/uploads", {"body": UPLOAD}, (401, 201, 201, 403, 201)),
    ("POST", "/uploads", {"body": {**UPLOAD, "album_id": "{album}"}}, (401, 201, 404, 403, 403)),
    # commands
    ("GET", "/commands/{command}", {}, READ),
    ("POST", "/commands/{command}/undo", {}, REVERT),
    ("POST", "/commands/{command}/undo", REASON, REVERT_WITH_REASON),
    ("POST", "/commands/{command}/redo", {}, REVERT),
    ("POST", "/commands/{command}/redo", REASON, REVERT_WITH_REASON),
    ("POST", "/me/undo", {}, (401, 202, 409, 403, 409)),
    ("POST", "/me/redo", {}, (401, 409, 409, 403, 409)),
    ("GET", "/me/undo", {}, (401, 200, 409, 403, 409)),
    ("GET", "/me/redo", {}, (401, 409, 409, 403, 409)),
    ("GET", "/me/activity", {}, OWN_LISTING),
    # people
    ("GET", "/me", {}, OWN_LISTING),
    ("PATCH", "/me", {"body": {"display_name": "New Name"}}, (401, 202, 202, 403, 202)),
    ("GET", "/people", {"query": {"q": "ali"}}, (401, 404, 404, 200, 200)),
    # history and audit
    ("GET", "/photos/{photo}/history", {}, READ),
    ("GET", "/albums/{album}/history", {}, READ),
    ("GET", "/albums/{album}", {"query": {"as_of": "{now}"}}, READ),
    ("GET", "/photos/{photo}", {"query": {"as_of": "{now}"}}, READ),
    ("GET", "/audit/commands", {}, AUDIT),
    ("GET", "/audit/commands", {"query": {"actor": "alice", "status": "succeeded"}}, AUDIT),
    ("GET", "/audit/export", {"query": {"format": "csv"}}, AUDIT),
    ("GET", "/audit/export", {"query": {"format": "jsonl"}}, AUDIT),
    ("POST", "/audit/verify", {}, AUDIT),
    ("POST", "/audit/verify", {"body": {"stream_id": "{album}"}}, AUDIT),
    # the service
    ("GET", "/health", {}, PUBLIC),
    ("GET", "/openapi.json", {}, PUBLIC),
    ("GET", "/docs", {}, PUBLIC),
]  # fmt: skip

CASES = [
    pytest.param(method, path, request, role, statuses[index], id=f"{method} {path} {role} #{row}")
    for row, (method, path, request, statuses) in enumerate(TABLE)
    for index, role in enumerate(ROLES)
]


def alices_world(api: ApiHarness) -> dict[str, str]:
    """Alice's shared album with a tagged photo in it, and her rename of the album."""
    album = api.new_album(title="Iceland")
    photo = api.new_photo(album_id=album)
    api.given(ALICE, {"type": "TagPhoto", "photo_id": photo, "tags": ["sea"]})
    api.given(ALICE, {"type": "ShareAlbum", "album_id": album})
    renamed = api.given(ALICE, {"type": "RenameAlbum", "album_id": album, "title": "Ísland"})
    view = api.read_models.get_album(album)
    assert view is not None and view.share_token
    return {
        "album": album,
        "photo": photo,
        "token": view.share_token,
        "command": renamed.command_id,
        "now": datetime.now(UTC).isoformat(),
    }


def _fill(value: Any, world: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**world)
    if isinstance(value, list):
        return [_fill(item, world) for item in value]
    if isinstance(value, dict):
        return {key: _fill(item, world) for key, item in value.items()}
    return value


@pytest.mark.parametrize(("method", "path", "request_", "role", "expected"), CASES)
def test_every_path_answers_every_role_as_the_contract_says(
    monkeypatch: pytest.MonkeyPatch,
    method: str,
    path: str,
    request_: dict[str, Any],
    role: str,
    expected: int,
) -> None:
    # given
    api = install_api(monkeypatch)
    world = alices_world(api)
    sent_before = len(api.queue.sent)
    # when
    response = api.call(method, _fill(path, world), as_=ROLES[role], **_fill(request_, world))
    # then
    assert response.status == expected, response.text
    if expected >= 400:
        assert response.json["error"]["code"]
    queued = len(api.queue.sent) - sent_before
    assert (queued > 0) == (expected in (201, 202)), "only an accepted write reaches the queue"
