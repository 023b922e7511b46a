"""People over HTTP on the whole local stack: found by name, named in the trail, renamed.

The people read model is fed by the stack's Cognito trigger (the `people`
function, invoked where Cognito would), so everyone here was recorded by
signing in, never by a test writing the table.
"""

from __future__ import annotations

from tests.e2e.conftest import RunningStack


def test_an_auditor_finds_alice_by_the_first_letters_of_her_name(stack: RunningStack) -> None:
    found = stack.call("GET", "/people?q=ali", as_user="audrey")

    assert found.status == 200
    alice = next(person for person in found.body["items"] if person["username"] == "alice")
    assert alice == {**alice, "id": stack.sub("alice"), "name": "Alice Liddell"}
    # Case does not matter, and the display name's second word is a way in too.
    assert (
        stack.call("GET", "/people?q=LIDD", as_user="sam").body["items"][0]["username"] == "alice"
    )


def test_a_gallery_user_cannot_look_people_up(stack: RunningStack) -> None:
    answer = stack.call("GET", "/people?q=ali", as_user="bob")

    assert (answer.status, answer.error_code) == (404, "not_found")


def test_the_trail_filtered_by_username_names_the_actor(stack: RunningStack) -> None:
    created = stack.call("POST", "/albums", as_user="alice", body={"title": "Paris"})
    renamed = stack.call(
        "PATCH",
        f"/albums/{created.body['album_id']}",
        as_user="alice",
        body={"title": "Paris 2024"},
    )
    stack.wait_projected(renamed.body["command_id"])

    trail = stack.call("GET", "/audit/commands?actor=alice&limit=50", as_user="audrey").body[
        "items"
    ]

    rename = next(row for row in trail if row["command_id"] == renamed.body["command_id"])
    assert rename["actor"] == {
        "id": stack.sub("alice"),
        "username": "alice",
        "name": "Alice Liddell",
        "groups": [],
    }
    assert rename["summary"] == 'Alice Liddell renamed the album "Paris" to "Paris 2024"'


def test_a_display_name_change_is_a_command_that_can_be_undone(stack: RunningStack) -> None:
    changed = stack.call("PATCH", "/me", as_user="bob", body={"display_name": "Robert Builder"})
    assert changed.status == 202
    stack.wait_projected(changed.body["command_id"], as_user="bob")

    assert stack.call("GET", "/me", as_user="bob").body["name"] == "Robert Builder"
    found = stack.call("GET", "/people?q=robert", as_user="sam").body["items"]
    assert [person["username"] for person in found] == ["bob"]

    undone = stack.call("POST", f"/commands/{changed.body['command_id']}/undo", as_user="bob")
    assert undone.status == 202
    stack.wait_projected(undone.body["command_id"], as_user="bob")
    assert stack.call("GET", "/me", as_user="bob").body["name"] == "Bob Builder"
