"""What `local_stack.moto_patches` buys: moto with the patches and as released, side by side.

Each variant runs in its own process (the patches are process-wide), with a
moto server on loopback and a boto3 client.

`moto-sqs-depth`: one FIFO queue, the client timing SendMessage and
ReceiveMessage of one message (with the ChangeMessageVisibility that puts it
back) first with only the timed messages queued, then with `DEPTH` more in
20 groups, so both take the same work. The backlog is put straight into moto's
queue object, untimed: sending it through unpatched moto would take minutes.

`moto-dynamodb-scan`: a table of `ITEMS` items shaped like command records
(strings, numbers, a nested map, lists, a binary and a boolean), scanned
whole a few times.

`moto-dynamodb-query`: an events-like table of `STREAMS` streams of
`VERSIONS` versions each, one stream's commits queried at a time, as a worker
loads an aggregate.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import time
from typing import Any

from bench.common import Progress, Result, any_client

DEPTH = 1_000
CALLS = 20
GROUPS = 20
ITEMS = 500
SCANS = 3
STREAMS = 300
VERSIONS = 10
QUERIES = 50


def moto_sqs_depth(depth: int = DEPTH, calls: int = CALLS) -> Result:
    patched = _measure_in_child("depth", "patched", depth, calls)
    unpatched = _measure_in_child("depth", "unpatched", depth, calls)

    def ratio(costs: dict[str, float]) -> float:
        return (costs["send_deep"] + costs["receive_deep"]) / (
            costs["send_empty"] + costs["receive_empty"]
        )

    def described(name: str, costs: dict[str, float]) -> str:
        return (
            f"{name}: SendMessage {costs['send_empty']:.1f} ms empty, "
            f"{costs['send_deep']:.1f} ms at {depth:,} deep; ReceiveMessage and "
            f"ChangeMessageVisibility {costs['receive_empty']:.1f} ms empty, "
            f"{costs['receive_deep']:.1f} ms deep ({ratio(costs):.2f}x)"
        )

    return Result(
        id="moto-sqs-depth",
        value=ratio(patched),
        unit="x (time per call at 1,000 queued over empty, with local_stack.moto_patches)",
        target_op="<=",
        target=1.5,
        notes=[
            described("with the patches", patched),
            described("moto as released", unpatched),
            f"{calls} calls of each kind per measurement, both variants in one run, "
            f"each in its own process; the backlog spread over {GROUPS} FIFO groups",
        ],
    )


def moto_dynamodb_scan(items: int = ITEMS, scans: int = SCANS) -> Result:
    patched = _measure_in_child("scan", "patched", items, scans)["ms_per_scan"]
    released = _measure_in_child("scan", "unpatched", items, scans)["ms_per_scan"]
    return Result(
        id="moto-dynamodb-scan",
        value=released / patched,
        unit="x faster (a Scan of 500 record-shaped items, with local_stack.moto_patches)",
        target_op=">=",
        target=2.0,
        notes=[
            f"a whole Scan of {items} items: {patched:.0f} ms with the patches "
            f"({patched / items:.2f} ms an item), {released:.0f} ms with moto as released "
            f"({released / items:.2f} ms an item)",
            f"mean of {scans} scans per variant, each variant in its own process, one run",
        ],
    )


def moto_dynamodb_query(streams: int = STREAMS, queries: int = QUERIES) -> Result:
    patched = _measure_in_child("query", "patched", streams, queries)["ms_per_query"]
    released = _measure_in_child("query", "unpatched", streams, queries)["ms_per_query"]
    items = streams * VERSIONS
    return Result(
        id="moto-dynamodb-query",
        value=released / patched,
        unit=f"x faster (a Query of one stream in a table of {items:,} items, with the patches)",
        target_op=">=",
        target=2.0,
        notes=[
            f"one stream's {VERSIONS} commits from a table of {items:,}: {patched:.1f} ms a "
            f"query with the patches, {released:.1f} ms with moto as released",
            f"mean of {queries} queries per variant, each variant in its own process, one run; "
            "moto as released sorts the whole table on every query, so its figure grows "
            "with the table",
        ],
    )


def _measure_in_child(kind: str, variant: str, size: int, repeats: int) -> dict[str, float]:
    run = subprocess.run(
        [sys.executable, "-m", "bench.moto_patches", kind, variant, str(size), str(repeats)],
        stdout=subprocess.PIPE,
        check=True,
        text=True,
    )
    costs: dict[str, float] = json.loads(run.stdout.strip().splitlines()[-1])
    return costs


def _client(service: str, variant: str) -> Any:
    """A client of a fresh moto server in this process, patched or as released."""
    from moto.moto_server.threaded_moto_server import ThreadedMotoServer

    from local_stack.moto_server import FAKE_CREDENTIALS, LOOPBACK, free_port, start_moto

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    if variant == "patched":
        endpoint = start_moto().endpoint
    else:
        port = free_port()
        ThreadedMotoServer(ip_address=LOOPBACK, port=port, verbose=False).start()
        endpoint = f"http://{LOOPBACK}:{port}"
    return any_client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    )


def _measure_scan(variant: str, items: int, scans: int) -> dict[str, float]:
    dynamodb = _client("dynamodb", variant)
    dynamodb.create_table(
        TableName="records",
        KeySchema=[{"AttributeName": "command_id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "command_id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    progress = Progress(f"moto-dynamodb-scan ({variant})", items + scans)
    for number in range(items):
        dynamodb.put_item(TableName="records", Item=_record_item(number))
        progress.advance()
    started = time.perf_counter()
    for _ in range(scans):
        page = dynamodb.scan(TableName="records")
        while "LastEvaluatedKey" in page:
            page = dynamodb.scan(TableName="records", ExclusiveStartKey=page["LastEvaluatedKey"])
        progress.advance()
    return {"ms_per_scan": (time.perf_counter() - started) / scans * 1000}


def _measure_query(variant: str, streams: int, queries: int) -> dict[str, float]:
    dynamodb = _client("dynamodb", variant)
    dynamodb.create_table(
        TableName="events",
        KeySchema=[
            {"AttributeName": "stream_id", "KeyType": "HASH"},
            {"AttributeName": "version", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "stream_id", "AttributeType": "S"},
            {"AttributeName": "version", "AttributeType": "N"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    progress = Progress(f"moto-dynamodb-query ({variant})", streams * VERSIONS + queries)
    for version in range(VERSIONS):
        for stream in range(streams):
            item = {"stream_id": {"S": f"stream-{stream}"}, "version": {"N": str(version)},
                    "event": {"S": "Photo.Tagged"}}  # fmt: skip
            dynamodb.put_item(TableName="events", Item=item)
            progress.advance()
    started = time.perf_counter()
    for number in range(queries):
        dynamodb.query(
            TableName="events",
            KeyConditionExpression="stream_id = :s AND version > :after",
            ExpressionAttributeValues={":s": {"S": f"stream-{number}"}, ":after": {"N": "-1"}},
            ConsistentRead=True,
        )
        progress.advance()
    return {"ms_per_query": (time.perf_counter() - started) / queries * 1000}


def _record_item(number: int) -> dict[str, Any]:
    event = {"M": {"type": {"S": "Photo.Tagged"}, "version": {"N": str(number)}}}
    return {
        "command_id": {"S": f"command-{number:05d}"},
        "status": {"S": "succeeded"},
        "attempts": {"N": "1"},
        "payload": {"M": {"photo_id": {"S": f"photo-{number}"},
                          "tags": {"L": [{"S": "beach"}, {"S": "sunset"}]}}},
        "events": {"L": [event, event, event]},
        "digest": {"B": number.to_bytes(4, "big")},
        "undone": {"BOOL": False},
    }  # fmt: skip


def _measure_depth(variant: str, depth: int, calls: int) -> dict[str, float]:
    sqs = _client("sqs", variant)
    url = sqs.create_queue(
        QueueName="depth.fifo", Attributes={"FifoQueue": "true", "VisibilityTimeout": "30"}
    )["QueueUrl"]
    progress = Progress(f"moto-sqs-depth ({variant})", 4 * calls)
    costs = {
        "send_empty": _time_sends(sqs, url, calls, "empty", progress),
        "receive_empty": _time_receives(sqs, url, calls, progress),
    }
    _fill("depth.fifo", depth)
    costs["send_deep"] = _time_sends(sqs, url, calls, "deep", progress)
    costs["receive_deep"] = _time_receives(sqs, url, calls, progress)
    return costs


def _time_sends(sqs: Any, url: str, calls: int, label: str, progress: Progress) -> float:
    started = time.perf_counter()
    for number in range(calls):
        sqs.send_message(
            QueueUrl=url,
            MessageBody="timed",
            MessageGroupId=f"g{number % GROUPS}",
            MessageDeduplicationId=f"{label}-{number}",
        )
        progress.advance()
    return (time.perf_counter() - started) / calls * 1000


def _time_receives(sqs: Any, url: str, calls: int, progress: Progress) -> float:
    started = time.perf_counter()
    for _ in range(calls):
        received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, WaitTimeSeconds=0)
        for message in received.get("Messages", []):
            sqs.change_message_visibility(
                QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
            )
        progress.advance()
    return (time.perf_counter() - started) / calls * 1000


def _fill(queue_name: str, depth: int) -> None:
    """Queue `depth` messages in moto's own queue object, as SendMessage would leave them."""
    from moto.sqs.models import Message, sqs_backends

    queue = sqs_backends["123456789012"]["us-east-1"].get_queue(queue_name)
    for number in range(depth):
        message = Message(f"backlog-{number}", "x" * 500)
        message.group_id = f"g{number % GROUPS}"
        message.deduplication_id = f"backlog-{number}"
        message.mark_sent()
        queue._messages.append(message)


if __name__ == "__main__":
    kind, variant, size, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    measure = {"depth": _measure_depth, "scan": _measure_scan, "query": _measure_query}[kind]
    print(json.dumps(measure(variant, size, repeats)))
