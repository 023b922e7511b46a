"""The composition root: wires the write side to DynamoDB and SQS (or to fakes).

Nothing here runs at import time; each Lambda container builds its write side
once, on first use, and keeps it (clients, caches) while warm.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import boto3

from adapters.dynamodb_command_log import DynamoDBCommandLog
from adapters.dynamodb_event_store import DynamoDBEventStore
from adapters.settings import Settings
from adapters.sqs_command_bus import SqsCommandBus
from commands.command_log import CommandLog
from commands.event_store import EventStore
from commands.repository import Repository
from commands.service import CommandService
from commands.submit import CommandSubmitter
from resources.definitions import COMMAND_LOG, COMMANDS_HIGH, COMMANDS_LOW, EVENTS, SNAPSHOTS

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_sqs import SQSClient


@dataclass
class WriteSide:
    store: EventStore
    log: CommandLog
    repository: Repository
    service: CommandService


def build_write_side(
    settings: Settings | None = None,
    *,
    dynamodb: DynamoDBClient | None = None,
    store: EventStore | None = None,
    log: CommandLog | None = None,
) -> WriteSide:
    settings = settings or Settings.from_environment()
    naming = settings.naming
    if store is None or log is None:
        dynamodb = dynamodb or boto3.client("dynamodb", region_name=settings.region)
    store = store or DynamoDBEventStore(
        naming.table(EVENTS), naming.table(SNAPSHOTS), client=dynamodb
    )
    log = log or DynamoDBCommandLog(naming.table(COMMAND_LOG), client=dynamodb)
    repository = Repository(store, snapshot_interval=settings.snapshot_interval)
    return WriteSide(store, log, repository, CommandService(repository, log))


def build_submitter(
    settings: Settings | None = None,
    *,
    dynamodb: DynamoDBClient | None = None,
    sqs: SQSClient | None = None,
    log: CommandLog | None = None,
) -> CommandSubmitter:
    settings = settings or Settings.from_environment()
    sqs = sqs or boto3.client("sqs", region_name=settings.region)
    if log is None:
        dynamodb = dynamodb or boto3.client("dynamodb", region_name=settings.region)
        log = DynamoDBCommandLog(settings.naming.table(COMMAND_LOG), client=dynamodb)
    high = (
        settings.commands_high_url
        or sqs.get_queue_url(QueueName=settings.naming.queue(COMMANDS_HIGH))["QueueUrl"]
    )
    low = (
        settings.commands_low_url
        or sqs.get_queue_url(QueueName=settings.naming.queue(COMMANDS_LOW))["QueueUrl"]
    )
    return CommandSubmitter(log, SqsCommandBus({"high": high, "low": low}, client=sqs))


_write_side: WriteSide | None = None


def write_side() -> WriteSide:
    """This container's write side, built on first use."""
    global _write_side
    if _write_side is None:
        _write_side = build_write_side()
    return _write_side
