"""Who may touch what: the access matrix every function's IAM role is built from.

Data only. What a function consumes (its queues, a DLQ, a table's stream) and
where a stream mapping sends what it gives up on follow from `CONSUMERS` and
`STREAM_CONSUMERS`; what it reads, writes, sends and publishes is listed here,
per function, by the resource definitions it names. `policies.py` turns an
`Access` into a policy document with the deployed ARNs.
"""

from __future__ import annotations

from dataclasses import dataclass

from resources.definitions import (
    API,
    ATTACH,
    COMMAND_LOG,
    COMMANDS_HIGH,
    COMMANDS_LOW,
    CONSUMERS,
    EVENTS,
    EVENTS_TOPIC,
    EXTRACT,
    INGEST,
    ORIGINALS_PREFIX,
    PEOPLE,
    PEOPLE_FUNCTION,
    PHOTOS_ATTACH,
    PHOTOS_BUCKET,
    PHOTOS_EXTRACT,
    PHOTOS_RENDER,
    PHOTOS_VALIDATE,
    PIPELINE_FAILURES,
    PROJECTOR,
    PUBLISHER,
    READ_TABLES,
    RENDER,
    RENDITIONS_PREFIX,
    SHARE_VIEWS,
    SNAPSHOTS,
    STREAM_CONSUMERS,
    TAG_VIEWS,
    VALIDATE,
    WORKER,
    BucketSpec,
    QueueSpec,
    TableSpec,
    TopicSpec,
)

GET = ("dynamodb:GetItem",)
READ = ("dynamodb:GetItem", "dynamodb:Query")
BATCH_READ = ("dynamodb:BatchGetItem",)
APPEND = ("dynamodb:PutItem",)
UPDATE = ("dynamodb:UpdateItem",)
#: Derived rows (a photo's tag, an album's share link) are deleted when they stop holding.
DELETE = ("dynamodb:DeleteItem",)
#: Verifying every hash chain (`POST /audit/verify` without a stream) reads the whole store.
SCAN = ("dynamodb:Scan",)

CONSUME = (
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "sqs:ChangeMessageVisibility",
    "sqs:GetQueueAttributes",
)
#: Queue URLs are also found by name at run time, so a sender may look its queues up.
SEND = ("sqs:SendMessage", "sqs:GetQueueUrl")
READ_STREAM = ("dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator")
#: AWS documents ListStreams against `table/<name>/stream/*`: the stream's label is not needed.
LIST_STREAMS = ("dynamodb:ListStreams",)
PUBLISH = ("sns:Publish",)
GET_OBJECT = ("s3:GetObject",)
PUT_OBJECT = ("s3:PutObject",)
LIST_BUCKET = ("s3:ListBucket",)
WRITE_LOGS = ("logs:CreateLogStream", "logs:PutLogEvents")


@dataclass(frozen=True)
class TableAccess:
    table: TableSpec
    actions: tuple[str, ...]
    #: The same actions on every global secondary index of the table.
    indexes: bool = False


@dataclass(frozen=True)
class QueueAccess:
    queue: QueueSpec
    actions: tuple[str, ...]
    #: The queue's dead-letter queue rather than the queue.
    dead_letters: bool = False


@dataclass(frozen=True)
class StreamAccess:
    table: TableSpec
    actions: tuple[str, ...] = READ_STREAM


@dataclass(frozen=True)
class TopicAccess:
    topic: TopicSpec
    actions: tuple[str, ...]


@dataclass(frozen=True)
class ObjectAccess:
    """Objects of a bucket under one key prefix."""

    bucket: BucketSpec
    prefix: str
    actions: tuple[str, ...]


@dataclass(frozen=True)
class ListingAccess:
    """Listing a bucket's keys under one prefix.

    Without it S3 answers a HeadObject of a missing key with 403, not 404, and
    "the original was never uploaded" would look like a failure to retry.
    """

    bucket: BucketSpec
    prefix: str


@dataclass(frozen=True)
class Access:
    tables: tuple[TableAccess, ...] = ()
    queues: tuple[QueueAccess, ...] = ()
    streams: tuple[StreamAccess, ...] = ()
    topics: tuple[TopicAccess, ...] = ()
    objects: tuple[ObjectAccess, ...] = ()
    listings: tuple[ListingAccess, ...] = ()

    def __add__(self, other: Access) -> Access:
        return Access(
            self.tables + other.tables,
            self.queues + other.queues,
            self.streams + other.streams,
            self.topics + other.topics,
            self.objects + other.objects,
            self.listings + other.listings,
        )


