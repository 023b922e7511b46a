"""The image pipeline's functions fed with real S3 and SQS events, wired to in-memory fakes.

A photo goes the whole way: `POST /uploads`, its bytes into the (fake) bucket,
S3's push to `ingest`, each filter's queue drained by invoking the filter
with an SQS event of the real shape, and the resulting commands run and
projected, so `GET /photos/{id}` shows where the photo ended up.
"""

from __future__ import annotations

import base64
import copy
import io
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote_plus
from uuid import uuid4

import pytest
from PIL import Image

from adapters.memory import InMemoryPhotoObjects, InMemoryPipe
from adapters.s3_photos import etag_of
from adapters.settings import MAX_UPLOAD_BYTES
from commands.models import Envelope
from fanout.messages import CommitMessage
from functions import attach, bootstrap, extract, ingest, pipeline_failures, render, validate
from pipeline import filters, handlers
from pipeline.filters import STAGES, Job, PipelineContext, RegistrationPending
from tests import images
from tests.functional.api_helpers import ALICE, AUDITOR, BOB, SUPPORT, ApiHarness, install_api
from tests.functional.conftest import FakeLambdaContext, load_event

FILTERS = {
    "validate": validate.handler,
    "extract": extract.handler,
    "render": render.handler,
    "attach": attach.handler,
}


@dataclass
class Gallery:
    api: ApiHarness
    ctx: PipelineContext
    objects: InMemoryPhotoObjects
    pipe: InMemoryPipe

    def start(self, content_type: str, size: int, filename: str = "IMG_0001.jpg") -> dict[str, Any]:
        response = self.api.call(
            "POST",
            "/uploads",
            body={"filename": filename, "content_type": content_type, "size": size},
        )
        assert response.status == 201, response.text
        return response.json

    def put(self, started: dict[str, Any], data: bytes, content_type: str | None = None) -> str:
        """What the browser's POST to S3 does: store the bytes under the form's key."""
        fields = started["upload"]["fields"]
        key = str(fields["key"])
        self.objects.put(key, data, content_type or fields["Content-Type"])
        return key

    def push(self, key: str, event_time: str | None = None) -> Any:
        """S3's asynchronous invocation of ingest for a new object (a repeated delivery of
        one notification keeps its `event_time`)."""
        event = copy.deepcopy(load_event("s3_object_created.json"))
        event["Records"][0]["eventTime"] = event_time or datetime.now(UTC).isoformat()
        record = event["Records"][0]["s3"]["object"]
        stored = self.objects.head(key)
        record["key"] = quote_plus(key)  # URL-encoded, "/" included, as S3 sends it
        record["size"] = stored.size if stored else 0
        record["eTag"] = stored.etag if stored else ""
        return ingest.handler(event, FakeLambdaContext(function_name="retake-ingest"))

    def drain(self) -> list[dict[str, Any]]:
        """Invoke each filter with its queue's messages until every queue is empty."""
        responses = []
        while any(self.pipe.sent.values()):
            for stage in STAGES:
                jobs = self.pipe.take(stage)
                if jobs:
                    handler = FILTERS[stage]
                    responses.append(handler(sqs_jobs(stage, jobs), FakeLambdaContext()))
        return responses

    def upload(
        self,
        data: bytes,
        content_type: str,
        declared: int | None = None,
        stored_type: str | None = None,
        filename: str = "IMG_0001.jpg",
    ) -> str:
        started = self.start(content_type, declared if declared is not None else len(data),
                             filename)  # fmt: skip
        self.push(self.put(started, data, stored_type))
        self.drain()
        return str(started["photo_id"])

    def photo(self, photo_id: str, as_: Any = ALICE) -> dict[str, Any]:
        response = self.api.call("GET", f"/photos/{photo_id}", as_=as_)
        assert response.status == 200, response.text
        return response.json


