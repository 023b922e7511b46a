"""DynamoDB requests over many items: batches with their limits and retries, pages, scans.

BatchGetItem takes at most 100 keys and BatchWriteItem 25 writes a request, and
either may hand back part of the work unprocessed when throttled: that part is
retried with exponential backoff until done (or given up on, loudly). Every
request is counted in `stats`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

from adapters.dynamodb_event_store import StoreStats

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import (
        AttributeValueTypeDef,
        KeysAndAttributesTypeDef,
        QueryInputTypeDef,
        WriteRequestTypeDef,
    )

    from adapters.read_model_items import Item

BATCH_GET_LIMIT = 100
BATCH_WRITE_LIMIT = 25
MAX_BATCH_ATTEMPTS = 8


class Unprocessed(RuntimeError):
    """DynamoDB kept handing work back unprocessed; the caller should retry later."""


class TableRequests:
    def __init__(
        self,
        client: Callable[[], DynamoDBClient],
        stats: StoreStats,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client = client
        self.stats = stats
        self.sleep = sleep

    def get(self, table: str, keys: Sequence[dict[str, AttributeValueTypeDef]]) -> list[Item]:
        """The items with these (distinct) keys that exist, in no particular order."""
        return self.get_across({table: {"Keys": keys}})[table]

    def get_across(self, requests: Mapping[str, KeysAndAttributesTypeDef]) -> dict[str, list[Item]]:
        """Each table's items with its (distinct) keys that exist, 100 keys a request across tables.

        A table's other settings (a projection, consistent reads) go with its keys in every request.
        """
        keys = [(table, key) for table, request in requests.items() for key in request["Keys"]]
        found: dict[str, list[Item]] = {table: [] for table in requests}
        for start in range(0, len(keys), BATCH_GET_LIMIT):
            chunk: dict[str, list[Any]] = {}
            for table, key in keys[start : start + BATCH_GET_LIMIT]:
                chunk.setdefault(table, []).append(key)
            pending: dict[str, KeysAndAttributesTypeDef] = {
                table: {**requests[table], "Keys": part} for table, part in chunk.items()
            }
            for attempt in range(MAX_BATCH_ATTEMPTS):
                response = self._client().batch_get_item(RequestItems=pending)
                responses = response.get("Responses", {})
                for table, items in responses.items():
                    found[table] += items
                self.stats.add(requests=1, items_read=sum(map(len, responses.values())))
                pending = cast(
                    "dict[str, KeysAndAttributesTypeDef]",
                    dict(response.get("UnprocessedKeys") or {}),
                )
                if not pending:
                    break
                self._back_off(attempt)
            else:
                raise Unprocessed(f"DynamoDB kept keys of {', '.join(pending)} unprocessed")
        return found

    def write(self, requests: Sequence[tuple[str, WriteRequestTypeDef]]) -> None:
        """(table, put or delete request) pairs, 25 a request whatever their tables."""
        for start in range(0, len(requests), BATCH_WRITE_LIMIT):
            pending: dict[str, list[WriteRequestTypeDef]] = {}
            for table, request in requests[start : start + BATCH_WRITE_LIMIT]:
                pending.setdefault(table, []).append(request)
            for attempt in range(MAX_BATCH_ATTEMPTS):
                response = self._client().batch_write_item(RequestItems=pending)
                unprocessed = cast(
                    "dict[str, list[WriteRequestTypeDef]]",
                    {t: list(r) for t, r in (response.get("UnprocessedItems") or {}).items()},
                )
                done = sum(map(len, pending.values())) - sum(map(len, unprocessed.values()))
                self.stats.add(requests=1, items_written=done)
                pending = unprocessed
                if not pending:
                    break
                self._back_off(attempt)
            else:
                raise Unprocessed("DynamoDB kept batch writes unprocessed")

    def scan(self, table: str) -> list[Item]:
        """Every item of a table (for rebuilds and comparisons, not the request path)."""
        items: list[Item] = []
        request: dict[str, Any] = {"TableName": table, "ConsistentRead": True}
        while True:
            response = self._client().scan(**request)
            self.stats.add(requests=1, items_read=response.get("ScannedCount", 0))
            items += response["Items"]
            if "LastEvaluatedKey" not in response:
                return items
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def page(self, request: QueryInputTypeDef, limit: int) -> tuple[list[Item], bool]:
        """Up to `limit` items of a query, and whether more follow (read: limit + 1)."""
        items: list[Item] = []
        request["Limit"] = limit + 1
        while True:
            response = self._client().query(**request)
            self.stats.add(requests=1, items_read=response.get("ScannedCount", 0))
            items += response["Items"]
            # A response stops short of Limit at 1 MB; keep reading until the page is full.
            if len(items) > limit or "LastEvaluatedKey" not in response:
                return items[:limit], len(items) > limit
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
            request["Limit"] = limit + 1 - len(items)

    def _back_off(self, attempt: int) -> None:
        self.sleep(min(0.05 * 2**attempt, 2.0))
