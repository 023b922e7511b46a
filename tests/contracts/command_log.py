"""The command log contract, run against the in-memory fake and DynamoDB alike.

A subclass named `Test...` supplies a new, empty log. The rules under test are
the ones exactly-once execution and the audit trail rest on: an accepted record
is never overwritten, the first final outcome wins, a late failure report
changes nothing, and undo/redo links are idempotent.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from commands.command_log import (
    CommandError,
    CommandLog,
    CommandRecord,
    EventRef,
    InvalidSearchCursor,
)

ALICE = "alice"
BOB = "bob"
_EPOCH = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def accepted(
    actor_id: str = ALICE,
    *,
    issued_minutes: int = 0,
    payload: dict[str, Any] | None = None,
    command_type: str = "RenameAlbum",
) -> CommandRecord:
    """An accepted record, as the submitter writes it."""
    album_id = str(uuid4())
    issued_at = (_EPOCH + timedelta(minutes=issued_minutes)).isoformat()
    return CommandRecord(
        command_id=str(uuid4()),
        type=command_type,
        actor_id=actor_id,
        actor_groups=["gallery"],
        aggregate_id=album_id,
        payload=payload if payload is not None else {"album_id": album_id, "title": "Iceland"},
        priority="high",
        issued_at=issued_at,
        accepted_at=issued_at,
    )


def succeeded(record: CommandRecord, first_version: int = 2) -> CommandRecord:
    return record.model_copy(
        update={
            "status": "succeeded",
            "succeeded_at": _EPOCH.isoformat(),
            "events": [
                EventRef(
                    stream_id=record.aggregate_id,
                    first_version=first_version,
                    last_version=first_version,
                )
            ],
        }
    )


def rejected(record: CommandRecord) -> CommandRecord:
    return record.rejected("album_not_found", "No album with that id.", {"id": record.aggregate_id})


CRASH = CommandError(code="internal_error", message="ConnectionError: network down")


class CommandLogContract(ABC):
    @abstractmethod
    def create_log(self) -> CommandLog:
        """A new, empty command log."""

    # -- accepting ------------------------------------------------------------------------

    def test_an_accepted_record_reads_back_as_written(self) -> None:
        log = self.create_log()
        record = accepted()

        stored = log.record_accepted(record)

        assert stored is None
        assert log.get(record.command_id) == record
        assert log.get(str(uuid4())) is None

    def test_recording_an_accepted_command_twice_never_overwrites_it(self) -> None:
        log = self.create_log()
        record = accepted()
        log.record_accepted(record)

        known = log.record_accepted(record.model_copy(update={"reason": "a second submission"}))

        assert known == record
        assert log.get(record.command_id) == record

    def test_a_late_acceptance_does_not_reopen_a_finished_command(self) -> None:
        log = self.create_log()
        record = accepted()
        log.record_accepted(record)
        done = log.finish(succeeded(record))

        known = log.record_accepted(record)

        assert known == done
        assert log.get(record.command_id) == done

    # -- finishing ------------------------------------------------------------------------

    def test_finish_returns_and_stores_the_final_record(self) -> None:
        log = self.create_log()
        record = accepted()
        log.record_accepted(record)

        done = log.finish(succeeded(record))

        assert done.status == "succeeded"
        assert done.events == succeeded(record).events
        assert log.get(record.command_id) == done

    def test_finish_is_write_once_and_a_second_outcome_returns_the_first(self) -> None:
        log = self.create_log()
        record = accepted()
        log.record_accepted(record)
        first = log.finish(succeeded(record))

        second = log.finish(rejected(record))

        assert second == first
        assert second.status == "succeeded" and second.error is None
        assert log.get(record.command_id) == first

    def test_the_summary_is_stored_with_the_outcome_and_written_once_too(self) -> None:
        log = self.create_log()
        record = accepted()
        log.record_accepted(record)
        log.link_undo(record.command_id, "undo-1")
        summary = 'Alice Liddell renamed the album "Trip" to "Iceland"'

        first = log.finish(succeeded(record).model_copy(update={"summary": summary}))
        second = log.finish(rejected(record).model_copy(update={"summary": "refused"}))

        assert log.get(record.command_id) == first
        assert (first.summary, second.summary) == (summary, summary)
        assert first.undone_by == ["undo-1"]

    def test_an_accepted_record_has_no_stored_summary(self) -> None:
        log = self.create_log()
        record = accepted()

        log.record_accepted(record)

        found = log.get(record.command_id)
        assert found is not None and found.summary is None

    def test_a_rejection_is_final_too(self) -> None:
        log = self.create_log()
        record = accepted()
        log.record_accepted(record)
        first = log.finish(rejected(record))

        second = log.finish(succeeded(record))

        assert second == first
        assert second.status == "rejected"
        assert second.error is not None and second.error.code == "album_not_found"
        assert second.error.details == {"id": record.aggregate_id}

    def test_finish_after_failed_attempts_keeps_the_attempt_count(self) -> None:
        log = self.create_log()
        record = accepted()
        log.record_accepted(record)
        log.record_failure(record, CRASH, final=False)
        log.record_failure(record, CRASH, final=False)

        done = log.finish(succeeded(record))

        assert done.status == "succeeded"
        assert done.attempts == 2
        assert done.error is None
        assert log.get(record.command_id) == done

    # -- failures -------------------------------------------------------------------------

    def test_a_crashed_attempt_is_counted_and_the_command_stays_accepted(self) -> None:
        log = self.create_log()
        record = accepted()
        log.record_accepted(record)

        log.record_failure(record, CRASH, final=False)

        stored = log.get(record.command_id)
        assert stored is not None
        assert (stored.status, stored.attempts, stored.error) == ("accepted", 1, CRASH)
        assert stored.failed_at is None
        assert not stored.is_final

    def test_the_last_failure_marks_the_command_failed_but_not_final(self) -> None:
        log = self.create_log()
        record = accepted()
        log.record_accepted(record)
        log.record_failure(record, CRASH, final=False)

        log.record_failure(record, CRASH, final=True)

        stored = log.get(record.command_id)
        assert stored is not None
        assert (stored.status, stored.attempts) == ("failed", 2)
        assert stored.failed_at is not None
        assert stored.error == CRASH
        assert not stored.is_final

    def test_an_uncounted_mark_sets_failed_without_counting_an_attempt(self) -> None:
        log = self.create_log()
        record = accepted()
        log.record_accepted(record)
        log.record_failure(record, CRASH, final=False)

        log.record_failure(record, CRASH, final=True, count=False)

        stored = log.get(record.command_id)
        assert stored is not None
        assert (stored.status, stored.attempts) == ("failed", 1)

    def test_a_redriven_command_that_succeeds_wins_over_failed(self) -> None:
        log = self.create_log()
        record = accepted()
        log.record_accepted(record)
        log.record_failure(record, CRASH, final=True)
        failed = log.get(record.command_id)
        assert failed is not None and failed.failed_at is not None

        done = log.finish(succeeded(record))

        assert done.status == "succeeded"
        assert done.error is None
        assert (done.attempts, done.failed_at) == (1, failed.failed_at)
        assert log.get(record.command_id) == done

    def test_a_failure_after_a_final_outcome_changes_nothing(self) -> None:
        log = self.create_log()
        for outcome in (succeeded, rejected):
            record = accepted()
            log.record_accepted(record)
            done = log.finish(outcome(record))

            log.record_failure(record, CRASH, final=False)
            log.record_failure(record, CRASH, final=True)

            assert log.get(record.command_id) == done

    def test_a_failure_of_a_command_never_accepted_is_still_recorded(self) -> None:
        log = self.create_log()
        record = accepted()

        log.record_failure(record, CRASH, final=True)

        stored = log.get(record.command_id)
        assert stored is not None
        assert (stored.type, stored.actor_id, stored.aggregate_id) == (
            record.type,
            record.actor_id,
            record.aggregate_id,
        )
        assert (stored.status, stored.attempts) == ("failed", 1)

    # -- undo and redo links --------------------------------------------------------------

    def test_undo_and_redo_links_are_idempotent_ordered_and_flip_undone(self) -> None:
        log = self.create_log()
        target = accepted()
        log.record_accepted(target)
        log.finish(succeeded(target))
        first_undo, redo, second_undo = (str(uuid4()) for _ in range(3))

        log.link_undo(target.command_id, first_undo)
        log.link_undo(target.command_id, first_undo)
        after_undo = log.get(target.command_id)
        log.link_redo(target.command_id, redo)
        log.link_redo(target.command_id, redo)
        after_redo = log.get(target.command_id)
        log.link_undo(target.command_id, second_undo)
        log.link_undo(target.command_id, first_undo)
        after_second_undo = log.get(target.command_id)

        assert after_undo is not None and after_redo is not None
        assert after_second_undo is not None
        assert (after_undo.undone_by, after_undo.redone_by, after_undo.undone) == (
            [first_undo],
            [],
            True,
        )
        assert (after_redo.redone_by, after_redo.undone) == ([redo], False)
        assert after_second_undo.undone_by == [first_undo, second_undo]
        assert after_second_undo.redone_by == [redo]
        assert after_second_undo.undone
        assert after_second_undo.status == "succeeded"

    def test_links_survive_a_late_outcome(self) -> None:
        log = self.create_log()
        target = accepted()
        log.record_accepted(target)
        undo_id = str(uuid4())
        log.link_undo(target.command_id, undo_id)

        done = log.finish(succeeded(target))

        assert done.undone_by == [undo_id]
        assert log.get(target.command_id) == done

    def test_linking_an_unknown_command_creates_nothing(self) -> None:
        log = self.create_log()
        unknown = str(uuid4())

        log.link_undo(unknown, str(uuid4()))
        log.link_redo(unknown, str(uuid4()))

        assert log.get(unknown) is None

    # -- history --------------------------------------------------------------------------

    def test_history_is_one_actors_commands_newest_first(self) -> None:
        log = self.create_log()
        alices = [accepted(ALICE, issued_minutes=minute) for minute in (3, 1, 4, 0, 2)]
        bobs = [accepted(BOB, issued_minutes=minute) for minute in (5, 6)]
        for record in [*alices, *bobs]:
            log.record_accepted(record)
        log.finish(succeeded(alices[0]))

        history = log.history(ALICE)
        latest_two = log.history(ALICE, limit=2)

        newest_first = sorted(alices, key=lambda record: record.issued_at, reverse=True)
        assert [r.command_id for r in history] == [r.command_id for r in newest_first]
        assert [r.command_id for r in latest_two] == [r.command_id for r in newest_first[:2]]
        assert history[1].status == "succeeded"
        assert log.history("nobody") == []

    # -- round trip -----------------------------------------------------------------------

    def test_records_round_trip_exactly_with_nested_payloads(self) -> None:
        log = self.create_log()
        payload: dict[str, Any] = {
            "photo_id": str(uuid4()),
            "width": 4000,
            "metadata": {
                "exif": {"FNumber": 1.8, "ExposureTime": 0.004, "Lens": None},
                "gps": [64.1466, -21.9426, {"altitude": 12.5, "ref": None}],
                "keywords": ["iceland", "", "ünïcødé"],
                "empty": {},
                "nothing": [],
                "flash": False,
                "count": 0,
            },
            "renditions": {"thumb": "thumbs/a.jpg"},
            "album_id": None,
        }
        record = accepted(payload=payload, command_type="AttachProcessing").model_copy(
            update={"causation_id": str(uuid4()), "reason": "pipeline result"}
        )
        log.record_accepted(record)
        finished = record.rejected(
            "invalid_value",
            "A width must be positive.",
            {"field": "width", "limits": [1, 100000], "ratio": 0.75, "hint": None},
        )

        stored = log.get(record.command_id)
        done = log.finish(finished)
        again = log.get(record.command_id)

        assert stored == record
        assert stored.model_dump_json() == record.model_dump_json()
        assert done == finished == again
        assert again.model_dump_json() == finished.model_dump_json()

    # -- the audit search -----------------------------------------------------------------

    def _trail(self, log: CommandLog) -> list[CommandRecord]:
        """Seven records over three days: two actors, three types, two aggregates, outcomes."""
        day = 24 * 60
        specs = [
            (ALICE, "RenameAlbum", "album-1", 0),
            (ALICE, "TagPhoto", "photo-1", 10),
            (BOB, "RenameAlbum", "album-1", 20),
            (ALICE, "RenameAlbum", "album-1", day + 5),
            (BOB, "TagPhoto", "photo-1", day + 6),
            (ALICE, "UndoCommand", "album-1", 2 * day),
            (BOB, "RenameAlbum", "album-2", 2 * day + 1),
        ]
        records = []
        for actor, kind, aggregate, minutes in specs:
            record = accepted(actor, issued_minutes=minutes, command_type=kind)
            records.append(record.model_copy(update={"aggregate_id": aggregate}))
        for record in records:
            log.record_accepted(record)
        for index in (0, 3, 4):
            records[index] = log.finish(succeeded(records[index]))
        records[6] = log.finish(rejected(records[6]))
        return records

    @staticmethod
    def _ids(records: list[CommandRecord]) -> list[str]:
        return [record.command_id for record in records]

    @staticmethod
    def _newest_first(records: list[CommandRecord]) -> list[CommandRecord]:
        return sorted(records, key=lambda record: record.issued_at, reverse=True)

    def test_search_filters_by_actor_type_aggregate_and_status_newest_first(self) -> None:
        log = self.create_log()
        trail = self._trail(log)

        def expect(**wanted: str) -> list[str]:
            fields = {"actor": "actor_id", "command_type": "type"}
            return self._ids(
                self._newest_first(
                    [r for r in trail
                     if all(getattr(r, fields.get(k, k)) == v for k, v in wanted.items())]
                )
            )  # fmt: skip

        for wanted in (
            {"actor": ALICE},
            {"actor": BOB},
            {"command_type": "RenameAlbum"},
            {"aggregate_id": "album-1"},
            {"status": "succeeded"},
            {"status": "rejected"},
            {"actor": BOB, "command_type": "RenameAlbum"},
            {"aggregate_id": "album-1", "status": "succeeded"},
            {"command_type": "TagPhoto", "status": "accepted"},
        ):
            assert self._ids(log.search(**wanted).items) == expect(**wanted), wanted
        assert log.search(actor="nobody").items == []
        assert self._ids(log.search().items) == self._ids(self._newest_first(trail))

    def test_search_by_time_range_is_inclusive_on_both_ends(self) -> None:
        log = self.create_log()
        trail = self._trail(log)
        since = datetime.fromisoformat(trail[2].issued_at)
        until = datetime.fromisoformat(trail[5].issued_at)

        in_range = log.search(since=since, until=until)
        from_then_on = log.search(since=since)
        up_to = log.search(until=until, actor=ALICE)
        long_range = log.search(since=since - timedelta(days=400), until=until)

        assert self._ids(in_range.items) == self._ids(self._newest_first(trail[2:6]))
        assert self._ids(from_then_on.items) == self._ids(self._newest_first(trail[2:]))
        assert self._ids(up_to.items) == self._ids(
            self._newest_first([r for r in trail[:6] if r.actor_id == ALICE])
        )
        assert self._ids(long_range.items) == self._ids(self._newest_first(trail[:6]))

    def test_search_pages_visit_every_match_once_even_when_times_tie(self) -> None:
        log = self.create_log()
        records = [accepted(ALICE, issued_minutes=minute // 3) for minute in range(11)]
        for record in records:
            log.record_accepted(record)
        expected = sorted(records, key=lambda r: (r.issued_at, r.command_id), reverse=True)

        for filters in ({}, {"actor": ALICE}, {"since": _EPOCH, "until": _EPOCH + timedelta(1)}):
            seen: list[CommandRecord] = []
            cursor: str | None = None
            pages = 0
            while True:
                page = log.search(limit=2, cursor=cursor, **filters)
                seen += page.items
                pages += 1
                cursor = page.cursor
                if cursor is None:
                    break
            assert self._ids(seen) == self._ids(expected), filters
            assert pages == 6

    def test_search_refuses_a_cursor_it_did_not_hand_out(self) -> None:
        log = self.create_log()
        self._trail(log)

        for cursor in ("not a cursor", "bm9wZQ==", "WzFd"):
            with pytest.raises(InvalidSearchCursor):
                log.search(cursor=cursor)
