"""Every AWS resource Retake needs, as data: the one source of truth.

The local stack creates these on moto's server (`resources.provision`) and the
Pulumi program deploys the same definitions to AWS, so the two cannot drift.
Names here are logical; `physical_name` adds the deployment's prefix.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

KeyType = Literal["S", "N", "B"]

DEFAULT_PREFIX = "retake"


@dataclass(frozen=True)
class Key:
    name: str
    type: KeyType = "S"


@dataclass(frozen=True)
class Index:
    """A global secondary index, projecting all attributes."""

    name: str
    hash_key: Key
    range_key: Key | None = None


@dataclass(frozen=True)
class TableSpec:
    name: str
    hash_key: Key
    range_key: Key | None = None
    indexes: tuple[Index, ...] = ()
    stream: Literal["NEW_IMAGE", "NEW_AND_OLD_IMAGES"] | None = None
    ttl_attribute: str | None = None
    purpose: str = ""

    @property
    def key_attributes(self) -> tuple[Key, ...]:
        keys = [self.hash_key, *([self.range_key] if self.range_key else [])]
        for index in self.indexes:
            keys += [index.hash_key, *([index.range_key] if index.range_key else [])]
        unique: dict[str, Key] = {}
        for key in keys:
            unique.setdefault(key.name, key)
        return tuple(unique.values())


@dataclass(frozen=True)
class QueueSpec:
    """An SQS queue with its dead-letter queue (unless `dlq` is False)."""

    name: str
    fifo: bool = True
    dlq: bool = True
    max_receive_count: int = 5
    visibility_timeout_seconds: int = 60
    content_based_deduplication: bool = False
    purpose: str = ""

    @property
    def queue_name(self) -> str:
        return f"{self.name}.fifo" if self.fifo else self.name

    @property
    def dlq_name(self) -> str:
        return f"{self.name}-dlq.fifo" if self.fifo else f"{self.name}-dlq"


@dataclass(frozen=True)
class TopicSpec:
    name: str
    fifo: bool = True

    @property
    def topic_name(self) -> str:
        return f"{self.name}.fifo" if self.fifo else self.name


@dataclass(frozen=True)
class SubscriptionSpec:
    """A queue subscribed to a topic: raw delivery, filtered by message attributes."""

    topic: TopicSpec
    queue: QueueSpec
    filter_policy: dict[str, list[str]]
    raw_message_delivery: bool = True


@dataclass(frozen=True)
class StreamConsumerSpec:
    """How a function consumes a table's stream (bisect on error, bounded retries)."""

    table: TableSpec
    function: str
    on_failure: QueueSpec
    batch_size: int = 100
    maximum_retry_attempts: int = 10
    bisect_batch_on_function_error: bool = True
    starting_position: Literal["TRIM_HORIZON", "LATEST"] = "TRIM_HORIZON"


@dataclass(frozen=True)
class ConsumerSpec:
    """How a function consumes a queue (Lambda's event-source mapping)."""

    queue: QueueSpec
    function: str
    batch_size: int = 10
    batching_window_seconds: int = 0
    max_concurrency: int = 2
    #: Consume the queue's dead-letter queue instead of the queue itself.
    dead_letters: bool = False


EVENTS = TableSpec(
    name="events",
    hash_key=Key("stream_id"),
    range_key=Key("version", "N"),
    stream="NEW_IMAGE",
    purpose="the event store: one item per commit, keyed by stream and first version",
)

SNAPSHOTS = TableSpec(
    name="snapshots",
    hash_key=Key("stream_id"),
    range_key=Key("version", "N"),
    purpose="aggregate snapshots, so loading reads a bounded number of commits",
)

COMMAND_LOG = TableSpec(
    name="commands",
    hash_key=Key("command_id"),
    indexes=(
        Index("by_actor", Key("actor_id"), Key("issued_at")),
        Index("by_aggregate", Key("aggregate_id"), Key("issued_at")),
        Index("by_type", Key("type"), Key("issued_at")),
        Index("by_day", Key("issued_day"), Key("issued_at")),
    ),
    purpose="one record per command: status, outcome, events and undo/redo links",
)

