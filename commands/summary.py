"""The port through which the worker writes a command's summary with its outcome.

A summary is one sentence a person reads ("Alice Liddell renamed the album
"Paris" to "Paris 2024""). The worker hands the summarizer what it already
has: the record with its outcome, the events it just produced (each carries
its before value), what the albums and photos it loaded were called, and, for
an undo or redo, the target and the events taken back. The composition root
wires the renderer (`projections.summaries`); the write core never imports it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from commands.command_log import CommandRecord


@dataclass(frozen=True)
class Subject:
    """What an album or photo (or person) was called when the command ran."""

    kind: str
    title: str
    filename: str | None = None


def subject_of(aggregate: Any) -> Subject | None:
    """The subject of a loaded aggregate, or None for one that has no name to show."""
    kind = type(aggregate).__name__.lower()
    title = getattr(aggregate, "title", None)
    if isinstance(title, str):
        return Subject(kind, title, getattr(aggregate, "filename", None))
    name = getattr(aggregate, "display_name", None)
    return Subject(kind, name) if isinstance(name, str) else None


#: One extra read for a name the command did not load (the album a photo left).
SubjectLookup = Callable[[str], "Subject | None"]


def _nothing(stream_id: str) -> Subject | None:
    return None


@dataclass(frozen=True)
class SummaryFacts:
    """What the worker knows when a command reaches its outcome."""

    record: CommandRecord
    #: The domain events the command produced, in order (none when refused).
    events: Sequence[Any] = ()
    #: Stream id -> what that album or photo is called after the command.
    subjects: Mapping[str, Subject] = field(default_factory=dict)
    #: An undo or redo: the original command it acts on.
    target: CommandRecord | None = None
    #: An undo: the events whose effect it took back (the target's, or its latest redo's).
    reversed_events: Sequence[Any] = ()
    lookup: SubjectLookup = _nothing


class Summarizer(Protocol):
    def summarize(self, facts: SummaryFacts) -> str:
        """One plain-English sentence for the command's outcome."""
