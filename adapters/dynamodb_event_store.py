"""The event store on DynamoDB: one item per commit, one conditional write per stream.

Events table (`resources.definitions.EVENTS`), one item per commit, keyed by the
commit's first version, so two writers from the same head race for one key:

    stream_id S (hash), version N (range: first event's version), last_version N,
    command_id S, committed_at S, aggregate_type S, owner S, actor_id S,
    [priority S: "low" only; absent means "high"],
    events L of M {v N, topic S, state B, prev S, hash S}

A commit must fit in one item (400 KB on DynamoDB). Snapshots table (`SNAPSHOTS`):

    stream_id S (hash), version N (range: the head version), topic S, state B,
    head_hash S, recent_command_ids L of S

A snapshot is taken at its stream's head, so its event's `originator_version`
is the head version and is not stored twice.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import ClientError
from eventsourcing.persistence import StoredEvent

from commands.event_store import (
    ChainedEvent,
    Commit,
    ConcurrencyConflict,
    EventStore,
    SnapshotRecord,
    StreamHead,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import (
        AttributeValueTypeDef,
        QueryInputTypeDef,
        ScanInputTypeDef,
        TransactWriteItemTypeDef,
    )

    Item = Mapping[str, AttributeValueTypeDef]

# Two writers that loaded the same head both write the key (stream, head + 1). Without
# this condition the later PutItem would silently replace the earlier commit (a lost
# update); with it, exactly one of them wins and the other learns it lost.
KEY_IS_FREE = "attribute_not_exists(stream_id)"

# `version` is a DynamoDB reserved word, so expressions name it through a placeholder.
_VERSION = {"#v": "version"}


@dataclass
class StoreStats:
    """What the store asked of DynamoDB, read from its responses (for benchmarks)."""

    requests: int = 0
    items_read: int = 0
    items_written: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, *, requests: int = 0, items_read: int = 0, items_written: int = 0) -> None:
        with self._lock:
            self.requests += requests
            self.items_read += items_read
            self.items_written += items_written

    def reset(self) -> None:
        with self._lock:
            self.requests = self.items_read = self.items_written = 0


class DynamoDBEventStore(EventStore):
    """Commits and snapshots in two DynamoDB tables, through the low-level client."""

    def __init__(
        self,
        events_table: str,
        snapshots_table: str,
        client: DynamoDBClient | None = None,
    ) -> None:
        self.events_table = events_table
        self.snapshots_table = snapshots_table
        self._client = client
        self._client_lock = threading.Lock()
        self.stats = StoreStats()

    @property
    def client(self) -> DynamoDBClient:
        # boto3's default session is not thread-safe, and workers share one store.
        with self._client_lock:
            if self._client is None:
                self._client = boto3.client("dynamodb")
            return self._client

    # -- writes ------------------------------------------------------------------------

    def _write(self, commits: Sequence[Commit], expected: dict[str, StreamHead | None]) -> None:
        # A single-stream commit needs no transaction: its one item is written or not.
        if len(commits) == 1:
            self._put_commit(commits[0])
        else:
            self._transact(commits)
        self.stats.add(items_written=len(commits))

    def _put_commit(self, commit: Commit) -> None:
        self.stats.add(requests=1)
        try:
            self.client.put_item(
                TableName=self.events_table,
                Item=commit_item(commit),
                ConditionExpression=KEY_IS_FREE,
            )
        except ClientError as exc:
            if _error_code(exc) != "ConditionalCheckFailedException":
                raise
            raise ConcurrencyConflict(
                [commit.stream_id], f"version {commit.first_version} is already written"
            ) from exc

    def _transact(self, commits: Sequence[Commit]) -> None:
        puts: list[TransactWriteItemTypeDef] = [
            {
                "Put": {
                    "TableName": self.events_table,
                    "Item": commit_item(commit),
                    "ConditionExpression": KEY_IS_FREE,
                }
            }
            for commit in commits
        ]
        self.stats.add(requests=1)
        try:
            self.client.transact_write_items(TransactItems=puts)
        except ClientError as exc:
            if _error_code(exc) != "TransactionCanceledException":
                raise
            reasons = exc.response.get("CancellationReasons", [])
            taken = [
                commit.stream_id
                for commit, reason in zip(commits, reasons, strict=False)
                if reason.get("Code") == "ConditionalCheckFailed"
            ]
            if not taken:
                raise
            raise ConcurrencyConflict(taken) from exc

    def put_snapshot(self, record: SnapshotRecord) -> None:
        self.stats.add(requests=1, items_written=1)
        self.client.put_item(
            TableName=self.snapshots_table,
            Item={
                "stream_id": {"S": record.stream_id},
                "version": {"N": str(record.version)},
                "topic": {"S": record.snapshot.topic},
                "state": {"B": record.snapshot.state},
                "head_hash": {"S": record.head.hash},
                "recent_command_ids": {"L": [{"S": cid} for cid in record.recent_command_ids]},
            },
        )

    # -- reads -------------------------------------------------------------------------

    def read_commits(
        self,
        stream_id: str,
        *,
        after_version: int = -1,
        up_to_version: int | None = None,
        at_commit_boundary: bool = False,
    ) -> list[Commit]:
        commits: list[Commit] = []
        # Items are keyed by first version, so a commit that starts at or before
        # `after_version` but ends after it is found only by looking one item back.
        # Versions are never negative, so nothing straddles a negative `after_version`.
        if after_version >= 0 and not at_commit_boundary:
            item = self._newest(self.events_table, stream_id, at_most=after_version)
            if item is not None:
                straddling = commit_from_item(item)
                if straddling.last_version > after_version and (
                    up_to_version is None or straddling.first_version <= up_to_version
                ):
                    commits.append(straddling)
        if up_to_version is not None and up_to_version <= after_version:
            return commits
        values: dict[str, AttributeValueTypeDef] = {
            ":s": {"S": stream_id},
            ":a": {"N": str(after_version + 1)},
        }
        condition = "stream_id = :s AND #v >= :a"
        if up_to_version is not None:
            condition = "stream_id = :s AND #v BETWEEN :a AND :u"
            values[":u"] = {"N": str(up_to_version)}
        request: QueryInputTypeDef = {
            "TableName": self.events_table,
            "KeyConditionExpression": condition,
            "ExpressionAttributeNames": _VERSION,
            "ExpressionAttributeValues": values,
            "ConsistentRead": True,
        }
        commits.extend(commit_from_item(item) for item in self._query(request))
        return commits

    def last_commit(self, stream_id: str) -> Commit | None:
        item = self._newest(self.events_table, stream_id)
        return commit_from_item(item) if item is not None else None

    def get_snapshot(
        self, stream_id: str, up_to_version: int | None = None
    ) -> SnapshotRecord | None:
        item = self._newest(self.snapshots_table, stream_id, at_most=up_to_version)
        if item is None:
            return None
        version = int(item["version"]["N"])
        return SnapshotRecord(
            stream_id=stream_id,
            snapshot=StoredEvent(
                originator_id=stream_id,
                originator_version=version,
                topic=item["topic"]["S"],
                state=item["state"]["B"],
            ),
            head=StreamHead(version, item["head_hash"]["S"]),
            recent_command_ids=tuple(cid["S"] for cid in item["recent_command_ids"]["L"]),
        )

    def all_commits(self) -> Iterator[Commit]:
        """Every commit, stream by stream (sorted by id), each stream in version order.

        Scan promises no order, so the whole table is held to sort it: this is
        for audits and rebuilds, not for the request path.
        """
        streams: dict[str, list[Commit]] = defaultdict(list)
        request: ScanInputTypeDef = {"TableName": self.events_table, "ConsistentRead": True}
        while True:
            response = self.client.scan(**request)
            self.stats.add(requests=1, items_read=response.get("ScannedCount", 0))
            for item in response["Items"]:
                commit = commit_from_item(item)
                streams[commit.stream_id].append(commit)
            if "LastEvaluatedKey" not in response:
                break
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        for stream_id in sorted(streams):
            yield from sorted(streams[stream_id], key=lambda commit: commit.first_version)

    def _query(self, request: QueryInputTypeDef) -> Iterator[Item]:
        while True:
            response = self.client.query(**request)
            self.stats.add(requests=1, items_read=response.get("ScannedCount", 0))
            yield from response["Items"]
            if "LastEvaluatedKey" not in response:
                return
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def _newest(self, table: str, stream_id: str, at_most: int | None = None) -> Item | None:
        """The item with the highest version (at or below `at_most`) of a stream."""
        values: dict[str, AttributeValueTypeDef] = {":s": {"S": stream_id}}
        condition = "stream_id = :s"
        if at_most is not None:
            condition += " AND #v <= :m"
            values[":m"] = {"N": str(at_most)}
        request: QueryInputTypeDef = {
            "TableName": table,
            "KeyConditionExpression": condition,
            "ExpressionAttributeValues": values,
            "ScanIndexForward": False,
            "Limit": 1,
            "ConsistentRead": True,
        }
        if at_most is not None:
            request["ExpressionAttributeNames"] = _VERSION
        response = self.client.query(**request)
        self.stats.add(requests=1, items_read=response.get("ScannedCount", 0))
        return response["Items"][0] if response["Items"] else None


# -- item layout -----------------------------------------------------------------------


def commit_item(commit: Commit) -> dict[str, AttributeValueTypeDef]:
    """A commit as one events-table item."""
    item: dict[str, AttributeValueTypeDef] = {
        "stream_id": {"S": commit.stream_id},
        "version": {"N": str(commit.first_version)},
        "last_version": {"N": str(commit.last_version)},
        "command_id": {"S": commit.command_id},
        "committed_at": {"S": commit.committed_at},
        "aggregate_type": {"S": commit.aggregate_type},
        "owner": {"S": commit.owner},
        "actor_id": {"S": commit.actor_id},
        "events": {
            "L": [
                {
                    "M": {
                        "v": {"N": str(chained.version)},
                        "topic": {"S": chained.stored.topic},
                        "state": {"B": chained.stored.state},
                        "prev": {"S": chained.prev_hash},
                        "hash": {"S": chained.hash},
                    }
                }
                for chained in commit.events
            ]
        },
    }
    # Only bulk commits carry it, so items written before priorities read back "high".
    if commit.priority != "high":
        item["priority"] = {"S": commit.priority}
    return item


def commit_from_item(item: Item) -> Commit:
    """The commit an events-table item holds."""
    stream_id = item["stream_id"]["S"]
    return Commit(
        stream_id=stream_id,
        command_id=item["command_id"]["S"],
        committed_at=item["committed_at"]["S"],
        events=tuple(_chained(stream_id, event["M"]) for event in item["events"]["L"]),
        aggregate_type=item.get("aggregate_type", {}).get("S", ""),
        owner=item.get("owner", {}).get("S", ""),
        actor_id=item.get("actor_id", {}).get("S", ""),
        priority="low" if item.get("priority", {}).get("S") == "low" else "high",
    )


def _chained(stream_id: str, event: Mapping[str, Any]) -> ChainedEvent:
    return ChainedEvent(
        stored=StoredEvent(
            originator_id=stream_id,
            originator_version=int(event["v"]["N"]),
            topic=event["topic"]["S"],
            state=bytes(event["state"]["B"]),
        ),
        prev_hash=event["prev"]["S"],
        hash=event["hash"]["S"],
    )


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))
