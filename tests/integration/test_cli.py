"""The `retake` command against one running local stack, run in-process."""

from __future__ import annotations

import copy
import json
import os
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import uuid4

import boto3
import jwt
import pytest

from adapters.settings import Settings
from commands.command_log import CommandRecord
from commands.consumer import REDRIVEN_ATTRIBUTE
from commands.models import Actor, CreateAlbum, Envelope
from functions.bootstrap import build_write_side
from local_stack.cli import banner, main
from local_stack.moto_server import free_port
from local_stack.stack import LocalStack, StackConfig, StackInfo
from resources.definitions import COMMANDS_LOW, EVENTS, FUNCTIONS, QUEUES, Naming

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_sqs import SQSClient


@dataclass(frozen=True)
class Stack:
    local: LocalStack
    info: StackInfo
    data: Path
    naming: Naming
    sqs: SQSClient
    dynamodb: DynamoDBClient


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """One local stack for the module; it points boto3 at itself, so the environment is restored."""
    saved = dict(os.environ)
    data = tmp_path_factory.mktemp("retake")
    config = StackConfig(data_dir=data, moto_port=0, api_port=0, site_port=0, keep_warm=False)
    local = LocalStack(config)
    try:
        info = local.start()
        session = boto3.session.Session(region_name=info.region)
        yield Stack(
            local,
            info,
            data,
            Naming(info.prefix),
            session.client("sqs", endpoint_url=info.endpoint),
            session.client("dynamodb", endpoint_url=info.endpoint),
        )
    finally:
        local.stop()
        os.environ.clear()
        os.environ.update(saved)


Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def retake(stack: Stack, capsys: pytest.CaptureFixture[str]) -> Run:
    """`retake ARGS --data <the stack's folder>`: (exit code, stdout, stderr)."""

    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main([*args, "--data", str(stack.data)])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


@pytest.fixture(scope="module")
def album_stream(stack: Stack) -> str:
    """One album created straight through the write side: a stream of one event."""
    side = build_write_side(Settings(stack.naming, 20, stack.info.region), dynamodb=stack.dynamodb)
    album_id = uuid4()
    envelope = Envelope(
        actor=Actor(user_id="alice"), command=CreateAlbum(album_id=album_id, title="Trip")
    )
    side.log.record_accepted(CommandRecord.accepted(envelope))
    side.service.execute(envelope)
    return str(album_id)


def test_the_stack_records_where_its_admin_api_listens(stack: Stack) -> None:
    info = json.loads((stack.data / "stack.json").read_text())
    assert info["admin_url"].startswith("http://127.0.0.1:")


def test_status_shows_every_queue_with_its_dlq_and_every_function(retake: Run) -> None:
    code, out, _ = retake("status")
    assert code == 0
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines() if line.strip()}
    for spec in QUEUES:
        depths = rows[spec.name]
        assert len(depths) == 4
        assert (depths[2] == "-") is (not spec.dlq)
    for function in FUNCTIONS:
        assert function.name in rows
    assert "recent failures" in out


def test_stats_show_a_cold_start_after_an_invocation(stack: Stack, retake: Run) -> None:
    # given
    with urllib.request.urlopen(f"{stack.info.api_url}/health", timeout=30) as response:
        assert response.status == 200
    # when
    code, out, _ = retake("stats")
    # then
    assert code == 0
    [api] = [line.split() for line in out.splitlines() if line.startswith("api ")]
    invoked, cold = int(api[1]), int(api[2])
    assert invoked >= 1
    assert cold >= 1
    assert api[3] != "-"  # the init median, in ms