ALBUM_VIEWS = TableSpec(
    name="album-views",
    hash_key=Key("album_id"),
    indexes=(Index("by_owner", Key("owner"), Key("created_at")),),
    purpose="read model: one row per album",
)

PHOTO_VIEWS = TableSpec(
    name="photo-views",
    hash_key=Key("photo_id"),
    indexes=(
        Index("by_album", Key("album_key"), Key("album_order")),
        Index("by_owner", Key("owner"), Key("created_at")),
    ),
    purpose="read model: one row per photo; album_key is the album id or 'unsorted#<owner>'",
)

TAG_VIEWS = TableSpec(
    name="tag-views",
    hash_key=Key("owner_tag"),
    range_key=Key("photo_id"),
    purpose="read model: one row per (owner, tag, photo) while the photo has the tag",
)

SHARE_VIEWS = TableSpec(
    name="share-views",
    hash_key=Key("token"),
    purpose="read model: share-link token -> album while the album is shared with it",
)

# People: one profile row per person and one row per search term. A term row's
# partition is `term#<first character>` and its sort key `<casefolded term>#<sub>`, so
# a prefix search (`ali` finds alice, "Alice Liddell" and alice@example.com) is one
# Query of one partition, in order, reading only the term rows that match plus one
# BatchGetItem of their profiles: never a scan. A username lookup is the same Query
# for `<username>#`. The profile is keyed by the person's stream id (uuid5 of the sub),
# so a Person stream's version (read-your-writes) is one GetItem too.
PEOPLE = TableSpec(
    name="people",
    hash_key=Key("pk"),
    range_key=Key("sk"),
    purpose=(
        "read model: people as Cognito and their own commands describe them; "
        "pk 'person#<person stream id>' sk 'profile' holds the person, and "
        "pk 'term#<first character>' sk '<casefolded term>#<sub>' indexes the username, "
        "email and display name (and its words) for prefix search"
    ),
)

WRITE_TABLES: tuple[TableSpec, ...] = (EVENTS, SNAPSHOTS, COMMAND_LOG)
READ_TABLES: tuple[TableSpec, ...] = (
    ALBUM_VIEWS,
    PHOTO_VIEWS,
    TAG_VIEWS,
    SHARE_VIEWS,
)
#: Read models fed by more than the event store (the people model also hears from
#: Cognito), so a rebuild from events leaves them alone.
PEOPLE_TABLES: tuple[TableSpec, ...] = (PEOPLE,)
TABLES: tuple[TableSpec, ...] = WRITE_TABLES + READ_TABLES + PEOPLE_TABLES

COMMANDS_HIGH = QueueSpec(
    name="commands-high",
    purpose="interactive commands from gallery users and support",
)
COMMANDS_LOW = QueueSpec(
    name="commands-low",
    visibility_timeout_seconds=120,
    purpose="bulk work: batch tagging, imports, reprocessing, rebuilds",
)

PROJECTIONS = QueueSpec(
    name="projections",
    purpose="interactive commits for the read models (subscribed to the events topic)",
)
PROJECTIONS_BULK = QueueSpec(
    name="projections-bulk",
    purpose="bulk (low-priority) commits for the read models, so they never delay interactive ones",
)
PUBLISHER_FAILURES = QueueSpec(
    name="publisher-failures",
    fifo=False,
    dlq=False,
    purpose="on-failure destination of the event-store stream mapping: batches given up on",
)