#: Submitting a command records it `accepted` in the command log and sends it to a queue.
SUBMIT = Access(
    tables=(TableAccess(COMMAND_LOG, GET + APPEND),),
    queues=(QueueAccess(COMMANDS_HIGH, SEND),),
)
#: The read models whose rows the projector deletes (`ReadModels.put_tags`, `put_shares`).
DERIVED_TABLES = (TAG_VIEWS, SHARE_VIEWS)
READ_ORIGINALS = ObjectAccess(PHOTOS_BUCKET, ORIGINALS_PREFIX, GET_OBJECT)
#: Changing a person (`DynamoDBPeople._change`): a consistent read of the profile, then
#: puts of the new term rows and of the profile (each conditioned), deletes of dropped terms.
CHANGE_PEOPLE = TableAccess(PEOPLE, GET + APPEND + DELETE)

#: What each function reads, writes, sends and publishes, besides what it consumes.
GRANTS: dict[str, Access] = {
    WORKER.name: Access(
        tables=(
            TableAccess(EVENTS, READ + APPEND),
            TableAccess(SNAPSHOTS, READ + APPEND),
            TableAccess(COMMAND_LOG, READ + APPEND + UPDATE, indexes=True),
        ),
    ),
    PUBLISHER.name: Access(topics=(TopicAccess(EVENTS_TOPIC, PUBLISH),)),
    PROJECTOR.name: Access(
        tables=(
            TableAccess(EVENTS, READ),
            TableAccess(SNAPSHOTS, READ),
            # A view is read by its key and written back under a version condition;
            # only derived rows are ever removed (album and photo views stay, marked
            # deleted). A rebuild (`tools.rebuild`) runs with an operator's
            # credentials, not the projector's role.
            *(TableAccess(table, GET + APPEND) for table in READ_TABLES),
            *(TableAccess(table, DELETE) for table in DERIVED_TABLES),
            # The display names people chose (`Person.DisplayNameChanged`).
            CHANGE_PEOPLE,
        ),
    ),
    API.name: Access(
        tables=(
            TableAccess(EVENTS, READ + SCAN),
            TableAccess(SNAPSHOTS, READ),
            TableAccess(COMMAND_LOG, READ + APPEND, indexes=True),
            *(TableAccess(table, READ + BATCH_READ, indexes=True) for table in READ_TABLES),
            # A person by key, actors' names in one batch per response, search by Query.
            TableAccess(PEOPLE, READ + BATCH_READ),
        ),
        queues=(QueueAccess(COMMANDS_HIGH, SEND), QueueAccess(COMMANDS_LOW, SEND)),
        objects=(
            ObjectAccess(PHOTOS_BUCKET, ORIGINALS_PREFIX, GET_OBJECT + PUT_OBJECT),
            ObjectAccess(PHOTOS_BUCKET, RENDITIONS_PREFIX, GET_OBJECT),
        ),
    ),
    # Ingest loads the photo, looks for its pending registration in the command log
    # (by aggregate), checks the original, and fails the photo itself when it must.
    INGEST.name: SUBMIT
    + Access(
        tables=(
            TableAccess(EVENTS, READ),
            TableAccess(SNAPSHOTS, READ),
            TableAccess(COMMAND_LOG, READ, indexes=True),
        ),
        queues=(QueueAccess(PHOTOS_VALIDATE, SEND),),
        objects=(READ_ORIGINALS,),
        listings=(ListingAccess(PHOTOS_BUCKET, ORIGINALS_PREFIX),),
    ),
    VALIDATE.name: SUBMIT
    + Access(queues=(QueueAccess(PHOTOS_EXTRACT, SEND),), objects=(READ_ORIGINALS,)),
    EXTRACT.name: Access(queues=(QueueAccess(PHOTOS_RENDER, SEND),), objects=(READ_ORIGINALS,)),
    RENDER.name: Access(
        queues=(QueueAccess(PHOTOS_ATTACH, SEND),),
        objects=(READ_ORIGINALS, ObjectAccess(PHOTOS_BUCKET, RENDITIONS_PREFIX, PUT_OBJECT)),
    ),
    ATTACH.name: SUBMIT,
    PIPELINE_FAILURES.name: SUBMIT,
    # Cognito's trigger records the person it issues a token to, and nothing else.
    PEOPLE_FUNCTION.name: Access(tables=(CHANGE_PEOPLE,)),
}


def consumed(function: str) -> Access:
    """What a function consumes by its event-source mappings, from the definitions."""
    queues = tuple(
        QueueAccess(consumer.queue, CONSUME, dead_letters=consumer.dead_letters)
        for consumer in CONSUMERS
        if consumer.function == function
    )
    stream_consumers = [spec for spec in STREAM_CONSUMERS if spec.function == function]
    streams = tuple(StreamAccess(spec.table) for spec in stream_consumers)
    # The mapping sends what it gives up on with the function's own role.
    failures = tuple(
        QueueAccess(spec.on_failure, ("sqs:SendMessage",)) for spec in stream_consumers
    )
    return Access(queues=queues + failures, streams=streams)


def access_for(function: str) -> Access:
    """Everything a function's role allows, except writing its own logs."""
    return GRANTS.get(function, Access()) + consumed(function)