def test_a_dead_letter_is_listed_left_in_place_and_redriven_to_its_queue(
    stack: Stack, retake: Run
) -> None:
    # given: the queue's consumer is stopped, so the redriven message stays to be seen
    for poller in stack.local.mappings.pollers if stack.local.mappings else []:
        if poller.name.startswith(f"{COMMANDS_LOW.name}-"):
            poller.stop()
            poller.join()
    dlq_url = stack.sqs.get_queue_url(QueueName=stack.naming.dlq(COMMANDS_LOW))["QueueUrl"]
    queue_url = stack.sqs.get_queue_url(QueueName=stack.naming.queue(COMMANDS_LOW))["QueueUrl"]
    envelope = Envelope(
        actor=Actor(user_id="alice"), command=CreateAlbum(album_id=uuid4(), title="Lost")
    )
    body = envelope.model_dump_json()
    stack.sqs.send_message(
        QueueUrl=dlq_url,
        MessageBody=body,
        MessageGroupId=envelope.aggregate_id,
        MessageDeduplicationId=str(envelope.command_id),
        MessageAttributes={"command_type": {"DataType": "String", "StringValue": "CreateAlbum"}},
    )

    # when / then: listed, and still there
    code, out, _ = retake("dlq", "list")
    assert code == 0
    assert f"{COMMANDS_LOW.name}: 1 message(s)" in out
    [listed] = [line for line in out.splitlines() if str(envelope.command_id) in line]
    assert "CreateAlbum" in listed
    assert body[:80] in listed
    assert _depth(stack.sqs, dlq_url) == 1
    _, status, _ = retake("status")
    assert stack.naming.dlq(COMMANDS_LOW) in status.split("recent failures")[1]

    # when / then: redriven, it is back in its queue, marked, in its group
    code, out, _ = retake("dlq", "redrive", COMMANDS_LOW.name)
    assert code == 0
    assert "moved 1 message(s) in all" in out
    assert _depth(stack.sqs, dlq_url) == 0
    [message] = stack.sqs.receive_message(
        QueueUrl=queue_url,
        AttributeNames=["All"],
        MessageAttributeNames=["All"],
        WaitTimeSeconds=1,
    )["Messages"]
    assert message["Body"] == body
    assert REDRIVEN_ATTRIBUTE in message["MessageAttributes"]
    assert message["MessageAttributes"]["command_type"]["StringValue"] == "CreateAlbum"
    assert message["Attributes"]["MessageGroupId"] == envelope.aggregate_id
    stack.sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


def _depth(sqs: SQSClient, url: str) -> int:
    attributes = sqs.get_queue_attributes(
        QueueUrl=url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return sum(int(value) for value in attributes.values())


def test_an_added_user_signs_in_with_the_printed_password_and_is_in_the_group(
    stack: Stack, retake: Run
) -> None:
    code, out, _ = retake("users", "add", "carol", "--group", "auditors")
    assert code == 0
    password = out.split("password ", 1)[1].split()[0]
    cognito = boto3.client(
        "cognito-idp", region_name=stack.info.region, endpoint_url=stack.info.endpoint
    )
    tokens = cognito.initiate_auth(
        ClientId=stack.info.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "carol", "PASSWORD": password},
    )["AuthenticationResult"]
    claims = jwt.decode(tokens["IdToken"], options={"verify_signature": False})
    assert "auditors" in claims["cognito:groups"]


def test_an_added_user_gets_the_display_name_in_cognito_their_tokens_and_the_people_model(
    stack: Stack, retake: Run
) -> None:
    from functions.bootstrap import build_people

    # when
    code, out, _ = retake("users", "add", "erin", "--name", "Erin Example", "--group", "support")
    # then
    assert (code, out.splitlines()[0]) == (0, "added erin (Erin Example) to support")
    password = out.split("password ", 1)[1].split()[0]
    cognito = boto3.client(
        "cognito-idp", region_name=stack.info.region, endpoint_url=stack.info.endpoint
    )
    user = cognito.admin_get_user(UserPoolId=stack.info.user_pool_id, Username="erin")
    attributes = {item["Name"]: item["Value"] for item in user["UserAttributes"]}
    assert attributes["name"] == "Erin Example"
    # and the stack's trigger recorded her, before she ever signed in herself
    settings = Settings(stack.naming, 20, stack.info.region)
    person = build_people(settings, dynamodb=stack.dynamodb).get(attributes["sub"])
    assert person is not None
    assert (person.username, person.display_name, person.groups) == (
        "erin",
        "Erin Example",
        ["support"],
    )
    # and her ID tokens carry the name
    tokens = cognito.initiate_auth(
        ClientId=stack.info.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "erin", "PASSWORD": password},
    )["AuthenticationResult"]
    assert jwt.decode(tokens["IdToken"], options={"verify_signature": False})["name"] == (
        "Erin Example"
    )