# The image pipeline: pipes (these queues) and filters (one function each). Standard
# queues: the filters are idempotent, so order and an occasional second delivery do
# not matter, and photos are worked by competing consumers. Three failed receives
# send a job to its DLQ, whose consumer marks the photo `processing_failed`.
PHOTO_REQUESTS = QueueSpec(
    name="photo-requests",
    purpose="reprocessing requested by a command (subscribed to the events topic); read by ingest",
)
PHOTOS_VALIDATE = QueueSpec(
    name="photos-validate",
    fifo=False,
    max_receive_count=3,
    visibility_timeout_seconds=120,
    purpose="pipeline step 1: is it an image of the declared type, within limits?",
)
PHOTOS_EXTRACT = QueueSpec(
    name="photos-extract",
    fifo=False,
    max_receive_count=3,
    visibility_timeout_seconds=120,
    purpose="pipeline step 2: dimensions, format and EXIF metadata",
)
PHOTOS_RENDER = QueueSpec(
    name="photos-render",
    fifo=False,
    max_receive_count=3,
    visibility_timeout_seconds=180,
    purpose="pipeline step 3: renditions, orientation applied and metadata stripped",
)
PHOTOS_ATTACH = QueueSpec(
    name="photos-attach",
    fifo=False,
    max_receive_count=3,
    visibility_timeout_seconds=60,
    purpose="pipeline step 4: a command attaches the results; the photo becomes ready",
)
PIPELINE_QUEUES: tuple[QueueSpec, ...] = (
    PHOTOS_VALIDATE,
    PHOTOS_EXTRACT,
    PHOTOS_RENDER,
    PHOTOS_ATTACH,
)

QUEUES: tuple[QueueSpec, ...] = (
    COMMANDS_HIGH,
    COMMANDS_LOW,
    PROJECTIONS,
    PROJECTIONS_BULK,
    PUBLISHER_FAILURES,
    PHOTO_REQUESTS,
    *PIPELINE_QUEUES,
)

EVENTS_TOPIC = TopicSpec(name="events")
TOPICS: tuple[TopicSpec, ...] = (EVENTS_TOPIC,)

SUBSCRIPTIONS: tuple[SubscriptionSpec, ...] = (
    # A commit carries its command's priority, so bulk work is projected from its own
    # queue, as it is executed from its own. The projector tolerates the two queues
    # reordering one aggregate's commits: it skips what a view already holds and
    # catches up from the event store when a commit arrives ahead of its view.
    SubscriptionSpec(
        EVENTS_TOPIC,
        PROJECTIONS,
        filter_policy={"aggregate_type": ["Album", "Photo", "Person"], "priority": ["high"]},
    ),
    SubscriptionSpec(
        EVENTS_TOPIC,
        PROJECTIONS_BULK,
        filter_policy={"aggregate_type": ["Album", "Photo", "Person"], "priority": ["low"]},
    ),
    SubscriptionSpec(
        EVENTS_TOPIC,
        PHOTO_REQUESTS,
        filter_policy={"event_types": ["Photo.ReprocessingRequested"]},
    ),
)

STREAM_CONSUMERS: tuple[StreamConsumerSpec, ...] = (
    StreamConsumerSpec(EVENTS, function="publisher", on_failure=PUBLISHER_FAILURES),
)

CONSUMERS: tuple[ConsumerSpec, ...] = (
    ConsumerSpec(COMMANDS_HIGH, function="worker", batch_size=10, max_concurrency=4),
    ConsumerSpec(COMMANDS_LOW, function="worker", batch_size=10, max_concurrency=1),
    ConsumerSpec(PROJECTIONS, function="projector", batch_size=10, max_concurrency=2),
    ConsumerSpec(PROJECTIONS_BULK, function="projector", batch_size=10, max_concurrency=1),
    # No projection is abandoned: a commit that ran out of receives (its projector
    # killed mid-batch, again and again) is replayed from the DLQ. Projecting is
    # idempotent, so a replay never doubles anything; one that still fails waits
    # in the DLQ for its visibility timeout and is tried again.
    *(
        ConsumerSpec(
            queue, function="projector", batch_size=10, max_concurrency=1, dead_letters=True
        )
        for queue in (PROJECTIONS, PROJECTIONS_BULK)
    ),
    ConsumerSpec(PHOTO_REQUESTS, function="ingest", batch_size=10, max_concurrency=1),
    ConsumerSpec(PHOTOS_VALIDATE, function="validate", batch_size=1, max_concurrency=2),
    ConsumerSpec(PHOTOS_EXTRACT, function="extract", batch_size=1, max_concurrency=2),
    ConsumerSpec(PHOTOS_RENDER, function="render", batch_size=1, max_concurrency=2),
    ConsumerSpec(PHOTOS_ATTACH, function="attach", batch_size=10, max_concurrency=1),
    *(
        ConsumerSpec(
            queue, function="pipeline-failures", batch_size=10, max_concurrency=1, dead_letters=True
        )
        for queue in PIPELINE_QUEUES
    ),
)


