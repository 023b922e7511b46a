"""moto's write journal: what moto acknowledged after the last snapshot comes back on replay.

A second moto server, journaled, runs next to the session's one (moto's
backends live in the process, so both see the same state). A "kill" is moto
put back to the snapshot's state: everything the snapshot lacks is gone until
the journal is replayed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from botocore.exceptions import ClientError

from local_stack import state
from local_stack.journal import JOURNAL_FILE, Journal
from local_stack.moto_server import MotoServer, start_moto
from tests.integration.conftest import REGION, AwsContext

TABLE = "journal-test"


@pytest.fixture
def journaled(aws: AwsContext, tmp_path: Path) -> Iterator[MotoServer]:
    moto = start_moto(journal=Journal(tmp_path / JOURNAL_FILE))
    try:
        yield moto
    finally:
        moto.stop()


def client(moto: MotoServer, service: str) -> Any:
    return boto3.client(service, region_name=REGION, endpoint_url=moto.endpoint)


def snapshot(moto: MotoServer) -> bytes:
    """What the stack's snapshot does: pickle moto while paused, then truncate the journal."""
    assert moto.journal is not None
    with moto.journal.paused() as seq:
        saved = state.dumps({"journal_seq": seq})
        moto.journal.truncate()
    return saved


def item(dynamodb: Any, key: str) -> dict[str, Any] | None:
    found: dict[str, Any] | None = dynamodb.get_item(
        TableName=TABLE, Key={"id": {"S": key}}, ConsistentRead=True
    ).get("Item")
    return found


def test_writes_acknowledged_after_the_snapshot_come_back_from_the_journal(
    journaled: MotoServer,
) -> None:
    dynamodb, sqs, s3 = (client(journaled, name) for name in ("dynamodb", "sqs", "s3"))
    dynamodb.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    queue = sqs.create_queue(QueueName="journal-test")["QueueUrl"]
    s3.create_bucket(Bucket="journal-test")
    dynamodb.put_item(TableName=TABLE, Item={"id": {"S": "kept"}, "n": {"N": "1"}})
    # given: a snapshot of all that
    saved = snapshot(journaled)

    # when: more writes are acknowledged (and reads made, and one write refused)
    dynamodb.put_item(TableName=TABLE, Item={"id": {"S": "new"}, "n": {"N": "1"}})
    with pytest.raises(ClientError, match="ConditionalCheckFailed"):
        dynamodb.put_item(
            TableName=TABLE,
            Item={"id": {"S": "new"}, "n": {"N": "99"}},
            ConditionExpression="attribute_not_exists(id)",
        )
    dynamodb.update_item(
        TableName=TABLE,
        Key={"id": {"S": "new"}},
        UpdateExpression="ADD n :one",
        ExpressionAttributeValues={":one": {"N": "1"}},
    )
    dynamodb.delete_item(TableName=TABLE, Key={"id": {"S": "kept"}})
    dynamodb.scan(TableName=TABLE)
    sqs.send_message(QueueUrl=queue, MessageBody="acknowledged")
    s3.put_object(Bucket="journal-test", Key="renditions/a.jpg", Body=b"rendition bytes")
    form = s3.generate_presigned_post("journal-test", "originals/b.jpg")
    uploaded = requests.post(
        form["url"], data=form["fields"], files={"file": ("b.jpg", b"original bytes")}, timeout=10
    )
    assert uploaded.status_code in (200, 204)
    after_the_snapshot = [entry.seq for entry in journaled.journal.entries()]  # type: ignore[union-attr]

    # when: the process dies: moto is back at the snapshot, then the journal is replayed
    extra = state.loads(saved)
    assert item(dynamodb, "new") is None
    replayed = journaled.replay_journal(after=extra["journal_seq"])

    # then: every acknowledged write is back, once, in order; the refused one is not
    assert replayed == len(after_the_snapshot) == 6  # put, update, delete, send, put, POST
    assert item(dynamodb, "new") == {"id": {"S": "new"}, "n": {"N": "2"}}
    assert item(dynamodb, "kept") is None
    messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
    assert [message["Body"] for message in messages] == ["acknowledged"]
    for key, data in (
        ("renditions/a.jpg", b"rendition bytes"),
        ("originals/b.jpg", b"original bytes"),
    ):
        assert s3.get_object(Bucket="journal-test", Key=key)["Body"].read() == data


def test_a_receive_and_a_delete_are_not_journaled_but_a_send_is(journaled: MotoServer) -> None:
    sqs = client(journaled, "sqs")
    queue = sqs.create_queue(QueueName="journal-test")["QueueUrl"]
    snapshot(journaled)

    sqs.send_message(QueueUrl=queue, MessageBody="once")
    received = sqs.receive_message(QueueUrl=queue)["Messages"][0]
    sqs.delete_message(QueueUrl=queue, ReceiptHandle=received["ReceiptHandle"])

    entries = list(journaled.journal.entries())  # type: ignore[union-attr]
    assert [entry.headers.get("X-Amz-Target") for entry in entries] == ["AmazonSQS.SendMessage"]


def test_a_journal_cut_short_by_a_kill_gives_back_its_whole_entries(
    journaled: MotoServer,
) -> None:
    dynamodb = client(journaled, "dynamodb")
    snapshot(journaled)
    dynamodb.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    journal = journaled.journal
    assert journal is not None
    journal.close()
    whole = journal.path.read_bytes()
    # given: the last entry was being written when the process died
    journal.path.write_bytes(whole + whole[: len(whole) // 2])

    assert [entry.seq for entry in journal.entries()] == [1]
