"""moto with `local_stack.moto_patches` applied still follows SQS's and DynamoDB's rules.

The patches change how fast moto answers (`bench: moto-sqs-depth`,
`bench: moto-dynamodb-scan`), never what it answers. Checked here over the
wire, against the session's moto: SQS's counts, visibility, retention, receipt
handles and FIFO deduplication; every DynamoDB attribute type through the
serialiser, in items, updates and a refused condition's old item.
"""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.exceptions import ClientError

from local_stack.moto_server import FAKE_CREDENTIALS, MotoServer

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient


def _fresh_client(moto_server: MotoServer, service: str) -> Any:
    """A client of the session's moto, wiped first."""
    moto_server.reset()
    return boto3.client(
        service,
        endpoint_url=moto_server.endpoint,
        region_name="us-east-1",
        aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    )


@pytest.fixture
def sqs(moto_server: MotoServer) -> Iterator[SQSClient]:
    yield _fresh_client(moto_server, "sqs")


def _counts(sqs: SQSClient, url: str) -> dict[str, int]:
    names: Any = [
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
    ]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    return {name.removeprefix("ApproximateNumberOfMessages") or "visible": int(attributes[name])
            for name in names}  # fmt: skip


def _moto_queue(name: str) -> Any:
    from moto.sqs.models import sqs_backends

    return sqs_backends["123456789012"]["us-east-1"].get_queue(name)


def test_counts_separate_visible_in_flight_and_delayed_messages(sqs: SQSClient) -> None:
    url = sqs.create_queue(QueueName="counts")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="first")
    sqs.send_message(QueueUrl=url, MessageBody="second")
    sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=60)

    received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, VisibilityTimeout=60)

    assert len(received["Messages"]) == 1
    assert _counts(sqs, url) == {"visible": 1, "NotVisible": 1, "Delayed": 1}


def test_a_received_message_returns_after_its_visibility_timeout(sqs: SQSClient) -> None:
    url = sqs.create_queue(QueueName="visibility")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="again")
    sqs.receive_message(QueueUrl=url, VisibilityTimeout=1)

    hidden = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0)
    time.sleep(1.2)
    back = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0, AttributeNames=["All"])

    assert "Messages" not in hidden
    assert [m["Body"] for m in back["Messages"]] == ["again"]
    assert back["Messages"][0]["Attributes"]["ApproximateReceiveCount"] == "2"


def test_an_earlier_receipt_handle_deletes_and_an_unknown_one_is_refused(
    sqs: SQSClient,
) -> None:
    url = sqs.create_queue(QueueName="handles")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="handled")
    first = sqs.receive_message(QueueUrl=url, VisibilityTimeout=0)["Messages"][0]
    second = sqs.receive_message(QueueUrl=url, VisibilityTimeout=0)["Messages"][0]
    assert first["ReceiptHandle"] != second["ReceiptHandle"]

    with pytest.raises(ClientError) as refused:
        sqs.delete_message(QueueUrl=url, ReceiptHandle="not-a-receipt-handle")
    sqs.delete_message(QueueUrl=url, ReceiptHandle=first["ReceiptHandle"])

    assert refused.value.response["Error"]["Code"] == "ReceiptHandleIsInvalid"
    assert _counts(sqs, url) == {"visible": 0, "NotVisible": 0, "Delayed": 0}


def test_a_message_past_the_retention_period_is_not_handed_out(sqs: SQSClient) -> None:
    url = sqs.create_queue(QueueName="retention", Attributes={"MessageRetentionPeriod": "60"})[
        "QueueUrl"
    ]
    sqs.send_message(QueueUrl=url, MessageBody="fresh")
    sqs.send_message(QueueUrl=url, MessageBody="stale")
    stale = next(m for m in _moto_queue("retention")._messages if m.body == "stale")
    stale.sent_timestamp -= 61_000

    received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)

    assert [m["Body"] for m in received["Messages"]] == ["fresh"]


def test_a_fifo_queue_still_drops_a_repeated_deduplication_id(sqs: SQSClient) -> None:
    url = sqs.create_queue(QueueName="dedup.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    for body in ("once", "twice"):
        sqs.send_message(
            QueueUrl=url, MessageBody=body, MessageGroupId="g", MessageDeduplicationId="same"
        )

    received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)

    assert [m["Body"] for m in received["Messages"]] == ["once"]


EVERY_TYPE: dict[str, Any] = {
    "id": {"S": "every-type"},
    "count": {"N": "42"},
    "digest": {"B": b"\x00\xffbinary"},
    "names": {"SS": ["a", "b"]},
    "numbers": {"NS": ["1", "2.5"]},
    "blobs": {"BS": [b"\x01", b"\x02"]},
    "nested": {"M": {"inner": {"M": {"deep": {"L": [{"S": "x"}, {"N": "1"}, {"NULL": True}]}}}}},
    "events": {"L": [{"M": {"type": {"S": "Tagged"}, "raw": {"B": b"\x10"}}}]},
    "nothing": {"NULL": True},
    "flag": {"BOOL": False},
}


