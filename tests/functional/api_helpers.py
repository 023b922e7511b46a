"""Driving the HTTP API in tests: real-shaped API Gateway REST events, in-memory everything.

`api_event` builds an event from `tests/events/apigw_rest_request.json`.
`install_api` wires the API to in-memory fakes through the one global the
composition root keeps (`bootstrap._api_dependencies`). Its `FakeQueue` runs
each submitted command at once through a real CommandService and Projector,
so a read right after a write sees it; tests can hold either step back.
"""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from uuid import uuid4

import boto3
import pytest
from botocore.config import Config

from adapters.memory import InMemoryCommandLog, InMemoryEventStore
from adapters.memory_people import InMemoryPeople
from adapters.memory_read_models import InMemoryReadModels
from adapters.s3_photos import PhotoLinks
from adapters.settings import Settings
from api.app import handle
from commands.command_log import CommandRecord
from commands.event_store import Commit
from commands.models import Envelope
from commands.submit import CommandSubmitter
from functions import bootstrap
from projections.projector import Projector
from resources.definitions import Naming
from tests.functional.conftest import FakeLambdaContext, load_event

Claims = dict[str, Any]


def claims(user_id: str, *groups: str, as_string: bool = False) -> Claims:
    """Cognito claims as API Gateway's authorizer passes them."""
    found: Claims = {"sub": user_id, "cognito:username": user_id, "token_use": "id"}
    if groups:
        found["cognito:groups"] = f"[{' '.join(groups)}]" if as_string else list(groups)
    return found


ALICE = claims("alice")
BOB = claims("bob")
AUDITOR = claims("audrey", "auditors", as_string=True)
SUPPORT = claims("sam", "support")


def api_event(
    method: str,
    path: str,
    *,
    claims: Claims | None = None,
    path_parameters: Mapping[str, str] | None = None,
    query: Mapping[str, str] | None = None,
    multi_query: Mapping[str, list[str]] | None = None,
    body: Any = None,
    raw_body: str | None = None,
    headers: Mapping[str, str] | None = None,
    resource: str | None = None,
) -> dict[str, Any]:
    """An API Gateway REST proxy event; `claims=None` is an anonymous caller."""
    event = copy.deepcopy(load_event("apigw_rest_request.json"))
    event["httpMethod"] = method
    event["path"] = path
    event["resource"] = resource or path
    event["requestContext"]["httpMethod"] = method
    event["requestContext"]["path"] = f"/prod{path}"
    event["requestContext"]["resourcePath"] = resource or path
    event["requestContext"]["requestId"] = str(uuid4())
    event["pathParameters"] = dict(path_parameters) if path_parameters else None
    singles = dict(query or {})
    multis = {name: [value] for name, value in singles.items()}
    for name, values in (multi_query or {}).items():
        multis[name] = list(values)
        singles[name] = values[-1]
    event["queryStringParameters"] = singles or None
    event["multiValueQueryStringParameters"] = multis or None
    if claims is None:
        del event["requestContext"]["authorizer"]
        for table in (event["headers"], event["multiValueHeaders"]):
            table.pop("Authorization", None)
    else:
        event["requestContext"]["authorizer"] = {"claims": dict(claims)}
    for name, value in (headers or {}).items():
        event["headers"][name] = value
        event["multiValueHeaders"][name] = [value]
    event["body"] = (
        raw_body if raw_body is not None else (None if body is None else json.dumps(body))
    )
    return event


@dataclass
class ApiResponse:
    status: int
    headers: dict[str, str]
    text: str

    @property
    def json(self) -> Any:
        return json.loads(self.text)

    @property
    def error_code(self) -> str:
        return str(self.json["error"]["code"])


def _response(result: dict[str, Any]) -> ApiResponse:
    body = result.get("body") or ""
    if result.get("isBase64Encoded"):
        body = base64.b64decode(body).decode()
    headers = {name: values[-1] for name, values in (result.get("multiValueHeaders") or {}).items()}
    headers |= result.get("headers") or {}
    return ApiResponse(status=result["statusCode"], headers=headers, text=body)


