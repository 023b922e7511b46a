"""The proof's invariant checkers catch a planted violation, and pass a clean history."""

from __future__ import annotations

from eventsourcing.persistence import StoredEvent

from commands.command_log import CommandRecord, EventRef
from commands.event_store import ChainBreak, ChainedEvent, Commit, VerificationReport
from proof import invariants

INSTANT = "2026-11-26T10:00:00+00:00"


def record(command_id: str, status: str = "succeeded", *refs: EventRef) -> CommandRecord:
    return CommandRecord.model_validate(
        {
            "command_id": command_id,
            "type": "RenameAlbum",
            "actor_id": "alice",
            "aggregate_id": "album-1",
            "issued_at": INSTANT,
            "status": status,
            "events": list(refs),
        }
    )


def commit(command_id: str, version: int, stream_id: str = "album-1") -> Commit:
    stored = StoredEvent(stream_id, version, "domain.album:Album.Renamed", b"{}")
    return Commit(stream_id, command_id, INSTANT, (ChainedEvent(stored, "prev", "hash"),))


def ref(version: int, stream_id: str = "album-1") -> EventRef:
    return EventRef(stream_id=stream_id, first_version=version, last_version=version)


def test_a_clean_history_breaks_no_invariant() -> None:
    records = [record("c1", "succeeded", ref(1)), record("c2", "rejected")]
    commits = [commit("c1", 1)]
    assert invariants.missing_commands(["c1", "c2"], records) == []
    assert invariants.unfinished_commands(["c1", "c2"], records) == []
    assert invariants.double_effects(commits) == []
    assert invariants.effects_match_outcomes(records, commits) == []
    assert invariants.broken_chains(VerificationReport(streams_checked=1)) == []


def test_an_acknowledged_command_missing_from_the_log_is_named() -> None:
    problems = invariants.missing_commands(["c1", "lost"], [record("c1")])
    assert problems == ["1 acknowledged command(s) missing from the command log: lost"]


def test_a_command_stuck_in_accepted_is_named() -> None:
    problems = invariants.unfinished_commands(["c1"], [record("c1", "accepted")])
    assert problems == ["1 command(s) without a final status: c1"]


def test_a_command_with_two_commits_on_one_stream_is_a_double_effect() -> None:
    problems = invariants.double_effects([commit("c1", 1), commit("c1", 2), commit("c2", 3)])
    assert problems == ["1 command(s) with more than one commit on a stream: c1 on album-1 x2"]


def test_one_command_on_two_streams_is_not_a_double_effect() -> None:
    assert invariants.double_effects([commit("c1", 1, "photo-1"), commit("c1", 1, "photo-2")]) == []


def test_a_commit_of_a_rejected_command_is_an_effect_without_an_outcome() -> None:
    problems = invariants.effects_match_outcomes([record("c1", "rejected")], [commit("c1", 1)])
    assert problems == ["1 command(s) with commits but no success recorded: c1"]


def test_a_success_whose_events_are_not_in_the_store_is_named() -> None:
    problems = invariants.effects_match_outcomes([record("c1", "succeeded", ref(1))], [])
    assert problems == ["1 succeeded command(s) whose recorded events are not their commits: c1"]


def test_a_read_model_row_that_a_rebuild_lacks_is_named() -> None:
    row = {"owner": "alice", "tag": "beach", "photo_id": "p1", "version": 4}
    problems = invariants.read_models_differ({"tag-views": [row]}, {"tag-views": []})
    assert len(problems) == 1
    assert problems[0].startswith("read model tag-views differs from a rebuild: 1 rows live")


def test_equal_read_models_pass() -> None:
    rows = {"album-views": [{"album_id": "a1", "version": 2}]}
    assert (
        invariants.read_models_differ(rows, {"album-views": [{"album_id": "a1", "version": 2}]})
        == []
    )


def test_a_broken_chain_is_named_with_its_stream_and_version() -> None:
    report = VerificationReport(1, 3, [ChainBreak("album-1", 2, "hash mismatch")])
    assert invariants.broken_chains(report) == [
        "hash chain broken: stream album-1 version 2: hash mismatch"
    ]


def test_states_differing_after_normalisation_name_the_place() -> None:
    names = {"id-1": "alice/album0", "id-2": "alice/album0"}
    single = invariants.normalised(
        {"rows": [{"album_id": "id-1", "title": "A", "created_at": "t1"}]},
        names,
        frozenset({"created_at"}),
    )
    same = invariants.normalised(
        {"rows": [{"album_id": "id-2", "title": "A", "created_at": "t2"}]},
        names,
        frozenset({"created_at"}),
    )
    doubled = invariants.normalised(
        {"rows": [{"album_id": "id-2", "title": "A", "created_at": "t2"}, {"album_id": "x"}]},
        names,
        frozenset({"created_at"}),
    )
    assert invariants.states_differ(single, same, "read_models") == []
    assert invariants.states_differ(single, doubled, "read_models") == [
        "read_models.rows (length 1 vs 2) differs between single and double delivery"
    ]


def test_normalising_keeps_the_order_of_tags_but_not_of_rows() -> None:
    value = {"rows": [{"id": "b", "tags": ["z", "a"]}, {"id": "a", "tags": []}]}
    assert invariants.normalised(value, {}, frozenset()) == {
        "rows": [{"id": "a", "tags": []}, {"id": "b", "tags": ["z", "a"]}]
    }
