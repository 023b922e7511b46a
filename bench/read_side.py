"""Read-side benchmarks: requests per album page, projection lag, rebuild rate."""

from __future__ import annotations

import contextlib
import io
import json
import os
import time
from typing import Any
from uuid import uuid4

from bench.common import (
    BenchContext,
    Progress,
    RequestCounter,
    Result,
    percentile,
    provisioned_moto,
)

os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")

#: What the API handler gets as its Lambda context (it reads only what BenchContext has).
LAMBDA_CONTEXT: Any = BenchContext()


def _album_with_photos(photos: int) -> tuple[Any, list[Any]]:
    from domain.album import Album
    from domain.photo import Photo
    from projections.projectors import fold

    album = Album.create(uuid4(), "alice", "Iceland")
    album_view = fold(None, album.collect_events())
    photo_views = []
    for number in range(photos):
        photo = Photo.register(uuid4(), "alice", f"IMG_{number:04}.jpg", "image/jpeg", 10, album)
        photo.tag(["iceland"])
        photo_views.append(fold(None, photo.collect_events()))
    return album_view, photo_views


def read_requests_per_page(pages: int = 5) -> Result:
    """DynamoDB requests the API makes to answer GET /albums/{id} with 50 photos."""
    from adapters.settings import Settings
    from functions import api as lambda_api
    from functions import bootstrap
    from local_stack.proxy_event import HttpRequest, proxy_event

    with provisioned_moto() as moto:
        counter = RequestCounter()
        settings = Settings(naming=moto.naming, snapshot_interval=20, region="us-east-1")
        dependencies = bootstrap.build_api_dependencies(
            settings, dynamodb=moto.client("dynamodb", counter), sqs=moto.client("sqs")
        )
        album, photos = _album_with_photos(120)
        dependencies.read_models.bulk_load(views=[album, *photos])
        bootstrap._api_dependencies = dependencies
        claims = {"sub": "alice", "cognito:groups": [], "token_use": "id"}
        per_page: list[int] = []
        cursor = None
        for _ in range(pages):
            query = f"?limit=50&cursor={cursor}" if cursor else "?limit=50"
            request = HttpRequest("GET", f"/albums/{album.album_id}{query}", [])
            counter.reset()
            response = lambda_api.handler(proxy_event(request, claims), LAMBDA_CONTEXT)
            assert response["statusCode"] == 200, response
            per_page.append(counter.total)
            body = json.loads(response["body"])
            cursor = body.get("cursor") or body.get("photos", {}).get("cursor")
            if not cursor:
                break
        operations = dict(counter.by_operation)
        bootstrap._api_dependencies = None
    worst = max(per_page)
    return Result(
        "read-requests-per-page",
        worst,
        "DynamoDB requests/page",
        "<=",
        2,
        notes=[
            f"GET /albums/{{id}} with 50 photos a page, {len(per_page)} pages of an album of "
            f"120: requests per page {per_page} (the last page: {operations})",
        ],
    )


def projection_lag(seconds: float = 30.0, rate: float = 10.0) -> Result:
    """From a command's append to its projection, at a steady rate, handlers in-process."""
    import boto3

    from adapters.settings import Settings
    from commands.models import Actor, CreateAlbum, Envelope, RenameAlbum
    from functions import bootstrap, worker
    from functions import projector as lambda_projector
    from functions import publisher as lambda_publisher
    from local_stack.mappings import EventSourceMappings

    appended: dict[str, float] = {}
    projected: dict[str, float] = {}
    with provisioned_moto() as moto, contextlib.redirect_stdout(io.StringIO()):
        settings = Settings(naming=moto.naming, snapshot_interval=20, region="us-east-1")
        side = bootstrap.build_write_side(settings, dynamodb=moto.client("dynamodb"))
        original_append = side.store.append

        def timed_append(pending: Any) -> Any:
            commits = original_append(pending)
            for commit in commits:
                appended.setdefault(commit.command_id, time.monotonic())
            return commits

        setattr(side.store, "append", timed_append)  # noqa: B010
        projector = bootstrap.build_projector(settings, dynamodb=moto.client("dynamodb"))
        original_apply = projector.apply

        def timed_apply(commit: Any) -> Any:
            outcome = original_apply(commit)
            projected.setdefault(commit.command_id, time.monotonic())
            return outcome

        setattr(projector, "apply", timed_apply)  # noqa: B010
        bootstrap._write_side = side
        bootstrap._projector = projector
        bootstrap._publisher = bootstrap.build_publisher(settings, sns=moto.client("sns"))
        handlers = {
            "worker": worker.handler,
            "publisher": lambda_publisher.handler,
            "projector": lambda_projector.handler,
        }
        mappings = EventSourceMappings(
            sqs=moto.client("sqs"),
            dynamodb=moto.client("dynamodb"),
            streams=boto3.client("dynamodbstreams", region_name="us-east-1"),
            naming=moto.naming,
            invoker_for=lambda name: lambda event: handlers[name](event, BenchContext()),
            concurrency={"commands-low": 0},
            idle_sleep=0.02,
        )
        submitter = bootstrap.build_submitter(
            settings, dynamodb=moto.client("dynamodb"), sqs=moto.client("sqs")
        )
        actor = Actor(user_id="alice")
        albums = [uuid4() for _ in range(20)]
        for album_id in albums:
            submitter.submit(Envelope(actor=actor, command=CreateAlbum(album_id=album_id,
                                                                       title="Start")))  # fmt: skip
        mappings.start()
        time.sleep(3)
        appended.clear()
        projected.clear()
        total = int(seconds * rate)
        progress = Progress(f"commands at {rate:g}/s", total)
        submitted = []
        started = time.monotonic()
        for number in range(total):
            time.sleep(max(0.0, started + number / rate - time.monotonic()))
            envelope = Envelope(
                actor=actor,
                command=RenameAlbum(album_id=albums[number % len(albums)], title=f"T{number}"),
            )
            submitter.submit(envelope)
            submitted.append(str(envelope.command_id))
            progress.advance()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not all(c in projected for c in submitted):
            time.sleep(0.1)
        mappings.stop()
        for name in ("_write_side", "_projector", "_publisher"):
            setattr(bootstrap, name, None)
    lags = [
        (projected[c] - appended[c]) * 1000 for c in submitted if c in projected and c in appended
    ]
    p50, p95 = percentile(lags, 0.5), percentile(lags, 0.95)
    return Result(
        "projection-lag",
        p95,
        "ms p95",
        "<=",
        500,
        notes=[
            f"p50 {p50:.0f} ms (target <= 150), p95 {p95:.0f} ms (target <= 500), "
            f"max {max(lags):.0f} ms over {len(lags)} of {len(submitted)} commands at "
            f"{rate:g}/s for {seconds:g} s",
            "from the append (worker) to the projector's write, through the DynamoDB stream, "
            "the publisher, SNS FIFO and the projections queue, every handler in-process on "
            "moto's server (pollers sleep 20 ms when idle)",
            f"p50_ms={p50:.1f}",
        ],
        samples={"lag_ms": lags},
    )