@dataclass
class FakeQueue:
    """Runs each command as it is sent (unless held), then projects its commits (unless held)."""

    api: ApiHarness
    sent: list[Envelope] = field(default_factory=list)
    execute: bool = True
    project: bool = True
    held_envelopes: list[Envelope] = field(default_factory=list)
    held_commits: list[Commit] = field(default_factory=list)

    def send(self, envelope: Envelope) -> None:
        self.sent.append(envelope)
        if self.execute:
            self.run(envelope)
        else:
            self.held_envelopes.append(envelope)

    def run(self, envelope: Envelope) -> CommandRecord:
        record = self.api.service.execute(envelope).record
        commits = [
            commit
            for ref in record.events
            for commit in self.api.store.read_commits(
                ref.stream_id, after_version=ref.first_version - 1, up_to_version=ref.last_version
            )
            if commit.command_id == record.command_id
        ]
        if self.project:
            for commit in commits:
                self.api.projector.apply(commit)
        else:
            self.held_commits += commits
        return record

    def release(self) -> None:
        """Execute and project everything held back, in order."""
        self.execute = self.project = True
        while self.held_envelopes:
            self.run(self.held_envelopes.pop(0))
        while self.held_commits:
            self.api.projector.apply(self.held_commits.pop(0))


@dataclass
class ApiHarness:
    deps: bootstrap.ApiDependencies
    side: bootstrap.WriteSide
    read_models: InMemoryReadModels
    projector: Projector
    queue: FakeQueue = field(init=False)

    def __post_init__(self) -> None:
        self.queue = FakeQueue(self)
        self.deps.submitter.queue = self.queue

    @property
    def service(self) -> Any:
        return self.side.service

    @property
    def store(self) -> InMemoryEventStore:
        assert isinstance(self.side.store, InMemoryEventStore)
        return self.side.store

    @property
    def log(self) -> InMemoryCommandLog:
        assert isinstance(self.side.log, InMemoryCommandLog)
        return self.side.log

    @property
    def people(self) -> InMemoryPeople:
        assert isinstance(self.deps.people, InMemoryPeople)
        return self.deps.people

    def call(
        self, method: str, path: str, as_: Claims | None = ALICE, **kwargs: Any
    ) -> ApiResponse:
        return _response(handle(api_event(method, path, claims=as_, **kwargs), FakeLambdaContext()))

    def given(self, user: Claims, command: dict[str, Any], **envelope: Any) -> CommandRecord:
        """Submit a command directly (as the upload path would) and run it to its end."""
        groups = user.get("cognito:groups") or []
        actor = {
            "user_id": user["sub"],
            "groups": groups if isinstance(groups, list) else [],
            "username": user.get("cognito:username"),
            "name": user.get("name"),
        }
        record = self.deps.submitter.submit({"actor": actor, "command": command, **envelope})
        stored = self.log.get(record.command_id)
        assert stored is not None
        return stored

    def new_album(self, user: Claims = ALICE, title: str = "Iceland") -> str:
        album_id = str(uuid4())
        self.given(user, {"type": "CreateAlbum", "album_id": album_id, "title": title})
        return album_id

    def new_photo(
        self, user: Claims = ALICE, album_id: str | None = None, filename: str = "glacier.jpg"
    ) -> str:
        photo_id = str(uuid4())
        command = {
            "type": "RegisterUpload",
            "photo_id": photo_id,
            "filename": filename,
            "content_type": "image/jpeg",
            "size": 1234,
            "album_id": album_id,
        }
        self.given(user, command)
        return photo_id


def fake_s3_client() -> Any:
    """An S3 client that only signs (presigning needs credentials, never the network)."""
    return boto3.client(
        "s3",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(signature_version="s3v4"),
    )


def install_api(monkeypatch: pytest.MonkeyPatch) -> ApiHarness:
    """The API on in-memory fakes: one event store, log, read models and a FakeQueue."""
    side = bootstrap.build_write_side(store=InMemoryEventStore(), log=InMemoryCommandLog())
    read_models = InMemoryReadModels()
    people = InMemoryPeople()
    deps = bootstrap.ApiDependencies(
        submitter=CommandSubmitter(side.log, queue=_NoQueue()),
        log=side.log,
        read_models=read_models,
        store=side.store,
        repository=side.repository,
        settings=Settings(naming=Naming("test"), snapshot_interval=20, region="us-east-1"),
        photo_links=PhotoLinks("test-photos", fake_s3_client()),
        people=people,
    )
    projector = Projector(read_models, side.store, people=people)
    harness = ApiHarness(deps, side, read_models, projector)
    monkeypatch.setattr(bootstrap, "_api_dependencies", deps)
    return harness


class _NoQueue:
    def send(self, envelope: Envelope) -> None:
        raise AssertionError("replaced by the harness's FakeQueue")
