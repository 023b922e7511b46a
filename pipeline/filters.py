"""The image pipeline as pipes and filters: ingest -> validate -> extract -> render -> attach.

Each filter is its own function (its entry in `functions/`, its handler from
`pipeline.handlers`), reads one job from its queue, does one thing, and passes
the job on, richer, to the next queue. Every filter is idempotent: it reads the
same original and writes the same keys, and the commands it submits have ids
derived from the photo and the run, so a second delivery records nothing new.

A *run* is one pass of the pipeline over one original: an upload's run is
named by the object's ETag, a reprocessing's by the command that asked for it.

A file that is not acceptable is refused where that is first known (ingest for
size and type, validate for the bytes) with a `FailProcessing` command whose
reason the owner reads. Anything else that goes wrong raises: the queue
retries, and after the last attempt the job rests in the filter's DLQ, whose
consumer (`give_up`) marks the photo failed.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol
from uuid import UUID, uuid5

from aws_lambda_powertools import Logger
from pydantic import BaseModel, ConfigDict

from commands.command_log import CommandLog
from commands.models import SYSTEM, Actor, AttachProcessing, Envelope, FailProcessing
from commands.repository import Repository
from commands.submit import CommandSubmitter
from domain.photo import Photo
from pipeline import images
from pipeline.keys import original_key, parse_original_key, rendition_key
from resources.definitions import DEFAULT_MAX_UPLOAD_BYTES

logger = Logger(service="pipeline", child=True)

Stage = Literal["validate", "extract", "render", "attach"]
STAGES: tuple[Stage, ...] = ("validate", "extract", "render", "attach")
STAGE_NAMES: dict[Stage, str] = {
    "validate": "validation",
    "extract": "metadata",
    "render": "thumbnail",
    "attach": "finishing",
}
#: The pipeline's actor on the command log: a system actor, the only kind allowed
#: to record processing results.
PIPELINE_ACTOR = Actor(
    user_id="image-pipeline",
    username="retake",
    name="Retake (image processing)",
    groups=(SYSTEM,),
)
_COMMAND_IDS = UUID("6f1c9a52-3c1e-4f7e-9d3a-2b7c1e5d9a10")


class Job(BaseModel):
    """One photo's trip through the pipeline; each filter adds what it learned."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    photo_id: UUID
    owner: str
    key: str
    content_type: str
    size: int
    run: str
    format: str | None = None
    metadata: dict[str, Any] | None = None
    renditions: dict[str, str] | None = None


@dataclass(frozen=True)
class StoredObject:
    size: int
    content_type: str | None
    etag: str


class PhotoObjects(Protocol):
    """The photo bucket: originals in, renditions out."""

    def head(self, key: str) -> StoredObject | None: ...

    def get(self, key: str) -> bytes: ...

    def put(self, key: str, data: bytes, content_type: str) -> None: ...


class Pipe(Protocol):
    """The queues between filters."""

    def send(self, stage: Stage, job: Job) -> None: ...


class RegistrationPending(Exception):
    """The original arrived before the command registering its photo was worked; retry."""


@dataclass
class PipelineContext:
    objects: PhotoObjects
    pipe: Pipe
    submitter: CommandSubmitter
    repository: Repository
    log: CommandLog
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES
    #: How long ingest waits for a queued registration before asking to be retried.
    registration_wait_seconds: float = 10.0
    sleep: Callable[[float], None] = time.sleep


# -- ids --------------------------------------------------------------------------------


def command_id(photo_id: UUID, run: str, what: str) -> UUID:
    """The same for the same photo, run and step: a repeated submission is a duplicate."""
    return uuid5(_COMMAND_IDS, f"{photo_id}/{run}/{what}")


def write_id(etag: str, sequencer: str, event_time: str) -> str:
    """One write of an object, from its S3 notification.

    S3 gives each write of a key a sequencer, and repeats it (with the event
    time) when it delivers a notification twice; moto's sequencer is a
    constant, which the ETag and the event time make up for.
    """
    digest = hashlib.sha256(f"{etag.strip(chr(34))}|{sequencer}|{event_time}".encode())
    return digest.hexdigest()[:20]


# -- starting a run -----------------------------------------------------------------------


def start_upload(ctx: PipelineContext, key: str, write: str) -> Job | None:
    """S3 says a new original arrived: match it to its pending photo and start the run.

    `write` names this write of the object (the same for a repeated notification
    of it, different for a later upload of the same bytes): see `write_id`.
    """
    parsed = parse_original_key(key)
    if parsed is None:
        logger.warning("not an original's key; ignored", extra={"key": key})
        return None
    owner, photo_id = parsed
    photo = _registered_photo(ctx, photo_id)
    if photo is None or photo.owner != owner:
        logger.warning("no pending photo for this key; ignored", extra={"key": key})
        return None
    if photo.purged:
        logger.info("photo purged; upload ignored", extra={"key": key})
        return None
    return _start(ctx, photo, f"upload-{write}")


