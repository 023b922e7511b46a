"""Every AWS call each function's code makes is allowed by the policy its role is deployed with.

The access matrix (`permissions.py`) is written by hand; this checks it against
what the code does. Every function runs its handler (`FunctionSpec.handler`) on
moto, with the environment the Pulumi program gives it, through a flow that
exercises what it serves: commands through the worker, the stream through the
publisher, commits (tags and shares added and removed) through the projector,
an upload through every pipeline filter, a dead letter through
`pipeline-failures`, Cognito's trigger events (a confirmed sign-up, sign-ins,
a rename in Cognito) through `people`, and the API's routes that reach AWS
differently (commands, listings, history, as-of state, audit search, export
and verification, upload forms and download links, a display name changed by
command, the people search). A hook on botocore records each call, presigned
ones included, by the function that made it; each becomes an IAM action on an
ARN, and the test evaluates it against the policy document the program
deployed for that function (resource patterns and the ListBucket condition).

What is not covered: calls Lambda makes with a function's role on its behalf
(a mapping's polling of its queues and stream, its on-failure sends), which
`test_policies` checks from the definitions; and branches no flow here takes.
"""

from __future__ import annotations

import contextlib
import copy
import fnmatch
import importlib
import io
import json
import os
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import boto3
import botocore.signers
import pytest
from botocore.client import BaseClient

from functions import bootstrap
from local_stack.mappings import EventSourceMappings
from local_stack.moto_server import point_boto3_at, running_moto
from local_stack.proxy_event import HttpRequest, proxy_event
from pipeline.filters import Job
from resources.definitions import (
    FUNCTIONS,
    PEOPLE,
    PEOPLE_FUNCTION,
    PHOTOS_BUCKET,
    PHOTOS_RENDER,
    SHARE_VIEWS,
    TAG_VIEWS,
    FunctionSpec,
    Naming,
)
from resources.provision import provision, provision_buckets
from tests import images
from tests.functional.conftest import FakeLambdaContext, load_event
from tests.infra.conftest import ACCOUNT, REGION, Stack

NAMING = Naming()
# Functions that count nothing say so when they flush; that is not what this test is about.
pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish")
ALICE = {"sub": "alice", "token_use": "id"}
AUDITOR = {"sub": "audrey", "cognito:groups": ["auditors"], "token_use": "id"}
#: What the entry modules build once per container and keep while warm.
CONTAINER_STATE = (
    "_write_side",
    "_publisher",
    "_projector",
    "_api_dependencies",
    "_pipeline",
    "_people",
)


@dataclass(frozen=True)
class Call:
    """One IAM action on one resource, as a function's code needed it."""

    action: str
    resource: str
    #: The `s3:prefix` of a listing (its policy limits listings by a condition).
    prefix: str | None = None


def calls_of(service: str, operation: str, params: dict[str, Any]) -> list[Call]:
    """The IAM actions and ARNs that authorise one botocore operation."""
    if service in ("dynamodb", "dynamodbstreams"):
        return _dynamodb(operation, params)
    if service == "sqs":
        name = params.get("QueueName") or str(params["QueueUrl"]).rsplit("/", 1)[-1]
        action = operation.removesuffix("Batch")  # SendMessageBatch is sqs:SendMessage
        return [Call(f"sqs:{action}", f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}")]
    if service == "sns":
        return [Call(f"sns:{operation.removesuffix('Batch')}", str(params["TopicArn"]))]
    if service == "s3":
        bucket = params["Bucket"]
        if operation in ("ListObjects", "ListObjectsV2"):
            return [Call("s3:ListBucket", f"arn:aws:s3:::{bucket}", params.get("Prefix", ""))]
        # HeadObject is authorised by s3:GetObject.
        action = {"HeadObject": "GetObject"}.get(operation, operation)
        return [Call(f"s3:{action}", f"arn:aws:s3:::{bucket}/{params['Key']}")]
    return [Call(f"{service}:{operation}", "*")]


def _dynamodb(operation: str, params: dict[str, Any]) -> list[Call]:
    def table(name: str, index: str | None = None) -> str:
        arn = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}"
        return f"{arn}/index/{index}" if index else arn

    if operation in ("BatchGetItem", "BatchWriteItem"):
        return [Call(f"dynamodb:{operation}", table(name)) for name in params["RequestItems"]]
    if operation == "TransactWriteItems":
        # A transaction needs the action of each of its items on that item's table.
        actions = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem"}
        actions["ConditionCheck"] = "ConditionCheckItem"
        return [
            Call(f"dynamodb:{actions[kind]}", table(request["TableName"]))
            for item in params["TransactItems"]
            for kind, request in item.items()
        ]
    return [Call(f"dynamodb:{operation}", table(params["TableName"], params.get("IndexName")))]


