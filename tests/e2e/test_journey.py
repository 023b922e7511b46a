"""The journey of each role, over HTTP, through every real process of the local stack.

These journeys use album commands: create, rename, describe, share, undo and
redo. Photos, from upload to ready, have their own journey in `test_photos.py`.
"""

from __future__ import annotations

from typing import Any

from api.export import parse_csv, parse_jsonl
from tests.e2e.conftest import RunningStack


def test_every_demo_role_signs_in_through_cognito_and_reaches_the_api(
    stack: RunningStack,
) -> None:
    for username in ("alice", "audrey", "sam", "bob"):
        reply = stack.call("GET", "/me/activity", username)
        assert reply.status == 200, (username, reply.text)
        assert reply.body["items"] == [] or all(
            item["actor_id"] == stack.sub(username) for item in reply.body["items"]
        )


def test_a_burst_of_changes_to_a_new_album_runs_in_the_order_it_was_sent(
    stack: RunningStack,
) -> None:
    # given: an album created and renamed five times, without waiting in between
    created = _accepted(stack.call("POST", "/albums", "alice", {"title": "Take 0"}))
    album_id = created["album_id"]
    renames = [
        _accepted(stack.call("PATCH", f"/albums/{album_id}", "alice", {"title": f"Take {n}"}))
        for n in range(1, 6)
    ]

    # then: each ran after the one before (SQS FIFO, one group per album), none was refused
    records = [stack.wait_projected(c["command_id"]) for c in (created, *renames)]
    assert [(r["type"], r["status"]) for r in records] == [("CreateAlbum", "succeeded")] + [
        ("RenameAlbum", "succeeded")
    ] * 5
    versions = [r["events"][0]["last_version"] for r in records]
    assert versions == sorted(versions)
    assert stack.call("GET", f"/albums/{album_id}", "alice").body["title"] == "Take 5"


def _accepted(reply: Any) -> dict[str, Any]:
    assert reply.status == 202, reply.text
    body: dict[str, Any] = reply.body
    assert reply.headers["Location"] == f"/commands/{body['command_id']}"
    return body


