"""How read-model rows lie in DynamoDB items, and how listing cursors are made.

Each item holds its view's fields (None fields left out, floats as numbers)
plus the key attributes its table's indexes need:

    album-views    album_id (hash), AlbumView fields     by_owner: owner, created_at
    photo-views    photo_id (hash), PhotoView fields,    by_album: album_key, album_order
                   album_key, album_order                by_owner: owner, created_at
    tag-views      owner_tag (hash), photo_id (range), TagRow fields
    share-views    token (hash), ShareRow fields
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from pydantic import BaseModel

from projections.read_models import InvalidCursor
from projections.views import PhotoView, TagRow
from resources.definitions import READ_TABLES, Naming, TableSpec

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

    Item = Mapping[str, AttributeValueTypeDef]

M = TypeVar("M", bound=BaseModel)

_SERIALIZER = TypeSerializer()
_DESERIALIZER = TypeDeserializer()

#: Attributes an item holds for its indexes only, not part of the row's model.
INDEX_ONLY = ("album_key", "album_order", "owner_tag")


def row_item(row: BaseModel) -> dict[str, AttributeValueTypeDef]:
    """A view or derived row as an item, with the attributes its indexes are keyed on."""
    plain = json.loads(row.model_dump_json(), parse_float=Decimal)
    fields = {name: value for name, value in plain.items() if value is not None}
    if isinstance(row, PhotoView):
        fields |= {"album_key": row.album_key, "album_order": row.album_order}
    if isinstance(row, TagRow):
        fields["owner_tag"] = row.owner_tag
    return {name: _SERIALIZER.serialize(value) for name, value in fields.items()}


def row_from_item(model: type[M], item: Item) -> M:
    """The row an item holds (index-only attributes dropped)."""
    fields = {
        name: _plain(_DESERIALIZER.deserialize(value))
        for name, value in item.items()
        if name not in INDEX_ONLY
    }
    return model.model_validate(fields)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {key: _plain(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [_plain(inner) for inner in value]
    return value


# -- tables ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReadTables:
    """The physical names of the four read-model tables (in `READ_TABLES` order)."""

    albums: str
    photos: str
    tags: str
    shares: str

    @classmethod
    def of(cls, naming: Naming) -> ReadTables:
        return cls(*(naming.table(spec) for spec in READ_TABLES))


def key_names(spec: TableSpec) -> tuple[str, ...]:
    """The attributes of a table's primary key."""
    return tuple(key.name for key in (spec.hash_key, spec.range_key) if key is not None)


def index_keys(spec: TableSpec, index: str) -> tuple[str, ...]:
    """The attributes of a LastEvaluatedKey from an index: the table's key and the index's."""
    [found] = [candidate for candidate in spec.indexes if candidate.name == index]
    extra = tuple(key.name for key in (found.hash_key, found.range_key) if key is not None)
    return key_names(spec) + extra


# -- cursors ---------------------------------------------------------------------------


def encode_cursor(item: Item, key_attributes: Iterable[str]) -> str:
    """The opaque cursor that resumes a listing after `item`: its key, as JSON, in base64."""
    key = {name: item[name] for name in key_attributes}
    text = json.dumps(key, sort_keys=True, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode()


def decode_cursor(
    cursor: str, key_attributes: Iterable[str], partition: tuple[str, str]
) -> dict[str, AttributeValueTypeDef]:
    """The ExclusiveStartKey a cursor encodes; InvalidCursor unless this listing made it."""
    try:
        key = json.loads(base64.b64decode(cursor.encode(), altchars=b"-_", validate=True))
    except ValueError as exc:  # binascii.Error, UnicodeDecodeError and JSONDecodeError too
        raise InvalidCursor("That cursor was not handed out by this listing.") from exc
    attribute, value = partition
    if (
        not isinstance(key, dict)
        or set(key) != set(key_attributes)
        or not all(_is_string(attr) for attr in key.values())
        or key[attribute] != {"S": value}
    ):
        raise InvalidCursor("That cursor was not handed out by this listing.")
    return key


def _is_string(value: Any) -> bool:
    return isinstance(value, dict) and list(value) == ["S"] and isinstance(value["S"], str)
