"""Audit search, export and verification; the API's documents, health, CORS and identity."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from api.export import parse_csv, parse_jsonl, to_csv
from api.identity import identity_from_claims, parse_groups
from commands.command_log import CommandRecord
from tests.functional.api_helpers import ALICE, AUDITOR, BOB, SUPPORT, ApiHarness, install_api

CONTRACT_PATHS = {
    "/albums": {"get", "post"},
    "/albums/{album_id}": {"get", "patch", "delete"},
    "/albums/{album_id}/share": {"post", "delete"},
    "/albums/{album_id}/history": {"get"},
    "/shared/{token}": {"get"},
    "/photos": {"get"},
    "/photos/{photo_id}": {"get", "patch", "delete"},
    "/photos/{photo_id}/album": {"put"},
    "/photos/{photo_id}/tags": {"post"},
    "/photos/{photo_id}/tags/{tag}": {"delete"},
    "/photos/{photo_id}/restore": {"post"},
    "/photos/{photo_id}/history": {"get"},
    "/batch/tags": {"post"},
    "/commands/{command_id}": {"get"},
    "/commands/{command_id}/undo": {"post"},
    "/commands/{command_id}/redo": {"post"},
    "/me/undo": {"get", "post"},
    "/me/redo": {"get", "post"},
    "/me/activity": {"get"},
    "/me": {"get", "patch"},
    "/people": {"get"},
    "/audit/commands": {"get"},
    "/audit/export": {"get"},
    "/audit/verify": {"post"},
    "/health": {"get"},
}


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> ApiHarness:
    return install_api(monkeypatch)


@pytest.fixture
def trail(api: ApiHarness) -> dict[str, str]:
    """Alice and Bob at work: creations, renames, a tag, a rejection, an undo."""
    album = api.new_album(title="Trip")
    photo = api.new_photo()
    api.new_album(BOB, title="Bob's")
    rename = api.given(ALICE, {"type": "RenameAlbum", "album_id": album, "title": "Iceland"})
    api.given(ALICE, {"type": "TagPhoto", "photo_id": photo, "tags": ["sea"]})
    api.given(BOB, {"type": "RenameAlbum", "album_id": album, "title": "Bob was here"})
    api.call("POST", f"/commands/{rename.command_id}/undo")
    return {"album": album, "photo": photo}


def _search(api: ApiHarness, **query: str) -> list[dict[str, object]]:
    response = api.call("GET", "/audit/commands", as_=AUDITOR, query=query)
    assert response.status == 200, response.text
    return list(response.json["items"])


def test_the_audit_trail_is_searched_by_actor_type_aggregate_status_and_time(
    api: ApiHarness, trail: dict[str, str]
) -> None:
    everything = _search(api)
    times = sorted(str(item["issued_at"]) for item in everything)

    assert [i["issued_at"] for i in everything] == sorted(times, reverse=True)
    assert len(everything) == 7
    assert {i["actor_id"] for i in _search(api, actor="bob")} == {"bob"}
    assert len(_search(api, actor="bob")) == 2
    assert {i["type"] for i in _search(api, type="RenameAlbum")} == {"RenameAlbum"}
    assert len(_search(api, aggregate_id=trail["album"])) == 4
    assert [i["error"]["code"] for i in _search(api, status="rejected")] == ["forbidden"]
    assert len(_search(api, since=times[2], until=times[4])) == 3
    assert len(_search(api, actor="alice", type="RenameAlbum", status="succeeded")) == 1


def test_audit_search_pages_and_refuses_bad_filters(api: ApiHarness, trail: dict[str, str]) -> None:
    first = api.call("GET", "/audit/commands", as_=SUPPORT, query={"limit": "4"}).json
    rest = api.call(
        "GET", "/audit/commands", as_=SUPPORT, query={"limit": "4", "cursor": first["cursor"]}
    ).json

    assert len(first["items"]) == 4 and len(rest["items"]) == 3 and rest["cursor"] is None
    for query in ({"status": "done"}, {"since": "yesterday"}, {"limit": "0"}):
        response = api.call("GET", "/audit/commands", as_=AUDITOR, query=query)
        assert (response.status, response.error_code) == (400, "invalid_request"), query
    forged = api.call("GET", "/audit/commands", as_=AUDITOR, query={"cursor": "Zm9v"})
    assert (forged.status, forged.error_code) == (400, "invalid_cursor")


@pytest.mark.parametrize("format_", ["csv", "jsonl"])
def test_an_export_parses_back_to_the_records_in_the_log_with_their_actors_named(
    api: ApiHarness, trail: dict[str, str], format_: str
) -> None:
    response = api.call("GET", "/audit/export", as_=AUDITOR, query={"format": format_})

    assert response.status == 200
    assert response.headers["Content-Type"].startswith(
        {"csv": "text/csv", "jsonl": "application/x-ndjson"}[format_]
    )
    assert f'filename="retake-audit.{format_}"' in response.headers["Content-Disposition"]
    parsed = parse_csv(response.text) if format_ == "csv" else parse_jsonl(response.text)
    in_log = api.log.search(limit=100).items
    # Records sent without a display name are named by their username (nobody is in the
    # people model here; tests/functional/test_api_people.py fills names from it).
    named = [r.model_copy(update={"actor_name": r.actor_name or r.actor_username}) for r in in_log]
    assert parsed == named
    if format_ == "csv":
        assert response.text.splitlines()[0].startswith("command_id,type,actor_id")


def test_an_export_takes_the_same_filters_as_the_search(
    api: ApiHarness, trail: dict[str, str]
) -> None:
    response = api.call(
        "GET", "/audit/export", as_=AUDITOR, query={"format": "jsonl", "actor": "bob"}
    )

    assert [record.actor_id for record in parse_jsonl(response.text)] == ["bob", "bob"]
    bad = api.call("GET", "/audit/export", as_=AUDITOR, query={"format": "xml"})
    assert (bad.status, bad.error_code) == (400, "invalid_request")


def test_csv_keeps_awkward_values_intact() -> None:
    record = CommandRecord(
        command_id="c1",
        type="CaptionPhoto",
        actor_id="alice",
        aggregate_id="p1",
        payload={"caption": 'Line one,\n"quoted" line two', "photo_id": "p1"},
        issued_at=datetime(2024, 5, 1, tzinfo=UTC).isoformat(),
        reason="support ticket, #7",
    )
    assert parse_csv(to_csv([record])) == [record]


def test_verify_reports_every_stream_intact_then_finds_a_tampered_event(
    api: ApiHarness, trail: dict[str, str]
) -> None:
    intact = api.call("POST", "/audit/verify", as_=AUDITOR).json
    assert intact == {"streams_checked": 3, "events_checked": 6, "intact": True, "breaks": []}

    # when: someone edits the album's rename behind the store's back
    album = trail["album"]
    original = api.store.read_commits(album)[1]
    event = original.events[0]
    forged = replace(event, stored=replace(event.stored, state=event.stored.state.replace(
        b"Iceland", b"Forged!")))  # fmt: skip
    api.store.tamper(album, original.first_version, replace(original, events=(forged,)))

    everything = api.call("POST", "/audit/verify", as_=SUPPORT).json
    one = api.call("POST", "/audit/verify", as_=AUDITOR, body={"stream_id": album}).json
    other = api.call("POST", "/audit/verify", as_=AUDITOR, body={"stream_id": trail["photo"]}).json

    assert everything["intact"] is False
    assert everything["breaks"] == [
        {
            "stream_id": album,
            "version": 2,
            "reason": "content does not match its hash (the event was altered)",
        }
    ]
    assert (one["streams_checked"], one["intact"], one["breaks"]) == (
        1,
        False,
        everything["breaks"],
    )
    assert (other["streams_checked"], other["intact"]) == (1, True)


def test_the_openapi_document_lists_every_contract_path_with_models_and_tags(
    api: ApiHarness,
) -> None:
    response = api.call("GET", "/openapi.json", as_=None)

    document = response.json
    paths = document["paths"]
    assert set(CONTRACT_PATHS) <= set(paths)
    for path, methods in CONTRACT_PATHS.items():
        assert methods <= set(paths[path]), path
        for method in methods:
            operation = paths[path][method]
            assert operation["summary"] and operation["tags"], (path, method)
            # Powertools' validation 422 is not ours; a write's 422 is an idempotency key reused.
            writes = {"201", "202"} & set(operation["responses"])
            keyed = [p for p in operation.get("parameters", []) if p["name"] == "Idempotency-Key"]
            assert ("422" in operation["responses"]) == bool(writes), (path, method)
            assert len(keyed) == (1 if writes else 0), (path, method)
            if writes:
                assert "idempotency_key_reused" in operation["responses"]["422"]["description"]
    schemas = document["components"]["schemas"]
    expected = {"Accepted", "ErrorBody", "CommandStatus", "HistoryEntryOut", "NewAlbum"}
    assert expected | {"ActorView", "PersonOut", "PeopleList"} <= set(schemas)
    assert "ReversalPreview" in schemas
    assert {"summary", "can_undo", "can_redo", "cannot_undo_reason"} <= set(
        schemas["HistoryEntryOut"]["properties"]
    )
    assert "summary" in schemas["CommandStatus"]["properties"]
    assert "summary" in schemas["Accepted"]["properties"]
    for path in ("/commands/{command_id}/undo", "/commands/{command_id}/redo", "/me/undo"):
        assert "undo_conflict" in paths[path]["post"]["responses"]["409"]["description"]
    accepted = paths["/albums"]["post"]["responses"]["202"]["content"]["application/json"]
    assert accepted["schema"]["$ref"].endswith("/Accepted")


def test_the_docs_serve_swagger_ui_inline(api: ApiHarness) -> None:
    response = api.call("GET", "/docs", as_=None)

    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert "<html" in response.text.lower() and "swagger" in response.text.lower()
    assert not re.search(r"<script[^>]+src=\"https?://", response.text)


def test_health_and_unknown_paths(api: ApiHarness) -> None:
    assert api.call("GET", "/health", as_=None).json == {"status": "ok"}
    missing = api.call("GET", "/nowhere")
    assert (missing.status, missing.error_code) == (404, "not_found")
    assert api.call("GET", "/nowhere", as_=None).status == 401


def test_cors_headers_are_on_answers_and_refusals_alike(api: ApiHarness) -> None:
    origin = {"Origin": "https://gallery.example.com"}

    answered = api.call("GET", "/albums", headers=origin)
    refused = api.call("GET", "/albums", as_=None, headers=origin)
    preflight = api.call("OPTIONS", "/albums", as_=None, headers=origin)

    for response in (answered, refused):
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert "Location" in response.headers["Access-Control-Expose-Headers"]
    assert refused.status == 401 and refused.error_code == "unauthorized"
    assert preflight.status == 204


@pytest.mark.parametrize(
    ("raw", "groups"),
    [
        (None, ()),
        ("", ()),
        (["auditors", "support"], ("auditors", "support")),
        ("[auditors support]", ("auditors", "support")),
        ("auditors,support", ("auditors", "support")),
        ("[auditors, support]", ("auditors", "support")),
        ('["auditors","support"]', ("auditors", "support")),
        ("[support]", ("support",)),
        ("support support", ("support",)),
    ],
)
def test_groups_are_read_from_every_shape_api_gateway_hands_over(
    raw: object, groups: tuple[str, ...]
) -> None:
    assert parse_groups(raw) == groups
    identity = identity_from_claims({"sub": "u1", "cognito:groups": raw})
    assert identity is not None and identity.groups == groups


def test_claims_without_a_subject_are_anonymous(api: ApiHarness) -> None:
    assert identity_from_claims({"cognito:groups": "[support]"}) is None
    response = api.call("GET", "/albums", as_={"email": "x@example.com"})
    assert response.status == 401


def test_the_identity_comes_from_the_sub_claim_not_the_username(api: ApiHarness) -> None:
    claims = dict(ALICE, **{"cognito:username": "someone-else"})
    created = api.call("POST", "/albums", as_=claims, body={"title": "Mine"}).json

    status = api.call("GET", created["location"]).json
    assert (status["actor_id"], status["actor_groups"]) == ("alice", [])
