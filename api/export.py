"""The audit trail as CSV or JSON Lines: every matching record, newest first.

JSON Lines is one `CommandRecord` JSON per line and parses back exactly. CSV
has a header row of the record's fields; nested fields (payload, events,
error, lists of ids) are JSON inside their cell, and an empty cell means
null, so `record_from_csv_row` rebuilds the record (an empty `reason` string
reads back as null, the one thing CSV cannot tell apart).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any

from commands.command_log import CommandLog, CommandRecord

COLUMNS: tuple[str, ...] = tuple(CommandRecord.model_fields)
_JSON_COLUMNS = frozenset({"actor_groups", "payload", "events", "error", "undone_by", "redone_by"})
#: Records per search while exporting: large, as each search re-reads its partitions
#: from the previous page's position.
EXPORT_PAGE = 1000


def all_matching(log: CommandLog, **filters: Any) -> Iterator[CommandRecord]:
    """Every record a search matches, page after page."""
    cursor: str | None = None
    while True:
        page = log.search(**filters, limit=EXPORT_PAGE, cursor=cursor)
        yield from page.items
        cursor = page.cursor
        if cursor is None:
            return


def _cell(column: str, value: Any) -> str:
    if value is None:
        return ""
    if column in _JSON_COLUMNS:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def to_csv(records: Iterable[CommandRecord]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for record in records:
        data = record.model_dump(mode="json")
        writer.writerow([_cell(column, data[column]) for column in COLUMNS])
    return buffer.getvalue()


def to_jsonl(records: Iterable[CommandRecord]) -> str:
    return "".join(record.model_dump_json() + "\n" for record in records)


def record_from_csv_row(row: dict[str, str]) -> CommandRecord:
    """A record from one CSV row of `to_csv` (as `csv.DictReader` reads it)."""
    data: dict[str, Any] = {}
    for column in COLUMNS:
        text = row.get(column, "")
        if text == "":
            continue
        data[column] = json.loads(text) if column in _JSON_COLUMNS else text
    return CommandRecord.model_validate(data)


def parse_csv(text: str) -> list[CommandRecord]:
    return [record_from_csv_row(row) for row in csv.DictReader(io.StringIO(text))]


def parse_jsonl(text: str) -> list[CommandRecord]:
    return [CommandRecord.model_validate_json(line) for line in text.splitlines() if line]
