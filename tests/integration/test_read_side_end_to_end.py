"""The whole read side on moto: a command is appended, streamed, published, queued,
projected, and its status says so: through the real handlers and the real API."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from adapters.settings import Settings
from functions import api as lambda_api
from functions import bootstrap, worker
from functions import projector as lambda_projector
from functions import publisher as lambda_publisher
from local_stack.mappings import EventSourceMappings
from local_stack.proxy_event import HttpRequest, proxy_event
from projections.people import PersonIdentity
from tests.functional.conftest import FakeLambdaContext
from tests.integration.conftest import REGION, AwsContext

ALICE = {"sub": "alice", "token_use": "id"}
AUDITOR = {"sub": "audrey", "cognito:groups": ["auditors"], "token_use": "id"}


class HeldProjector:
    """The projector, which can hold its deliveries back: a consumer that lags."""

    def __init__(self) -> None:
        self.held: list[dict[str, Any]] | None = None

    def hold(self) -> None:
        self.held = []

    def __call__(self, event: dict[str, Any], context: Any) -> Any:
        if self.held is None:
            return lambda_projector.handler(event, context)
        self.held.append(event)
        return {"batchItemFailures": []}

    def release(self) -> None:
        held, self.held = self.held or [], None
        for event in held:
            assert lambda_projector.handler(event, FakeLambdaContext()) == {"batchItemFailures": []}


@pytest.fixture
def projector() -> HeldProjector:
    return HeldProjector()


@pytest.fixture
def stack(
    aws: AwsContext, monkeypatch: pytest.MonkeyPatch, projector: HeldProjector
) -> Iterator[EventSourceMappings]:
    """Every function of the read and write path wired in-process to moto."""
    settings = Settings(naming=aws.naming, snapshot_interval=20, region=REGION)
    monkeypatch.setattr(bootstrap, "_write_side", bootstrap.build_write_side(settings))
    monkeypatch.setattr(bootstrap, "_publisher", bootstrap.build_publisher(settings))
    monkeypatch.setattr(bootstrap, "_projector", bootstrap.build_projector(settings))
    monkeypatch.setattr(bootstrap, "_api_dependencies", bootstrap.build_api_dependencies(settings))
    handlers = {
        "worker": worker.handler,
        "publisher": lambda_publisher.handler,
        "projector": projector,
    }
    mappings = EventSourceMappings(
        sqs=aws.sqs,
        dynamodb=aws.dynamodb,
        streams=boto3.client("dynamodbstreams", region_name=REGION),
        naming=aws.naming,
        invoker_for=lambda name: lambda event: handlers[name](event, FakeLambdaContext()),
    )
    yield mappings


def call(method: str, path: str, claims: dict[str, Any], body: Any = None) -> tuple[int, Any]:
    request = HttpRequest(
        method,
        path,
        [("Content-Type", "application/json")],
        json.dumps(body).encode() if body is not None else b"",
    )
    with contextlib.redirect_stdout(io.StringIO()):
        response = lambda_api.handler(proxy_event(request, claims), FakeLambdaContext())
    return response["statusCode"], json.loads(response["body"] or "null")


def test_a_command_travels_from_the_api_through_every_function_to_the_read_model(
    stack: EventSourceMappings, projector: HeldProjector
) -> None:
    # given: an album created through the API
    status, created = call("POST", "/albums", ALICE, {"title": "Iceland"})
    assert status == 202
    album_id, command_id = created["album_id"], created["command_id"]
    status, pending = call("GET", f"/commands/{command_id}", ALICE)
    assert status == 200 and pending["status"] == "accepted" and not pending["projected"]

    # when: the event-source mappings run until nothing moves, the projector lagging
    projector.hold()
    with contextlib.redirect_stdout(io.StringIO()):
        stack.settle()

    # then: succeeded, but not projected until the projector has run
    status, lagging = call("GET", f"/commands/{command_id}", ALICE)
    assert (status, lagging["status"], lagging["projected"]) == (200, "succeeded", False)
    assert projector.held
    with contextlib.redirect_stdout(io.StringIO()):
        projector.release()

    # then: succeeded, projected, and readable
    status, done = call("GET", f"/commands/{command_id}", ALICE)
    assert (status, done["status"], done["projected"]) == (200, "succeeded", True)
    status, album = call("GET", f"/albums/{album_id}", ALICE)
    assert status == 200 and album["title"] == "Iceland"


def test_an_undo_travels_the_same_way_and_the_auditor_sees_both_in_the_trail(
    stack: EventSourceMappings,
) -> None:
    _, created = call("POST", "/albums", ALICE, {"title": "Before"})
    album_id = created["album_id"]
    _, renamed = call("PATCH", f"/albums/{album_id}", ALICE, {"title": "After"})
    with contextlib.redirect_stdout(io.StringIO()):
        stack.settle()
    status, undo = call("POST", f"/commands/{renamed['command_id']}/undo", ALICE, {})
    assert status == 202
    with contextlib.redirect_stdout(io.StringIO()):
        stack.settle()

    _, undone = call("GET", f"/commands/{undo['command_id']}", ALICE)
    assert undone["status"] == "succeeded" and undone["projected"]
    _, album = call("GET", f"/albums/{album_id}", ALICE)
    assert album["title"] == "Before"
    status, trail = call("GET", f"/audit/commands?aggregate_id={album_id}", AUDITOR)
    assert status == 200
    types = sorted(entry["type"] for entry in trail["items"])
    assert types == ["CreateAlbum", "RenameAlbum", "UndoCommand"]


def test_a_commit_that_ran_out_of_receives_is_replayed_from_the_projections_dlq(
    stack: EventSourceMappings, projector: HeldProjector, aws: AwsContext
) -> None:
    # given: an album whose commit never reached the projector (its deliveries all died)
    status, created = call("POST", "/albums", ALICE, {"title": "Replayed"})
    assert status == 202
    projector.hold()
    with contextlib.redirect_stdout(io.StringIO()):
        stack.settle()
    [delivery] = projector.held or []
    projector.held = None
    [record] = delivery["Records"]
    aws.sqs.send_message(
        QueueUrl=aws.queue_urls["projections-dlq"],
        MessageBody=record["body"],
        MessageGroupId=record["attributes"]["MessageGroupId"],
        MessageDeduplicationId=record["attributes"]["MessageDeduplicationId"],
    )
    assert call("GET", f"/albums/{created['album_id']}", ALICE)[1]["title"] == "Replayed"
    assert call("GET", f"/commands/{created['command_id']}", ALICE)[1]["projected"] is False

    # when: the mappings run, the projections DLQ's included
    with contextlib.redirect_stdout(io.StringIO()):
        stack.settle()

    # then: the commit was projected from the DLQ, which is empty again
    assert call("GET", f"/commands/{created['command_id']}", ALICE)[1]["projected"] is True
    depth = aws.sqs.get_queue_attributes(
        QueueUrl=aws.queue_urls["projections-dlq"], AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]["ApproximateNumberOfMessages"]
    assert depth == "0"


def test_a_display_name_change_travels_to_the_people_model_and_names_the_trail(
    stack: EventSourceMappings,
) -> None:
    # given: Alice as Cognito's trigger recorded her
    named_alice = {**ALICE, "cognito:username": "alice", "name": "Alice Liddell"}
    people = bootstrap.api_dependencies().people
    assert people is not None
    people.record_identity(
        PersonIdentity("alice", "alice", None, "Alice Liddell", [], datetime.now(UTC))
    )
    # when: she changes her display name, and everything runs until nothing moves
    status, accepted = call("PATCH", "/me", named_alice, {"display_name": "Alice L."})
    assert status == 202
    with contextlib.redirect_stdout(io.StringIO()):
        stack.settle()

    # then: the Person commit passed the projections queue's filter and was projected
    status, done = call("GET", f"/commands/{accepted['command_id']}", named_alice)
    assert (status, done["status"], done["projected"]) == (200, "succeeded", True)
    assert call("GET", "/me", named_alice)[1]["name"] == "Alice L."
    status, found = call("GET", "/people?q=alice%20l", AUDITOR)
    assert [person["name"] for person in found["items"]] == ["Alice L."]
