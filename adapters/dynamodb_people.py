"""The people read model on DynamoDB: one table (`resources.definitions.PEOPLE`).

    pk 'person#<stream id>'    sk 'profile'              the person (a PersonRecord)
    pk 'term#<first char>'     sk '<term>#<sub>'         one row per search term

The profile is keyed by the person's stream id (`domain.person.person_stream_id`
of their sub), so both a person (by sub) and a Person stream (read-your-writes)
find it with one GetItem. A prefix search is one Query of one term partition,
`begins_with(sk, query)`, in order, and one BatchGetItem of the profiles it met.

Writes read the profile (consistently), change it, and put it back on the
condition that its `revision` is still the one read: two writers (a sign-in
and the projector) never lose each other's change, and a display name is
applied only if newer than the one held, so a stale one never overwrites it.
Term rows carry the revision that wrote them; a write puts its new terms before
the profile (the commit point) and deletes the terms it dropped after, each on
the condition that the row holds no newer revision. A crash in between leaves
at worst a term the person no longer has, which a search skips.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import boto3
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from adapters.dynamodb_event_store import StoreStats
from adapters.dynamodb_requests import TableRequests
from domain.person import person_stream_id
from projections.people import (
    QUERY_MAX,
    PeoplePage,
    PersonIdentity,
    PersonRecord,
    PersonView,
    TermRows,
    decode_cursor,
    normalise,
    partition_of,
    search_page,
    term_key,
)
from projections.read_models import StaleView

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef, QueryInputTypeDef

    from adapters.read_model_items import Item

PROFILE = "profile"
#: Term rows read per Query: a person has a handful of terms, so a page of people
#: usually comes from one Query.
TERMS_PER_PERSON = 4
MAX_ATTEMPTS = 10

_SERIALIZER = TypeSerializer()
_DESERIALIZER = TypeDeserializer()
# A term row holds no newer write of its person than this one (or does not exist yet).
_NOT_NEWER = "attribute_not_exists(pk) OR revision <= :revision"


def profile_key(person_id: str) -> dict[str, AttributeValueTypeDef]:
    return _stream_key(str(person_stream_id(person_id)))


def _stream_key(stream_id: str) -> dict[str, AttributeValueTypeDef]:
    return {"pk": {"S": f"person#{stream_id}"}, "sk": {"S": PROFILE}}


def term_row_key(term: str, person_id: str) -> dict[str, AttributeValueTypeDef]:
    return {"pk": {"S": partition_of(term)}, "sk": {"S": term_key(term, person_id)}}


def record_item(record: PersonRecord) -> dict[str, AttributeValueTypeDef]:
    fields: dict[str, Any] = {
        "person_id": record.person_id,
        "username": record.username,
        "email": record.email,
        "cognito_name": record.cognito_name,
        "chosen_name": record.chosen_name,
        "groups": list(record.groups),
        "first_seen": record.first_seen,
        "last_seen": record.last_seen,
        "version": record.version,
        "revision": record.revision,
        "terms": sorted(record.terms),
    }
    item = {name: _SERIALIZER.serialize(value) for name, value in fields.items()
            if value is not None}  # fmt: skip
    return {**profile_key(record.person_id), **item}


def record_from_item(item: Item) -> PersonRecord:
    plain = {name: _DESERIALIZER.deserialize(value) for name, value in item.items()}
    return PersonRecord(
        person_id=str(plain["person_id"]),
        username=plain.get("username"),
        email=plain.get("email"),
        cognito_name=plain.get("cognito_name"),
        chosen_name=plain.get("chosen_name"),
        groups=tuple(str(group) for group in plain.get("groups", [])),
        first_seen=plain.get("first_seen"),
        last_seen=plain.get("last_seen"),
        version=int(plain.get("version", Decimal(0))),
        revision=int(plain.get("revision", Decimal(0))),
        terms=frozenset(str(term) for term in plain.get("terms", [])),
    )


class DynamoDBPeople:
    """The people port on the `people` table."""

    def __init__(
        self,
        table: str,
        client: DynamoDBClient | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.table = table
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

    def _record(self, person_id: str, *, consistent: bool = False) -> PersonRecord | None:
        response = self.client.get_item(
            TableName=self.table, Key=profile_key(person_id), ConsistentRead=consistent
        )
        item = response.get("Item")
        self.stats.add(requests=1, items_read=1 if item else 0)
        return record_from_item(item) if item else None

    def _records(self, person_ids: Sequence[str]) -> dict[str, PersonRecord]:
        wanted = list(dict.fromkeys(person_ids))  # BatchGetItem refuses a repeated key
        if not wanted:
            return {}
        items = self.requests.get(self.table, [profile_key(person_id) for person_id in wanted])
        records = (record_from_item(item) for item in items)
        return {record.person_id: record for record in records}

    def get(self, person_id: str) -> PersonView | None:
        record = self._record(person_id)
        return record.view() if record is not None else None

    def get_many(self, person_ids: Sequence[str]) -> dict[str, PersonView]:
        views = {pid: record.view() for pid, record in self._records(person_ids).items()}
        return {person_id: view for person_id, view in views.items() if view is not None}

    def by_username(self, username: str) -> PersonView | None:
        wanted = normalise(username)
        if not wanted:
            return None
        # The username is one of the person's terms: its rows are those keyed `<username>#`.
        rows = list(self._term_rows(f"{wanted}#", wanted, None, batch=10))
        people = self._records([person_id for batch in rows for _, person_id in batch])
        for person_id in sorted(people):
            view = people[person_id].view()
            if view is not None and normalise(view.username) == wanted:
                return view
        return None

    def search(self, query: str, limit: int = 20, cursor: str | None = None) -> PeoplePage:
        wanted = normalise(query)[:QUERY_MAX]
        if not wanted:
            return PeoplePage(items=[])
        after = decode_cursor(wanted, cursor) if cursor else None
        limit = max(1, limit)
        batches = self._term_rows(wanted, wanted, after, batch=limit * TERMS_PER_PERSON + 1)
        return search_page(wanted, limit, batches, self._records)

    def _term_rows(
        self, prefix: str, query: str, after: str | None, *, batch: int
    ) -> Iterator[TermRows]:
        """The term rows whose key starts with `prefix`, in order, one Query at a time."""
        request: QueryInputTypeDef = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
            "ExpressionAttributeValues": {
                ":pk": {"S": partition_of(query)},
                ":prefix": {"S": prefix},
            },
            "ProjectionExpression": "sk, person_id",
            "Limit": min(batch, 1000),
        }
        if after is not None:
            request["ExclusiveStartKey"] = {"pk": {"S": partition_of(query)}, "sk": {"S": after}}
        while True:
            response = self.client.query(**request)
            self.stats.add(requests=1, items_read=response.get("ScannedCount", 0))
            yield [(item["sk"]["S"], item["person_id"]["S"]) for item in response["Items"]]
            if "LastEvaluatedKey" not in response:
                return
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def versions(self, stream_ids: Sequence[str]) -> dict[str, int]:
        wanted = list(dict.fromkeys(stream_ids))
        if not wanted:
            return {}
        items = self.requests.get(self.table, [_stream_key(stream_id) for stream_id in wanted])
        records = (record_from_item(item) for item in items)
        return {record.stream_id: record.version for record in records}

    # -- writes ------------------------------------------------------------------------

    def record_identity(self, identity: PersonIdentity) -> PersonView:
        record = self._change(identity.person_id, lambda known: known.with_identity(identity))
        view = record.view()
        if view is None:  # an identity always names the username
            raise ValueError(f"person {identity.person_id} has no username")
        return view

    def apply_display_name(self, person_id: str, display_name: str, version: int) -> bool:
        changed: list[bool] = []

        def choose(known: PersonRecord) -> PersonRecord | None:
            record = known.with_display_name(display_name, version)
            changed[:] = [record is not None]
            return record

        self._change(person_id, choose)
        return bool(changed and changed[0])

    def _change(
        self, person_id: str, change: Callable[[PersonRecord], PersonRecord | None]
    ) -> PersonRecord:
        """Read, change and write back one person, with their term rows; retried on a race."""
        for _ in range(MAX_ATTEMPTS):
            known = self._record(person_id, consistent=True)
            before = known or PersonRecord(person_id)
            after = change(before)
            if after is None:
                return before
            for term in sorted(after.terms - before.terms):
                self._put_term(term, after)
            if self._put_profile(after, expected_revision=known.revision if known else None):
                for term in sorted(before.terms - after.terms):
                    self._delete_term(term, after)
                return after
        raise StaleView(f"person {person_id} kept changing; try again")

    def _put_profile(self, record: PersonRecord, expected_revision: int | None) -> bool:
        """Write the profile if it is still at the revision read; False if another writer won."""
        request: dict[str, Any] = {"TableName": self.table, "Item": record_item(record)}
        if expected_revision is None:
            request["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            request["ConditionExpression"] = "revision = :revision"
            request["ExpressionAttributeValues"] = {":revision": {"N": str(expected_revision)}}
        return self._conditionally(lambda: self.client.put_item(**request))

    def _put_term(self, term: str, record: PersonRecord) -> None:
        item = {
            **term_row_key(term, record.person_id),
            "person_id": {"S": record.person_id},
            "revision": {"N": str(record.revision)},
        }
        self._conditionally(
            lambda: self.client.put_item(
                TableName=self.table,
                Item=item,
                ConditionExpression=_NOT_NEWER,
                ExpressionAttributeValues={":revision": {"N": str(record.revision)}},
            )
        )

    def _delete_term(self, term: str, record: PersonRecord) -> None:
        self._conditionally(
            lambda: self.client.delete_item(
                TableName=self.table,
                Key=term_row_key(term, record.person_id),
                ConditionExpression=_NOT_NEWER,
                ExpressionAttributeValues={":revision": {"N": str(record.revision)}},
            )
        )

    def _conditionally(self, write: Callable[[], object]) -> bool:
        """Make a conditional write; False when its condition failed (a newer writer won)."""
        self.stats.add(requests=1, items_written=1)
        try:
            write()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
            return False
        return True

    # -- tests and tools ---------------------------------------------------------------

    def dump(self) -> list[dict[str, Any]]:
        """Every item of the table, sorted by key (for comparisons in tests)."""
        items = [
            {name: _DESERIALIZER.deserialize(value) for name, value in item.items()}
            for item in self.requests.scan(self.table)
        ]
        return sorted(items, key=lambda item: (str(item["pk"]), str(item["sk"])))
