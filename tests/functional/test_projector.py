"""The projector Lambda handler, fed SQS FIFO records whose bodies are published commits."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any
from uuid import uuid4

import pytest

from adapters.memory import InMemoryCommandLog, InMemoryEventStore
from adapters.memory_read_models import InMemoryReadModels
from api.activity import is_projected
from commands.command_log import CommandRecord
from commands.event_store import Commit
from commands.models import Actor, CommandModel, CreateAlbum, Envelope, RenameAlbum
from commands.repository import Repository
from commands.service import CommandService
from fanout.messages import CommitMessage
from functions import bootstrap
from functions import projector as lambda_projector
from projections.projector import Projector
from tests.functional.conftest import FakeLambdaContext, load_event

ALICE = Actor(user_id="alice")
EVENT = "sqs_projection_commits.json"


def commit_event(*bodies: Commit | tuple[str, str]) -> dict[str, Any]:
    """An SQS FIFO event of the real shape: a commit each, or (group, raw body)."""
    template = load_event(EVENT)["Records"][0]
    records = []
    for index, body in enumerate(bodies):
        record = copy.deepcopy(template)
        record["messageId"] = f"message-{index}"
        if isinstance(body, Commit):
            message = CommitMessage.of(body)
            record["body"] = message.model_dump_json()
            record["attributes"]["MessageGroupId"] = body.stream_id
            record["attributes"]["MessageDeduplicationId"] = message.deduplication_id
        else:
            record["attributes"]["MessageGroupId"], record["body"] = body
            record["attributes"]["MessageDeduplicationId"] = f"dedup-{index}"
        records.append(record)
    return {"Records": records}


class Gallery:
    """Commands run on the store the projector catches up from."""

    def __init__(self, store: InMemoryEventStore) -> None:
        self.store = store
        self.log = InMemoryCommandLog()
        self.service = CommandService(Repository(store), self.log)

    def run(self, *commands: CommandModel) -> list[Commit]:
        commits: list[Commit] = []
        for command in commands:
            envelope = Envelope(actor=ALICE, command=command)
            self.log.record_accepted(CommandRecord.accepted(envelope))
            record = self.service.execute(envelope).record
            assert record.status == "succeeded", record.error
            stream = self.store.read_commits(command.aggregate_id)
            commits += [c for c in stream if c.command_id == record.command_id]
        return commits


@pytest.fixture
def projector(monkeypatch: pytest.MonkeyPatch) -> Iterator[Projector]:
    built = bootstrap.build_projector(read_models=InMemoryReadModels(), store=InMemoryEventStore())
    monkeypatch.setattr(bootstrap, "_projector", built)
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "Retake")
    yield built


@pytest.fixture
def gallery(projector: Projector) -> Gallery:
    assert isinstance(projector.store, InMemoryEventStore)
    return Gallery(projector.store)


@pytest.fixture
def context() -> FakeLambdaContext:
    return FakeLambdaContext(function_name="retake-projector")


def test_the_published_commits_in_a_batch_are_applied_to_the_views(
    projector: Projector, context: FakeLambdaContext
) -> None:
    response = lambda_projector.handler(load_event(EVENT), context)

    assert response == {"batchItemFailures": []}
    album = projector.read_models.get_album("7d9f3b2a-5c1e-4f8a-9b6d-2e4c8a1f0b3d")
    assert album is not None
    assert (album.title, album.description, album.version) == ("Iceland 2025", "Ring road", 2)
    assert projector.read_models.view_versions(["7d9f3b2a-5c1e-4f8a-9b6d-2e4c8a1f0b3d"]) == {
        "7d9f3b2a-5c1e-4f8a-9b6d-2e4c8a1f0b3d": 2
    }


def test_a_batch_delivered_twice_changes_nothing_the_second_time(
    projector: Projector, context: FakeLambdaContext
) -> None:
    lambda_projector.handler(load_event(EVENT), context)
    once = projector.read_models.dump()

    response = lambda_projector.handler(load_event(EVENT), context)

    assert response == {"batchItemFailures": []}
    assert projector.read_models.dump() == once


def test_a_body_that_is_not_a_commit_fails_only_its_own_record(
    projector: Projector, gallery: Gallery, context: FakeLambdaContext
) -> None:
    album_id = uuid4()
    [created] = gallery.run(CreateAlbum(album_id=album_id, title="Trip"))

    response = lambda_projector.handler(
        commit_event(("some-group", '{"stream_id": "x"}'), created), context
    )

    assert response == {"batchItemFailures": [{"itemIdentifier": "message-0"}]}
    assert projector.read_models.get_album(str(album_id)) is not None


def test_after_a_failed_record_the_later_commits_of_its_aggregate_wait(
    projector: Projector, gallery: Gallery, context: FakeLambdaContext
) -> None:
    first, second = uuid4(), uuid4()
    [created, renamed] = gallery.run(
        CreateAlbum(album_id=first, title="One"), RenameAlbum(album_id=first, title="Uno")
    )
    [other] = gallery.run(CreateAlbum(album_id=second, title="Two"))

    response = lambda_projector.handler(
        commit_event((str(first), "not json"), created, renamed, other), context
    )

    assert response == {
        "batchItemFailures": [{"itemIdentifier": f"message-{n}"} for n in (0, 1, 2)]
    }
    assert projector.read_models.get_album(str(first)) is None
    assert projector.read_models.get_album(str(second)) is not None


def test_a_commit_ahead_of_its_view_is_caught_up_from_the_event_store(
    projector: Projector, gallery: Gallery, context: FakeLambdaContext
) -> None:
    album_id = uuid4()
    commits = gallery.run(
        CreateAlbum(album_id=album_id, title="One"),
        RenameAlbum(album_id=album_id, title="Two"),
        RenameAlbum(album_id=album_id, title="Three"),
    )
    records = [gallery.log.get(commit.command_id or "") for commit in commits]
    assert not any(is_projected(r, projector.read_models) for r in records if r)

    response = lambda_projector.handler(commit_event(commits[-1]), context)

    assert response == {"batchItemFailures": []}
    album = projector.read_models.get_album(str(album_id))
    assert album is not None and (album.title, album.version) == ("Three", 3)
    # The caught-up commits' commands are visible too, not only the delivered one's.
    assert all(r is not None and is_projected(r, projector.read_models) for r in records)


def test_the_keep_warm_ping_is_answered_without_work(
    projector: Projector, context: FakeLambdaContext
) -> None:
    assert lambda_projector.handler(load_event("keep_warm.json"), context) == {"warm": True}
    assert projector.read_models.dump()["album-views"] == []
