"""Photos on moto: the presigned POST over HTTP, S3's push to ingest, every filter on SQS.

Every function runs in-process, invoked by the same event-source mappings and
S3 push delivery the local stack uses; the bytes go over HTTP to moto's S3 and
come back through the presigned links the API hands out.
"""

from __future__ import annotations

import contextlib
import io
import json
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import requests
from moto.s3 import notifications
from PIL import Image

from adapters.s3_photos import s3_client
from adapters.settings import Settings
from functions import api as lambda_api
from functions import (
    attach,
    bootstrap,
    extract,
    ingest,
    pipeline_failures,
    render,
    validate,
    worker,
)
from functions import projector as lambda_projector
from functions import publisher as lambda_publisher
from local_stack.mappings import EventSourceMappings
from local_stack.proxy_event import HttpRequest, proxy_event
from local_stack.s3_push import S3PushDelivery, function_name_resolver
from pipeline import images
from resources.definitions import PIPELINE_FUNCTIONS
from resources.provision import provision_buckets
from tests import images as made
from tests.functional.conftest import FakeLambdaContext
from tests.integration.conftest import REGION, AwsContext

ALICE = {"sub": "alice", "token_use": "id"}
HANDLERS: dict[str, Any] = {
    "worker": worker.handler,
    "publisher": lambda_publisher.handler,
    "projector": lambda_projector.handler,
    "ingest": ingest.handler,
    "validate": validate.handler,
    "extract": extract.handler,
    "render": render.handler,
    "attach": attach.handler,
    "pipeline-failures": pipeline_failures.handler,
}


def invoke(name: str, event: Any) -> Any:
    with contextlib.redirect_stdout(io.StringIO()):
        return HANDLERS[name](event, FakeLambdaContext(function_name=f"test-{name}"))


@pytest.fixture
def stack(aws: AwsContext, monkeypatch: pytest.MonkeyPatch) -> Iterator[EventSourceMappings]:
    """Every function wired in-process to moto, S3 pushing new originals to ingest."""
    monkeypatch.setenv("RETAKE_NAME_PREFIX", aws.naming.prefix)
    settings = Settings(naming=aws.naming, snapshot_interval=20, region=REGION)
    provision_buckets(s3_client(REGION), aws.naming, REGION)
    monkeypatch.setattr(bootstrap, "_write_side", bootstrap.build_write_side(settings))
    monkeypatch.setattr(bootstrap, "_publisher", bootstrap.build_publisher(settings))
    monkeypatch.setattr(bootstrap, "_projector", bootstrap.build_projector(settings))
    monkeypatch.setattr(bootstrap, "_api_dependencies", bootstrap.build_api_dependencies(settings))
    monkeypatch.setattr(bootstrap, "_pipeline", bootstrap.build_pipeline(settings))
    monkeypatch.setattr(notifications, "_invoke_awslambda", notifications._invoke_awslambda)
    push = S3PushDelivery(
        invoke,
        function_name_resolver(aws.naming.prefix, {spec.name for spec in PIPELINE_FUNCTIONS}),
        retry_delay_seconds=0.2,
    )
    push.install()
    mappings = EventSourceMappings(
        sqs=aws.sqs,
        dynamodb=aws.dynamodb,
        streams=boto3.client("dynamodbstreams", region_name=REGION),
        naming=aws.naming,
        invoker_for=lambda name: lambda event: invoke(name, event),
        failed_visibility_seconds=0,
    )
    mappings.push = push  # type: ignore[attr-defined]
    yield mappings
    push.shutdown()


def call(method: str, path: str, body: Any = None) -> tuple[int, Any]:
    request = HttpRequest(
        method,
        path,
        [("Content-Type", "application/json")],
        json.dumps(body).encode() if body is not None else b"",
    )
    with contextlib.redirect_stdout(io.StringIO()):
        response = lambda_api.handler(proxy_event(request, ALICE), FakeLambdaContext())
    return response["statusCode"], json.loads(response["body"] or "null")


def settle_until(stack: EventSourceMappings, photo_id: str, status: str) -> dict[str, Any]:
    deadline = time.monotonic() + 90
    photo: dict[str, Any] = {}
    while time.monotonic() < deadline:
        stack.settle(quiet_polls=1, timeout=10)
        code, photo = call("GET", f"/photos/{photo_id}")
        if code == 200 and photo["status"] == status:
            return photo
        time.sleep(0.1)
    raise AssertionError(f"photo {photo_id} never became {status}: {photo}")


def upload_over_http(data: bytes, content_type: str, filename: str = "IMG_1.jpg") -> str:
    status, started = call(
        "POST", "/uploads", {"filename": filename, "content_type": content_type, "size": len(data)}
    )
    assert status == 201, started
    form = started["upload"]
    response = requests.post(
        form["url"], data=form["fields"], files={"file": (filename, data, content_type)},
        timeout=30,
    )  # fmt: skip
    assert response.status_code in (200, 201, 204), response.text
    return str(started["photo_id"])


def test_a_photo_uploaded_by_presigned_post_is_pushed_processed_and_served(
    stack: EventSourceMappings,
) -> None:
    original = made.jpeg_with_exif(640, 480, orientation=6)

    photo_id = upload_over_http(original, "image/jpeg")
    photo = settle_until(stack, photo_id, "ready")

    assert stack.push.delivered >= 1  # type: ignore[attr-defined]
    assert (photo["width"], photo["height"]) == (480, 640)
    assert photo["metadata"]["gps"]["latitude"] == pytest.approx(made.LATITUDE, abs=1e-4)
    thumbnail = requests.get(photo["urls"]["thumbnail"], timeout=30)
    assert thumbnail.status_code == 200
    rendition = Image.open(io.BytesIO(thumbnail.content))
    assert rendition.size == (240, 320)
    assert not rendition.getexif() and b"Exif" not in thumbnail.content
    assert requests.get(photo["urls"]["original"], timeout=30).content == original


def test_a_photo_whose_filter_keeps_failing_fails_and_reprocessing_recovers_it(
    stack: EventSourceMappings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: the render filter is broken
    working = images.render
    fixed = False

    def render(data: bytes, sizes: Any = None) -> dict[str, bytes]:
        if not fixed:
            raise RuntimeError("renderer out of memory")
        return working(data, sizes)

    monkeypatch.setattr(images, "render", render)
    photo_id = upload_over_http(made.encoded("PNG"), "image/png", "scan.png")

    # when: it is retried until its job rests in the DLQ
    failed = settle_until(stack, photo_id, "processing_failed")

    # then: the owner reads why, and reprocessing after the fix makes it ready
    assert "thumbnail step after 3 attempts" in failed["failure_reason"]
    fixed = True
    status, _ = call("POST", f"/photos/{photo_id}/reprocess")
    assert status == 202
    ready = settle_until(stack, photo_id, "ready")
    assert ready["failure_reason"] is None and ready["urls"]["large"]


def test_a_pixel_bomb_is_refused_and_the_photo_beside_it_is_not(
    stack: EventSourceMappings,
) -> None:
    bomb = upload_over_http(made.pixel_bomb(), "image/png", "bomb.png")
    fine = upload_over_http(made.encoded("WEBP"), "image/webp", "fine.webp")

    refused = settle_until(stack, bomb, "processing_failed")

    assert "megapixels" in refused["failure_reason"]
    assert settle_until(stack, fine, "ready")["format"] == "WEBP"
