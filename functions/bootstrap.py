"""The composition root: wires each function's core to AWS (or to fakes).

It sits beside the entry modules, above everything it wires: the write side,
the publisher, the projector, the API and the pipeline. Nothing below it
imports it (`tests/unit/test_layers.py`); the API is handed its dependencies
(`api.dependencies.provide`).

Nothing here runs at import time. Each Lambda entry module builds what it
needs once per container (its write side, publisher, projector or API
dependencies) and keeps it, clients and caches included, while warm. Each
builder imports its own adapters, so a function's cold start loads only the
code that function runs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config

from adapters.network import inject_latency_from_environment
from adapters.settings import EVENTS_TOPIC_ARN, Settings
from api import dependencies
from api.dependencies import ApiDependencies
from resources.definitions import (
    COMMAND_LOG,
    COMMANDS_HIGH,
    COMMANDS_LOW,
    EVENTS,
    EVENTS_TOPIC,
    PEOPLE,
    SNAPSHOTS,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sqs import SQSClient

    from adapters.dynamodb_people import DynamoDBPeople
    from adapters.dynamodb_read_models import DynamoDBReadModels
    from commands.command_log import CommandLog
    from commands.event_store import EventStore
    from commands.repository import Repository
    from commands.service import CommandService
    from commands.submit import CommandSubmitter
    from fanout.publisher import Publisher
    from pipeline.filters import PipelineContext
    from projections.people import People
    from projections.projector import Projector
    from projections.read_models import ReadModels


def in_lambda() -> bool:
    """Whether this process is a Lambda container (AWS's, or the local runtime's)."""
    return bool(os.environ.get("AWS_LAMBDA_FUNCTION_NAME"))


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
    from adapters.dynamodb_command_log import DynamoDBCommandLog
    from adapters.dynamodb_event_store import DynamoDBEventStore
    from commands.repository import Repository
    from commands.service import CommandService
    from projections.summaries import EventSummarizer

    settings = settings or Settings.from_environment()
    naming = settings.naming
    if store is None or log is None:
        dynamodb = dynamodb or boto3.client("dynamodb", region_name=settings.region)
    store = store or DynamoDBEventStore(
        naming.table(EVENTS), naming.table(SNAPSHOTS), client=dynamodb
    )
    log = log or DynamoDBCommandLog(naming.table(COMMAND_LOG), client=dynamodb)
    repository = Repository(store, snapshot_interval=settings.snapshot_interval)
    service = CommandService(repository, log, summarizer=EventSummarizer())
    return WriteSide(store, log, repository, service)


def build_submitter(
    settings: Settings | None = None,
    *,
    dynamodb: DynamoDBClient | None = None,
    sqs: SQSClient | None = None,
    log: CommandLog | None = None,
) -> CommandSubmitter:
    from adapters.dynamodb_command_log import DynamoDBCommandLog
    from adapters.sqs_command_bus import SqsCommandBus
    from commands.submit import CommandSubmitter

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
        inject_latency_from_environment()
        _write_side = build_write_side()
    return _write_side


class TopicNotFound(LookupError):
    """The events topic is neither configured nor found by name."""


def build_publisher(settings: Settings | None = None, *, sns: SNSClient | None = None) -> Publisher:
    """The publisher on the events topic: its ARN from settings, else found by name."""
    from fanout.publisher import Publisher

    settings = settings or Settings.from_environment()
    sns = sns or boto3.client("sns", region_name=settings.region)
    topic_arn = settings.events_topic_arn or find_topic_arn(
        sns, settings.naming.topic(EVENTS_TOPIC)
    )
    return Publisher(topic_arn, client=sns)


def find_topic_arn(sns: SNSClient, name: str) -> str:
    """A topic's ARN by its name (read-only: the publisher never creates topics)."""
    for page in sns.get_paginator("list_topics").paginate():
        for topic in page.get("Topics", []):
            arn = topic.get("TopicArn", "")
            if arn.rsplit(":", 1)[-1] == name:
                return arn
    raise TopicNotFound(f"no SNS topic named {name!r}: provision it or set {EVENTS_TOPIC_ARN}")


_publisher: Publisher | None = None


def publisher() -> Publisher:
    """This container's publisher, built on first use."""
    global _publisher
    if _publisher is None:
        _publisher = build_publisher()
    return _publisher


def build_read_models(
    settings: Settings | None = None, *, dynamodb: DynamoDBClient | None = None
) -> DynamoDBReadModels:
    from adapters.dynamodb_read_models import DynamoDBReadModels

    settings = settings or Settings.from_environment()
    dynamodb = dynamodb or boto3.client("dynamodb", region_name=settings.region)
    return DynamoDBReadModels(settings.naming, client=dynamodb)