@dataclass
class Recorder:
    """Which function's code is running, and every call each one made."""

    current: str | None = None
    calls: dict[str, set[Call]] = field(default_factory=dict)

    def note(self, service: str, operation: str, params: dict[str, Any]) -> None:
        if self.current is not None:
            self.calls.setdefault(self.current, set()).update(calls_of(service, operation, params))


@contextlib.contextmanager
def recording(recorder: Recorder) -> Iterator[None]:
    """Every client's calls and presigned URLs pass `_emit_api_params`; presigned forms
    name only their bucket there (as a CreateBucket), so they are noted as the PutObject
    they sign. Clients built after this starts carry the wrapped form signer."""
    emit_api_params = BaseClient._emit_api_params
    presigned_post = botocore.signers.generate_presigned_post

    def emit(self: BaseClient, api_params: Any, operation_model: Any, context: Any) -> Any:
        if not (context.get("is_presign_request") and operation_model.name == "CreateBucket"):
            recorder.note(self.meta.service_model.service_name, operation_model.name, api_params)
        return emit_api_params(self, api_params, operation_model, context)

    def sign_form(self: BaseClient, Bucket: str, Key: str, *args: Any, **kwargs: Any) -> Any:
        recorder.note("s3", "PutObject", {"Bucket": Bucket, "Key": Key})
        return presigned_post(self, Bucket, Key, *args, **kwargs)

    BaseClient._emit_api_params = emit  # type: ignore[method-assign]
    botocore.signers.generate_presigned_post = sign_form
    try:
        yield
    finally:
        BaseClient._emit_api_params = emit_api_params  # type: ignore[method-assign]
        botocore.signers.generate_presigned_post = presigned_post


class Functions:
    """Invokes handlers as Lambda would: each function in its own container, with its env."""

    def __init__(self, stack: Stack, recorder: Recorder) -> None:
        self.recorder = recorder
        self.environments = {
            spec.name: stack.one("aws:lambda/function:Function", spec.name).inputs["environment"][
                "variables"
            ]
            for spec in FUNCTIONS
        }
        self.containers: dict[str, dict[str, Any]] = {}

    def invoke(self, function: str, event: Any) -> Any:
        spec = _spec(function)
        module, name = spec.handler.rsplit(".", 1)
        handler: Callable[[Any, Any], Any] = getattr(importlib.import_module(module), name)
        state = self.containers.setdefault(function, dict.fromkeys(CONTAINER_STATE))
        for attribute in CONTAINER_STATE:
            setattr(bootstrap, attribute, state[attribute])
        os.environ.update(self.environments[function])
        self.recorder.current = function
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                return handler(event, FakeLambdaContext(function_name=NAMING.function(spec)))
        finally:
            self.recorder.current = None
            for attribute in CONTAINER_STATE:
                state[attribute] = getattr(bootstrap, attribute)
                setattr(bootstrap, attribute, None)

    def api(self, method: str, path: str, claims: dict[str, Any], body: Any = None) -> Any:
        request = HttpRequest(
            method,
            path,
            [("Content-Type", "application/json")],
            json.dumps(body).encode() if body is not None else b"",
        )
        response = self.invoke("api", proxy_event(request, claims))
        assert response["statusCode"] < 300, (method, path, response["body"])
        try:
            return json.loads(response["body"] or "null")
        except json.JSONDecodeError:  # the audit export is CSV
            return response["body"]


def _spec(function: str) -> FunctionSpec:
    return next(spec for spec in FUNCTIONS if spec.name == function)


def s3_event(bucket: str, key: str, size: int) -> dict[str, Any]:
    event = copy.deepcopy(load_event("s3_object_created.json"))
    record = event["Records"][0]
    record["awsRegion"] = REGION
    record["s3"]["bucket"] |= {"name": bucket, "arn": f"arn:aws:s3:::{bucket}"}
    record["s3"]["object"] |= {"key": urllib.parse.quote(key, safe=""), "size": size}
    return event


def cognito_event(name: str, username: str, sub: str, groups: list[str]) -> dict[str, Any]:
    """One of Cognito's trigger events (tests/events) for this person."""
    event = copy.deepcopy(load_event(name))
    event |= {"region": REGION, "userName": username}
    event["request"]["userAttributes"] |= {
        "sub": sub,
        "email": f"{username}@example.com",
        "name": username.title(),
    }
    if "groupConfiguration" in event["request"]:
        event["request"]["groupConfiguration"]["groupsToOverride"] = groups
    return event


