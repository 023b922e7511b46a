"""The read models on DynamoDB: four lean tables, conditional writes, paged listings.

Item layouts are in `adapters.read_model_items`. Listings query one partition
of a table or index with `Limit` = page size + 1, so a page knows whether
another follows and the last page carries no cursor (as in memory). A cursor
is the key of the page's last row, as JSON in url-safe base64. On DynamoDB two
rows with the same `created_at` come back in an order of the index's choosing
(in memory: by id); timestamps carry microseconds, so that is a rare tie.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import boto3
from botocore.exceptions import ClientError
from pydantic import BaseModel

from adapters.dynamodb_event_store import StoreStats
from adapters.dynamodb_requests import TableRequests
from adapters.read_model_items import (
    ReadTables,
    decode_cursor,
    encode_cursor,
    index_keys,
    key_names,
    row_from_item,
    row_item,
)
from projections.read_models import ReadModels, StaleView
from projections.views import AlbumView, Page, PhotoView, ShareRow, TagRow
from resources.definitions import (
    ALBUM_VIEWS,
    PHOTO_VIEWS,
    READ_TABLES,
    TAG_VIEWS,
    Naming,
    TableSpec,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import (
        AttributeValueTypeDef,
        KeysAndAttributesTypeDef,
        QueryInputTypeDef,
        WriteRequestTypeDef,
    )

    from adapters.read_model_items import Item

T = TypeVar("T", bound=BaseModel)

# A newer row may already be stored (written by a projector that saw a later version of
# the same aggregate); an older one must never replace it. A failed condition is that race
# lost by the older writer, and the right outcome is to leave the newer row alone.
ABSENT_OR_NOT_NEWER = "attribute_not_exists(#v) OR #v <= :v"
NOT_NEWER = "#v <= :v"
_VERSION = {"#v": "version"}


class DynamoDBReadModels(ReadModels):
    """The read-model port on the four tables of `resources.definitions.READ_TABLES`."""

    def __init__(
        self,
        tables: Naming | ReadTables,
        client: DynamoDBClient | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.tables = tables if isinstance(tables, ReadTables) else ReadTables.of(tables)
        names = (self.tables.albums, self.tables.photos, self.tables.tags, self.tables.shares)
        #: (physical name, definition, row model) of each table, in `READ_TABLES` order.
        self._layout = list(zip(names, READ_TABLES, _MODELS, strict=True))
        self._client = client
        self._client_lock = threading.Lock()
        self.stats = StoreStats()
        self.requests = TableRequests(lambda: self.client, self.stats, sleep)

    @property
    def client(self) -> DynamoDBClient:
        with self._client_lock:
            if self._client is None:
                self._client = boto3.client("dynamodb")
            return self._client

    # -- reads -------------------------------------------------------------------------

    def _get(self, table: str, key: dict[str, AttributeValueTypeDef]) -> Item | None:
        # Consistent: the projector reads a view to write the next version of it.
        response = self.client.get_item(TableName=table, Key=key, ConsistentRead=True)
        item = response.get("Item")
        self.stats.add(requests=1, items_read=1 if item else 0)
        return item

    def get_album(self, album_id: str) -> AlbumView | None:
        item = self._get(self.tables.albums, {"album_id": {"S": album_id}})
        return row_from_item(AlbumView, item) if item else None

    def get_photo(self, photo_id: str) -> PhotoView | None:
        item = self._get(self.tables.photos, {"photo_id": {"S": photo_id}})
        return row_from_item(PhotoView, item) if item else None

    def get_photos(self, photo_ids: Sequence[str]) -> list[PhotoView]:
        wanted = list(dict.fromkeys(photo_ids))  # BatchGetItem refuses a repeated key
        items = self.requests.get(self.tables.photos, [{"photo_id": {"S": pid}} for pid in wanted])
        found = {view.photo_id: view for view in (row_from_item(PhotoView, i) for i in items)}
        return [found[pid] for pid in photo_ids if pid in found]

    def get_share(self, token: str) -> ShareRow | None:
        item = self._get(self.tables.shares, {"token": {"S": token}})
        return row_from_item(ShareRow, item) if item else None

    def albums_of(
        self, owner: str, *, limit: int = 50, cursor: str | None = None
    ) -> Page[AlbumView]:
        return self._list(AlbumView, ALBUM_VIEWS, "by_owner", owner, limit, cursor)

    def photos_in(
        self, album_key: str, *, limit: int = 50, cursor: str | None = None
    ) -> Page[PhotoView]:
        return self._list(PhotoView, PHOTO_VIEWS, "by_album", album_key, limit, cursor)

    def photos_of(
        self, owner: str, *, limit: int = 50, cursor: str | None = None
    ) -> Page[PhotoView]:
        return self._list(PhotoView, PHOTO_VIEWS, "by_owner", owner, limit, cursor)

    def tagged(
        self, owner: str, tag: str, *, limit: int = 50, cursor: str | None = None
    ) -> Page[TagRow]:
        return self._list(TagRow, TAG_VIEWS, None, f"{owner}#{tag}", limit, cursor)

    def _list(
        self,
        model: type[T],
        spec: TableSpec,
        index: str | None,
        value: str,
        limit: int,
        cursor: str | None,
    ) -> Page[T]:
        """One page of a partition of a table (or of one of its indexes), in key order."""
        if limit < 1:
            raise ValueError("a page holds at least one row")
        [table] = [name for name, candidate, _ in self._layout if candidate is spec]
        keys = index_keys(spec, index) if index else key_names(spec)
        partition = (keys[len(key_names(spec))] if index else spec.hash_key.name, value)
        request: QueryInputTypeDef = {
            "TableName": table,
            "KeyConditionExpression": "#p = :p",
            "ExpressionAttributeNames": {"#p": partition[0]},
            "ExpressionAttributeValues": {":p": {"S": value}},
        }
        if index:
            request["IndexName"] = index
        if cursor:
            request["ExclusiveStartKey"] = decode_cursor(cursor, keys, partition)
        items, more = self.requests.page(request, limit)
        return Page[T](
            items=[row_from_item(model, item) for item in items],
            cursor=encode_cursor(items[-1], keys) if more else None,
        )

    def view_versions(self, stream_ids: Sequence[str]) -> dict[str, int]:
        # A stream id names an album or a photo, so ask both tables for it, in one
        # BatchGetItem, and read only the key and version of what exists.
        wanted = list(dict.fromkeys(stream_ids))  # BatchGetItem refuses a repeated key
        keys = {self.tables.albums: "album_id", self.tables.photos: "photo_id"}
        requests: dict[str, KeysAndAttributesTypeDef] = {
            table: {
                "Keys": [{key: {"S": stream_id}} for stream_id in wanted],
                "ProjectionExpression": "#k, #v",
                "ExpressionAttributeNames": {"#k": key} | _VERSION,
                # Consistent, as the views' own reads are: "projected" then holds for them.
                "ConsistentRead": True,
            }
            for table, key in keys.items()
        }
        found = self.requests.get_across(requests)
        return {
            item[key]["S"]: int(item["version"]["N"])
            for table, key in keys.items()
            for item in found[table]
        }

    # -- writes ------------------------------------------------------------------------

    def put_view(self, view: AlbumView | PhotoView, expected_version: int | None) -> None:
        table, key = (
            (self.tables.albums, "album_id")
            if isinstance(view, AlbumView)
            else (self.tables.photos, "photo_id")
        )
        # Two projectors may read the same view and both write its next state. Conditioning
        # on the version each one read lets exactly one win; the loser reloads and reapplies.
        # With nothing read (expected None), the row must still be absent.
        request: dict[str, Any] = {"TableName": table, "Item": row_item(view)}
        if expected_version is None:
            request |= {
                "ConditionExpression": "attribute_not_exists(#k)",
                "ExpressionAttributeNames": {"#k": key},
            }
        else:
            request |= {
                "ConditionExpression": "#v = :expected",
                "ExpressionAttributeNames": _VERSION,
                "ExpressionAttributeValues": {":expected": {"N": str(expected_version)}},
            }
        self.stats.add(requests=1, items_written=1)
        try:
            self.client.put_item(**request)
        except ClientError as exc:
            if _error_code(exc) != "ConditionalCheckFailedException":
                raise
            raise StaleView(f"view {getattr(view, key)} is not at {expected_version}") from exc

    def put_tags(self, rows: Sequence[TagRow], removed: Sequence[TagRow]) -> None:
        self._put_newer(self.tables.tags, rows, removed, ("owner_tag", "photo_id"))

    def put_shares(self, rows: Sequence[ShareRow], removed: Sequence[ShareRow]) -> None:
        self._put_newer(self.tables.shares, rows, removed, ("token",))

    def _put_newer(
        self,
        table: str,
        rows: Sequence[TagRow] | Sequence[ShareRow],
        removed: Sequence[TagRow] | Sequence[ShareRow],
        key_names: tuple[str, ...],
    ) -> None:
        for row in rows:
            self._conditionally(
                self.client.put_item,
                TableName=table,
                Item=row_item(row),
                ConditionExpression=ABSENT_OR_NOT_NEWER,
                ExpressionAttributeNames=_VERSION,
                ExpressionAttributeValues={":v": {"N": str(row.version)}},
            )
        for row in removed:
            item = row_item(row)
            self._conditionally(
                self.client.delete_item,
                TableName=table,
                Key={name: item[name] for name in key_names},
                ConditionExpression=NOT_NEWER,
                ExpressionAttributeNames=_VERSION,
                ExpressionAttributeValues={":v": {"N": str(row.version)}},
            )

    def _conditionally(self, write: Callable[..., Any], **request: Any) -> None:
        """A write that may lose to a newer row: a failed condition is an outcome, not an error."""
        self.stats.add(requests=1, items_written=1)
        try:
            write(**request)
        except ClientError as exc:
            if _error_code(exc) != "ConditionalCheckFailedException":
                raise

    # -- the rebuild -------------------------------------------------------------------

    def bulk_load(
        self,
        views: Sequence[AlbumView | PhotoView] = (),
        tags: Sequence[TagRow] = (),
        shares: Sequence[ShareRow] = (),
    ) -> None:
        """BatchWriteItem, 25 rows a request across the tables, unconditionally."""
        # A key twice in one request is refused, so a repeated row keeps its last version.
        writes: dict[tuple[str, ...], tuple[str, dict[str, AttributeValueTypeDef]]] = {}
        places = {model: (table, spec) for table, spec, model in self._layout}
        for row in [*views, *tags, *shares]:
            table, spec = places[type(row)]
            writes[(table, *(str(getattr(row, k)) for k in key_names(spec)))] = (
                table,
                row_item(row),
            )
        self.requests.write(
            [(table, {"PutRequest": {"Item": item}}) for table, item in writes.values()]
        )

    def clear(self) -> None:
        deletes: list[tuple[str, WriteRequestTypeDef]] = []
        for table, spec, _ in self._layout:
            keys = key_names(spec)
            deletes += [
                (table, {"DeleteRequest": {"Key": {name: item[name] for name in keys}}})
                for item in self.requests.scan(table)
            ]
        self.requests.write(deletes)

    def dump(self) -> dict[str, list[dict[str, Any]]]:
        dumped: dict[str, list[dict[str, Any]]] = {}
        for table, spec, model in self._layout:
            rows = [row_from_item(model, item) for item in self.requests.scan(table)]
            dumped[spec.name] = sorted((row.model_dump(mode="json") for row in rows), key=repr)
        return dumped


_MODELS: tuple[type[BaseModel], ...] = (AlbumView, PhotoView, TagRow, ShareRow)


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))