def sqs_jobs(stage: str, jobs: list[Job], dlq: bool = False) -> dict[str, Any]:
    """A standard-queue SQS event of the real shape, one record per job."""
    template = load_event("sqs_fifo_commands.json")["Records"][0]
    queue = f"retake-photos-{stage}{'-dlq' if dlq else ''}"
    records = []
    for index, job in enumerate(jobs):
        record = copy.deepcopy(template)
        record["messageId"] = str(uuid4())
        record["body"] = job.model_dump_json()
        record["eventSourceARN"] = f"arn:aws:sqs:us-east-1:123456789012:{queue}"
        record["messageAttributes"] = {}
        for fifo_only in ("MessageGroupId", "MessageDeduplicationId", "SequenceNumber"):
            record["attributes"].pop(fifo_only, None)
        record["attributes"]["ApproximateReceiveCount"] = str(3 if dlq else 1 + index * 0)
        records.append(record)
    return {"Records": records}


@pytest.fixture
def gallery(monkeypatch: pytest.MonkeyPatch) -> Gallery:
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "Retake")
    monkeypatch.delenv("RETAKE_NAME_PREFIX", raising=False)
    api = install_api(monkeypatch)
    objects, pipe = InMemoryPhotoObjects(), InMemoryPipe()
    ctx = PipelineContext(
        objects=objects,
        pipe=pipe,
        submitter=api.deps.submitter,
        repository=api.side.repository,
        log=api.log,
        registration_wait_seconds=0.5,
        sleep=lambda seconds: None,
    )
    monkeypatch.setattr(bootstrap, "_pipeline", ctx)
    return Gallery(api, ctx, objects, pipe)


def opened(objects: InMemoryPhotoObjects, key: str) -> Image.Image:
    return Image.open(io.BytesIO(objects.get(key)))


# -- to ready -----------------------------------------------------------------------------


def test_a_jpeg_with_exif_and_gps_goes_all_the_way_to_ready(gallery: Gallery) -> None:
    data = images.jpeg_with_exif(orientation=6)

    photo_id = gallery.upload(data, "image/jpeg")

    photo = gallery.photo(photo_id)
    assert photo["status"] == "ready"
    assert (photo["width"], photo["height"], photo["format"]) == (48, 64, "JPEG")
    assert photo["metadata"]["captured_at"] == images.CAPTURED.isoformat()
    assert photo["metadata"]["camera"] == "Retake Optics Model 7"
    assert photo["metadata"]["orientation"] == 6
    assert photo["metadata"]["gps"] == pytest.approx(
        {"latitude": images.LATITUDE, "longitude": images.LONGITUDE}, abs=1e-4
    )
    assert set(photo["urls"]) >= {"thumbnail", "large", "original", "expires_at"}
    assert "X-Amz-Signature=" in photo["urls"]["thumbnail"]


def test_renditions_are_upright_and_carry_no_metadata_at_all(gallery: Gallery) -> None:
    photo_id = gallery.upload(images.jpeg_with_exif(640, 480, orientation=6), "image/jpeg")

    renditions = gallery.photo(photo_id)["renditions"]
    thumbnail = opened(gallery.objects, renditions["thumbnail"])
    # Stored 640 x 480 with "rotate 90 clockwise": displayed 480 x 640, so 240 x 320.
    assert thumbnail.size == (240, 320)
    red = thumbnail.convert("RGB").getpixel((thumbnail.width - 10, 10))
    assert isinstance(red, tuple) and red[0] > 200 and red[2] < 60, "the red corner moved right"
    for key in renditions.values():
        rendition = opened(gallery.objects, key)
        assert not rendition.getexif(), "no EXIF, so no GPS"
        assert b"Exif" not in gallery.objects.get(key)
        assert "icc_profile" not in rendition.info


@pytest.mark.parametrize(
    ("fmt", "content_type"),
    [("PNG", "image/png"), ("WEBP", "image/webp"), ("GIF", "image/gif"),
     ("TIFF", "image/tiff")],
)  # fmt: skip
def test_every_readable_format_becomes_ready(gallery: Gallery, fmt: str, content_type: str) -> None:
    photo_id = gallery.upload(images.encoded(fmt), content_type)

    photo = gallery.photo(photo_id)
    assert photo["status"] == "ready", photo["failure_reason"]
    assert photo["format"] == fmt
    assert (photo["width"], photo["height"]) == (64, 48)