@dataclass(frozen=True)
class Naming:
    """Physical names of one deployment (a prefix keeps stacks apart)."""

    prefix: str = DEFAULT_PREFIX
    overrides: dict[str, str] = field(default_factory=dict)

    def table(self, spec: TableSpec) -> str:
        return self.overrides.get(spec.name, f"{self.prefix}-{spec.name}")

    def queue(self, spec: QueueSpec) -> str:
        return f"{self.prefix}-{spec.queue_name}"

    def dlq(self, spec: QueueSpec) -> str:
        return f"{self.prefix}-{spec.dlq_name}"

    def topic(self, spec: TopicSpec) -> str:
        return f"{self.prefix}-{spec.topic_name}"

    def user_pool(self, spec: UserPoolSpec) -> str:
        return f"{self.prefix}-{spec.name}"

    def bucket(self, spec: BucketSpec) -> str:
        return self.overrides.get(spec.name, f"{self.prefix}-{spec.name}")

    def function(self, spec: FunctionSpec) -> str:
        return f"{self.prefix}-{spec.name}"


@dataclass(frozen=True)
class FunctionSpec:
    """A Lambda function: its handler, size, limits and whether keep-warm pings it."""

    name: str
    handler: str
    memory_mb: int = 256
    timeout_seconds: int = 30
    reserved_concurrency: int = 2
    keep_warm: bool = True
    purpose: str = ""
    #: Execution environments kept initialised at all times (Lambda's provisioned
    #: concurrency): started before any invocation, replaced when one is lost, never
    #: reaped for being idle. They count against `reserved_concurrency`, so at most that.
    provisioned_concurrency: int = 0

    def __post_init__(self) -> None:
        if not 0 <= self.provisioned_concurrency <= self.reserved_concurrency:
            raise ValueError(
                f"{self.name}: provisioned_concurrency ({self.provisioned_concurrency}) must be "
                f"between 0 and reserved_concurrency ({self.reserved_concurrency})"
            )


WORKER = FunctionSpec(
    "worker",
    "functions.worker.handler",
    reserved_concurrency=4,
    # People wait on the worker: every interactive command goes through it. With two
    # environments kept initialised, the first command after a quiet spell finds one
    # ready, and when a poison command crashes one the other serves the next command
    # while a replacement initialises, instead of it waiting for a cold start (1-2 s).
    provisioned_concurrency=2,
    purpose="executes commands from the command queues",
)
PUBLISHER = FunctionSpec(
    "publisher",
    "functions.publisher.handler",
    reserved_concurrency=1,
    purpose="publishes the event store's stream to the events topic",
)
PROJECTOR = FunctionSpec(
    "projector",
    "functions.projector.handler",
    # One container per poller: two for interactive commits, one for bulk ones.
    reserved_concurrency=3,
    purpose="applies published commits to the read models",
)
API = FunctionSpec(
    "api",
    "functions.api.handler",
    memory_mb=512,
    reserved_concurrency=4,
    purpose="the REST API behind API Gateway",
)