@pytest.fixture
def dynamodb(moto_server: MotoServer) -> Iterator[Any]:
    client = _fresh_client(moto_server, "dynamodb")
    client.create_table(
        TableName="types",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    yield client


def _sorted_sets(item: dict[str, Any]) -> dict[str, Any]:
    return {name: {kind: sorted(value) if kind in ("SS", "NS", "BS") else value
                   for kind, value in attribute.items()}
            for name, attribute in item.items()}  # fmt: skip


def test_every_attribute_type_comes_back_as_written(dynamodb: Any) -> None:
    dynamodb.put_item(TableName="types", Item=EVERY_TYPE)

    got = dynamodb.get_item(TableName="types", Key={"id": EVERY_TYPE["id"]})["Item"]
    scanned = dynamodb.scan(TableName="types")["Items"]

    assert _sorted_sets(got) == _sorted_sets(EVERY_TYPE)
    assert [_sorted_sets(item) for item in scanned] == [_sorted_sets(EVERY_TYPE)]


def test_update_returns_old_and_new_values_and_errors_keep_their_shape(dynamodb: Any) -> None:
    dynamodb.put_item(TableName="types", Item=EVERY_TYPE)

    updated = dynamodb.update_item(
        TableName="types",
        Key={"id": EVERY_TYPE["id"]},
        UpdateExpression="SET #c = #c + :one",
        ExpressionAttributeNames={"#c": "count"},
        ExpressionAttributeValues={":one": {"N": "1"}},
        ReturnValues="UPDATED_NEW",
    )
    with pytest.raises(ClientError) as refused:
        dynamodb.put_item(
            TableName="types",
            Item=EVERY_TYPE,
            ConditionExpression="attribute_not_exists(id)",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )

    assert updated["Attributes"] == {"count": {"N": "43"}}
    assert refused.value.response["Error"]["Code"] == "ConditionalCheckFailedException"
    assert refused.value.response["Item"]["count"] == {"N": "43"}


@pytest.fixture
def streams(moto_server: MotoServer) -> Iterator[Any]:
    """A table of 5 streams x 6 versions, with an index by owner and time."""
    client = _fresh_client(moto_server, "dynamodb")
    keys = [("stream", "S"), ("version", "N"), ("owner", "S"), ("at", "S")]
    client.create_table(
        TableName="streams",
        KeySchema=[
            {"AttributeName": "stream", "KeyType": "HASH"},
            {"AttributeName": "version", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": t} for n, t in keys],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by-owner",
                "KeySchema": [
                    {"AttributeName": "owner", "KeyType": "HASH"},
                    {"AttributeName": "at", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    # Written out of order, so a result in order is the query's doing.
    for version in (3, 0, 5, 1, 4, 2):
        for stream in range(5):
            client.put_item(
                TableName="streams",
                Item={
                    "stream": {"S": f"s{stream}"},
                    "version": {"N": str(version)},
                    "owner": {"S": f"owner{stream % 2}"},
                    "at": {"S": f"2026-01-0{version + 1}T00:00:0{stream}"},
                },
            )
    yield client


def _versions(page: dict[str, Any]) -> list[int]:
    return [int(item["version"]["N"]) for item in page["Items"]]


def test_a_query_reads_its_partition_in_key_order_either_way(streams: Any) -> None:
    def query(**extra: Any) -> dict[str, Any]:
        return dict(streams.query(
            TableName="streams",
            KeyConditionExpression="#s = :s AND version > :after",
            ExpressionAttributeNames={"#s": "stream"},
            ExpressionAttributeValues={":s": {"S": "s2"}, ":after": {"N": "1"}},
            **extra,
        ))  # fmt: skip

    forward, backward = query(), query(ScanIndexForward=False)
    missing = streams.query(
        TableName="streams",
        KeyConditionExpression="#s = :s",
        ExpressionAttributeNames={"#s": "stream"},
        ExpressionAttributeValues={":s": {"S": "nowhere"}},
    )

    assert _versions(forward) == [2, 3, 4, 5]
    assert {item["stream"]["S"] for item in forward["Items"]} == {"s2"}
    assert _versions(backward) == [5, 4, 3, 2]
    assert missing["Items"] == []


def test_a_query_pages_through_its_partition(streams: Any) -> None:
    request: dict[str, Any] = {
        "TableName": "streams",
        "KeyConditionExpression": "#s = :s",
        "ExpressionAttributeNames": {"#s": "stream"},
        "ExpressionAttributeValues": {":s": {"S": "s4"}},
        "Limit": 4,
    }
    first = streams.query(**request)
    second = streams.query(**request, ExclusiveStartKey=first["LastEvaluatedKey"])

    assert _versions(first) == [0, 1, 2, 3]
    assert _versions(second) == [4, 5]
    assert "LastEvaluatedKey" not in second


def test_an_index_query_finds_every_match_in_the_index_order(streams: Any) -> None:
    page = streams.query(
        TableName="streams",
        IndexName="by-owner",
        KeyConditionExpression="#o = :o",
        ExpressionAttributeNames={"#o": "owner"},
        ExpressionAttributeValues={":o": {"S": "owner1"}},
    )

    stamps = [item["at"]["S"] for item in page["Items"]]
    assert len(stamps) == 12  # streams 1 and 3, six versions each
    assert stamps == sorted(stamps)
    assert {item["stream"]["S"] for item in page["Items"]} == {"s1", "s3"}


def test_every_patch_is_in_place(moto_server: MotoServer) -> None:
    """A moto release that moved what the patches replace fails here, not silently slow."""
    from moto.core.serialize import BaseJSONSerializer
    from moto.dynamodb.models.table import Table
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication
    from moto.sqs import models as sqs_models

    patched = [
        sqs_models.Queue.wait_for_messages,
        sqs_models.Message.had_receipt_handle,
        sqs_models.SQSBackend.is_message_valid_based_on_retention_period,
        sqs_models.unix_time_millis,
        BaseJSONSerializer._serialize_type_structure,
        Table.query,
        Table.all_items,
        DomainDispatcherApplication.__call__,
        sqs_models.Queue.delete_message,
        sqs_models.SQSBackend.receive_message,
    ]

    assert [f.__module__ for f in patched] == ["local_stack.moto_patches"] * len(patched)


def _options(url: str, headers: dict[str, str]) -> tuple[int, dict[str, str]]:
    request = urllib.request.Request(url, method="OPTIONS", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}
    except urllib.error.HTTPError as error:
        with error:
            return error.code, {k.lower(): v for k, v in error.headers.items()}


def test_a_browsers_preflight_to_the_root_is_answered_with_the_origin_and_headers_allowed(
    moto_server: MotoServer,
) -> None:
    # given the preflight Chromium sends before the page's Cognito call
    preflight = {
        "Origin": "http://127.0.0.1:8000",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,x-amz-target",
    }
    # when it reaches moto's root
    status, headers = _options(moto_server.endpoint + "/", preflight)
    # then it is allowed, as Cognito allows it
    assert status == 200
    assert headers["access-control-allow-origin"] == "http://127.0.0.1:8000"
    assert "POST" in headers["access-control-allow-methods"]
    assert headers["access-control-allow-headers"] == "content-type,x-amz-target"


def test_a_preflight_to_a_bucket_is_still_answered_by_its_cors_rules(
    moto_server: MotoServer,
) -> None:
    s3 = _fresh_client(moto_server, "s3")
    s3.create_bucket(Bucket="photos")
    preflight = {"Origin": "http://127.0.0.1:8000", "Access-Control-Request-Method": "PUT"}
    s3.put_bucket_cors(
        Bucket="photos",
        CORSConfiguration={
            "CORSRules": [{"AllowedOrigins": ["http://127.0.0.1:8000"], "AllowedMethods": ["PUT"]}]
        },
    )
    status, headers = _options(f"{moto_server.endpoint}/photos/a.jpg", preflight)
    assert status == 200
    assert headers["access-control-allow-origin"] == "http://127.0.0.1:8000"
    # S3 answered it (with its rule's methods), not the patch (which answers the root only).
    assert "access-control-max-age" not in headers
    assert headers["server"] == "amazon.com"


def _fifo_queue(sqs: SQSClient, name: str = "jobs.fifo") -> str:
    url: str = sqs.create_queue(
        QueueName=name,
        Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"},
    )["QueueUrl"]
    return url


def test_a_long_poll_takes_a_groups_next_message_once_the_group_is_free(sqs: SQSClient) -> None:
    # given a group whose first message is in flight
    url = _fifo_queue(sqs)
    sqs.send_message(QueueUrl=url, MessageBody="first", MessageGroupId="album-1")
    (first,) = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    # and a long poll that began while it was in flight
    received: list[dict[str, Any]] = []
    poll = threading.Thread(
        target=lambda: received.extend(
            sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=3).get(
                "Messages", []
            )
        )
    )
    poll.start()
    sqs.send_message(QueueUrl=url, MessageBody="second", MessageGroupId="album-1")
    # when the first is done
    sqs.delete_message(QueueUrl=url, ReceiptHandle=first["ReceiptHandle"])
    poll.join()
    # then that same poll delivers the second (released moto returns nothing until the wait ends)
    assert [message["Body"] for message in received] == ["second"]


def test_a_groups_next_message_waits_while_its_first_is_in_flight(sqs: SQSClient) -> None:
    url = _fifo_queue(sqs)
    sqs.send_message(QueueUrl=url, MessageBody="first", MessageGroupId="album-1")
    sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)
    sqs.send_message(QueueUrl=url, MessageBody="second", MessageGroupId="album-1")
    sqs.send_message(QueueUrl=url, MessageBody="other", MessageGroupId="album-2")

    later = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)

    assert [message["Body"] for message in later["Messages"]] == ["other"]


def test_one_receive_still_takes_a_groups_messages_in_order(sqs: SQSClient) -> None:
    url = _fifo_queue(sqs)
    for body in ("one", "two", "three"):
        sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId="album-1")

    batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]

    assert [message["Body"] for message in batch] == ["one", "two", "three"]
