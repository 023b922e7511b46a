"""Tampering: an event altered directly in DynamoDB is reported with its stream and version.

A few albums are created and renamed over HTTP; then one stored event's
payload is rewritten in the events table, as someone with table access
could. `retake audit verify` (the CLI, against the running stack) must exit
non-zero and name that stream and version; an untouched store must verify.
"""

from __future__ import annotations

import subprocess
import sys

from proof.report import Outcome
from proof.stack import ProofStack, running_stack

OWNER = "user01"


def _verify(stack: ProofStack) -> tuple[int, str]:
    result = subprocess.run(
        [sys.executable, "-m", "local_stack.cli", "audit", "verify", "--data", str(stack.data_dir)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    return result.returncode, result.stdout + result.stderr


def run(short: bool) -> Outcome:
    albums = 3 if short else 10
    outcome = Outcome("tampering")
    with running_stack([OWNER], prefix="tampering") as stack:
        api = stack.api(OWNER)
        last = ""
        for number in range(albums):
            created = api.call("POST", "/albums", {"title": f"Honest {number}"})
            album_id = str(created.body["album_id"])
            renamed = api.call("PATCH", f"/albums/{album_id}", {"title": f"Still honest {number}"})
            last = renamed.command_ids[-1]
        api.wait_projected(last)
        clean_code, clean_output = _verify(stack)
        # when: the second event of the last album's stream is altered in place
        dynamodb = stack.client("dynamodb")
        table = stack.table("events")
        item = dynamodb.get_item(
            TableName=table,
            Key={"stream_id": {"S": album_id}, "version": {"N": "2"}},
            ConsistentRead=True,
        )["Item"]
        event = item["events"]["L"][0]["M"]
        state = bytes(event["state"]["B"])
        altered = state.replace(b"Still honest", b"Forged title")
        event["state"] = {"B": altered}
        dynamodb.put_item(TableName=table, Item=item)
        tampered_code, tampered_output = _verify(stack)
    reported = f"BREAK stream {album_id} version 2" in tampered_output
    if clean_code != 0:
        outcome.violated([f"the untouched store did not verify: {clean_output.strip()[-300:]}"])
    if altered == state:
        outcome.violated(["the scenario could not alter the event (title not found in it)"])
    if tampered_code == 0 or not reported:
        outcome.violated(
            [f"audit verify missed the altered event {album_id} v2: {tampered_output[-300:]}"]
        )
    outcome.figure(f"clean store: exit {clean_code}")
    outcome.figure(f"altered event: exit {tampered_code}")
    outcome.figure(f"stream and version named: {'yes' if reported else 'no'}")
    outcome.notes.append(
        f"{albums} albums created and renamed; the rename event (version 2) of one was altered "
        "in the events table; `retake audit verify` said: "
        + " / ".join(line for line in tampered_output.splitlines() if line.startswith("BREAK"))
    )
    return outcome
