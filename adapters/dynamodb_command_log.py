"""The command log on DynamoDB: one item per command, outcomes written once."""

from __future__ import annotations

import heapq
import itertools
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import boto3
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from commands.command_log import (
    FINAL,
    CommandError,
    CommandLog,
    CommandPage,
    CommandRecord,
    SearchFilters,
    decode_search_cursor,
    now_iso,
    take_page,
)
from commands.models import COMMAND_TYPES

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_SERIALIZER = TypeSerializer()
_DESERIALIZER = TypeDeserializer()
_MUTABLE_LATER = ("attempts", "failed_at", "undone_by", "redone_by")
#: Every value the `type` attribute takes ("unknown" marks a malformed message).
KNOWN_TYPES: tuple[str, ...] = (
    *(str(model.model_fields["type"].default) for model in COMMAND_TYPES),
    "unknown",
)
#: Items the first query of a partition asks for; later queries double it, up to the page.
FIRST_QUERY_LIMIT = 25
#: The attribute each search filter compares, and the index keyed by it (if any).
_FILTERED = (
    ("actor", "actor_id", "by_actor"),
    ("aggregate_id", "aggregate_id", "by_aggregate"),
    ("command_type", "type", "by_type"),
    ("status", "status", None),
)


def to_item(record: CommandRecord) -> dict[str, Any]:
    plain = json.loads(record.model_dump_json(), parse_float=Decimal)
    return {key: _SERIALIZER.serialize(value) for key, value in plain.items()}


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {key: _plain(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [_plain(inner) for inner in value]
    return value


def from_item(item: dict[str, Any]) -> CommandRecord:
    return CommandRecord.model_validate(
        {key: _plain(_DESERIALIZER.deserialize(value)) for key, value in item.items()}
    )


class DynamoDBCommandLog(CommandLog):
    def __init__(self, table: str, client: DynamoDBClient | None = None) -> None:
        self.table = table
        self._client = client

    @property
    def client(self) -> DynamoDBClient:
        if self._client is None:
            self._client = boto3.client("dynamodb")
        return self._client

    def record_accepted(self, record: CommandRecord) -> CommandRecord | None:
        try:
            self.client.put_item(
                TableName=self.table,
                Item=to_item(record),
                ConditionExpression="attribute_not_exists(command_id)",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except self.client.exceptions.ConditionalCheckFailedException as known:
            # Already known: a repeated submission changes nothing.
            item = known.response.get("Item")
            return from_item(dict(item)) if isinstance(item, dict) else self.get(record.command_id)
        return None

    def get(self, command_id: str) -> CommandRecord | None:
        response = self.client.get_item(
            TableName=self.table, Key={"command_id": {"S": command_id}}, ConsistentRead=True
        )
        item = response.get("Item")
        return from_item(item) if item else None

    def finish(self, record: CommandRecord) -> CommandRecord:
        item = to_item(record)
        fields = [key for key in item if key != "command_id" and key not in _MUTABLE_LATER]
        names = {f"#f{i}": key for i, key in enumerate(fields)}
        values = {f":v{i}": item[key] for i, key in enumerate(fields)}
        values |= {":succeeded": {"S": "succeeded"}, ":rejected": {"S": "rejected"}}
        names["#status"] = "status"
        try:
            # Write-once: a second delivery must not overwrite the first final outcome.
            response = self.client.update_item(
                TableName=self.table,
                Key={"command_id": {"S": record.command_id}},
                UpdateExpression="SET " + ", ".join(f"#f{i} = :v{i}" for i in range(len(fields))),
                ConditionExpression=(
                    "attribute_not_exists(command_id) OR NOT (#status IN (:succeeded, :rejected))"
                ),
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
                # The stored record keeps attempts, failed_at and links written before.
                ReturnValues="ALL_NEW",
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            existing = self.get(record.command_id)
            if existing is not None and existing.status in FINAL:
                return existing
            raise
        return from_item(response["Attributes"])

    def record_failure(
        self, record: CommandRecord, error: CommandError, final: bool, count: bool = True
    ) -> None:
        item = to_item(record)
        sets = {
            key: item[key]
            for key in ("type", "actor_id", "aggregate_id", "issued_at", "payload", "priority")
        }
        names = {f"#b{i}": key for i, key in enumerate(sets)}
        values = {f":b{i}": value for i, value in enumerate(sets.values())}
        expression = [f"#b{i} = if_not_exists(#b{i}, :b{i})" for i in range(len(sets))]
        expression.append("#error = :error")
        names |= {"#error": "error", "#status": "status", "#attempts": "attempts"}
        values |= {
            ":error": to_item(record.model_copy(update={"error": error}))["error"],
            ":one": {"N": "1" if count else "0"},
            ":zero": {"N": "0"},
            ":succeeded": {"S": "succeeded"},
            ":rejected": {"S": "rejected"},
        }
        expression.append("#attempts = if_not_exists(#attempts, :zero) + :one")
        if final:
            expression += ["#status = :failed", "failed_at = :now"]
            values |= {":failed": {"S": "failed"}, ":now": {"S": now_iso()}}
        else:
            expression.append("#status = if_not_exists(#status, :accepted)")
            values[":accepted"] = {"S": "accepted"}
        try:
            self.client.update_item(
                TableName=self.table,
                Key={"command_id": {"S": record.command_id}},
                UpdateExpression="SET " + ", ".join(expression),
                ConditionExpression=(
                    "attribute_not_exists(command_id) OR NOT (#status IN (:succeeded, :rejected))"
                ),
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            pass  # already final: a late failure report changes nothing

    def _link(self, target_id: str, field: str, command_id: str) -> None:
        try:
            # Idempotent append: only when the id is not in the list yet.
            self.client.update_item(
                TableName=self.table,
                Key={"command_id": {"S": target_id}},
                UpdateExpression="SET #l = list_append(if_not_exists(#l, :empty), :new)",
                ConditionExpression=(
                    "attribute_exists(command_id) "
                    "AND (attribute_not_exists(#l) OR NOT contains(#l, :id))"
                ),
                ExpressionAttributeNames={"#l": field},
                ExpressionAttributeValues={
                    ":empty": {"L": []},
                    ":new": {"L": [{"S": command_id}]},
                    ":id": {"S": command_id},
                },
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            pass

    def link_undo(self, target_id: str, undo_id: str) -> None:
        self._link(target_id, "undone_by", undo_id)

    def link_redo(self, target_id: str, redo_id: str) -> None:
        self._link(target_id, "redone_by", redo_id)

    def history(self, actor_id: str, limit: int = 50) -> list[CommandRecord]:
        response = self.client.query(
            TableName=self.table,
            IndexName="by_actor",
            KeyConditionExpression="actor_id = :actor",
            ExpressionAttributeValues={":actor": {"S": actor_id}},
            ScanIndexForward=False,
            Limit=limit,
        )
        return [from_item(item) for item in response.get("Items", [])]

    # -- the audit trail ------------------------------------------------------------------

    def search(
        self,
        *,
        actor: str | None = None,
        command_type: str | None = None,
        aggregate_id: str | None = None,
        status: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> CommandPage:
        """Query the narrowest index; the other filters travel as a FilterExpression.

        An actor, aggregate or command type picks its index's one partition. A
        time range alone walks `by_day` over its days, newest first; when the
        range spans more days than there are command types (or there is no range),
        the type partitions of `by_type` are merged instead, which bounds the
        number of partitions read.
        """
        filters = SearchFilters.of(actor, command_type, aggregate_id, status, since, until)
        upper = filters.until
        if cursor:
            position = decode_search_cursor(cursor)[0]
            upper = position if upper is None else min(upper, position)
        page_size = min(max(limit + 1, 25), 1000)
        candidates = self._candidates(filters, filters.since, upper, page_size)
        return take_page(candidates, filters, limit, cursor)

    def _candidates(
        self, filters: SearchFilters, lower: str | None, upper: str | None, page_size: int
    ) -> Iterator[CommandRecord]:
        for name, attribute, index in _FILTERED:
            value = getattr(filters, name)
            if value is not None and index is not None:
                return self._newest_first(index, attribute, value, filters, lower, upper, page_size)
        days = _days(lower, upper, at_most=len(KNOWN_TYPES)) if lower else None
        if days is not None:
            return itertools.chain.from_iterable(
                self._newest_first("by_day", "issued_day", day, filters, lower, upper, page_size)
                for day in days
            )
        return heapq.merge(
            *(
                self._newest_first("by_type", "type", kind, filters, lower, upper, page_size)
                for kind in KNOWN_TYPES
            ),
            key=lambda record: record.issued_at,
            reverse=True,
        )

    def _newest_first(
        self,
        index: str,
        attribute: str,
        value: str,
        filters: SearchFilters,
        lower: str | None,
        upper: str | None,
        page_size: int,
    ) -> Iterator[CommandRecord]:
        """One index partition, newest first, read lazily a page at a time."""
        if lower is not None and upper is not None and lower > upper:
            return
        names = {"#key": attribute}
        if lower is not None or upper is not None:
            names["#at"] = "issued_at"
        values: dict[str, Any] = {":key": {"S": value}}
        condition = "#key = :key"
        if lower is not None and upper is not None:
            condition += " AND #at BETWEEN :lower AND :upper"
        elif lower is not None:
            condition += " AND #at >= :lower"
        elif upper is not None:
            condition += " AND #at <= :upper"
        values |= {f":{bound}": {"S": at} for bound, at in (("lower", lower), ("upper", upper))
                   if at is not None}  # fmt: skip
        clauses = []
        for number, (name, other, _) in enumerate(_FILTERED):
            wanted = getattr(filters, name)
            if wanted is not None and other != attribute:
                names[f"#f{number}"] = other
                values[f":f{number}"] = {"S": wanted}
                clauses.append(f"#f{number} = :f{number}")
        request: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": index,
            "KeyConditionExpression": condition,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
            "ScanIndexForward": False,
        }
        if clauses:
            request["FilterExpression"] = " AND ".join(clauses)
        # Start small and double: a merge over many partitions consumes few items from
        # most of them, and every item a query returns costs read capacity.
        limit = min(FIRST_QUERY_LIMIT, page_size)
        while True:
            response = self.client.query(**request, Limit=limit)
            yield from (from_item(item) for item in response.get("Items", []))
            last = response.get("LastEvaluatedKey")
            if not last:
                return
            request["ExclusiveStartKey"] = last
            limit = min(limit * 2, page_size)


def _days(lower: str, upper: str | None, at_most: int) -> list[str] | None:
    """The UTC days from `upper` (or tomorrow, allowing for clock skew) down to `lower`.

    None when there are more than `at_most` of them.
    """
    first = date.fromisoformat(lower[:10])
    last = date.fromisoformat(upper[:10]) if upper else datetime.now(UTC).date() + timedelta(days=1)
    count = (last - first).days + 1
    if count > at_most:
        return None
    return [(last - timedelta(days=offset)).isoformat() for offset in range(max(count, 0))]
