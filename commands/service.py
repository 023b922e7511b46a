"""Executing one command: load, decide, append, record the outcome, exactly once.

Exactly-once effect rests on two facts. Every commit carries its command id,
so a repeated delivery finds its own commit when it loads the stream (the
window covers the newest snapshot's recent commands and every commit after it)
and reports the first outcome instead of acting again. And the command log's
outcome is write-once, so a repeated rejection cannot overwrite the first.

A message SQS delivers for the first time (receive count 1) goes straight to
work; any repeat (`verify=True`) reads the command log first, so a command
that was rejected once is never re-evaluated into a success later.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from commands import handlers as _handlers  # noqa: F401 - registers every handler
from commands.command_log import CommandError, CommandLog, CommandRecord, EventRef, now_iso
from commands.event_store import Commit, ConcurrencyConflict
from commands.handlers.context import HANDLERS, HandlerContext, new_share_token
from commands.models import Envelope
from commands.repository import Repository
from commands.summary import Subject, Summarizer, SummaryFacts, subject_of
from commands.unit_of_work import AlreadyApplied, UnitOfWork
from domain.errors import DomainError

MAX_ATTEMPTS = 6
RECENT_COMMITS_TO_SEARCH = 40


class ConflictsExhausted(Exception):
    """Every attempt lost the race for the stream; let the queue retry later."""


@dataclass(frozen=True)
class Outcome:
    record: CommandRecord
    repeated: bool = False


class CommandService:
    def __init__(
        self,
        repository: Repository,
        log: CommandLog,
        *,
        new_token: Callable[[], str] = new_share_token,
        max_attempts: int = MAX_ATTEMPTS,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
        summarizer: Summarizer | None = None,
    ) -> None:
        self.repository = repository
        self.log = log
        self.new_token = new_token
        self.max_attempts = max_attempts
        self.sleep = sleep
        self.jitter = jitter
        self.summarizer = summarizer

    def execute(self, envelope: Envelope, *, verify: bool = False) -> Outcome:
        """Run the command's handler and record its outcome (first outcome wins)."""
        base = CommandRecord.accepted(envelope)
        if verify:
            known = self.log.get(base.command_id)
            if known is not None and known.is_final:
                return Outcome(known, repeated=True)
        for attempt in range(self.max_attempts):
            uow = UnitOfWork(
                self.repository,
                base.command_id,
                verify=verify or attempt > 0,
                actor_id=base.actor_id,
                priority=envelope.effective_priority,
            )
            ctx = HandlerContext(envelope, uow, self.log, self.repository, self.new_token)
            try:
                HANDLERS[envelope.command.type](envelope.command, ctx)
                commits = uow.commit()
                if not commits and not uow.verify and attempt + 1 < self.max_attempts:
                    # Nothing to append, so nothing checked the warm cache: a command that
                    # changes nothing is decided again on freshly loaded state.
                    continue
            except AlreadyApplied:
                return self._recover(base)
            except ConcurrencyConflict:
                # Bounded, jittered backoff: 10 ms, 20 ms, 40 ms ... times a random factor.
                self.sleep(0.01 * (2**attempt) * (0.5 + self.jitter()))
                continue
            except DomainError as rejection:
                if not uow.verify and attempt + 1 < self.max_attempts:
                    # The warm cache may be behind another container's writes, and only an
                    # append notices that: decide a refusal again on freshly loaded state.
                    continue
                refused = base.rejected(
                    rejection.code, rejection.message, _jsonable(rejection.details)
                )
                record = self.log.finish(self._summarized(refused, ctx=ctx))
                return Outcome(record, repeated=record.status != "rejected")
            return self._succeeded(base, commits, ctx.undoes, ctx.redoes, ctx=ctx)
        raise ConflictsExhausted(
            f"command {base.command_id} lost {self.max_attempts} races for its stream(s)"
        )

    def _succeeded(
        self,
        base: CommandRecord,
        commits: list[Commit],
        undoes: str | None,
        redoes: str | None,
        ctx: HandlerContext | None = None,
    ) -> Outcome:
        # Links before the outcome: once a person sees the undo succeed, its target shows
        # undone, so their next undo or redo of it is decided on that. The commits are
        # stored already; a crash before the outcome is finished by the redelivery.
        if undoes:
            self.log.link_undo(undoes, base.command_id)
        if redoes:
            self.log.link_redo(redoes, base.command_id)
        done = base.succeeded(commits, undoes=undoes, redoes=redoes)
        return Outcome(self.log.finish(self._summarized(done, commits, ctx)))

    def _summarized(
        self,
        record: CommandRecord,
        commits: Sequence[Commit] = (),
        ctx: HandlerContext | None = None,
    ) -> CommandRecord:
        """The record with its summary, made from what this attempt already holds.

        The events come from the commits just written, the names from the aggregates
        the attempt loaded. Only a name it did not load (the album a photo left, or
        any name on a repeated delivery) costs a read, through the warm cache.
        """
        if self.summarizer is None:
            return record
        subjects: dict[str, Subject] = {}
        for aggregate in ctx.uow.aggregates() if ctx is not None else []:
            subject = subject_of(aggregate)
            if subject is not None:
                subjects[str(aggregate.id)] = subject
        extra: dict[str, Any] = ctx.extra if ctx is not None else {}
        target = extra.get("target")
        if target is None and (record.undoes or record.redoes):
            target = self.log.get(str(record.undoes or record.redoes))
        facts = SummaryFacts(
            record=record,
            events=[
                self.repository.to_domain(c.stored) for commit in commits for c in commit.events
            ],
            subjects=subjects,
            target=target,
            reversed_events=extra.get("reversed_events", ()) if extra.get("undoing") else (),
            lookup=self._subject,
        )
        try:
            summary = self.summarizer.summarize(facts)
        except Exception:
            # The outcome is written whatever a sentence costs: a renderer's bug must not send
            # a command that took effect to the DLQ. Reads then describe it from its payload.
            return record
        return record.model_copy(update={"summary": summary})

    def _subject(self, stream_id: str) -> Subject | None:
        loaded = self.repository.load(stream_id)
        return subject_of(loaded.aggregate) if loaded is not None else None

    def _recover(self, base: CommandRecord) -> Outcome:
        """A repeated delivery of an applied command: finish its bookkeeping, report it."""
        known = self.log.get(base.command_id)
        if known is not None and known.is_final:
            if known.undoes:
                self.log.link_undo(known.undoes, known.command_id)
            if known.redoes:
                self.log.link_redo(known.redoes, known.command_id)
            return Outcome(known, repeated=True)
        commits = self._own_commits(base)
        undoes, redoes = _links_of(base, self.log)
        outcome = self._succeeded(base, commits, undoes, redoes)
        return Outcome(outcome.record, repeated=True)

    def _own_commits(self, base: CommandRecord) -> list[Commit]:
        """The commits this command wrote, found in the streams it may have touched."""
        found = []
        for stream_id in _candidate_streams(base, self.log):
            last = self.repository.store.head(stream_id)
            if last is None:
                continue
            after = max(last.version - RECENT_COMMITS_TO_SEARCH, -1)
            found += [
                commit
                for commit in self.repository.store.read_commits(stream_id, after_version=after)
                if commit.command_id == base.command_id
            ]
        return found

    def record_failure(self, envelope: Envelope, error: Exception, final: bool) -> None:
        """An attempt crashed: count it; on the last receive mark the command failed."""
        self.log.record_failure(
            CommandRecord.accepted(envelope),
            CommandError(code="internal_error", message=f"{type(error).__name__}: {error}"),
            final=final,
        )

    def mark_last_attempt(self, envelope: Envelope) -> None:
        """Before the last receive's attempt: mark the command `failed`, counting nothing.

        Should the worker die during that attempt, nothing else would record why
        the message then sits in the DLQ; an outcome or a crash report replaces
        the mark.
        """
        self.log.record_failure(
            CommandRecord.accepted(envelope),
            CommandError(
                code="last_attempt_unfinished",
                message="The last attempt did not finish (its worker stopped); the command "
                "waits in the dead-letter queue, and `retake dlq redrive` runs it again.",
            ),
            final=True,
            count=False,
        )

    def reject_malformed(self, command_id: str, body: str, problem: str) -> CommandRecord:
        """A message that is not a valid command: rejected once, never retried."""
        record = CommandRecord(
            command_id=command_id,
            type="unknown",
            actor_id="unknown",
            aggregate_id="unknown",
            payload={"body": body[:2000]},
            issued_at=now_iso(),
            accepted_at=now_iso(),
        )
        return self.log.finish(record.rejected("malformed_command", problem, {}))