def run_every_function(functions: Functions) -> None:
    """One flow through everything the functions serve, on a freshly provisioned moto."""
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    sqs = boto3.client("sqs", region_name=REGION)
    s3 = boto3.client("s3", region_name=REGION)
    provision(dynamodb, sqs, NAMING, sns=boto3.client("sns", region_name=REGION))
    provision_buckets(s3, NAMING, REGION)
    mappings = EventSourceMappings(
        sqs=sqs,
        dynamodb=dynamodb,
        streams=boto3.client("dynamodbstreams", region_name=REGION),
        naming=NAMING,
        invoker_for=lambda function: lambda event: functions.invoke(function, event),
        failed_visibility_seconds=0,
    )
    api = functions.api

    def settle() -> None:
        mappings.settle(quiet_polls=2, timeout=60)

    # People, as Cognito's trigger records them: a confirmed sign-up, then sign-ins
    # (the first writes a person's search terms, a later one only their profile).
    functions.invoke(
        "people", cognito_event("cognito_post_confirmation.json", "carol", "carol", [])
    )
    for username, sub, groups in (("alice", "alice", []), ("audrey", "audrey", ["auditors"])):
        token_event = cognito_event("cognito_pre_token_generation.json", username, sub, groups)
        answer = functions.invoke("people", token_event)
        assert answer["response"]["claimsOverrideDetails"]["claimsToAddOrOverride"]["name"]
    # Renamed in Cognito: the search terms of her old name ("hepburn") are deleted.
    for name in ("Audrey Hepburn", "Audrey Auditor"):
        token_event["request"]["userAttributes"]["name"] = name
        functions.invoke("people", token_event)

    # An album, renamed, shared by link and the link withdrawn.
    album_id = api("POST", "/albums", ALICE, {"title": "Iceland"})["album_id"]
    settle()
    before_rename = datetime.now(UTC).isoformat()
    api("PATCH", f"/albums/{album_id}", ALICE, {"title": "Iceland 2026"})
    api("POST", f"/albums/{album_id}/share", ALICE)
    settle()
    token = api("GET", f"/albums/{album_id}", ALICE)["share_token"]
    api("GET", f"/shared/{token}", {})
    api("DELETE", f"/albums/{album_id}/share", ALICE)

    # A photo uploaded by the form the API signs, then worked by every filter.
    original = images.jpeg_with_exif(64, 48, orientation=6)
    upload = {"filename": "IMG_1.jpg", "content_type": "image/jpeg", "size": len(original)}
    started = api("POST", "/uploads", ALICE, upload)
    photo_id, key = started["photo_id"], started["upload"]["fields"]["key"]
    settle()
    s3.put_object(
        Bucket=NAMING.bucket(PHOTOS_BUCKET), Key=key, Body=original, ContentType="image/jpeg"
    )
    functions.invoke("ingest", s3_event(NAMING.bucket(PHOTOS_BUCKET), key, len(original)))
    settle()
    photo = api("GET", f"/photos/{photo_id}", ALICE)
    assert photo["status"] == "ready", photo

    # Tagged, a tag removed, filed in the album; listings and history.
    api("POST", f"/photos/{photo_id}/tags", ALICE, {"tags": ["glacier", "ice"]})
    settle()
    api("DELETE", f"/photos/{photo_id}/tags/ice", ALICE)
    placed = api("PUT", f"/photos/{photo_id}/album", ALICE, {"album_id": album_id})
    settle()
    api("GET", "/photos?tag=glacier", ALICE)
    api("GET", f"/photos?album_id={album_id}", ALICE)
    api("GET", "/albums", ALICE)
    api("GET", f"/photos/{photo_id}/history", ALICE)
    api("GET", f"/albums/{album_id}/history", ALICE)
    api("GET", f"/albums/{album_id}?as_of={urllib.parse.quote(before_rename)}", ALICE)
    api("GET", f"/commands/{placed['command_id']}", ALICE)
    api("GET", "/me/activity", ALICE)
    api("POST", "/me/undo", ALICE)
    settle()

    # Reprocessing: a command, published to photo-requests, picked up by ingest.
    api("POST", f"/photos/{photo_id}/reprocess", ALICE)
    api("POST", "/batch/tags", ALICE, {"photo_ids": [photo_id], "tags": ["bulk"]})
    settle()

    # A job a filter kept failing on: pipeline-failures marks the photo failed.
    job = Job(
        photo_id=UUID(photo_id),
        owner="alice",
        key=key,
        content_type="image/jpeg",
        size=len(original),
        run="gave-up",
    )
    dlq = sqs.get_queue_url(QueueName=NAMING.dlq(PHOTOS_RENDER))["QueueUrl"]
    sqs.send_message(QueueUrl=dlq, MessageBody=job.model_dump_json())
    settle()

    # A display name chosen by command (projected into people), the caller's profile,
    # the people search, and the audit trail searched by a username.
    renamed = api("PATCH", "/me", ALICE, {"display_name": "Alice L."})
    settle()
    api("GET", f"/commands/{renamed['command_id']}", ALICE)
    assert api("GET", "/me", ALICE)["name"] == "Alice L."
    assert [person["id"] for person in api("GET", "/people?q=ali", AUDITOR)["items"]] == ["alice"]
    api("GET", "/audit/commands?actor=alice", AUDITOR)

    # The audit trail: search, export, and verifying one chain and all of them.
    api("GET", "/audit/commands?actor_id=alice", AUDITOR)
    api("GET", "/audit/export?actor_id=alice", AUDITOR)
    api("POST", "/audit/verify", AUDITOR, {"stream_id": album_id})
    api("POST", "/audit/verify", AUDITOR, {})
    api("GET", "/health", {})