INGEST = FunctionSpec(
    "ingest",
    "functions.ingest.handler",
    purpose="S3 pushes each new original here; it checks the upload and starts the pipeline",
)
VALIDATE = FunctionSpec(
    "validate",
    "functions.validate.handler",
    memory_mb=1024,
    timeout_seconds=60,
    keep_warm=False,
    purpose="filter 1: the bytes are an image of the declared type, within limits",
)
EXTRACT = FunctionSpec(
    "extract",
    "functions.extract.handler",
    memory_mb=512,
    timeout_seconds=60,
    keep_warm=False,
    purpose="filter 2: dimensions, format, capture time, camera, orientation, GPS",
)
RENDER = FunctionSpec(
    "render",
    "functions.render.handler",
    memory_mb=1536,
    timeout_seconds=120,
    keep_warm=False,
    purpose="filter 3: renditions with orientation applied and metadata stripped",
)
ATTACH = FunctionSpec(
    "attach",
    "functions.attach.handler",
    reserved_concurrency=1,
    keep_warm=False,
    purpose="filter 4: submits the command that attaches the results to the photo",
)
PIPELINE_FAILURES = FunctionSpec(
    "pipeline-failures",
    "functions.pipeline_failures.handler",
    reserved_concurrency=1,
    keep_warm=False,
    purpose="reads the pipeline's DLQs and marks each photo processing_failed with a reason",
)
PIPELINE_FUNCTIONS: tuple[FunctionSpec, ...] = (
    INGEST,
    VALIDATE,
    EXTRACT,
    RENDER,
    ATTACH,
    PIPELINE_FAILURES,
)

# Cognito invokes it synchronously before every ID token it issues and when a sign-up is
# confirmed; it answers within Cognito's 5 s or the sign-in fails. It does one upsert, so
# it needs little, but CPU grows with memory and a cold start has to fit in those 5 s:
# hence the default size rather than the smallest, and kept warm.
PEOPLE_FUNCTION = FunctionSpec(
    "people",
    "functions.people.handler",
    timeout_seconds=5,
    purpose="Cognito's trigger: records each person in the people read model and puts "
    "their display name in their ID tokens",
)

FUNCTIONS: tuple[FunctionSpec, ...] = (
    WORKER,
    PUBLISHER,
    PROJECTOR,
    API,
    *PIPELINE_FUNCTIONS,
    PEOPLE_FUNCTION,
)


@dataclass(frozen=True)
class CorsRuleSpec:
    allowed_methods: tuple[str, ...]
    allowed_headers: tuple[str, ...] = ("*",)
    #: The site's origin in a deployment; "*" only where nothing else is known (locally).
    allowed_origins: tuple[str, ...] = ("*",)
    expose_headers: tuple[str, ...] = ("ETag",)
    max_age_seconds: int = 600


@dataclass(frozen=True)
class NotificationSpec:
    """S3 invokes `function` (push, asynchronously) for each matching new object."""

    function: str
    events: tuple[str, ...] = ("s3:ObjectCreated:*",)
    prefix: str = ""


@dataclass(frozen=True)
class LifecycleSpec:
    id: str
    prefix: str
    abort_incomplete_multipart_days: int | None = None
    expire_days: int | None = None


@dataclass(frozen=True)
class BucketSpec:
    name: str
    cors: tuple[CorsRuleSpec, ...] = ()
    notifications: tuple[NotificationSpec, ...] = ()
    lifecycle: tuple[LifecycleSpec, ...] = ()
    #: Served as a static website with this index document (None: private bucket).
    website_index: str | None = None
    purpose: str = ""


#: Where an upload's original lands: `originals/{owner}/{photo_id}`.
ORIGINALS_PREFIX = "originals/"
#: Where the pipeline writes renditions: `renditions/{owner}/{photo_id}/{name}.jpg`.
RENDITIONS_PREFIX = "renditions/"
#: The largest upload accepted unless configured otherwise (RETAKE_MAX_UPLOAD_BYTES).
DEFAULT_MAX_UPLOAD_BYTES = 25 * 1024 * 1024
#: How long a presigned upload form or download URL stays valid.
UPLOAD_URL_SECONDS = 900
DOWNLOAD_URL_SECONDS = 300

