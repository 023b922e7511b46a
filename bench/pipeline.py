"""`filter-times`: where a filter's time goes on a 12-megapixel JPEG.

The image work of validate, extract and render (Pillow), and, in the same
rounds, what the filters do against moto around it: read the original, write
the renditions, hand the job to the next queue; and attach's whole work,
submitting its command. `pipeline-scaling` lives in `bench.pipeline_scaling`.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from uuid import uuid4

from bench.common import Progress, Result, median, provisioned_moto

REGION = "us-east-1"
#: The owner of every photo a pipeline benchmark makes.
OWNER = "bench"


def camera_jpeg() -> bytes:
    """A 4000 x 3000 JPEG of noise (which compresses like a photo) with an EXIF block."""
    from PIL import Image

    noise = Image.effect_noise((4000, 3000), 40).convert("RGB")
    tinted = Image.blend(noise, Image.new("RGB", noise.size, (180, 120, 60)), 0.5)
    exif = Image.Exif()
    exif[0x0112] = 1
    out = io.BytesIO()
    tinted.save(out, "JPEG", exif=exif, quality=90)
    return out.getvalue()


@contextmanager
def no_s3_push() -> Iterator[None]:
    """Originals put in the photo bucket invoke nothing (no function is listening here)."""
    from moto.s3 import notifications

    original = notifications._invoke_awslambda
    setattr(notifications, "_invoke_awslambda", lambda *_: None)  # noqa: B010
    try:
        yield
    finally:
        setattr(notifications, "_invoke_awslambda", original)  # noqa: B010


#: The image work of each filter, summed for the headline.
IMAGE_WORK = ("validate", "extract", "render")


def filter_times(rounds: int = 7) -> Result:
    """Median time of each part of each filter on a 12-megapixel JPEG, against moto in-process."""
    from adapters.s3_photos import s3_client
    from adapters.settings import Settings
    from functions.bootstrap import build_pipeline
    from pipeline import filters, images
    from pipeline.filters import Job
    from pipeline.keys import original_key, rendition_key
    from resources.provision import provision_buckets

    data = camera_jpeg()
    with provisioned_moto() as moto, no_s3_push():
        settings = Settings(naming=moto.naming, snapshot_interval=20, region=REGION)
        ctx = build_pipeline(settings, dynamodb=moto.client("dynamodb"), sqs=moto.client("sqs"))
        provision_buckets(s3_client(REGION), moto.naming, REGION)
        photo_id = uuid4()
        job = Job(photo_id=photo_id, owner=OWNER, key=original_key(OWNER, photo_id),
                  content_type="image/jpeg", size=len(data), run="bench")  # fmt: skip
        ctx.objects.put(job.key, data, "image/jpeg")
        renditions = images.render(data)
        keys = {name: rendition_key(OWNER, photo_id, name) for name in renditions}
        finished = job.model_copy(update={"metadata": images.extract(data), "renditions": keys})
        attached = [0]

        def write_renditions() -> None:
            for name, rendition in renditions.items():
                ctx.objects.put(keys[name], rendition, images.RENDITION_CONTENT_TYPE)

        def attach() -> None:
            # A new run each time: a repeated command id would only find the first record.
            attached[0] += 1
            filters.attach(ctx, finished.model_copy(update={"run": f"bench-{attached[0]}"}))

        steps: dict[str, Callable[[], Any]] = {
            "read original": lambda: ctx.objects.get(job.key),
            "validate": lambda: images.validate(data, "image/jpeg", len(data), 50 * 1024 * 1024),
            "extract": lambda: images.extract(data),
            "render": lambda: images.render(data),
            "write renditions": write_renditions,
            "send job": lambda: ctx.pipe.send("extract", job),
            "attach": attach,
        }
        medians = _time_rounds(steps, rounds)
    return _result(medians, rounds, data, renditions)


def _time_rounds(steps: dict[str, Callable[[], Any]], rounds: int) -> dict[str, float]:
    """The median of each step in ms; rounds alternate between steps, so noise falls on all."""
    times: dict[str, list[float]] = {name: [] for name in steps}
    progress = Progress("filters on a 12 MP JPEG", rounds * len(steps))
    for _ in range(rounds):
        for name, step in steps.items():
            started = time.perf_counter()
            step()
            times[name].append((time.perf_counter() - started) * 1000)
            progress.advance()
    return {name: median(values) for name, values in times.items()}


def _result(
    medians: dict[str, float], rounds: int, data: bytes, renditions: dict[str, bytes]
) -> Result:
    read, send = medians["read original"], medians["send job"]
    whole = {
        "validate": read + medians["validate"] + send,
        "extract": read + medians["extract"] + send,
        "render": read + medians["render"] + medians["write renditions"] + send,
        "attach": medians["attach"],
    }
    sizes = ", ".join(f"{len(body) / 1e3:.0f} kB" for body in renditions.values())
    return Result(
        "filter-times",
        round(sum(medians[name] for name in IMAGE_WORK)),
        "ms",
        notes=[
            "image work (Pillow), the figure: "
            + ", ".join(f"{name} {medians[name]:.0f} ms" for name in IMAGE_WORK)
            + f" (median of {rounds}; {len(data) / 1e6:.1f} MB JPEG)",
            f"against moto, in the same rounds: reading the original {read:.0f} ms (validate, "
            f"extract and render each read it), writing the {len(renditions)} renditions "
            f"({sizes}) {medians['write renditions']:.0f} ms, handing the job to the next "
            f"queue {send:.0f} ms; attach does no image work: submitting its command (a "
            f"command-log write and an SQS send) is all of it, {medians['attach']:.0f} ms",
            "so a filter's time, the poller's receive and delete aside: "
            + ", ".join(f"{name} {value:.0f} ms" for name, value in whole.items())
            + f"; moto's share of the four: {_moto_share(medians, whole):.0%} (here client and "
            "moto share one process; on AWS these are calls to S3, SQS and DynamoDB)",
        ],
    )


def _moto_share(medians: dict[str, float], whole: dict[str, float]) -> float:
    image = sum(medians[name] for name in IMAGE_WORK)
    total = sum(whole.values())
    return (total - image) / total