def test_up_prints_each_demo_account_with_its_display_name(stack: Stack) -> None:
    text = banner(asdict(stack.info))

    lines = {
        account["username"]: line
        for account in stack.info.accounts
        for line in text.splitlines()
        if f" {account['username']} " in line and "password" in line
    }
    assert "Alice Liddell" in lines["alice"]
    assert "Audrey Auditor" in lines["audrey"]
    assert "Sam Support" in lines["sam"]
    # the columns line up whatever the names' lengths
    assert len({line.index("password") for line in lines.values()}) == 1


def test_the_demo_accounts_are_people_from_the_start(stack: Stack) -> None:
    from functions.bootstrap import build_people

    settings = Settings(stack.naming, 20, stack.info.region)
    people = build_people(settings, dynamodb=stack.dynamodb)
    found = {account["username"]: people.get(account["sub"]) for account in stack.info.accounts}
    names = {username: person and person.display_name for username, person in found.items()}
    assert names == {
        "alice": "Alice Liddell",
        "audrey": "Audrey Auditor",
        "sam": "Sam Support",
    }


def test_a_rebuild_of_the_projections_prints_its_report(album_stream: str, retake: Run) -> None:
    code, out, err = retake("projections", "rebuild")
    assert code == 0
    assert "rows" in err  # the progress bar
    streams = int(out.split("rebuilt the read models: ", 1)[1].split()[0])
    assert streams >= 1


def test_audit_verify_passes_an_intact_store_and_names_an_altered_event(
    stack: Stack, album_stream: str, retake: Run
) -> None:
    # given
    code, out, _ = retake("audit", "verify")
    assert (code, "every hash chain is intact") == (0, out.splitlines()[-1])
    table = stack.naming.table(EVENTS)
    key: dict[str, Any] = {"stream_id": {"S": album_stream}, "version": {"N": "1"}}
    original = stack.dynamodb.get_item(TableName=table, Key=key)["Item"]
    altered = copy.deepcopy(original)
    altered["events"]["L"][0]["M"]["state"]["B"] = b"{}"
    stack.dynamodb.put_item(TableName=table, Item=altered)
    try:
        # when
        code, out, _ = retake("audit", "verify", "--stream", album_stream)
        # then
        assert code == 1
        assert "checked 1 stream(s), 1 event(s)" in out
        assert f"BREAK stream {album_stream} version 1: content does not match" in out
    finally:
        stack.dynamodb.put_item(TableName=table, Item=original)


def test_without_a_running_stack_the_command_says_so_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gone = {
        "endpoint": "http://127.0.0.1:1",
        "region": "us-east-1",
        "prefix": "retake",
        "user_pool_id": "p",
        "client_id": "c",
        "admin_url": f"http://127.0.0.1:{free_port()}",
    }
    for folder, command in ((tmp_path / "never", "status"), (tmp_path, "dlq")):
        if folder == tmp_path:
            (folder / "stack.json").write_text(json.dumps(gone))  # a stack killed long ago
        args = [command, "list"] if command == "dlq" else [command]
        assert main([*args, "--data", str(folder)]) == 1
        assert capsys.readouterr().err == (
            f"retake: no stack is running in {folder} (start one with: retake up)\n"
        )


@pytest.mark.parametrize(
    "args",
    [
        ["frobnicate"],
        ["users", "add", "dave", "--group", "admins"],
        ["dlq", "redrive", "no-such-queue"],
        ["audit"],
    ],
)
def test_bad_arguments_get_one_line_and_exit_code_2(
    args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(args) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("retake: ")
    assert captured.err.count("\n") == 1