def _candidate_streams(base: CommandRecord, log: CommandLog) -> list[str]:
    payload = base.payload
    streams = [str(v) for k in ("album_id", "photo_id") if (v := payload.get(k))]
    streams += [str(photo_id) for photo_id in payload.get("photo_ids", [])]
    target_id = payload.get("target_command_id")
    if target_id:
        target = log.get(str(target_id))
        if target is not None:
            streams += [ref.stream_id for ref in target.events]
            streams += [str(v) for k in ("album_id", "photo_id") if (v := target.payload.get(k))]
    return list(dict.fromkeys(streams))


def _links_of(base: CommandRecord, log: CommandLog) -> tuple[str | None, str | None]:
    """(undoes, redoes) of a recovered undo or redo, resolved as its handler does."""
    target_id = base.payload.get("target_command_id")
    if not target_id:
        return None, None
    if base.type == "RedoCommand":
        return None, str(target_id)
    target = log.get(str(target_id))
    if target is not None and target.type == "UndoCommand" and target.undoes:
        return None, target.undoes
    if target is not None and target.type == "RedoCommand" and target.redoes:
        return target.redoes, None
    return str(target_id), None


def _jsonable(details: dict[str, object]) -> dict[str, object]:
    return {
        key: value if isinstance(value, (str, int, float, bool, list, type(None))) else str(value)
        for key, value in details.items()
    }


__all__ = ["CommandService", "ConflictsExhausted", "EventRef", "Outcome"]
