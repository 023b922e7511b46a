"""The HTTP API through the real adapters on moto: DynamoDB tables, SQS queues.

The API's dependencies come from the composition root (`build_api_dependencies`)
against moto. Commands for the known history run through the real write side
and are projected into the DynamoDB read models, as the worker and the
projector Lambdas would.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import uuid4

import pytest

from adapters.dynamodb_command_log import to_item
from adapters.settings import Settings
from api.export import parse_csv, parse_jsonl
from api.summaries import all_described
from commands.command_log import CommandError, CommandRecord, EventRef
from commands.models import Actor, Envelope, validate_envelope
from functions import bootstrap
from projections.projector import Projector
from resources.definitions import COMMAND_LOG
from tests.functional.api_helpers import ALICE, AUDITOR, BOB, ApiResponse, api_event
from tests.functional.conftest import FakeLambdaContext

if TYPE_CHECKING:
    from tests.integration.conftest import AwsContext


class MotoApi:
    def __init__(self, aws: AwsContext, monkeypatch: pytest.MonkeyPatch) -> None:
        self.aws = aws
        settings = Settings.from_environment(prefix=aws.naming.prefix)
        self.deps = bootstrap.build_api_dependencies(settings, dynamodb=aws.dynamodb, sqs=aws.sqs)
        monkeypatch.setattr(bootstrap, "_api_dependencies", self.deps)
        self.side = bootstrap.build_write_side(settings, dynamodb=aws.dynamodb)
        self.projector = Projector(self.deps.read_models, self.side.store)

    def call(
        self, method: str, path: str, as_: dict[str, Any] | None = ALICE, **kw: Any
    ) -> ApiResponse:
        from api.app import handle
        from tests.functional.api_helpers import _response

        return _response(handle(api_event(method, path, claims=as_, **kw), FakeLambdaContext()))

    def run(self, user_id: str, command: dict[str, Any]) -> CommandRecord:
        """Execute a command as the worker would, then project its commits."""
        envelope: Envelope = validate_envelope(
            {"actor": Actor(user_id=user_id).model_dump(), "command": command}
        )
        self.side.log.record_accepted(CommandRecord.accepted(envelope))
        record = self.side.service.execute(envelope).record
        for ref in record.events:
            for commit in self.side.store.read_commits(
                ref.stream_id, after_version=ref.first_version - 1, up_to_version=ref.last_version
            ):
                self.projector.apply(commit)
        return record


@pytest.fixture
def moto_api(aws: AwsContext, monkeypatch: pytest.MonkeyPatch) -> MotoApi:
    return MotoApi(aws, monkeypatch)


def test_a_write_through_the_api_lands_on_the_high_priority_queue(moto_api: MotoApi) -> None:
    response = moto_api.call("POST", "/albums", body={"title": "Trip"})

    assert response.status == 202
    messages = moto_api.aws.sqs.receive_message(
        QueueUrl=moto_api.aws.queue_urls["commands-high"], MaxNumberOfMessages=10
    ).get("Messages", [])
    assert [json.loads(m["Body"])["command_id"] for m in messages] == [response.json["command_id"]]
    status = moto_api.call("GET", response.json["location"]).json
    assert (status["status"], status["projected"]) == ("accepted", False)


def test_as_of_rebuilds_an_album_and_a_photo_at_each_point_of_a_known_history(
    moto_api: MotoApi,
) -> None:
    # given: a history with an instant marked between each step
    album_id, photo_id = str(uuid4()), str(uuid4())
    before = datetime.now(UTC)
    moto_api.run("alice", {"type": "CreateAlbum", "album_id": album_id, "title": "Trip"})
    moto_api.run(
        "alice",
        {
            "type": "RegisterUpload",
            "photo_id": photo_id,
            "filename": "glacier.jpg",
            "content_type": "image/jpeg",
            "size": 2048,
            "album_id": album_id,
        },
    )
    created = datetime.now(UTC)
    moto_api.run("alice", {"type": "RenameAlbum", "album_id": album_id, "title": "Iceland"})
    moto_api.run("alice", {"type": "TagPhoto", "photo_id": photo_id, "tags": ["ice"]})
    renamed = datetime.now(UTC)
    moto_api.run("alice", {"type": "MovePhoto", "photo_id": photo_id, "album_id": None})
    moto_api.run("alice", {"type": "DeleteAlbum", "album_id": album_id})

    def album_at(instant: datetime) -> ApiResponse:
        return moto_api.call(
            "GET", f"/albums/{album_id}", as_=AUDITOR, query={"as_of": instant.isoformat()}
        )

    def photo_at(instant: datetime) -> dict[str, Any]:
        query = {"as_of": instant.isoformat()}
        return dict(moto_api.call("GET", f"/photos/{photo_id}", query=query).json)

    # then
    assert album_at(before).status == 404
    at_creation, after_rename = album_at(created).json, album_at(renamed).json
    assert (at_creation["title"], at_creation["version"]) == ("Trip", 1)
    assert [p["photo_id"] for p in at_creation["photos"]["items"]] == [photo_id]
    assert (after_rename["title"], after_rename["deleted"]) == ("Iceland", False)
    assert [p["tags"] for p in after_rename["photos"]["items"]] == [["ice"]]
    now = moto_api.call("GET", f"/albums/{album_id}").json
    assert (now["deleted"], now["photos"]["items"]) == (True, [])
    assert (photo_at(created)["album_id"], photo_at(created)["tags"]) == (album_id, [])
    assert (photo_at(renamed)["album_id"], photo_at(renamed)["tags"]) == (album_id, ["ice"])
    assert (
        moto_api.call(
            "GET", f"/albums/{album_id}", as_=BOB, query={"as_of": renamed.isoformat()}
        ).status
        == 404
    )
    history = moto_api.call("GET", f"/albums/{album_id}/history").json["entries"]
    assert [e["type"] for e in history] == ["CreateAlbum", "RenameAlbum", "DeleteAlbum"]
    verified = moto_api.call("POST", "/audit/verify", as_=AUDITOR).json
    assert (verified["streams_checked"], verified["events_checked"], verified["intact"]) == (
        2,
        6,
        True,
    )


KINDS = ("RenameAlbum", "TagPhoto", "CreateAlbum", "UndoCommand", "TrashPhoto")
ACTORS = ("alice", "bob", "carol")
EPOCH = datetime(2024, 5, 1, tzinfo=UTC)


def _thousand_records() -> list[CommandRecord]:
    """1,000 commands over four days: five types, three actors, every outcome."""
    records = []
    for n in range(1000):
        aggregate_id = str(uuid4())
        record = CommandRecord(
            command_id=str(uuid4()),
            type=KINDS[n % len(KINDS)],
            actor_id=ACTORS[n % len(ACTORS)],
            actor_groups=["support"] if n % 7 == 0 else [],
            aggregate_id=aggregate_id,
            payload={"id": aggregate_id, "title": f'Album, "{n}"\nline', "tags": ["a", "b"]},
            issued_at=(EPOCH + timedelta(minutes=5 * n, microseconds=n)).isoformat(),
            reason="ticket, #7" if n % 11 == 0 else None,
            accepted_at=(EPOCH + timedelta(minutes=5 * n, seconds=1)).isoformat(),
        )
        if n % 3 == 0:
            record = record.model_copy(
                update={
                    "status": "succeeded",
                    "events": [EventRef(stream_id=aggregate_id, first_version=1, last_version=2)],
                    "undone_by": [str(uuid4())] if n % 9 == 0 else [],
                }
            )
        elif n % 3 == 1:
            record = record.model_copy(
                update={
                    "status": "rejected",
                    "error": CommandError(code="forbidden", message="No.", details={"n": n}),
                }
            )
        records.append(record)
    return records


def _write_directly(aws: AwsContext, records: list[CommandRecord]) -> None:
    table = aws.naming.table(COMMAND_LOG)
    for start in range(0, len(records), 25):
        requests: Any = {
            table: [{"PutRequest": {"Item": to_item(r)}} for r in records[start : start + 25]]
        }
        while requests:
            requests = aws.dynamodb.batch_write_item(RequestItems=requests).get("UnprocessedItems")


def test_an_export_of_a_thousand_commands_parses_back_to_the_same_records(
    moto_api: MotoApi,
) -> None:
    # given
    records = _thousand_records()
    _write_directly(moto_api.aws, records)
    # Records written without a summary are described when read, from their payload.
    newest_first = all_described(
        sorted(records, key=lambda r: (r.issued_at, r.command_id), reverse=True)
    )
    assert all(record.summary for record in newest_first)
    # when
    csv_export = moto_api.call("GET", "/audit/export", as_=AUDITOR, query={"format": "csv"})
    jsonl_export = moto_api.call("GET", "/audit/export", as_=AUDITOR, query={"format": "jsonl"})
    # then
    assert csv_export.status == jsonl_export.status == 200
    assert len(csv_export.text.splitlines()) == 1001  # a header and one row each (no raw newlines)
    assert parse_csv(csv_export.text) == newest_first
    assert parse_jsonl(jsonl_export.text) == newest_first
    # and the same filters as the search, on the day index
    since, until = EPOCH + timedelta(days=1), EPOCH + timedelta(days=2, hours=12)
    query = {
        "format": "jsonl",
        "since": since.isoformat(),
        "until": until.isoformat(),
        "status": "rejected",
    }
    filtered = moto_api.call("GET", "/audit/export", as_=AUDITOR, query=query)
    expected = [
        r
        for r in newest_first
        if r.status == "rejected" and since.isoformat() <= r.issued_at <= until.isoformat()
    ]
    assert parse_jsonl(filtered.text) == expected
    assert 100 < len(expected) < 200
