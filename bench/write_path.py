"""Write-path benchmarks: AWS requests per command, and our store next to eventsourcing's SQLite.

write-requests-per-command drives the real path: the submitter records the
command and sends it to SQS, an SQS event source (as Lambda's event-source
mapping) polls and invokes the real worker handler, which appends and records
the outcome. Requests are counted per client with botocore's event hooks; the
polling is counted on its own client and reported on a separate line.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
import time
from typing import Any
from uuid import UUID, uuid4

from bench.common import BenchContext, Progress, RequestCounter, Result, median, provisioned_moto
from commands.models import (
    Actor,
    CaptionPhoto,
    CreateAlbum,
    Envelope,
    MovePhoto,
    RedoCommand,
    RegisterUpload,
    RenameAlbum,
    RetitlePhoto,
    TagPhoto,
    TrashPhoto,
    UndoCommand,
)

os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")

USERS = 6
PHOTOS_PER_USER = 4


def _workload() -> list[list[Envelope]]:
    """Phases of a realistic session per user; each phase needs the one before."""
    phases: list[list[Envelope]] = [[], [], [], [], []]
    for number in range(USERS):
        actor = Actor(user_id=f"user-{number}")
        trip, home = uuid4(), uuid4()
        photos = [uuid4() for _ in range(PHOTOS_PER_USER)]

        def envelope(command: Any, actor: Actor = actor) -> Envelope:
            return Envelope(actor=actor, command=command)

        phases[0] += [
            envelope(CreateAlbum(album_id=trip, title="Trip")),
            envelope(CreateAlbum(album_id=home, title="Home")),
        ]
        phases[1] += [
            envelope(RegisterUpload(photo_id=photo, filename=f"IMG_{i}.jpg",
                                    content_type="image/jpeg", size=2_000_000, album_id=trip))
            for i, photo in enumerate(photos)
        ]  # fmt: skip
        retitle = envelope(RetitlePhoto(photo_id=photos[0], title="Sunset"))
        phases[2] += [retitle, envelope(RenameAlbum(album_id=trip, title="Iceland"))]
        phases[2] += [envelope(CaptionPhoto(photo_id=p, caption="Late light")) for p in photos]
        phases[2] += [envelope(TagPhoto(photo_id=p, tags=["iceland", "2026"])) for p in photos]
        phases[2] += [
            envelope(MovePhoto(photo_id=photos[1], album_id=home)),
            envelope(TrashPhoto(photo_id=photos[2])),
        ]
        phases[3].append(
            envelope(UndoCommand(target_command_id=retitle.command_id,
                                 target_aggregate_id=str(photos[0])))
        )  # fmt: skip
        phases[4].append(
            envelope(RedoCommand(target_command_id=retitle.command_id,
                                 target_aggregate_id=str(photos[0])))
        )  # fmt: skip
    return phases


def write_requests_per_command() -> Result:
    from adapters.settings import Settings
    from functions import bootstrap, worker
    from local_stack.sqs_source import SqsEventSource
    from resources.definitions import COMMANDS_HIGH

    with provisioned_moto() as moto:
        submit_counter, worker_counter, poll_counter = (RequestCounter() for _ in range(3))
        settings = Settings(naming=moto.naming, snapshot_interval=20, region="us-east-1")
        side = bootstrap.build_write_side(
            settings, dynamodb=moto.client("dynamodb", worker_counter)
        )
        bootstrap._write_side = side
        submitter = bootstrap.build_submitter(
            settings,
            dynamodb=moto.client("dynamodb", submit_counter),
            sqs=moto.client("sqs", submit_counter),
        )
        source = SqsEventSource(
            moto.client("sqs", poll_counter),
            moto.created[COMMANDS_HIGH.name],
            lambda event: worker.handler(event, BenchContext()),
        )
        for counter in (submit_counter, worker_counter, poll_counter):
            counter.reset()
        phases = _workload()
        progress = Progress("commands", sum(len(phase) for phase in phases))
        # The worker's metrics go to stdout as EMF, as in Lambda; the bench prints its own.
        phase_requests = []
        with contextlib.redirect_stdout(io.StringIO()):
            for phase in phases:
                before = submit_counter.total + worker_counter.total
                for envelope in phase:
                    submitter.submit(envelope)
                while done := source.drain():
                    progress.advance(done)
                phase_requests.append(submit_counter.total + worker_counter.total - before)
        write_path = submit_counter.total + worker_counter.total
        plain = sum(phase_requests[:3]) / sum(len(phase) for phase in phases[:3])
        reverts = sum(phase_requests[3:]) / sum(len(phase) for phase in phases[3:])
        ops = submit_counter.by_operation + worker_counter.by_operation
        statuses = [side.log.get(str(e.command_id)) for phase in phases for e in phase]
        succeeded = sum(1 for record in statuses if record and record.status == "succeeded")
        per_command = write_path / succeeded
        breakdown = ", ".join(f"{op} {n / succeeded:.2f}" for op, n in sorted(ops.items()))
        polling = poll_counter.total / succeeded
        bootstrap._write_side = None
        return Result(
            "write-requests-per-command",
            per_command,
            "requests/command",
            "<=",
            4.0,
            notes=[
                f"{succeeded} of {len(statuses)} commands succeeded "
                f"({USERS} users: albums, uploads, edits, tags, moves, undo, redo)",
                f"per command: {breakdown}",
                f"plain commands {plain:.2f} requests each; undo and redo {reverts:.2f} each "
                "(they also read the target's record and later events, and link the target)",
                f"queue polling by the event-source mapping (not counted above): "
                f"{polling:.2f} requests/command "
                + ", ".join(f"{op} {n}" for op, n in sorted(poll_counter.by_operation.items())),
            ],
        )


def _ours(store: Any, album_id: UUID, updates: int) -> float:
    from commands.repository import AggregateCache, Repository
    from domain.album import Album

    repository = Repository(store, snapshot_interval=20, cache=AggregateCache(capacity=0))
    started = time.perf_counter()
    repository.save([(None, Album.create(album_id, "alice", "Title 0"))], "c0")
    for number in range(1, updates + 1):
        loaded = repository.load(str(album_id))
        assert loaded is not None
        album = loaded.aggregate
        assert isinstance(album, Album)
        album.rename(f"Title {number}")
        repository.save([(loaded, album)], f"c{number}")
    final = repository.load(str(album_id))
    assert final is not None and final.aggregate.version == updates + 1
    return time.perf_counter() - started


def _sqlite(path: str, updates: int) -> float:
    from eventsourcing.application import Application

    from domain.album import Album

    app: Application[UUID] = Application(
        env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": path}
    )
    started = time.perf_counter()
    album = Album.create(uuid4(), "alice", "Title 0")
    app.save(album)
    for number in range(1, updates + 1):
        album = app.repository.get(album.id)
        album.rename(f"Title {number}")
        app.save(album)
    assert app.repository.get(album.id).version == updates + 1
    app.close()
    return time.perf_counter() - started


def vs_eventsourcing_sqlite(rounds: int = 3, updates: int = 100) -> Result:
    from adapters.dynamodb_event_store import DynamoDBEventStore
    from resources.definitions import EVENTS, SNAPSHOTS

    ours_times, sqlite_times = [], []
    progress = Progress("rounds (ours, then sqlite)", rounds * 2)
    with provisioned_moto() as moto, tempfile.TemporaryDirectory() as folder:
        store = DynamoDBEventStore(
            moto.naming.table(EVENTS), moto.naming.table(SNAPSHOTS), moto.client("dynamodb")
        )
        for round_number in range(rounds):
            ours_times.append(_ours(store, uuid4(), updates))
            progress.advance()
            sqlite_times.append(_sqlite(os.path.join(folder, f"r{round_number}.db"), updates))
            progress.advance()
    ours, sqlite = median(ours_times), median(sqlite_times)
    return Result(
        "vs-eventsourcing-sqlite",
        ours / sqlite,
        "x slower",
        notes=[
            f"create + {updates} load-rename-save + load, median of {rounds} alternating rounds:",
            f"DynamoDB store on moto {ours * 1000:.0f} ms, eventsourcing SQLite file "
            f"{sqlite * 1000:.0f} ms (moto is an HTTP server in Python: every request pays "
            "for a round trip and moto's own bookkeeping)",
        ],
    )