@pytest.fixture(scope="module")
def recorded(stack: Stack) -> Iterator[dict[str, set[Call]]]:
    recorder = Recorder()
    saved_environment = dict(os.environ)
    saved_state = {attribute: getattr(bootstrap, attribute) for attribute in CONTAINER_STATE}
    for leftover in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        os.environ.pop(leftover, None)
    try:
        with running_moto() as moto:
            moto.reset()  # moto's backends are the process's: earlier stacks' buckets linger
            os.environ |= point_boto3_at(moto.endpoint, REGION)
            with recording(recorder):
                run_every_function(Functions(stack, recorder))
        yield recorder.calls
    finally:
        os.environ.clear()
        os.environ.update(saved_environment)
        for attribute, value in saved_state.items():
            setattr(bootstrap, attribute, value)


def allows(document: dict[str, Any], call: Call) -> bool:
    """Whether an Allow statement of the policy covers the call (IAM's `*` and `?` patterns)."""
    for statement in document["Statement"]:
        actions = statement["Action"]
        resources = statement["Resource"]
        if call.action not in ([actions] if isinstance(actions, str) else actions):
            continue
        patterns = [resources] if isinstance(resources, str) else resources
        if not any(fnmatch.fnmatchcase(call.resource, pattern) for pattern in patterns):
            continue
        condition = statement.get("Condition", {})
        prefixes = condition.get("StringLike", {}).get("s3:prefix")
        if prefixes is not None and not any(
            fnmatch.fnmatchcase(call.prefix or "", prefix) for prefix in prefixes
        ):
            continue
        assert set(condition) <= {"StringLike"}, statement
        return True
    return False


@pytest.mark.parametrize("function", [spec.name for spec in FUNCTIONS])
def test_every_call_a_functions_code_makes_is_allowed_by_its_role(
    stack: Stack, recorded: dict[str, set[Call]], function: str
) -> None:
    calls = recorded.get(function, set())
    assert calls, f"the flow never ran {function}"
    document = stack.policy_of(function)
    refused = sorted(
        (call.action, call.resource, call.prefix) for call in calls if not allows(document, call)
    )
    assert refused == [], f"{function}'s role would refuse these calls on AWS"


def test_the_projector_deletes_the_tag_and_share_rows_it_removes(
    recorded: dict[str, set[Call]],
) -> None:
    deleted = {
        call.resource.rsplit("/", 1)[-1]
        for call in recorded["projector"]
        if call.action == "dynamodb:DeleteItem"
    }
    assert deleted == {NAMING.table(TAG_VIEWS), NAMING.table(SHARE_VIEWS)}


def test_the_api_signs_upload_forms_and_download_links_for_its_prefixes_only(
    recorded: dict[str, set[Call]],
) -> None:
    bucket = f"arn:aws:s3:::{NAMING.bucket(PHOTOS_BUCKET)}/"
    signed = {
        (call.action, call.resource.removeprefix(bucket).split("/", 1)[0])
        for call in recorded["api"]
        if call.action.startswith("s3:")
    }
    assert {("s3:PutObject", "originals"), ("s3:GetObject", "renditions")} <= signed


def test_the_people_function_reads_and_writes_only_the_people_table(
    recorded: dict[str, set[Call]],
) -> None:
    people = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{NAMING.table(PEOPLE)}"
    assert {(call.action, call.resource) for call in recorded[PEOPLE_FUNCTION.name]} == {
        ("dynamodb:GetItem", people),
        ("dynamodb:PutItem", people),
        ("dynamodb:DeleteItem", people),
    }
    # The API reads people for actors' names and search; the projector applies chosen names.
    assert {call.action for call in recorded["api"] if call.resource == people} >= {
        "dynamodb:GetItem",
        "dynamodb:BatchGetItem",
        "dynamodb:Query",
    }
    assert {call.action for call in recorded["projector"] if call.resource == people} >= {
        "dynamodb:GetItem",
        "dynamodb:PutItem",
    }
