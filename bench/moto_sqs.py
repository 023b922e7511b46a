"""What a deep queue costs moto's SQS, with `local_stack.moto_patches` and without.

Each variant runs in its own process (the patches are process-wide): a moto
server on loopback, one FIFO queue, and a boto3 client timing SendMessage and
ReceiveMessage of one message (with the ChangeMessageVisibility that puts it
back) first with only the timed messages queued, then with `DEPTH` more in
20 groups, so both take the same work. The backlog is put straight into moto's
queue object, untimed: sending it through unpatched moto would take minutes.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import time
from typing import Any

import boto3

from bench.common import Progress, Result

DEPTH = 1_000
CALLS = 20
GROUPS = 20


def moto_sqs_depth(depth: int = DEPTH, calls: int = CALLS) -> Result:
    patched = _measure_in_child("patched", depth, calls)
    unpatched = _measure_in_child("unpatched", depth, calls)

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


def _measure_in_child(variant: str, depth: int, calls: int) -> dict[str, float]:
    run = subprocess.run(
        [sys.executable, "-m", "bench.moto_sqs", variant, str(depth), str(calls)],
        stdout=subprocess.PIPE,
        check=True,
        text=True,
    )
    costs: dict[str, float] = json.loads(run.stdout.strip().splitlines()[-1])
    return costs


def _measure(variant: str, depth: int, calls: int) -> dict[str, float]:
    from moto.moto_server.threaded_moto_server import ThreadedMotoServer

    from local_stack.moto_server import FAKE_CREDENTIALS, LOOPBACK, free_port, start_moto

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    if variant == "patched":
        endpoint = start_moto().endpoint
    else:
        port = free_port()
        ThreadedMotoServer(ip_address=LOOPBACK, port=port, verbose=False).start()
        endpoint = f"http://{LOOPBACK}:{port}"
    sqs = boto3.client(
        "sqs",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    )
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
    variant, depth_text, calls_text = sys.argv[1:4]
    print(json.dumps(_measure(variant, int(depth_text), int(calls_text))))
