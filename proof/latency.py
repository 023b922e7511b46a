"""Interactive latency as a person sees it: from the request to reading the change back."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from proof.client import FINAL, Api
from proof.progress import Progress

POLL_SECONDS = 0.05
TIMEOUT_SECONDS = 120.0


@dataclass
class Latencies:
    """Per command, in ms: to a final status (the worker's part) and to `projected: true`."""

    executed: list[float] = field(default_factory=list)
    projected: list[float] = field(default_factory=list)

    def __iadd__(self, other: Latencies) -> Latencies:
        self.executed += other.executed
        self.projected += other.projected
        return self


def timed_renames(api: Api, albums: list[str], count: int, label: str) -> Latencies:
    """Rename albums one after another, timing each from the PATCH (polled every 50 ms)."""
    progress = Progress(label, count)
    timed = Latencies()
    for number in range(count):
        started = time.monotonic()
        reply = api.call(
            "PATCH", f"/albums/{albums[number % len(albums)]}", {"title": f"T{number}"}
        )
        if not reply.command_ids:
            raise AssertionError(f"a normal command was refused: {reply.status} {reply.body}")
        executed = None
        deadline = started + TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            record = api.command(reply.command_ids[-1]) or {}
            if executed is None and record.get("status") in FINAL:
                executed = time.monotonic()
            if record.get("projected") and record.get("status") == "succeeded":
                break
            time.sleep(POLL_SECONDS)
        else:
            raise AssertionError(f"a normal command did not succeed in time: {record}")
        timed.executed.append(((executed or time.monotonic()) - started) * 1000)
        timed.projected.append((time.monotonic() - started) * 1000)
        progress.advance()
    return timed
