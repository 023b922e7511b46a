"""A DynamoDB Streams event-source mapping, as Lambda runs it: read a shard, invoke, checkpoint.

Per shard the mapping keeps a position, the sequence number of the last record
the function has dealt with, and reads on from there. A batch is one invocation
with records of one shard, in order. Partial batch responses are honoured: the
position moves to just before the lowest sequence number the function reports in
`batchItemFailures`, so that record and everything after it are read again; a
raised exception moves nothing. (Lambda would also give up after its retry limit
and send the batch to the on-failure destination; locally the batch is retried
until it succeeds, which is what the fan-out's "nothing is lost" promise needs.)

Positions are a plain dict (shard id -> sequence number) that can be read from
`positions` and handed back to the constructor, so a restarted stack resumes.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from mypy_boto3_dynamodbstreams import DynamoDBStreamsClient
    from mypy_boto3_dynamodbstreams.type_defs import (
        GetShardIteratorInputTypeDef,
        RecordTypeDef,
        ShardTypeDef,
    )

Invoke = Callable[[dict[str, Any]], Any]
StartingPosition = Literal["TRIM_HORIZON", "LATEST"]


@dataclass(frozen=True)
class PollResult:
    received: int
    succeeded: int
    failed: int


def _lambda_value(value: Any) -> Any:
    """An attribute value as Lambda's JSON event holds it: binaries base64, dates as epoch."""
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode()
    if isinstance(value, datetime):
        return int(value.timestamp())
    if isinstance(value, Mapping):
        return {key: _lambda_value(member) for key, member in value.items()}
    if isinstance(value, list | tuple | set):
        return [_lambda_value(member) for member in value]
    return value


def stream_event(records: list[RecordTypeDef], stream_arn: str) -> dict[str, Any]:
    """The event Lambda builds from records read off a shard."""
    return {
        "Records": [
            {
                "eventID": record.get("eventID", ""),
                "eventName": record.get("eventName", ""),
                "eventVersion": record.get("eventVersion", "1.1"),
                "eventSource": record.get("eventSource", "aws:dynamodb"),
                "awsRegion": record.get("awsRegion", stream_arn.split(":")[3]),
                "dynamodb": _lambda_value(record.get("dynamodb", {})),
                "eventSourceARN": stream_arn,
            }
            for record in records
        ]
    }


