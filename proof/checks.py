"""The checks every scenario that writes shares, run against a stack after its load."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

from adapters.memory_read_models import InMemoryReadModels
from commands.command_log import CommandRecord
from commands.event_store import Commit
from projections.rebuild import rebuild
from proof import invariants
from proof.stack import ProofStack


@dataclass
class Findings:
    """What the checks saw: the records, the commits and every violation."""

    records: list[CommandRecord] = field(default_factory=list)
    commits: list[Commit] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    drain_seconds: float = 0.0
    streams: int = 0

    @property
    def statuses(self) -> Counter[str]:
        return Counter(record.status for record in self.records)

    def lost(self, acknowledged: list[str]) -> int:
        """Acknowledged commands missing from the log or without a final status."""
        final = {r.command_id for r in self.records if r.status in invariants.FINAL_STATUSES}
        return len(set(acknowledged) - final)

    @property
    def doubled(self) -> int:
        """Commands with more than one commit on some stream."""
        counted = Counter((commit.stream_id, commit.command_id) for commit in self.commits)
        return len({command for (_, command), n in counted.items() if n > 1})

    def status_figure(self, acknowledged: list[str]) -> str:
        mine = set(acknowledged)
        counted = Counter(r.status for r in self.records if r.command_id in mine)
        return " / ".join(f"{counted[s]} {s}" for s in ("succeeded", "rejected", "failed"))

    def failures(self, acknowledged: list[str], limit: int = 5) -> list[str]:
        """The first acknowledged commands that ended `failed`, with their errors."""
        mine = set(acknowledged)
        failed = [r for r in self.records if r.command_id in mine and r.status == "failed"]
        return [
            f"{r.type} {r.command_id} after {r.attempts} attempt(s): "
            + (f"{r.error.code}: {r.error.message[:200]}" if r.error else "no error recorded")
            for r in failed[:limit]
        ]


#: Seconds between scans of the command log while commands are still unfinished.
SCAN_EVERY = 10.0


def wait_final(stack: ProofStack, acknowledged: list[str], timeout: float) -> float:
    """Wait until every acknowledged command has a final status; seconds waited.

    The queues' depths are cheap to read; a scan of thousands of command records
    is not (moto serves it, about 1 ms an item, from the process everything else
    shares). So the log is scanned once the queues have settled, and then every
    `SCAN_EVERY` seconds: scanning all along would slow the very drain it waits for.
    """
    started = time.monotonic()
    deadline = started + timeout
    stack.wait_settled(timeout)
    while True:
        records = stack.command_records()
        if not invariants.unfinished_commands(acknowledged, records) and not (
            invariants.missing_commands(acknowledged, records)
        ):
            break
        if time.monotonic() + SCAN_EVERY > deadline:
            break
        time.sleep(SCAN_EVERY)
    return time.monotonic() - started


def read_models_match_rebuild(stack: ProofStack, timeout: float = 60.0) -> list[str]:
    """The live read models equal a rebuild into fresh (in-memory) tables.

    Projection trails the event store, so the comparison is retried until the
    two agree or `timeout` passes; only a difference that stays is reported.
    """
    deadline = time.monotonic() + timeout
    while True:
        stack.wait_settled(timeout=max(1.0, deadline - time.monotonic()))
        fresh = InMemoryReadModels()
        rebuild(stack.event_store(), fresh)
        problems = invariants.read_models_differ(stack.read_models().dump(), fresh.dump())
        if not problems or time.monotonic() > deadline:
            return problems
        time.sleep(2.0)


def check_everything(stack: ProofStack, acknowledged: list[str], drain_timeout: float) -> Findings:
    """Final statuses, no lost or doubled command, effects match outcomes, rebuild, chains."""
    findings = Findings()
    findings.drain_seconds = wait_final(stack, acknowledged, drain_timeout)
    findings.records = stack.command_records()
    findings.commits = stack.commits()
    findings.streams = len({commit.stream_id for commit in findings.commits})
    violations = findings.violations
    violations += invariants.missing_commands(acknowledged, findings.records)
    violations += invariants.unfinished_commands(acknowledged, findings.records)
    violations += invariants.double_effects(findings.commits)
    violations += invariants.effects_match_outcomes(findings.records, findings.commits)
    violations += read_models_match_rebuild(stack)
    violations += invariants.broken_chains(stack.event_store().verify())
    return findings
