"""Chaos: many users' commands while worker and projector containers are SIGKILLed at random.

Every 1-3 s a random running container of `worker` or `projector` is killed
with SIGKILL (`LambdaRuntime.kill_random_container`), busy or idle. SQS gives
the batch it held back after the retry delay; a new container starts cold.
Afterwards: every acknowledged command is in the log with a final status, no
command has two commits on a stream, commits match recorded outcomes, the read
models equal a rebuild from the event store, and every hash chain verifies.

A message whose five receives were all cut short ends in the DLQ. On its last
receive the worker marks the command `failed` first, but a container killed
while it starts never gets that far, and one killed between the append and
the outcome leaves commits beside a `failed` mark. SQS offers no hook when it
moves a message to a DLQ, so nothing in the stack can settle those by itself:
the DLQ's alarm calls the operator, and the runbook's answer is
`retake dlq redrive`. So once the queues have drained, the scenario counts
what the kills dead-lettered and how many of those were not final, then
redrives them as an operator would and runs every check after that.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable

from proof import invariants
from proof.checks import check_everything
from proof.progress import Progress
from proof.report import Outcome
from proof.stack import ProofStack, gallery_users, running_stack
from proof.workload import GalleryUser, Tally, run_users

KILLED_FUNCTIONS = ("worker", "projector")


class Killer:
    """Kills a random worker or projector container every 1-3 s until stopped."""

    def __init__(self, kill: Callable[[str], int | None], seed: int = 8) -> None:
        self._kill = kill
        self._rng = random.Random(seed)
        self._stop = threading.Event()
        self.kills: dict[str, int] = dict.fromkeys(KILLED_FUNCTIONS, 0)
        self._thread = threading.Thread(target=self._run, name="chaos-killer", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def total(self) -> int:
        return sum(self.kills.values())

    def _run(self) -> None:
        while not self._stop.wait(self._rng.uniform(1.0, 3.0)):
            function = self._rng.choice(KILLED_FUNCTIONS)
            if self._kill(function) is not None:
                self.kills[function] += 1


def run(short: bool) -> Outcome:
    user_count, commands = (5, 200) if short else (20, 2000)
    outcome = Outcome("chaos")
    names = gallery_users(user_count)
    with running_stack(names, prefix="chaos") as stack:
        progress = Progress("chaos: commands accepted", commands)
        tally = Tally(on_accepted=progress.advance)
        users = [
            GalleryUser(name, stack.api(name), random.Random(index), tally)
            for index, name in enumerate(names)
        ]
        killer = Killer(stack.runtime.kill_random_container)
        killer.start()
        started = time.monotonic()
        try:
            errors = run_users(users, commands // user_count)
        finally:
            killer.stop()
        load_seconds = time.monotonic() - started
        drained = time.monotonic()
        stack.wait_settled(timeout=600.0)
        drain_seconds = time.monotonic() - drained
        dead = {queue: n for queue, n in stack.queue_depths().items() if "-dlq" in queue and n}
        unsettled = _unsettled(stack, tally.accepted) if dead else []
        redriven = stack.cli("dlq", "redrive") if dead else ""
        findings = check_everything(stack, tally.accepted, drain_timeout=600.0)
        dlq = {queue: n for queue, n in stack.queue_depths().items() if "-dlq" in queue and n}
    moves = [line for line in redriven.strip().splitlines() if "moved 0 message" not in line]
    outcome.violated([f"a simulated user failed: {error!r}" for error in errors])
    outcome.violated(findings.violations)
    outcome.figure(f"{len(tally.accepted)} commands from {user_count} users")
    known = {record.command_id for record in findings.records}
    missing = len(set(tally.accepted) - known)
    outcome.figure(f"{missing} lost")
    outcome.figure(f"{findings.lost(tally.accepted) - missing} not final at the end")
    outcome.figure(f"{findings.doubled} doubled")
    outcome.figure(f"{killer.total} kills")
    outcome.figure(findings.status_figure(tally.accepted))
    outcome.figure(f"{findings.streams} streams verified")
    outcome.figure(
        f"{sum(dead.values())} dead-lettered by the kills, {len(unsettled)} of them "
        "not final until redriven"
    )
    outcome.notes += [
        f"load: {load_seconds:.0f} s ({len(tally.accepted) / max(load_seconds, 1):.1f} "
        f"commands/s accepted); queues drained {drain_seconds:.0f} s after",
        "dead letters after the drain: "
        + (", ".join(f"{queue} {n}" for queue, n in sorted(dead.items())) or "none")
        + (f"; not final before the redrive: {', '.join(unsettled)}" if unsettled else ""),
        "redrive: "
        + (" / ".join(moves) or "not needed")
        + f"; all final {findings.drain_seconds:.0f} s after it",
        f"kills: {killer.kills['worker']} worker, {killer.kills['projector']} projector "
        "containers (SIGKILL, every 1-3 s at random)",
        "actions: " + ", ".join(f"{a} {n}" for a, n in sorted(tally.actions.items())),
        "API answers: " + ", ".join(f"{s}: {n}" for s, n in sorted(tally.statuses.items())),
        "messages left in DLQs after the redrive: "
        + (", ".join(f"{queue} {n}" for queue, n in sorted(dlq.items())) or "none"),
    ]
    return outcome


def _unsettled(stack: ProofStack, acknowledged: list[str]) -> list[str]:
    """Commands the drain left without a final status, or with commits but no success."""
    status = {record.command_id: record.status for record in stack.command_records()}
    committed = {commit.command_id for commit in stack.commits()}
    return sorted(
        command_id
        for command_id in set(acknowledged)
        if status.get(command_id) not in invariants.FINAL_STATUSES
        or (command_id in committed and status.get(command_id) != "succeeded")
    )