def rebuild_rate(events: int = 20_000) -> Result:
    """Events per second replayed from the event store into the read models."""
    from adapters.dynamodb_event_store import DynamoDBEventStore, commit_item
    from adapters.dynamodb_read_models import DynamoDBReadModels
    from commands.event_store import Commit, StreamHead, chain
    from commands.repository import build_mapper
    from domain.photo import Photo
    from projections.rebuild import rebuild
    from resources.definitions import EVENTS, SNAPSHOTS

    with provisioned_moto() as moto:
        dynamodb = moto.client("dynamodb")
        store = DynamoDBEventStore(
            moto.naming.table(EVENTS), moto.naming.table(SNAPSHOTS), dynamodb
        )
        mapper = build_mapper()
        per_photo = 20
        seeding = Progress("seeding the event store", events)
        batch: list[dict[str, Any]] = []
        for number in range(events // per_photo):
            photo = Photo.register(uuid4(), f"user-{number % 20}", "IMG.jpg", "image/jpeg", 10)
            head: StreamHead | None = None
            for step in range(per_photo):
                if step:
                    if step % 3 == 0:
                        photo.tag([f"tag{step}"])
                    elif step % 3 == 1:
                        photo.retitle(f"Title {step}")
                    else:
                        photo.set_caption(f"Caption {step}")
                stored = [mapper.to_stored_event(event) for event in photo.collect_events()]
                commit = Commit(str(photo.id), f"c-{number}-{step}", "2026-01-01T00:00:00+00:00",
                                chain(stored, head), "Photo", photo.owner, photo.owner)  # fmt: skip
                head = commit.head
                batch.append({"PutRequest": {"Item": commit_item(commit)}})
                if len(batch) == 25:
                    dynamodb.batch_write_item(RequestItems={store.events_table: batch})
                    seeding.advance(25)
                    batch = []
        if batch:
            dynamodb.batch_write_item(RequestItems={store.events_table: batch})
            seeding.advance(len(batch))
        read_models = DynamoDBReadModels(moto.naming, client=dynamodb)
        replay = Progress("rebuilding", events)

        def on_progress(done: int, total: int) -> None:
            replay.done, replay.total = 0, total
            replay.advance(done)

        # The scan ends before the first commit is handed over (it sorts the whole table).
        scan: dict[str, float] = {}
        all_commits = store.all_commits

        def timed_commits() -> Any:
            started = time.perf_counter()
            for number, commit in enumerate(all_commits()):
                if number == 0:
                    scan["seconds"] = time.perf_counter() - started
                yield commit

        setattr(store, "all_commits", timed_commits)  # noqa: B010
        report = rebuild(store, read_models, on_progress)
    rate = report.events / report.seconds
    scan_seconds = scan.get("seconds", 0.0)
    replay_rate = report.events / max(report.seconds - scan_seconds, 1e-9)
    return Result(
        "rebuild-rate",
        rate,
        "events/s",
        ">=",
        2000,
        notes=[
            f"{report.events:,} events in {report.streams:,} streams rebuilt in "
            f"{report.seconds:.1f} s on moto's server: the scan of the event store took "
            f"{scan_seconds:.1f} s ({scan_seconds / report.events * 1000:.1f} ms per item in "
            f"moto), the fold in memory and the batch writes of views and tag rows "
            f"{report.seconds - scan_seconds:.1f} s ({replay_rate:,.0f} events/s)",
            "the figure counts the whole rebuild, scan included",
        ],
    )