def start_reprocessing(ctx: PipelineContext, photo_id: UUID, run: str) -> Job | None:
    """A ReprocessPhoto command was worked: run the pipeline again on the same original."""
    loaded = ctx.repository.load(str(photo_id))
    photo = loaded.aggregate if loaded is not None else None
    if not isinstance(photo, Photo) or photo.purged:
        logger.warning("reprocessing asked for an unknown photo", extra={"photo_id": photo_id})
        return None
    return _start(ctx, photo, run)


def _registered_photo(ctx: PipelineContext, photo_id: UUID) -> Photo | None:
    """The photo, waiting a little if its registration is still on the command queue."""
    waited = 0.0
    while True:
        photo = _stored_photo(ctx, photo_id)
        if photo is not None:
            return photo
        registration = ctx.log.search(
            aggregate_id=str(photo_id), command_type="RegisterUpload", limit=1
        ).items
        if not registration:
            return None
        if registration[0].is_final:
            # Worked between the two reads (its events are stored before its record
            # turns final), or refused: read the store once more to tell which.
            return _stored_photo(ctx, photo_id)
        if waited >= ctx.registration_wait_seconds:
            raise RegistrationPending(f"photo {photo_id} is not registered yet")
        ctx.sleep(0.25)
        waited += 0.25


def _stored_photo(ctx: PipelineContext, photo_id: UUID) -> Photo | None:
    loaded = ctx.repository.load(str(photo_id))
    return loaded.aggregate if loaded is not None and isinstance(loaded.aggregate, Photo) else None


def _start(ctx: PipelineContext, photo: Photo, run: str) -> Job | None:
    key = original_key(photo.owner, photo.id)
    job = Job(
        photo_id=photo.id,
        owner=photo.owner,
        key=key,
        content_type=photo.content_type,
        size=photo.size,
        run=run,
    )
    stored = ctx.objects.head(key)
    if stored is None:
        fail(ctx, job, "The original was never uploaded; upload the photo again.")
        return None
    try:
        images.check_declared(photo.content_type, stored.size, photo.size, ctx.max_upload_bytes)
        if stored.content_type and stored.content_type != photo.content_type:
            raise images.Rejected(
                "type_mismatch",
                f"The file was uploaded as {stored.content_type!r}, "
                f"but {photo.content_type!r} was declared.",
            )
    except images.Rejected as rejected:
        fail(ctx, job, rejected.reason)
        return None
    ctx.pipe.send("validate", job)
    logger.info("pipeline started", extra={"photo_id": str(photo.id), "run": run})
    return job


# -- the filters --------------------------------------------------------------------------


def validate(ctx: PipelineContext, job: Job) -> None:
    data = ctx.objects.get(job.key)
    try:
        inspection = images.validate(data, job.content_type, job.size, ctx.max_upload_bytes)
    except images.Rejected as rejected:
        fail(ctx, job, rejected.reason)
        return
    ctx.pipe.send("extract", job.model_copy(update={"format": inspection.format}))


def extract(ctx: PipelineContext, job: Job) -> None:
    metadata = images.extract(ctx.objects.get(job.key))
    ctx.pipe.send("render", job.model_copy(update={"metadata": metadata}))


def render(ctx: PipelineContext, job: Job) -> None:
    renditions = images.render(ctx.objects.get(job.key))
    keys = {}
    for name, data in renditions.items():
        keys[name] = rendition_key(job.owner, job.photo_id, name)
        ctx.objects.put(keys[name], data, images.RENDITION_CONTENT_TYPE)
    ctx.pipe.send("attach", job.model_copy(update={"renditions": keys}))


def attach(ctx: PipelineContext, job: Job) -> None:
    if job.metadata is None or job.renditions is None:
        raise ValueError(f"job for photo {job.photo_id} reached attach without results")
    metadata = dict(job.metadata)
    command = AttachProcessing(
        photo_id=job.photo_id,
        width=int(metadata.pop("width")),
        height=int(metadata.pop("height")),
        format=str(metadata.pop("format", job.format or "unknown")),
        metadata=metadata,
        renditions=job.renditions,
    )
    _submit(ctx, job, command, "attach")


def fail(ctx: PipelineContext, job: Job, reason: str) -> None:
    """The photo becomes `processing_failed` with a reason its owner can read."""
    logger.info("photo refused", extra={"photo_id": str(job.photo_id), "reason": reason})
    _submit(ctx, job, FailProcessing(photo_id=job.photo_id, reason=reason), "fail")


def give_up(ctx: PipelineContext, stage: Stage, job: Job, attempts: int) -> None:
    """A filter kept failing on this job (it is in the DLQ): tell the owner."""
    fail(
        ctx,
        job,
        f"Processing stopped at the {STAGE_NAMES[stage]} step after {attempts} attempts. "
        "Reprocess the photo to try again.",
    )


def run_filter(ctx: PipelineContext, stage: Stage, job: Job) -> None:
    {"validate": validate, "extract": extract, "render": render, "attach": attach}[stage](ctx, job)


def _submit(ctx: PipelineContext, job: Job, command: Any, what: str) -> None:
    envelope = Envelope(
        command_id=command_id(job.photo_id, job.run, what),
        actor=PIPELINE_ACTOR,
        command=command,
    )
    ctx.submitter.submit(envelope)
