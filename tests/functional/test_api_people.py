"""People through the API: /me, PATCH /me, /people, and every record naming its actor."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence

import pytest

from adapters.memory_people import InMemoryPeople
from api.identity import identity_from_claims
from api.people import SYSTEM_ACTORS
from commands.command_log import CommandRecord
from commands.models import ChangeDisplayName, Envelope
from pipeline.filters import PIPELINE_ACTOR
from projections.people import PersonIdentity, PersonView
from tests.contracts.people import MONDAY
from tests.functional.api_helpers import (
    ALICE,
    AUDITOR,
    BOB,
    SUPPORT,
    ApiHarness,
    Claims,
    claims,
    install_api,
)

#: Alice as the people trigger leaves her ID token: her username, display name and email.
NAMED_ALICE: Claims = {**ALICE, "name": "Alice Liddell", "email": "alice@example.com"}
PIPELINE = claims("image-pipeline", "system")


class CountingPeople(InMemoryPeople):
    """The in-memory people model, counting the reads the API makes of it."""

    def __init__(self) -> None:
        super().__init__()
        self.reads: list[str] = []

    def get(self, person_id: str) -> PersonView | None:
        self.reads.append("get")
        return super().get(person_id)

    def get_many(self, person_ids: Sequence[str]) -> dict[str, PersonView]:
        self.reads.append("get_many")
        return super().get_many(person_ids)


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> ApiHarness:
    harness = install_api(monkeypatch)
    people = CountingPeople()
    harness.deps.people = people
    harness.projector.people = people
    for user, name, email in (
        (ALICE, "Alice Liddell", "alice@example.com"),
        (BOB, "Bob Builder", None),
        (AUDITOR, "Audrey Auditor", "audrey@example.com"),
        (SUPPORT, "Sam Support", "sam@example.com"),
    ):
        groups = user.get("cognito:groups") or []
        people.record_identity(
            PersonIdentity(
                person_id=user["sub"],
                username=user["cognito:username"],
                email=email,
                name=name,
                groups=groups if isinstance(groups, list) else groups.strip("[]").split(),
                seen_at=MONDAY,
            )
        )
    return harness


def counting(api: ApiHarness) -> CountingPeople:
    assert isinstance(api.deps.people, CountingPeople)
    return api.deps.people


# -- /me ----------------------------------------------------------------------------------


def test_me_is_the_callers_profile_from_the_people_model(api: ApiHarness) -> None:
    response = api.call("GET", "/me", as_=SUPPORT)

    assert response.status == 200
    assert response.json == {
        "id": "sam",
        "username": "sam",
        "name": "Sam Support",
        "email": "sam@example.com",
        "groups": ["support"],
    }


def test_me_falls_back_to_the_tokens_claims_for_someone_the_model_does_not_know(
    api: ApiHarness,
) -> None:
    carol = {**claims("sub-carol"), "cognito:username": "carol", "name": "Carol C."}

    response = api.call("GET", "/me", as_=carol)

    assert response.json == {
        "id": "sub-carol",
        "username": "carol",
        "name": "Carol C.",
        "email": None,
        "groups": [],
    }


def test_changing_ones_display_name_is_a_command_visible_once_projected(api: ApiHarness) -> None:
    api.queue.project = False
    accepted = api.call("PATCH", "/me", as_=NAMED_ALICE, body={"display_name": " Alice L. "})

    assert accepted.status == 202
    assert accepted.headers["Location"] == f"/commands/{accepted.json['command_id']}"
    pending = api.call("GET", accepted.json["location"], as_=NAMED_ALICE).json
    api.queue.release()
    done = api.call("GET", accepted.json["location"], as_=NAMED_ALICE).json

    assert (pending["status"], pending["projected"]) == ("succeeded", False)
    assert (done["type"], done["projected"]) == ("ChangeDisplayName", True)
    assert done["payload"]["display_name"] == "Alice L."
    assert done["actor"] == {
        "id": "alice",
        "username": "alice",
        "name": "Alice Liddell",
        "groups": [],
    }
    assert api.call("GET", "/me", as_=NAMED_ALICE).json["name"] == "Alice L."


@pytest.mark.parametrize("name", ["", "   ", "x" * 81, "Alice\nLiddell"])
def test_a_display_name_against_the_rules_is_refused_before_anything_is_queued(
    api: ApiHarness, name: str
) -> None:
    response = api.call("PATCH", "/me", body={"display_name": name})

    assert (response.status, response.error_code) == (400, "invalid_request")
    assert "display name" in response.json["error"]["message"]
    assert api.queue.sent == []


def test_auditors_may_not_change_their_display_name(api: ApiHarness) -> None:
    response = api.call("PATCH", "/me", as_=AUDITOR, body={"display_name": "Audrey A."})

    assert (response.status, response.error_code) == (403, "forbidden")
    assert api.queue.sent == []


def test_support_undoes_a_persons_rename_with_a_reason(api: ApiHarness) -> None:
    accepted = api.call("PATCH", "/me", as_=NAMED_ALICE, body={"display_name": "Rude"}).json

    undo = api.call(
        "POST", f"/commands/{accepted['command_id']}/undo", as_=SUPPORT, body={"reason": "abuse"}
    )

    assert undo.status == 202
    assert api.call("GET", "/me", as_=NAMED_ALICE).json["name"] == "Alice Liddell"


# -- /people ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", [AUDITOR, SUPPORT], ids=["auditor", "support"])
def test_auditors_and_support_find_people_by_the_start_of_a_name(
    api: ApiHarness, who: Claims
) -> None:
    response = api.call("GET", "/people", as_=who, query={"q": "ALI"})

    assert response.status == 200
    assert response.json == {
        "items": [
            {
                "id": "alice",
                "username": "alice",
                "name": "Alice Liddell",
                "email": "alice@example.com",
                "groups": [],
            }
        ],
        "cursor": None,
    }
    found = api.call("GET", "/people", as_=who, query={"q": "builder"}).json["items"]
    assert [person["username"] for person in found] == ["bob"]


@pytest.mark.parametrize("who", [ALICE, BOB], ids=["alice", "bob"])
def test_gallery_users_get_not_found_for_people_search(api: ApiHarness, who: Claims) -> None:
    for query in ({"q": "ali"}, {}):
        response = api.call("GET", "/people", as_=who, query=query)
        assert (response.status, response.error_code) == (404, "not_found")


@pytest.mark.parametrize("query", [{}, {"q": "  "}, {"q": "a" * 101}])
def test_a_people_search_needs_1_to_100_characters(api: ApiHarness, query: dict[str, str]) -> None:
    response = api.call("GET", "/people", as_=AUDITOR, query=query)

    assert (response.status, response.error_code) == (400, "invalid_request")
    assert response.json["error"]["details"] == {"field": "q"}


def test_a_people_cursor_it_did_not_hand_out_is_refused(api: ApiHarness) -> None:
    forged = api.call("GET", "/people", as_=AUDITOR, query={"q": "s", "cursor": "nope"})

    assert (forged.status, forged.error_code) == (400, "invalid_cursor")


def test_people_search_pages_through_everyone_who_matches(api: ApiHarness) -> None:
    for index in range(3):
        api.people.record_identity(
            PersonIdentity(f"sub-{index}", f"ann{index}", None, f"Ann {index}", [], MONDAY)
        )
    seen: list[str] = []
    cursor: str | None = None
    for _ in range(5):
        query = {"q": "ann", "limit": "2"} | ({"cursor": cursor} if cursor else {})
        page = api.call("GET", "/people", as_=SUPPORT, query=query).json
        seen += [person["username"] for person in page["items"]]
        cursor = page["cursor"]
        if cursor is None:
            break

    assert seen == ["ann0", "ann1", "ann2"]
    assert cursor is None


# -- actors named on every record ---------------------------------------------------------


def test_the_audit_trail_names_every_actor_with_one_read_of_the_people_model(
    api: ApiHarness,
) -> None:
    album = api.new_album(ALICE)
    api.new_album(BOB)
    api.given(ALICE, {"type": "RenameAlbum", "album_id": album, "title": "Iceland"})
    counting(api).reads.clear()

    items = api.call("GET", "/audit/commands", as_=AUDITOR).json["items"]

    assert {item["actor_id"]: item["actor"]["name"] for item in items} == {
        "alice": "Alice Liddell",
        "bob": "Bob Builder",
    }
    assert items[0]["actor"] == {
        "id": "alice",
        "username": "alice",
        "name": "Alice Liddell",
        "groups": [],
    }
    assert counting(api).reads == ["get_many"]


def test_a_name_the_record_carries_is_used_without_asking_the_people_model(
    api: ApiHarness,
) -> None:
    api.given(NAMED_ALICE, {"type": "CreateAlbum", "album_id": _an_id(1), "title": "Trip"})
    counting(api).reads.clear()

    [item] = api.call("GET", "/me/activity", as_=NAMED_ALICE).json["items"]

    assert item["actor"]["name"] == "Alice Liddell"
    assert counting(api).reads == []


def test_the_audit_filter_takes_a_username_in_any_case_or_an_id(api: ApiHarness) -> None:
    api.new_album(ALICE)
    api.new_album(BOB)

    by_name = api.call("GET", "/audit/commands", as_=AUDITOR, query={"actor": "Alice"}).json
    by_id = api.call("GET", "/audit/commands", as_=AUDITOR, query={"actor": "bob"}).json

    assert [item["actor_id"] for item in by_name["items"]] == ["alice"]
    assert [item["actor_id"] for item in by_id["items"]] == ["bob"]


def test_the_image_pipeline_is_named_as_retake(api: ApiHarness) -> None:
    photo = api.new_photo(ALICE)
    api.given(PIPELINE, {"type": "AttachProcessing", "photo_id": photo, "width": 4,
                         "height": 3, "format": "JPEG"})  # fmt: skip

    items = api.call(
        "GET", "/audit/commands", as_=AUDITOR, query={"type": "AttachProcessing"}
    ).json["items"]

    assert items[0]["actor"] == {
        "id": "image-pipeline",
        "username": "retake",
        "name": "Retake (image processing)",
        "groups": ["system"],
    }


def test_history_names_actors_and_gallery_users_see_others_by_display_name_only(
    api: ApiHarness,
) -> None:
    album = api.new_album(ALICE, title="Trip")
    rename = api.given(ALICE, {"type": "RenameAlbum", "album_id": album, "title": "Iceland"})
    api.call("POST", f"/commands/{rename.command_id}/undo", as_=SUPPORT, body={"reason": "asked"})
    counting(api).reads.clear()

    as_alice = api.call("GET", f"/albums/{album}/history").json["entries"]
    as_auditor = api.call("GET", f"/albums/{album}/history", as_=AUDITOR).json["entries"]

    assert counting(api).reads == ["get_many", "get_many"]  # one per response
    assert [entry["actor_id"] for entry in as_alice] == ["alice", "alice", "sam"]
    assert as_alice[0]["actor"] == {
        "id": "alice",
        "username": "alice",
        "name": "Alice Liddell",
        "groups": [],
    }
    assert as_alice[-1]["actor"] == {
        "id": "sam",
        "username": None,
        "name": "Sam Support",
        "groups": ["support"],
    }
    assert as_auditor[-1]["actor"]["username"] == "sam"


def test_both_exports_carry_the_actors_username_and_name(api: ApiHarness) -> None:
    api.new_album(BOB)

    csv_text = api.call("GET", "/audit/export", as_=AUDITOR, query={"format": "csv"}).text
    jsonl = api.call("GET", "/audit/export", as_=AUDITOR, query={"format": "jsonl"}).text

    [row] = list(csv.DictReader(io.StringIO(csv_text)))
    assert (row["actor_id"], row["actor_username"], row["actor_name"]) == (
        "bob",
        "bob",
        "Bob Builder",
    )
    [line] = [json.loads(text) for text in jsonl.splitlines()]
    assert (line["actor_username"], line["actor_name"]) == ("bob", "Bob Builder")
    assert line["actor"] == {"id": "bob", "username": "bob", "name": "Bob Builder", "groups": []}


def _an_id(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


def test_the_tokens_claims_name_the_caller_and_their_commands() -> None:
    identity = identity_from_claims(
        {**NAMED_ALICE, "cognito:username": " alice ", "email": "", "name": "Alice Liddell"}
    )
    assert identity is not None
    assert (identity.username, identity.name, identity.email) == ("alice", "Alice Liddell", None)

    record = CommandRecord.accepted(
        Envelope(
            actor=identity.actor,
            command=ChangeDisplayName(person_id="alice", display_name="Alice L."),
        )
    )

    assert (record.actor_username, record.actor_name) == ("alice", "Alice Liddell")


def test_the_pipelines_actor_is_named_as_the_api_names_it() -> None:
    shown = SYSTEM_ACTORS[PIPELINE_ACTOR.user_id]

    assert (shown.username, shown.name) == (PIPELINE_ACTOR.username, PIPELINE_ACTOR.name)
    assert (shown.name, shown.groups) == ("Retake (image processing)", list(PIPELINE_ACTOR.groups))