def test_gps_is_shown_to_the_owner_only(gallery: Gallery) -> None:
    photo_id = gallery.upload(images.jpeg_with_exif(), "image/jpeg")

    assert "gps" in gallery.photo(photo_id)["metadata"]
    assert "gps" not in gallery.photo(photo_id, as_=AUDITOR)["metadata"]
    listing = gallery.api.call("GET", "/photos", as_=AUDITOR, query={"owner": "alice"}).json
    assert all("gps" not in item["metadata"] for item in listing["items"])
    assert gallery.api.call("GET", f"/photos/{photo_id}", as_=BOB).status == 404


def test_gps_stays_out_of_the_history_and_the_trail_for_all_but_the_owner(
    gallery: Gallery,
) -> None:
    photo_id = gallery.upload(images.jpeg_with_exif(), "image/jpeg")
    history = f"/photos/{photo_id}/history"
    trail = {"type": "AttachProcessing", "aggregate_id": str(photo_id)}

    owners_history = gallery.api.call("GET", history).json
    assert any("gps" in entry["after"].get("metadata", {}) for entry in owners_history["entries"])
    for reader in (AUDITOR, SUPPORT):
        seen = gallery.api.call("GET", history, as_=reader)
        assert seen.status == 200 and "gps" not in seen.text
        assert "Retake Optics" in seen.text  # the rest of the metadata is still shown
        found = gallery.api.call("GET", "/audit/commands", as_=reader, query=trail)
        [record] = found.json["items"]
        assert record["payload"]["metadata"] and "gps" not in found.text
        status = gallery.api.call("GET", f"/commands/{record['command_id']}", as_=reader)
        assert status.status == 200 and "gps" not in status.text
        for format in ("csv", "jsonl"):
            export = gallery.api.call(
                "GET", "/audit/export", as_=reader, query=trail | {"format": format}
            )
            assert export.status == 200 and "AttachProcessing" in export.text
            assert "gps" not in export.text


def test_a_shared_album_hands_out_links_but_never_gps(gallery: Gallery) -> None:
    album = gallery.api.new_album()
    photo_id = gallery.upload(images.jpeg_with_exif(), "image/jpeg")
    gallery.api.call("PUT", f"/photos/{photo_id}/album", body={"album_id": album})
    gallery.api.call("POST", f"/albums/{album}/share")
    token = gallery.api.read_models.get_album(album).share_token  # type: ignore[union-attr]

    shared = gallery.api.call("GET", f"/shared/{token}", as_=None)

    assert shared.status == 200
    [photo] = shared.json["photos"]
    assert photo["urls"]["thumbnail"] and "gps" not in json.dumps(photo)


# -- refused, each with a reason the owner can read ---------------------------------------

BAD_INPUTS = {
    "not an image": (b"hello, this is text" * 10, "image/jpeg", None, "not an image"),
    "another type than declared": (images.encoded("PNG"), "image/jpeg", None, "is a PNG"),
    "truncated": (images.truncated_jpeg(), "image/jpeg", None, "truncated"),
    "zero bytes": (b"", "image/jpeg", 10, "empty"),
    "larger than declared": (images.encoded("PNG"), "image/png", 100, "larger than declared"),
    "a pixel bomb": (images.pixel_bomb(), "image/png", None, "megapixels"),
}


