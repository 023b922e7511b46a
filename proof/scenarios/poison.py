"""Poison: a command that always crashes its worker ends in the DLQ; after the fix, redrive works.

The worker containers start with `RETAKE_FAULT_CRASH_ON` set to a marker
(test-only fault injection, `functions/faults.py`), so a command whose body
holds it kills its container every time. Meanwhile other commands keep coming.
Checks:
- the poison message reaches the DLQ of `commands-high` after the queue's
  `max_receive_count` receives;
- the other commands all succeed, none reaches a DLQ, and their p95 latency
  (submit to projected) stays within 2 x their p95 before the poison;
- after the fix (the marker removed from the runtime's environment and the
  idle containers reaped, as a deploy would), `retake dlq redrive` sends it
  back and it succeeds.
"""

from __future__ import annotations

import time

from functions.faults import FAULT_CRASH_ON
from proof.latency import Latencies, timed_renames
from proof.progress import percentile
from proof.report import Outcome
from proof.stack import ProofStack, running_stack
from resources.definitions import COMMANDS_HIGH

OWNER = "user01"
MARKER = "proof-poison-7f3a"
RATIO_LIMIT = 2.0


def _dlq_depth(stack: ProofStack) -> int:
    return stack.queue_depths()[COMMANDS_HIGH.dlq_name]


def run(short: bool) -> Outcome:
    samples = 15 if short else 60
    outcome = Outcome("poison")
    with running_stack([OWNER], prefix="poison") as stack:
        runtime = stack.runtime
        runtime.update_env({FAULT_CRASH_ON: MARKER})
        runtime.reap_idle(0)
        api = stack.api(OWNER)
        albums = []
        for number in range(5):
            created = api.call("POST", "/albums", {"title": f"Normal {number}"})
            albums.append(str(created.body["album_id"]))
            api.wait_projected(created.command_ids[-1])
        target = api.call("POST", "/albums", {"title": "Will be poisoned"})
        poisoned_album = str(target.body["album_id"])
        api.wait_projected(target.command_ids[-1])
        before = timed_renames(api, albums, samples, "poison: before")
        crashes_before = runtime.stats()["worker"].errors
        # when: the poison is sent, and normal work goes on beside it
        poison = api.call("PATCH", f"/albums/{poisoned_album}", {"title": f"Crash {MARKER}"})
        poison_id = poison.command_ids[-1]
        sent = time.monotonic()
        during = Latencies()
        while _dlq_depth(stack) == 0 and time.monotonic() - sent < 300:
            during += timed_renames(api, albums, 3, "poison: beside it")
        to_dlq = time.monotonic() - sent
        more = max(0, samples - len(during.projected))
        if more:
            during += timed_renames(api, albums, more, "poison: beside it")
        crashes = runtime.stats()["worker"].errors - crashes_before
        listed = stack.cli("dlq", "list", COMMANDS_HIGH.name)
        in_dlq = poison_id in listed
        status_in_dlq = (api.command(poison_id) or {}).get("status")
        # the fix: containers without the fault, then the redrive
        runtime.update_env({FAULT_CRASH_ON: None})
        runtime.reap_idle(0)
        redriven = stack.cli("dlq", "redrive", COMMANDS_HIGH.name)
        final = api.wait_projected(poison_id, timeout=120) or {}
        title = (api.call("GET", f"/albums/{poisoned_album}").body or {}).get("title", "")
        other_dlqs = {q: n for q, n in stack.queue_depths().items() if "-dlq" in q and n}
    p95_before, p95_during = percentile(before.projected, 0.95), percentile(during.projected, 0.95)
    ratio = p95_during / p95_before if p95_before else float("inf")
    limit = COMMANDS_HIGH.max_receive_count
    if not in_dlq:
        outcome.violated([f"the poison command {poison_id} was not in the DLQ: {listed[-300:]}"])
    if crashes < limit:
        outcome.violated([f"the poison reached the DLQ after {crashes} receives, not {limit}"])
    if ratio > RATIO_LIMIT:
        outcome.violated(
            [f"other commands were held up: p95 {p95_during:.0f} ms beside the poison vs "
             f"{p95_before:.0f} ms before ({ratio:.2f}x > {RATIO_LIMIT:g}x)"]
        )  # fmt: skip
    if final.get("status") != "succeeded" or MARKER not in title:
        outcome.violated([f"after the fix and redrive the poison did not succeed: {final}"])
    if other_dlqs:
        outcome.violated([f"messages left in DLQs after the redrive: {other_dlqs}"])
    outcome.figure(f"in the DLQ after {crashes} crashes (max receives {limit})")
    outcome.figure(f"{to_dlq:.0f} s to the DLQ")
    outcome.figure(f"others p95 {p95_during:.0f} ms vs {p95_before:.0f} ms before ({ratio:.2f}x)")
    outcome.figure(f"redriven: {final.get('status', 'no answer')}")
    outcome.notes += [
        f"{len(before.projected)} renames before the poison, {len(during.projected)} beside it "
        "(one at a time, "
        "each timed from the PATCH to `projected: true`); all succeeded",
        f"to a final status (the worker's part): p95 {percentile(during.executed, 0.95):.0f} ms "
        f"beside the poison vs {percentile(before.executed, 0.95):.0f} ms before",
        f"the poison's status while in the DLQ: {status_in_dlq}",
        "redrive: " + " / ".join(redriven.strip().splitlines()),
    ]
    return outcome
