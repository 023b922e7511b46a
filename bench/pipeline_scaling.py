"""`pipeline-scaling`: photos per minute through the whole pipeline, 2 containers per filter over 1.

A photo's trip is the local stack's: its RegisterUpload command is executed
(before the clock starts), its bytes are put in the photo bucket, S3 pushes
the new object to ingest through the stack's own delivery
(`local_stack.s3_push`), validate, extract, render and attach are fed by their
event-source mappings, and the worker, fed by commands-high's, executes the
AttachProcessing command attach submits. A photo counts when that command
succeeded: the photo is `ready`.

Ingest and the four filters get 1, then 2, containers each (ingest is the
first filter, push-invoked); the worker keeps its 4 containers and commands-high
its pollers in both runs. Beside the rate, each run measures how many cores
its processes kept busy (`bench.cpu`): that, not 2.0, is what bounds the ratio.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

from bench.common import Moto, Progress, Result, provisioned_moto
from bench.cpu import CoreMeter, CoresBusy
from bench.pipeline import OWNER, REGION, camera_jpeg

if TYPE_CHECKING:
    from commands.command_log import CommandLog
    from functions.bootstrap import WriteSide
    from local_stack.runtime import Invoke, LambdaRuntime

#: The longest one run may take before the benchmark gives up on it.
RUN_TIMEOUT_SECONDS = 600.0
#: How long the containers of a run may take to initialise, all together.
WARM_SECONDS = 300.0
#: Inits are not measured here, and a loaded machine can take longer than Lambda's 10 s.
INIT_TIMEOUT_SECONDS = 60.0
#: The commands by which the pipeline finishes a photo: ready, or failed with a reason.
FINISHING = ("AttachProcessing", "FailProcessing")


_SPANS = ("wall_seconds", "own_cpu_seconds", "tree_cpu_seconds", "machine_cpu_seconds")


@dataclass(frozen=True)
class Run:
    """One run: how many containers each filter had, and what the photos took."""

    containers: int
    photos: int
    busy: CoresBusy

    @property
    def per_minute(self) -> float:
        return self.photos / self.busy.wall_seconds * 60

    @staticmethod
    def total(runs: list[Run]) -> Run:
        """Runs with the same containers taken as one: photos, time and CPU summed."""
        return Run(
            runs[0].containers,
            sum(run.photos for run in runs),
            CoresBusy(*(sum(getattr(run.busy, name) for run in runs) for name in _SPANS)),
        )

    @property
    def cpu_per_photo(self) -> float:
        return self.busy.tree_cpu_seconds / self.photos


def pipeline_scaling(photos: int = 12, rounds: int = 2) -> Result:
    """Photos per minute from upload to `ready`: 2 containers per filter divided by 1."""
    from adapters.s3_photos import s3_client
    from adapters.settings import Settings
    from functions.bootstrap import build_write_side
    from resources.provision import provision_buckets

    data = camera_jpeg()
    runs: dict[int, list[Run]] = {1: [], 2: []}
    with provisioned_moto() as moto:
        provision_buckets(s3_client(REGION), moto.naming, REGION)
        settings = Settings(naming=moto.naming, snapshot_interval=20, region=REGION)
        side = build_write_side(settings, dynamodb=moto.client("dynamodb"))
        # Runs alternate (1, 2, 1, 2, ...): load from other work falls on both alike.
        for _ in range(rounds):
            for containers in (1, 2):
                runs[containers].append(_run(moto, side, data, photos, containers))
    one, two = Run.total(runs[1]), Run.total(runs[2])
    ratio = two.per_minute / one.per_minute
    ceiling = 2 / one.busy.tree
    return Result(
        "pipeline-scaling",
        round(ratio, 2),
        "x",
        ">=",
        1.7,
        notes=[
            f"{one.per_minute:.1f} photos/min with 1 container per filter, {two.per_minute:.1f} "
            f"with 2 ({rounds} runs of each, alternating 1, 2, 1, 2: "
            + ", ".join(
                f"{run.per_minute:.1f}"
                for pair in zip(runs[1], runs[2], strict=True)
                for run in pair
            )
            + f"; {photos} photos a run of {len(data) / 1e6:.1f} MB, 12 MP, each from its upload "
            "to moto's S3 to `ready`: S3's push to ingest, validate, extract, render, attach, "
            "and the worker executing AttachProcessing; ingest and the four filters scale, the "
            "worker keeps its containers and commands-high its pollers)",
            f"cores busy (this process, which serves moto and runs the pollers, plus every "
            f"container): {one.busy.tree:.2f} with 1 container per filter, {two.busy.tree:.2f} "
            f"with 2; so the ceiling on 2 cores is 2/{one.busy.tree:.2f} = {ceiling:.2f}x, and "
            f"{ratio:.2f}x is {ratio / ceiling:.0%} of it",
            f"of those cores, moto's process kept {one.busy.own:.2f} busy with 1 container per "
            f"filter and {two.busy.own:.2f} with 2; CPU per photo, all processes: "
            f"{one.cpu_per_photo:.1f} s with 1, {two.cpu_per_photo:.1f} s with 2",
            f"other work on this shared machine kept {one.busy.other:.2f} cores busy during the "
            f"runs with 1 container per filter and {two.busy.other:.2f} during the runs with 2; "
            f"with only {2 - two.busy.other:.2f} cores left to them, the runs with 2 had a ceiling "
            f"of {(2 - two.busy.other) / one.busy.tree:.2f}x",
        ],
    )


def _run(moto: Moto, side: WriteSide, data: bytes, photos: int, containers: int) -> Run:
    from adapters.s3_photos import s3_client
    from local_stack.runtime import LambdaRuntime
    from pipeline.keys import original_key
    from resources.definitions import (
        ATTACH,
        EXTRACT,
        INGEST,
        PHOTOS_BUCKET,
        RENDER,
        VALIDATE,
        WORKER,
    )

    # Provisioned: every container is started before the clock (see `_warm`).
    filters = [replace(spec, reserved_concurrency=containers, provisioned_concurrency=containers)
               for spec in (INGEST, VALIDATE, EXTRACT, RENDER, ATTACH)]  # fmt: skip
    worker = replace(WORKER, provisioned_concurrency=WORKER.reserved_concurrency)
    s3 = s3_client(REGION)
    bucket = moto.naming.bucket(PHOTOS_BUCKET)
    env = moto.container_env()
    log: deque[str] = deque(maxlen=20)
    runtime = LambdaRuntime([*filters, worker], env, idle_timeout_seconds=3600,
                            log=log.append, init_timeout_seconds=INIT_TIMEOUT_SECONDS)  # fmt: skip
    with runtime as rt:
        _warm(rt, {spec.name: spec.provisioned_concurrency for spec in (*filters, worker)}, log)
        photo_ids = [_register(side, data) for _ in range(photos)]
        outcomes = Outcomes(side.log, photo_ids, f"{containers} container(s) per filter")
        with _s3_push(moto, rt), _mappings(moto, rt, containers, outcomes):
            meter = CoreMeter()
            for photo_id in photo_ids:
                key = original_key(OWNER, photo_id)
                s3.put_object(Bucket=bucket, Key=key, Body=data, ContentType="image/jpeg")
            outcomes.wait(RUN_TIMEOUT_SECONDS)
            busy = meter.stop()
    _check_ready(side, photo_ids, outcomes)
    return Run(containers, photos, busy)


def _register(side: WriteSide, data: bytes) -> UUID:
    """A pending photo, as `POST /uploads` makes one (executed here, before the clock)."""
    from commands.models import Actor, Envelope, RegisterUpload

    photo_id = uuid4()
    side.service.execute(Envelope(
        actor=Actor(user_id=OWNER),
        command=RegisterUpload(photo_id=photo_id, filename="camera.jpg",
                               content_type="image/jpeg", size=len(data)),
    ))  # fmt: skip
    return photo_id


def _warm(runtime: LambdaRuntime, containers: dict[str, int], log: deque[str]) -> None:
    """Wait until every container is initialised: scaling, not cold starts, is measured.

    They are provisioned (Lambda's provisioned concurrency), so the runtime starts
    them all up front and replaces any whose init failed on a busy machine.
    """
    deadline = time.monotonic() + WARM_SECONDS
    while time.monotonic() < deadline:
        counts = runtime.containers()
        if all(counts[name].warm >= count for name, count in containers.items()):
            return
        time.sleep(0.5)
    raise RuntimeError(
        f"containers not warm after {WARM_SECONDS:.0f} s: {runtime.containers()}; "
        + " | ".join(log)
    )


class Outcomes:
    """Which photos the pipeline has finished, read from the command log.

    The worker's invoker is wrapped: once an invocation returns, the outcome of
    each command in its batch is read (one GetItem each), so counting costs a
    dozen reads a run rather than a poll of every photo.
    """

    def __init__(self, log: CommandLog, photo_ids: list[UUID], label: str) -> None:
        self.log = log
        self.waiting = {str(photo_id) for photo_id in photo_ids}
        #: Photo id -> (command type, status) of the command that finished it.
        self.finished: dict[str, tuple[str, str]] = {}
        self._progress = Progress(label, len(photo_ids))
        self._lock = threading.Lock()
        self._all_finished = threading.Event()

    def worker(self, invoke: Invoke) -> Invoke:
        def counted(event: dict[str, Any]) -> Any:
            try:
                return invoke(event)
            finally:
                self._read(event)

        return counted

    def _read(self, event: dict[str, Any]) -> None:
        for message in event.get("Records", []):
            record = self.log.get(str(json.loads(message["body"])["command_id"]))
            if record is None or not record.is_final or record.type not in FINISHING:
                continue
            with self._lock:
                if record.aggregate_id not in self.waiting:
                    continue
                self.waiting.discard(record.aggregate_id)
                self.finished[record.aggregate_id] = (record.type, record.status)
                self._progress.advance()
                if not self.waiting:
                    self._all_finished.set()

    def wait(self, timeout: float) -> None:
        if not self._all_finished.wait(timeout):
            raise RuntimeError(
                f"{len(self.waiting)} photo(s) not finished after {timeout:.0f} s "
                f"({len(self.finished)} finished)"
            )

    @property
    def ready(self) -> int:
        return sum(outcome == ("AttachProcessing", "succeeded")
                   for outcome in self.finished.values())  # fmt: skip


def _check_ready(side: WriteSide, photo_ids: list[UUID], outcomes: Outcomes) -> None:
    """Every photo is `ready` in the event store: a run that failed one measures nothing."""
    from domain.photo import READY, Photo

    not_ready = []
    for photo_id in photo_ids:
        loaded = side.repository.load(str(photo_id), use_cache=False)
        photo = loaded.aggregate if loaded is not None else None
        if not isinstance(photo, Photo) or photo.status != READY:
            not_ready.append(str(photo_id))
    if not_ready or outcomes.ready != len(photo_ids):
        raise RuntimeError(f"photos not ready: {not_ready}; outcomes: {outcomes.finished}")


@contextmanager
def _s3_push(moto: Moto, runtime: LambdaRuntime) -> Iterator[None]:
    """New originals pushed to ingest, as the local stack delivers S3's notifications."""
    from local_stack.s3_push import S3PushDelivery, function_name_resolver
    from resources.definitions import INGEST

    push = S3PushDelivery(runtime.invoke, function_name_resolver(moto.naming.prefix, {INGEST.name}))
    push.install()
    try:
        yield
    finally:
        push.shutdown()
    if push.failed:
        raise RuntimeError(f"{push.failed} S3 push(es) to ingest failed")


@contextmanager
def _mappings(
    moto: Moto, runtime: LambdaRuntime, containers: int, outcomes: Outcomes
) -> Iterator[None]:
    """The event-source mappings of the four pulled filters (one poller per container, with
    their specs' batch sizes) and of commands-high, whose worker invocations are counted."""
    from local_stack.sqs_source import SqsEventSource
    from resources.definitions import COMMANDS_HIGH, CONSUMERS, PIPELINE_QUEUES

    sqs = moto.client("sqs")
    sources = []
    for consumer in CONSUMERS:
        if consumer.dead_letters:
            continue
        if consumer.queue in PIPELINE_QUEUES:
            invoke, pollers = runtime.invoker(consumer.function), containers
        elif consumer.queue == COMMANDS_HIGH:
            invoke, pollers = outcomes.worker(runtime.invoker("worker")), consumer.max_concurrency
        else:
            continue
        url = sqs.get_queue_url(QueueName=moto.naming.queue(consumer.queue))["QueueUrl"]
        sources += [SqsEventSource(sqs, url, invoke, batch_size=consumer.batch_size,
                                   wait_seconds=1) for _ in range(pollers)]  # fmt: skip
    stop = threading.Event()

    def poll(source: SqsEventSource) -> None:
        while not stop.is_set():
            source.poll_once()

    threads = [threading.Thread(target=poll, args=(source,)) for source in sources]
    for thread in threads:
        thread.start()
    try:
        yield
    finally:
        stop.set()
        for thread in threads:
            thread.join()