@pytest.mark.parametrize("case", BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
def test_bad_input_fails_the_photo_with_a_reason_and_spares_the_others(
    gallery: Gallery, case: tuple[bytes, str, int | None, str]
) -> None:
    data, content_type, declared, reason = case
    good = gallery.upload(images.jpeg_with_exif(), "image/jpeg")

    bad = gallery.upload(data, content_type, declared=declared)
    after = gallery.upload(images.encoded("PNG"), "image/png")

    failed = gallery.photo(bad)
    assert failed["status"] == "processing_failed"
    assert reason in failed["failure_reason"]
    assert failed["urls"] is None
    assert [gallery.photo(p)["status"] for p in (good, after)] == ["ready", "ready"]


def test_a_file_over_the_size_limit_is_refused_even_if_s3_let_it_in(gallery: Gallery) -> None:
    gallery.ctx.max_upload_bytes = 1000
    started = gallery.start("image/jpeg", 900)

    gallery.push(gallery.put(started, images.jpeg_with_exif(256, 192)))
    gallery.drain()

    photo = gallery.photo(started["photo_id"])
    assert photo["status"] == "processing_failed"
    assert "limited to" in photo["failure_reason"]
    assert not gallery.pipe.sent, "refused at ingest: no filter ever saw it"


def test_bytes_stored_under_another_content_type_are_refused(gallery: Gallery) -> None:
    photo_id = gallery.upload(images.encoded("PNG"), "image/png", stored_type="text/html")

    assert "text/html" in gallery.photo(photo_id)["failure_reason"]


def test_a_filename_with_separators_and_control_characters_is_shown_safely(
    gallery: Gallery,
) -> None:
    photo_id = gallery.upload(
        images.encoded("PNG"), "image/png", filename="../../etc/pass\x07wd\n.png"
    )

    photo = gallery.photo(photo_id)
    assert photo["status"] == "ready"
    assert "/" not in photo["filename"] and "\x07" not in photo["filename"]
    assert all(photo_id in key for key in gallery.objects.objects), "keys come from ids only"


# -- idempotent filters -------------------------------------------------------------------


def test_every_filter_run_twice_gives_the_same_output_and_one_effect(gallery: Gallery) -> None:
    started = gallery.start("image/jpeg", len(data := images.jpeg_with_exif()))
    gallery.push(gallery.put(started, data))
    outputs: dict[str, list[Job]] = {}
    for stage in STAGES:
        [job] = gallery.pipe.take(stage)
        for _ in range(2):  # delivered twice
            FILTERS[stage](sqs_jobs(stage, [job]), FakeLambdaContext())
        if stage != "attach":
            outputs[stage] = gallery.pipe.sent[STAGES[STAGES.index(stage) + 1]]
            assert outputs[stage][0] == outputs[stage][1]
            gallery.pipe.sent[STAGES[STAGES.index(stage) + 1]] = [outputs[stage][0]]

    attaches = gallery.api.log.search(aggregate_id=started["photo_id"],
                                      command_type="AttachProcessing").items  # fmt: skip
    assert len(attaches) == 1
    photo_commits = gallery.api.store.read_commits(started["photo_id"])
    assert [c.command_id for c in photo_commits].count(attaches[0].command_id) == 1
    assert gallery.photo(started["photo_id"])["status"] == "ready"


def test_renditions_are_the_same_bytes_each_time() -> None:
    data = images.jpeg_with_exif(300, 200, orientation=3)

    assert filters.images.render(data) == filters.images.render(data)


# -- ingest: what it ignores, and waiting for the registration ----------------------------


def test_keys_that_are_not_a_pending_photo_are_ignored_and_logged(
    gallery: Gallery, caplog: pytest.LogCaptureFixture
) -> None:
    gallery.objects.put("originals/alice/not-a-uuid", b"x", "image/jpeg")
    gallery.objects.put(f"originals/alice/{uuid4()}", b"x", "image/jpeg")
    started = gallery.start("image/jpeg", 1)
    gallery.objects.put(f"originals/bob/{started['photo_id']}", b"x", "image/jpeg")
    pipeline_log = logging.getLogger(handlers.logger.name)  # Powertools' own logger
    pipeline_log.addHandler(caplog.handler)

    try:
        for key in list(gallery.objects.objects):
            gallery.push(key)
    finally:
        pipeline_log.removeHandler(caplog.handler)

    assert not gallery.pipe.sent
    assert gallery.photo(started["photo_id"])["status"] == "pending"
    ignored = {vars(record)["key"]: record.msg for record in caplog.records
               if "ignored" in record.msg}  # fmt: skip
    assert ignored == {
        "originals/alice/not-a-uuid": "not an original's key; ignored",
        **{key: "no pending photo for this key; ignored"
           for key in gallery.objects.objects if key != "originals/alice/not-a-uuid"},
    }  # fmt: skip


def test_a_notification_delivered_twice_runs_the_pipeline_once(gallery: Gallery) -> None:
    started = gallery.start("image/jpeg", len(data := images.jpeg_with_exif()))
    key = gallery.put(started, data)
    sent_at = datetime.now(UTC).isoformat()

    gallery.push(key, event_time=sent_at)
    gallery.push(key, event_time=sent_at)  # S3 delivers asynchronous invocations at least once
    gallery.drain()

    attaches = gallery.api.log.search(aggregate_id=started["photo_id"],
                                      command_type="AttachProcessing").items  # fmt: skip
    assert len(attaches) == 1 and attaches[0].status == "succeeded"
    commits = gallery.api.store.read_commits(started["photo_id"])
    assert [c.command_id for c in commits].count(attaches[0].command_id) == 1
    assert gallery.photo(started["photo_id"])["status"] == "ready"


def test_an_original_that_beats_its_registration_is_retried(gallery: Gallery) -> None:
    gallery.api.queue.execute = False  # the RegisterUpload command is still queued
    started = gallery.start("image/png", len(data := images.encoded("PNG")))
    key = gallery.put(started, data)

    with pytest.raises(RegistrationPending):
        gallery.push(key)
    gallery.api.queue.release()
    gallery.push(key)  # S3's retry of the asynchronous invocation
    gallery.drain()

    assert gallery.photo(started["photo_id"])["status"] == "ready"


def test_a_registration_worked_between_ingest_s_two_reads_still_starts_the_run(
    gallery: Gallery, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = gallery.start("image/png", len(data := images.encoded("PNG")))
    key = gallery.put(started, data)
    repository = gallery.ctx.repository
    real_load = repository.load
    reads: list[str] = []

    def load_before_the_worker_stored_it_the_first_time(stream_id: str, **options: Any) -> Any:
        reads.append(stream_id)
        return None if len(reads) == 1 else real_load(stream_id, **options)

    # given: the first read of the photo happened just before the worker stored its
    # events; the command log, read next, already says the registration succeeded
    monkeypatch.setattr(repository, "load", load_before_the_worker_stored_it_the_first_time)

    gallery.push(key)
    gallery.drain()

    assert len(reads) >= 2
    assert gallery.photo(started["photo_id"])["status"] == "ready"


# -- failures, the DLQ, and reprocessing --------------------------------------------------


def test_a_failing_filter_reports_only_its_own_record(
    gallery: Gallery, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = gallery.start("image/png", len(data := images.encoded("PNG")))
    second = gallery.start("image/png", len(data))
    for started in (first, second):
        gallery.push(gallery.put(started, data))
    jobs = gallery.pipe.take("validate")
    del gallery.objects.objects[jobs[0].key]  # an outage: the first original cannot be read

    event = sqs_jobs("validate", jobs)
    response = validate.handler(event, FakeLambdaContext())

    assert response == {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]}
    assert [job.photo_id for job in gallery.pipe.take("extract")] == [jobs[1].photo_id]


def test_a_job_in_a_dlq_fails_the_photo_and_reprocessing_makes_it_ready(
    gallery: Gallery,
) -> None:
    started = gallery.start("image/jpeg", len(data := images.jpeg_with_exif()))
    gallery.push(gallery.put(started, data))
    for stage in ("validate", "extract"):
        FILTERS[stage](sqs_jobs(stage, gallery.pipe.take(stage)), FakeLambdaContext())
    # the render filter kept failing: after three receives its job rests in the DLQ
    stuck = gallery.pipe.take("render")

    pipeline_failures.handler(sqs_jobs("render", stuck, dlq=True), FakeLambdaContext())

    photo_id = started["photo_id"]
    failed = gallery.photo(photo_id)
    assert failed["status"] == "processing_failed"
    assert failed["failure_reason"].startswith("Processing stopped at the thumbnail step")

    accepted = gallery.api.call("POST", f"/photos/{photo_id}/reprocess")
    assert accepted.status == 202
    assert gallery.photo(photo_id)["status"] == "pending"
    [commit] = [c for c in gallery.api.store.read_commits(photo_id)
                if c.command_id == accepted.json["command_id"]]  # fmt: skip
    request = sqs_request(CommitMessage.of(commit))
    assert ingest.handler(request, FakeLambdaContext()) == {"batchItemFailures": []}
    gallery.drain()

    assert gallery.photo(photo_id)["status"] == "ready"


def test_bulk_reprocessing_goes_on_the_low_priority_queue(gallery: Gallery) -> None:
    photos = [gallery.upload(images.encoded("PNG"), "image/png") for _ in range(3)]

    response = gallery.api.call("POST", "/batch/reprocess", body={"photo_ids": photos})

    assert response.status == 202
    sent: list[Envelope] = gallery.api.queue.sent[-3:]
    assert [e.command.type for e in sent] == ["ReprocessPhoto"] * 3
    assert {e.effective_priority for e in sent} == {"low"}


def test_another_users_photo_cannot_be_reprocessed(gallery: Gallery) -> None:
    photo_id = gallery.upload(images.encoded("PNG"), "image/png")

    assert gallery.api.call("POST", f"/photos/{photo_id}/reprocess", as_=BOB).status == 404
    assert gallery.api.call("POST", f"/photos/{photo_id}/reprocess", as_=AUDITOR).status == 403


def sqs_request(message: CommitMessage) -> dict[str, Any]:
    """A record of the photo-requests FIFO queue: a commit, delivered raw from the topic."""
    template = copy.deepcopy(load_event("sqs_projection_commits.json")["Records"][0])
    template["body"] = message.model_dump_json()
    template["eventSourceARN"] = "arn:aws:sqs:us-east-1:123456789012:retake-photo-requests.fifo"
    template["attributes"]["MessageGroupId"] = message.stream_id
    return {"Records": [template]}


# -- the API's side of an upload ----------------------------------------------------------


def test_an_upload_form_is_conditioned_on_the_type_and_the_size_limit(gallery: Gallery) -> None:
    started = gallery.start("image/webp", 5000)

    fields = started["upload"]["fields"]
    assert fields["key"] == f"originals/alice/{started['photo_id']}"
    assert fields["Content-Type"] == "image/webp"
    policy = json.loads(base64.b64decode(fields["policy"]))
    assert {"Content-Type": "image/webp"} in policy["conditions"]
    assert ["content-length-range", 1, started["max_bytes"]] in policy["conditions"]
    assert started["max_bytes"] == 25 * 1024 * 1024
    assert gallery.photo(started["photo_id"])["status"] == "pending"


@pytest.mark.parametrize("content_type", ["image/svg+xml", "text/html", "application/pdf"])
def test_an_unsupported_type_is_refused_before_any_url_is_issued(
    gallery: Gallery, content_type: str
) -> None:
    response = gallery.api.call(
        "POST", "/uploads", body={"filename": "x", "content_type": content_type, "size": 10}
    )

    assert response.status == 400
    assert response.json["error"]["code"] == "unsupported_type"
    assert not gallery.api.queue.sent and not gallery.api.log.search().items


def test_a_declared_size_over_the_limit_is_refused(gallery: Gallery) -> None:
    response = gallery.api.call(
        "POST",
        "/uploads",
        body={"filename": "big.jpg", "content_type": "image/jpeg", "size": 26 * 1024 * 1024},
    )

    assert response.status == 413
    assert response.json["error"]["code"] == "upload_too_large"
    assert not gallery.api.queue.sent


def test_the_upload_limit_is_the_configured_one(
    gallery: Gallery, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(MAX_UPLOAD_BYTES, "4096")
    gallery.api.deps.settings = None  # read from the environment, as in Lambda

    over = gallery.api.call(
        "POST", "/uploads", body={"filename": "a.png", "content_type": "image/png", "size": 4097}
    )
    started = gallery.start("image/png", 4096)

    assert over.status == 413 and over.json["error"]["details"]["max_bytes"] == 4096
    assert started["max_bytes"] == 4096
    policy = json.loads(base64.b64decode(started["upload"]["fields"]["policy"]))
    assert ["content-length-range", 1, 4096] in policy["conditions"]


def test_etag_matches_s3s_for_a_single_part_upload() -> None:
    assert etag_of(b"") == "d41d8cd98f00b204e9800998ecf8427e"