class DynamoDBStreamEventSource:
    def __init__(
        self,
        streams: DynamoDBStreamsClient,
        stream_arn: str,
        invoke: Invoke,
        *,
        batch_size: int = 100,
        starting_position: StartingPosition = "TRIM_HORIZON",
        positions: Mapping[str, str] | None = None,
    ) -> None:
        self.streams = streams
        self.stream_arn = stream_arn
        self.invoke = invoke
        self.batch_size = batch_size
        self.starting_position = starting_position
        self._positions: dict[str, str] = dict(positions or {})
        # Where the next read of each shard starts, while the last one went well.
        self._iterators: dict[str, str] = {}
        # Shards closed and read to their end: their children may be read now.
        self._finished: set[str] = set()
        # A shard whose very first record failed has no position to resume after.
        self._retry_at: dict[str, str] = {}

    @property
    def positions(self) -> dict[str, str]:
        """Shard id -> sequence number of the last record dealt with (a copy)."""
        return dict(self._positions)

    def poll_once(self) -> PollResult:
        """Read each shard once and invoke the function with what was there."""
        total = PollResult(0, 0, 0)
        shards = self._shards()
        known = {shard["ShardId"] for shard in shards}
        for shard in shards:
            shard_id = shard["ShardId"]
            parent = shard.get("ParentShardId")
            # A key's older records are in the parent shard: read it to its end first.
            if shard_id in self._finished or (parent in known and parent not in self._finished):
                continue
            result = self._poll_shard(shard_id)
            total = PollResult(
                total.received + result.received,
                total.succeeded + result.succeeded,
                total.failed + result.failed,
            )
        return total

    def drain(self, max_polls: int = 1000) -> int:
        """Poll until the stream has nothing new; return how many records succeeded."""
        succeeded = 0
        for _ in range(max_polls):
            result = self.poll_once()
            succeeded += result.succeeded
            if result.received == 0:
                return succeeded
        return succeeded

    # -- one shard ------------------------------------------------------------------------

    def _shards(self) -> list[ShardTypeDef]:
        shards: list[ShardTypeDef] = []
        request: dict[str, Any] = {"StreamArn": self.stream_arn}
        while True:
            description = self.streams.describe_stream(**request)["StreamDescription"]
            shards.extend(description.get("Shards", []))
            last = description.get("LastEvaluatedShardId")
            if not last:
                return shards
            request["ExclusiveStartShardId"] = last

    def _poll_shard(self, shard_id: str) -> PollResult:
        response = self._read(shard_id)
        records = response.get("Records", [])
        next_iterator = response.get("NextShardIterator")
        if not records:
            if next_iterator is None:
                self._finished.add(shard_id)
                self._iterators.pop(shard_id, None)
            else:
                self._iterators[shard_id] = next_iterator
            return PollResult(0, 0, 0)
        sequence_numbers = [record["dynamodb"]["SequenceNumber"] for record in records]
        failed_at = self._first_failure(records, sequence_numbers)
        if failed_at is None:
            self._positions[shard_id] = sequence_numbers[-1]
            self._retry_at.pop(shard_id, None)
            if next_iterator is not None:
                self._iterators[shard_id] = next_iterator
            return PollResult(len(records), len(records), 0)
        # Everything before the first failure is done; read again from the failure on.
        if failed_at > 0:
            self._positions[shard_id] = sequence_numbers[failed_at - 1]
            self._retry_at.pop(shard_id, None)
        elif shard_id not in self._positions:
            self._retry_at[shard_id] = sequence_numbers[0]
        return PollResult(len(records), failed_at, len(records) - failed_at)

    def _first_failure(
        self, records: list[RecordTypeDef], sequence_numbers: list[str]
    ) -> int | None:
        """The index of the first record to read again, or None when all succeeded."""
        try:
            result = self.invoke(stream_event(records, self.stream_arn))
        except Exception:
            return 0
        failures = (result or {}).get("batchItemFailures", [])
        reported = {str(failure.get("itemIdentifier") or "") for failure in failures}
        if not reported:
            return None
        if not reported <= set(sequence_numbers):
            # As Lambda does: an identifier that is no record of the batch fails it all.
            return 0
        return min(sequence_numbers.index(number) for number in reported)

    def _read(self, shard_id: str) -> dict[str, Any]:
        iterator = self._iterators.pop(shard_id, None)
        if iterator is not None:
            try:
                return dict(self.streams.get_records(ShardIterator=iterator, Limit=self.batch_size))
            except ClientError as exc:
                # Iterators expire (after 15 minutes on AWS): start again from the position.
                if exc.response.get("Error", {}).get("Code") != "ExpiredIteratorException":
                    raise
        iterator = self.streams.get_shard_iterator(**self._iterator_request(shard_id))[
            "ShardIterator"
        ]
        return dict(self.streams.get_records(ShardIterator=iterator, Limit=self.batch_size))

    def _iterator_request(self, shard_id: str) -> GetShardIteratorInputTypeDef:
        retry_at = self._retry_at.get(shard_id)
        if retry_at is not None:
            return {
                "StreamArn": self.stream_arn,
                "ShardId": shard_id,
                "ShardIteratorType": "AT_SEQUENCE_NUMBER",
                "SequenceNumber": retry_at,
            }
        position = self._positions.get(shard_id)
        if position is not None:
            return {
                "StreamArn": self.stream_arn,
                "ShardId": shard_id,
                "ShardIteratorType": "AFTER_SEQUENCE_NUMBER",
                "SequenceNumber": position,
            }
        return {
            "StreamArn": self.stream_arn,
            "ShardId": shard_id,
            "ShardIteratorType": self.starting_position,
        }
