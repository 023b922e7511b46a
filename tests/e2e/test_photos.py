"""Photos through the whole local stack: upload over HTTP, S3's push, every filter in its
own container process, to `ready`; links that serve upright renditions without GPS."""

from __future__ import annotations

import io
import time
from typing import Any

import boto3
import pytest
import requests
from PIL import Image

from tests import images
from tests.e2e.conftest import REGION, RunningStack

READY_WITHIN_SECONDS = 120.0


def upload(stack: RunningStack, data: bytes, content_type: str, filename: str) -> dict[str, Any]:
    started = stack.call(
        "POST",
        "/uploads",
        "alice",
        {"filename": filename, "content_type": content_type, "size": len(data)},
    )
    assert started.status == 201, started.text
    form = started.body["upload"]
    sent = requests.post(
        form["url"], data=form["fields"], files={"file": (filename, data, content_type)},
        timeout=30,
    )  # fmt: skip
    assert sent.status_code in (200, 201, 204), sent.text
    body: dict[str, Any] = started.body
    return body


def wait_for(stack: RunningStack, photo_id: str, status: str) -> dict[str, Any]:
    deadline = time.monotonic() + READY_WITHIN_SECONDS
    photo: dict[str, Any] = {}
    while time.monotonic() < deadline:
        reply = stack.call("GET", f"/photos/{photo_id}", "alice")
        if reply.status == 200:
            photo = reply.body
            if photo["status"] == status:
                return photo
        time.sleep(0.3)
    raise AssertionError(f"photo {photo_id} is {photo.get('status')}, never {status}: {photo}")


def test_a_rotated_jpeg_with_gps_is_uploaded_processed_and_served_upright_without_gps(
    stack: RunningStack,
) -> None:
    original = images.jpeg_with_exif(800, 600, orientation=6)

    started = upload(stack, original, "image/jpeg", "IMG_0042.JPG")
    photo = wait_for(stack, started["photo_id"], "ready")

    assert (photo["width"], photo["height"]) == (600, 800)
    assert photo["metadata"]["camera"] == "Retake Optics Model 7"
    assert "gps" in photo["metadata"], "the owner sees where it was taken"
    thumbnail = requests.get(photo["urls"]["thumbnail"], timeout=30)
    rendition = Image.open(io.BytesIO(thumbnail.content))
    assert rendition.size == (240, 320), "orientation applied"
    assert not rendition.getexif() and b"Exif" not in thumbnail.content, "no GPS in renditions"
    assert requests.get(photo["urls"]["original"], timeout=30).content == original
    for function in ("ingest", "validate", "extract", "render", "attach"):
        assert stack.function_stats(function).invocations >= 1, function
    auditor_view = stack.call("GET", f"/photos/{started['photo_id']}", "audrey").body
    assert "gps" not in auditor_view["metadata"]
    assert stack.call("GET", f"/photos/{started['photo_id']}", "bob").status == 404


@pytest.mark.parametrize(
    ("fmt", "content_type"),
    [("WEBP", "image/webp"), ("GIF", "image/gif"), ("TIFF", "image/tiff")],
)
def test_webp_gif_and_tiff_become_ready_with_jpeg_renditions(
    stack: RunningStack, fmt: str, content_type: str
) -> None:
    started = upload(stack, images.encoded(fmt, 320, 240), content_type, f"scan.{fmt.lower()}")

    photo = wait_for(stack, started["photo_id"], "ready")

    assert (photo["format"], photo["width"], photo["height"]) == (fmt, 320, 240)
    thumbnail = requests.get(photo["urls"]["thumbnail"], timeout=30)
    assert Image.open(io.BytesIO(thumbnail.content)).format == "JPEG"


@pytest.mark.parametrize(
    ("data", "content_type", "reason"),
    [(images.encoded("PNG"), "image/jpeg", "is a PNG"),
     (images.truncated_jpeg(), "image/jpeg", "truncated")],
    ids=["another type than declared", "truncated"],
)  # fmt: skip
def test_a_bad_file_fails_with_a_reason_the_owner_reads(
    stack: RunningStack, data: bytes, content_type: str, reason: str
) -> None:
    started = upload(stack, data, content_type, "bad.jpg")

    failed = wait_for(stack, started["photo_id"], "processing_failed")

    assert reason in failed["failure_reason"]


def test_a_photo_whose_original_went_missing_fails_and_reprocessing_recovers_it(
    stack: RunningStack,
) -> None:
    # given: a ready photo whose original then disappears (an operator's mistake)
    data = images.encoded("PNG")
    started = upload(stack, data, "image/png", "scan.png")
    wait_for(stack, started["photo_id"], "ready")
    s3 = boto3.client(
        "s3", region_name=REGION, endpoint_url=stack.info.endpoint,
        aws_access_key_id="testing", aws_secret_access_key="testing",
    )  # fmt: skip
    bucket, key = f"{stack.info.prefix}-photos", started["upload"]["fields"]["key"]
    s3.delete_object(Bucket=bucket, Key=key)

    # when: reprocessing is asked for, it fails, saying why
    assert stack.call("POST", f"/photos/{started['photo_id']}/reprocess", "alice").status == 202
    failed = wait_for(stack, started["photo_id"], "processing_failed")
    assert "never uploaded" in failed["failure_reason"]

    # then: once the original is back (S3 pushes it to ingest again), a reprocessing
    # request runs the pipeline once more, after which the photo is ready
    s3.put_object(Bucket=bucket, Key=key, Body=data, ContentType="image/png")
    wait_for(stack, started["photo_id"], "ready")
    again = stack.call("POST", f"/photos/{started['photo_id']}/reprocess", "alice")
    assert again.status == 202
    stack.wait_projected(again.body["command_id"])
    assert wait_for(stack, started["photo_id"], "ready")["failure_reason"] is None
    history = stack.call("GET", f"/photos/{started['photo_id']}/history", "alice").body["entries"]
    requested = next(e["version"] for e in history if e["command_id"] == again.body["command_id"])
    assert any(e["type"] == "AttachProcessing" and e["version"] > requested for e in history), (
        "the pipeline ran again after the request"
    )