def test_a_gallery_user_changes_an_album_undoes_and_redoes_and_the_other_roles_see_it(
    stack: RunningStack,
) -> None:
    alice = stack.sub("alice")

    # given: alice's album, renamed and described
    created = _accepted(stack.call("POST", "/albums", "alice", {"title": "Iceland"}))
    album_id = created["album_id"]
    renamed = _accepted(stack.call("PATCH", f"/albums/{album_id}", "alice", {"title": "Ring road"}))
    described = _accepted(
        stack.call("PATCH", f"/albums/{album_id}", "alice", {"description": "Ten days"})
    )
    for command in (created, renamed, described):
        record = stack.wait_projected(command["command_id"])
        assert (record["status"], record["actor_id"]) == ("succeeded", alice)
    album = stack.call("GET", f"/albums/{album_id}", "alice").body
    assert (album["title"], album["description"], album["owner"]) == (
        "Ring road",
        "Ten days",
        alice,
    )

    # when: she undoes the rename, then redoes it
    undo = _accepted(stack.call("POST", f"/commands/{renamed['command_id']}/undo", "alice", {}))
    assert stack.wait_projected(undo["command_id"])["status"] == "succeeded"
    assert stack.call("GET", f"/albums/{album_id}", "alice").body["title"] == "Iceland"
    redo = _accepted(stack.call("POST", f"/commands/{renamed['command_id']}/redo", "alice"))
    assert stack.wait_projected(redo["command_id"])["status"] == "succeeded"

    # then: the rename is back, and the log links the three commands
    assert stack.call("GET", f"/albums/{album_id}", "alice").body["title"] == "Ring road"
    rename = stack.call("GET", f"/commands/{renamed['command_id']}", "alice").body
    assert rename["undone_by"] == [undo["command_id"]]
    assert rename["redone_by"] == [redo["command_id"]]
    history = stack.call("GET", f"/albums/{album_id}/history", "alice")
    assert history.status == 200 and len(history.body["entries"]) == 5

    # when: she shares it, anyone with the link sees it without signing in
    shared = _accepted(stack.call("POST", f"/albums/{album_id}/share", "alice"))
    stack.wait_projected(shared["command_id"])
    token = stack.call("GET", f"/albums/{album_id}", "alice").body["share_token"]
    public = stack.call("GET", f"/shared/{token}")
    assert (public.status, public.body["title"]) == (200, "Ring road")

    # then: another gallery user can neither see nor touch it, nor her commands
    assert stack.call("GET", f"/albums/{album_id}", "bob").status == 404
    assert stack.call("PATCH", f"/albums/{album_id}", "bob", {"title": "Mine"}).status == 404
    assert stack.call("GET", f"/commands/{renamed['command_id']}", "bob").status == 404
    assert stack.call("POST", f"/commands/{renamed['command_id']}/undo", "bob").status == 404
    assert stack.call("GET", "/albums", "bob").body["items"] == []

    # when: support reverts her description, first without a reason, then with one
    target = f"/commands/{described['command_id']}/undo"
    refused = stack.call("POST", target, "sam")
    assert (refused.status, refused.error_code) == (400, "reason_required")
    blank = stack.call("POST", target, "sam", {"reason": "  "})
    assert (blank.status, blank.error_code) == (400, "reason_required")
    assert stack.call("PATCH", f"/albums/{album_id}", "sam", {"title": "Support's"}).status == 403
    reason = "Ticket 4711: the description was added by mistake"
    revert = _accepted(stack.call("POST", target, "sam", {"reason": reason}))
    reverted = stack.wait_projected(revert["command_id"], as_user="sam")

    # then: the description is gone, and the revert says who and why
    assert (reverted["status"], reverted["reason"]) == ("succeeded", reason)
    assert (reverted["actor_id"], reverted["actor_groups"]) == (stack.sub("sam"), ["support"])
    assert reverted["undoes"] == described["command_id"]
    assert stack.call("GET", f"/albums/{album_id}", "alice").body["description"] == ""

    # then: the auditor reads the album and the whole trail, but may change nothing
    assert stack.call("GET", f"/albums/{album_id}", "audrey").status == 200
    assert stack.call("POST", "/albums", "audrey", {"title": "Audit"}).status == 403
    assert stack.call("POST", target, "audrey", {"reason": "no"}).status == 403
    trail = stack.call("GET", f"/audit/commands?aggregate_id={album_id}&limit=200", "audrey")
    assert trail.status == 200
    assert sorted(item["type"] for item in trail.body["items"]) == sorted(
        ["CreateAlbum", "RenameAlbum", "DescribeAlbum", "UndoCommand", "RedoCommand",
         "ShareAlbum", "UndoCommand"]
    )  # fmt: skip
    assert all(item["status"] == "succeeded" for item in trail.body["items"])
    by_support = [item for item in trail.body["items"] if item["reason"]]
    assert [(item["command_id"], item["reason"]) for item in by_support] == [
        (revert["command_id"], reason)
    ]
    assert stack.call("GET", "/audit/commands", "alice").status == 403

    # then: the export holds the same trail, as CSV and as JSON Lines
    ids = {item["command_id"] for item in trail.body["items"]}
    csv_export = stack.call("GET", f"/audit/export?format=csv&aggregate_id={album_id}", "audrey")
    assert csv_export.status == 200
    assert csv_export.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in csv_export.headers["Content-Disposition"]
    assert {record.command_id for record in parse_csv(csv_export.text)} == ids
    jsonl = stack.call("GET", f"/audit/export?format=jsonl&aggregate_id={album_id}", "audrey")
    assert jsonl.status == 200
    records = parse_jsonl(jsonl.text)
    assert {record.command_id for record in records} == ids
    assert {r.reason for r in records if r.command_id == revert["command_id"]} == {reason}
