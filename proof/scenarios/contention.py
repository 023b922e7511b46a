"""Contention: many commands on ONE photo at once, each from its own client thread.

Every client tags the same photo with its own tag at the same moment. A
client whose request gets no answer or a 502 (an API container that could not
start in time on a busy machine) tries again, as the page lets a person do;
retries are counted, and a retry that doubles a command is still checked. The
worker's conditional append lets exactly one writer win each version; the
losers reload and retry. Afterwards: every command succeeded once, the
photo's stream holds exactly one commit per command, the photo shows every
tag (no lost update), and the shared checks hold.
"""

from __future__ import annotations

import threading
import time

from proof.checks import check_everything
from proof.report import Outcome
from proof.stack import running_stack

OWNER = "user01"
RETRIES = 3


def run(short: bool) -> Outcome:
    clients = 50
    outcome = Outcome("contention")
    with running_stack([OWNER], prefix="contention") as stack:
        api = stack.api(OWNER)
        upload = api.call(
            "POST", "/uploads", {"filename": "one.jpg", "content_type": "image/jpeg", "size": 1000}
        )
        photo_id = str(upload.body["photo_id"])
        api.wait_projected(upload.command_ids[-1])
        tags = [f"contended-{number:02d}" for number in range(clients)]
        barrier = threading.Barrier(clients)
        accepted: dict[str, str] = {}
        refused: list[str] = []
        retried: list[str] = []

        def tag(name: str) -> None:
            barrier.wait()
            for _ in range(RETRIES + 1):
                reply = stack.api(OWNER).call("POST", f"/photos/{photo_id}/tags", {"tags": [name]})
                if reply.command_ids:
                    accepted[name] = reply.command_ids[-1]
                    return
                if reply.status not in (0, 502):
                    break
                retried.append(name)
            refused.append(f"{reply.status} {str(reply.body)[:80]}")

        threads = [threading.Thread(target=tag, args=(name,)) for name in tags]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        findings = check_everything(stack, list(accepted.values()), drain_timeout=300.0)
        seconds = time.monotonic() - started
        photo = api.call("GET", f"/photos/{photo_id}").body or {}
    commands = set(accepted.values())
    on_photo = [c for c in findings.commits if c.stream_id == photo_id and c.command_id in commands]
    succeeded = [
        r for r in findings.records if r.command_id in commands and r.status == "succeeded"
    ]
    shown = set(photo.get("tags", []))
    missing_tags = sorted(set(accepted) - shown)
    outcome.violated(findings.violations)
    if refused:
        outcome.violated([f"{len(refused)} of {clients} requests refused: {sorted(set(refused))}"])
    if len(succeeded) != len(commands):
        outcome.violated([f"only {len(succeeded)} of {len(commands)} commands succeeded"])
    if len(on_photo) != len(commands):
        outcome.violated(
            [f"{len(on_photo)} commits on the photo for {len(commands)} commands (want one each)"]
        )
    if missing_tags:
        outcome.violated([f"lost update: {len(missing_tags)} tag(s) missing: {missing_tags[:3]}"])
    outcome.figure(f"{clients} clients on one photo")
    outcome.figure(f"{len(succeeded)} succeeded")
    outcome.figure(f"{len(on_photo)} commits")
    outcome.figure(f"{len(shown & set(tags))} of {clients} tags shown")
    outcome.figure(f"{len(retried)} retried requests")
    outcome.figure(f"{findings.doubled} doubled")
    outcome.notes.append(
        f"all {clients} sent at once (a barrier), final and checked {seconds:.0f} s later"
    )
    return outcome
