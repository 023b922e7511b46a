"""What the fuzzing found, each pinned in-process (fast, no stack) so it stays fixed.

1. A body that is not UTF-8 (API Gateway hands it over base64-encoded) made
   Powertools fail decoding it: 500. Now 400 `invalid_json`, before routing.
2. A path id that is not a UUID answers 400 `invalid_request` (the request
   validation), but eight operations did not document 400. Now they do.
3. JSON nested about 1,000 deep (4 KB of brackets) made Python's parser hit its
   recursion limit: 500. Now anything deeper than 32 levels is 400
   `invalid_json`, counted before parsing.
4. A malformed `Idempotency-Key` answers 400 `invalid_request`, but `/me/undo`
   and `/me/redo` (no body, no path id) did not document 400. Now they do.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from api.app import MAX_JSON_DEPTH, app, handle, json_depth
from tests.functional.api_helpers import ALICE, ApiResponse, _response, api_event, install_api
from tests.functional.conftest import FakeLambdaContext


def _raw(method: str, path: str, body: bytes) -> ApiResponse:
    event = api_event(
        method,
        path,
        claims=ALICE,
        raw_body=base64.b64encode(body).decode(),
        headers={"Content-Type": "application/json"},
    )
    event["isBase64Encoded"] = True
    return _response(handle(event, FakeLambdaContext()))


@pytest.mark.parametrize("body", [b"\xc3E", b"\xff", b'{"album_id": "\xff"}'])
def test_a_body_that_is_not_utf8_is_refused_as_invalid_json(
    monkeypatch: pytest.MonkeyPatch, body: bytes
) -> None:
    # given
    api = install_api(monkeypatch)
    photo = api.new_photo()
    sent = len(api.queue.sent)
    # when
    response = _raw("PUT", f"/photos/{photo}/album", body)
    # then
    assert (response.status, response.json["error"]["code"]) == (400, "invalid_json")
    assert len(api.queue.sent) == sent


def test_a_utf8_body_sent_base64_encoded_is_still_read(monkeypatch: pytest.MonkeyPatch) -> None:
    api = install_api(monkeypatch)
    photo = api.new_photo()
    response = _raw("PUT", f"/photos/{photo}/album", json.dumps({"album_id": None}).encode())
    assert response.status == 202, response.text


def _documented(method: str, path: str) -> dict[str, Any]:
    responses: dict[str, Any] = json.loads(app.get_openapi_json_schema())["paths"][path][
        method.lower()
    ]["responses"]
    return responses


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("DELETE", "/albums/{album_id}"),
        ("POST", "/albums/{album_id}/share"),
        ("DELETE", "/albums/{album_id}/share"),
        ("GET", "/albums/{album_id}/history"),
        ("DELETE", "/photos/{photo_id}"),
        ("POST", "/photos/{photo_id}/restore"),
        ("POST", "/photos/{photo_id}/reprocess"),
        ("GET", "/photos/{photo_id}/history"),
    ],
)
def test_an_id_that_is_not_a_uuid_answers_a_documented_400(
    monkeypatch: pytest.MonkeyPatch, method: str, path: str
) -> None:
    # given
    install_api(monkeypatch)
    # when
    response = _response(
        handle(api_event(method, path.replace("{album_id}", "LÂ").replace("{photo_id}", "LÂ"),
                         claims=ALICE), FakeLambdaContext())
    )  # fmt: skip
    # then
    assert (response.status, response.json["error"]["code"]) == (400, "invalid_request")
    assert "400" in _documented(method, path)


@pytest.mark.parametrize("path", ["/me/undo", "/me/redo", "/albums"])
def test_a_malformed_idempotency_key_answers_a_documented_400(
    monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    # given
    api = install_api(monkeypatch)
    # when
    event = api_event("POST", path, claims=ALICE, headers={"Idempotency-Key": "not a key!"})
    response = _response(handle(event, FakeLambdaContext()))
    # then
    assert (response.status, response.json["error"]["code"]) == (400, "invalid_request")
    assert "400" in _documented("POST", path)
    assert api.queue.sent == []


@pytest.mark.parametrize(
    "body",
    [
        "[" * 2000 + "]" * 2000,
        '{"title": ' + "[" * 2000 + "]" * 2000 + "}",
        '{"a":' * 2000 + "1" + "}" * 2000,
    ],
    ids=["arrays", "arrays in a field", "objects"],
)
def test_json_nested_deeper_than_the_parser_goes_is_refused_as_invalid_json(
    monkeypatch: pytest.MonkeyPatch, body: str
) -> None:
    api = install_api(monkeypatch)
    response = api.call(
        "POST", "/albums", raw_body=body, headers={"Content-Type": "application/json"}
    )
    assert (response.status, response.json["error"]["code"]) == (400, "invalid_json")
    assert response.json["error"]["details"]["max_depth"] == MAX_JSON_DEPTH
    assert api.queue.sent == []


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        ("", 0),
        ('{"title": "x"}', 1),
        ('{"photo_ids": ["a"], "tags": ["b"]}', 2),
        ('{"title": "[[[{{{"}', 1),
        ('{"title": "a \\" [[[ \\"", "t": [[]]}', 3),
        ('["a\\\\", ["]"]]', 2),
        ("[" * 33 + "]" * 33, 33),
    ],
)
def test_json_depth_counts_brackets_outside_strings(text: str, depth: int) -> None:
    assert json_depth(text) == depth