PHOTOS_BUCKET = BucketSpec(
    name="photos",
    cors=(CorsRuleSpec(allowed_methods=("GET", "POST", "HEAD")),),
    notifications=(NotificationSpec(INGEST.name, prefix=ORIGINALS_PREFIX),),
    lifecycle=(LifecycleSpec("abandoned-uploads", prefix="", abort_incomplete_multipart_days=1),),
    purpose="originals uploaded straight from browsers, and the pipeline's renditions (private)",
)
SITE_BUCKET = BucketSpec(
    name="site",
    website_index="index.html",
    purpose="the static web page (web/) and its generated config.js",
)
BUCKETS: tuple[BucketSpec, ...] = (PHOTOS_BUCKET, SITE_BUCKET)


@dataclass(frozen=True)
class ScheduleSpec:
    """A recurring event, e.g. the keep-warm ping (EventBridge in AWS)."""

    name: str
    rate_seconds: int
    targets: tuple[str, ...]


KEEP_WARM = ScheduleSpec(
    "keep-warm",
    rate_seconds=300,
    targets=tuple(spec.name for spec in FUNCTIONS if spec.keep_warm),
)
SCHEDULES: tuple[ScheduleSpec, ...] = (KEEP_WARM,)


@dataclass(frozen=True)
class GroupSpec:
    """A Cognito group: the role a member plays, read from the token's `cognito:groups`."""

    name: str
    description: str
    precedence: int | None = None


@dataclass(frozen=True)
class PasswordPolicy:
    minimum_length: int = 12
    require_uppercase: bool = True
    require_lowercase: bool = True
    require_numbers: bool = True
    require_symbols: bool = False
    temporary_password_validity_days: int = 7


@dataclass(frozen=True)
class TokenValidity:
    """How long Cognito's tokens last; API Gateway's authorizer refuses them after."""

    id_token_minutes: int = 60
    access_token_minutes: int = 60
    refresh_token_days: int = 30


@dataclass(frozen=True)
class UserPoolSpec:
    """The Cognito user pool, its one public (secretless) app client for the web page, and groups.

    People sign themselves up and confirm with the code Cognito sends; administrators
    put auditors and support staff in their groups.
    """

    name: str
    client_name: str
    groups: tuple[GroupSpec, ...]
    password_policy: PasswordPolicy = PasswordPolicy()
    auth_flows: tuple[str, ...] = ("ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH")
    token_validity: TokenValidity = TokenValidity()
    auto_verified_attributes: tuple[str, ...] = ("email",)
    admin_create_user_only: bool = False
    #: The functions Cognito invokes (by name): before each ID token it issues (the V1
    #: pre token generation event), and when a sign-up is confirmed. None: no trigger.
    pre_token_generation: str | None = None
    post_confirmation: str | None = None


AUDITORS = GroupSpec(
    "auditors",
    "Read-only: the audit trail, any album or photo as it was, exports and chain proofs",
    precedence=20,
)
SUPPORT = GroupSpec(
    "support",
    "Find a user's operation and revert it, with a written reason that is itself audited",
    precedence=10,
)

USER_POOL = UserPoolSpec(
    name="users",
    client_name="web",
    groups=(AUDITORS, SUPPORT),
    pre_token_generation=PEOPLE_FUNCTION.name,
    post_confirmation=PEOPLE_FUNCTION.name,
)


@dataclass(frozen=True)
class RouteSpec:
    """A method and path template of the REST API; `{name}` is one segment, `{name+}` the rest."""

    method: str
    path: str


#: Routes API Gateway serves without the Cognito authorizer. Every other route
#: needs an ID token of `USER_POOL`; CORS preflights (OPTIONS) never carry one.
PUBLIC_ROUTES: tuple[RouteSpec, ...] = (
    RouteSpec("GET", "/health"),
    RouteSpec("GET", "/openapi.json"),
    RouteSpec("GET", "/docs"),
    RouteSpec("GET", "/docs/{proxy+}"),
    RouteSpec("GET", "/shared/{token}"),
    RouteSpec("OPTIONS", "/{proxy+}"),
    RouteSpec("OPTIONS", "/"),
)