def build_people(
    settings: Settings | None = None, *, dynamodb: DynamoDBClient | None = None
) -> DynamoDBPeople:
    """The people read model on its table (the client is built on first use if not given)."""
    from adapters.dynamodb_people import DynamoDBPeople

    settings = settings or Settings.from_environment()
    return DynamoDBPeople(settings.naming.table(PEOPLE), client=dynamodb)


_people: People | None = None


#: Cognito waits 5 s for its trigger, and a sign-in fails past that: every call of the
#: people function's client gives up well before (two tries of at most 2 s).
PEOPLE_CLIENT_CONFIG = Config(
    connect_timeout=1, read_timeout=2, retries={"max_attempts": 2, "mode": "standard"}
)


def people() -> People:
    """This container's people read model, built on first use."""
    global _people
    if _people is None:
        settings = Settings.from_environment()
        client = boto3.client("dynamodb", region_name=settings.region, config=PEOPLE_CLIENT_CONFIG)
        _people = build_people(settings, dynamodb=client)
    return _people


def build_projector(
    settings: Settings | None = None,
    *,
    dynamodb: DynamoDBClient | None = None,
    read_models: ReadModels | None = None,
    store: EventStore | None = None,
    people: People | None = None,
) -> Projector:
    """The projector on the read models, catching up from the event store when it must."""
    from adapters.dynamodb_event_store import DynamoDBEventStore
    from projections.projector import Projector

    settings = settings or Settings.from_environment()
    if read_models is None or store is None or people is None:
        dynamodb = dynamodb or boto3.client("dynamodb", region_name=settings.region)
    read_models = read_models or build_read_models(settings, dynamodb=dynamodb)
    store = store or DynamoDBEventStore(
        settings.naming.table(EVENTS), settings.naming.table(SNAPSHOTS), client=dynamodb
    )
    people = people or build_people(settings, dynamodb=dynamodb)
    return Projector(read_models, store, people=people)


_projector: Projector | None = None


def projector() -> Projector:
    """This container's projector, built on first use."""
    global _projector
    if _projector is None:
        _projector = build_projector()
    return _projector


def build_api_dependencies(
    settings: Settings | None = None,
    *,
    dynamodb: DynamoDBClient | None = None,
    sqs: SQSClient | None = None,
) -> ApiDependencies:
    settings = settings or Settings.from_environment()
    dynamodb = dynamodb or boto3.client("dynamodb", region_name=settings.region)
    side = build_write_side(settings, dynamodb=dynamodb)
    return ApiDependencies(
        submitter=build_submitter(settings, dynamodb=dynamodb, sqs=sqs, log=side.log),
        log=side.log,
        read_models=build_read_models(settings, dynamodb=dynamodb),
        store=side.store,
        repository=side.repository,
        settings=settings,
        people=build_people(settings, dynamodb=dynamodb),
    )


_api_dependencies: ApiDependencies | None = None


def api_dependencies() -> ApiDependencies:
    """This container's API dependencies, built on first use."""
    global _api_dependencies
    if _api_dependencies is None:
        _api_dependencies = build_api_dependencies()
    return _api_dependencies


# The API reaches its dependencies through this root (tests swap in fakes: `_api_dependencies`).
dependencies.provide(api_dependencies)


def build_pipeline(
    settings: Settings | None = None,
    *,
    dynamodb: DynamoDBClient | None = None,
    sqs: SQSClient | None = None,
    s3: S3Client | None = None,
) -> PipelineContext:
    """The image pipeline's filters wired to S3, SQS and the write side."""
    from adapters.s3_photos import S3PhotoObjects, s3_client
    from adapters.sqs_pipe import SqsPipe
    from pipeline.filters import PipelineContext

    settings = settings or Settings.from_environment()
    dynamodb = dynamodb or boto3.client("dynamodb", region_name=settings.region)
    sqs = sqs or boto3.client("sqs", region_name=settings.region)
    side = build_write_side(settings, dynamodb=dynamodb)
    return PipelineContext(
        objects=S3PhotoObjects(settings.photos_bucket_name, s3 or s3_client(settings.region)),
        pipe=SqsPipe(sqs, settings.naming),
        submitter=build_submitter(settings, dynamodb=dynamodb, sqs=sqs, log=side.log),
        repository=side.repository,
        log=side.log,
        max_upload_bytes=settings.max_upload_bytes,
    )


_pipeline: PipelineContext | None = None


def pipeline() -> PipelineContext:
    """This container's pipeline context, built on first use."""
    global _pipeline
    if _pipeline is None:
        _pipeline = build_pipeline()
    return _pipeline
