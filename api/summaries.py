"""Every record the API returns says what it did in one sentence (`summary`).

A finished record carries the summary the worker wrote with its outcome; one
still queued (or failed, or older than summaries) is described now, from its
payload alone: no read per row.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from commands.command_log import CommandRecord
from projections.summaries import summary_of

R = TypeVar("R", bound=CommandRecord)


def described(record: R) -> R:
    """The record with its summary: the stored one, or one made from its payload."""
    summary = summary_of(record)
    return record if summary == record.summary else record.model_copy(update={"summary": summary})


def all_described(records: Iterable[R]) -> list[R]:
    return [described(record) for record in records]
