"""Image pipeline benchmarks: how long each filter takes, and how the pipeline scales.

Both use a 4000 x 3000 (12-megapixel) camera-sized JPEG made by Pillow.
"""

from __future__ import annotations

import io
import threading
import time
from dataclasses import replace
from typing import Any
from uuid import uuid4

from bench.common import Progress, Result, median, provisioned_moto


def _camera_jpeg() -> bytes:
    """A 4000 x 3000 JPEG of noise (which compresses like a photo) with an EXIF block."""
    from PIL import Image

    noise = Image.effect_noise((4000, 3000), 40).convert("RGB")
    tinted = Image.blend(noise, Image.new("RGB", noise.size, (180, 120, 60)), 0.5)
    exif = Image.Exif()
    exif[0x0112] = 1
    out = io.BytesIO()
    tinted.save(out, "JPEG", exif=exif, quality=90)
    return out.getvalue()


def filter_times(rounds: int = 7) -> Result:
    """Median time of each filter's image work on a 12-megapixel JPEG, in-process."""
    from pipeline import images

    data = _camera_jpeg()
    steps = {
        "validate": lambda: images.validate(data, "image/jpeg", len(data), 50 * 1024 * 1024),
        "extract": lambda: images.extract(data),
        "render": lambda: images.render(data),
    }
    times: dict[str, list[float]] = {name: [] for name in steps}
    progress = Progress("filters on a 12 MP JPEG", rounds * len(steps))
    for _ in range(rounds):  # rounds alternate between filters, so noise falls on all alike
        for name, step in steps.items():
            started = time.perf_counter()
            step()
            times[name].append((time.perf_counter() - started) * 1000)
            progress.advance()
    medians = {name: median(values) for name, values in times.items()}
    total = sum(medians.values())
    return Result(
        "filter-times",
        round(total),
        "ms",
        notes=[
            ", ".join(f"{name} {value:.0f} ms" for name, value in medians.items())
            + f" (median of {rounds}; {len(data) / 1e6:.1f} MB JPEG; attach submits one "
            "command and does no image work)",
        ],
    )


def pipeline_scaling(photos: int = 12) -> Result:
    """Photos per minute through validate -> extract -> render -> attach: 2 containers per
    filter divided by 1. The filters run in the local runtime's container processes."""
    from adapters.bootstrap import build_write_side
    from adapters.s3_photos import s3_client
    from adapters.settings import Settings
    from adapters.sqs_pipe import SqsPipe
    from commands.models import Actor, Envelope, RegisterUpload
    from local_stack.runtime import LambdaRuntime
    from local_stack.sqs_source import SqsEventSource
    from pipeline.filters import STAGES, Job
    from pipeline.keys import original_key
    from resources.definitions import ATTACH, EXTRACT, PHOTOS_BUCKET, RENDER, VALIDATE
    from resources.provision import provision_buckets

    data = _camera_jpeg()
    rates: dict[int, float] = {}
    with provisioned_moto() as moto:
        s3 = s3_client("us-east-1")
        provision_buckets(s3, moto.naming, "us-east-1")
        bucket = moto.naming.bucket(PHOTOS_BUCKET)
        settings = Settings(naming=moto.naming, snapshot_interval=20, region="us-east-1")
        side = build_write_side(settings, dynamodb=moto.client("dynamodb"))
        sqs = moto.client("sqs")
        pipe = SqsPipe(sqs, moto.naming)
        env = moto.container_env()
        for containers in (1, 2):
            specs = [replace(spec, reserved_concurrency=containers)
                     for spec in (VALIDATE, EXTRACT, RENDER, ATTACH)]  # fmt: skip
            with LambdaRuntime(specs, env, idle_timeout_seconds=3600, log=lambda _: None) as rt:
                _warm(rt, [spec.name for spec in specs], containers)
                jobs = []
                for _ in range(photos):
                    photo_id = uuid4()
                    side.service.execute(Envelope(
                        actor=Actor(user_id="bench"),
                        command=RegisterUpload(photo_id=photo_id, filename="camera.jpg",
                                               content_type="image/jpeg", size=len(data)),
                    ))  # fmt: skip
                    key = original_key("bench", photo_id)
                    s3.put_object(Bucket=bucket, Key=key, Body=data, ContentType="image/jpeg")
                    jobs.append(
                        Job(photo_id=photo_id, owner="bench", key=key, content_type="image/jpeg",
                            size=len(data), run="bench")
                    )  # fmt: skip
                progress = Progress(f"{containers} container(s) per filter", photos)
                started = time.perf_counter()
                for job in jobs:
                    pipe.send("validate", job)
                _drain(sqs, pipe, rt, STAGES, containers, photos, progress, SqsEventSource)
                elapsed = time.perf_counter() - started
                rates[containers] = photos / elapsed * 60
    ratio = rates[2] / rates[1]
    return Result(
        "pipeline-scaling",
        round(ratio, 2),
        "x",
        ">=",
        1.7,
        notes=[
            f"{rates[1]:.1f} photos/min with 1 container per filter, {rates[2]:.1f} with 2 "
            f"({photos} photos of {len(data) / 1e6:.1f} MB, 12 MP; the bytes move through "
            "moto's S3 in this process; 2.0 is the ceiling on 2 cores)",
        ],
    )


def _warm(runtime: Any, names: list[str], containers: int) -> None:
    """Start every container first (one function at a time, so inits do not starve each
    other of CPU): scaling, not cold starts, is measured."""
    for name in names:
        threads = [
            threading.Thread(target=runtime.invoke, args=(name, {"source": "retake.keep-warm"}))
            for _ in range(containers)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()


def _drain(
    sqs: Any,
    pipe: Any,
    runtime: Any,
    stages: tuple[str, ...],
    containers: int,
    photos: int,
    progress: Progress,
    source_class: type,
) -> None:
    """One poller per container of each filter, until `photos` jobs have been attached."""
    attached = [0]
    lock = threading.Lock()
    stop = threading.Event()

    def poll(stage: str) -> None:
        source = source_class(
            sqs, pipe.url(stage), runtime.invoker(stage), batch_size=1, wait_seconds=1
        )
        while not stop.is_set():
            result = source.poll_once()
            if stage == "attach" and result.succeeded:
                with lock:
                    attached[0] += result.succeeded
                    progress.advance(result.succeeded)
                    if attached[0] >= photos:
                        stop.set()

    threads = [threading.Thread(target=poll, args=(stage,)) for stage in stages
               for _ in range(containers)]  # fmt: skip
    for thread in threads:
        thread.start()
    stop.wait(timeout=600)
    stop.set()
    for thread in threads:
        thread.join()
