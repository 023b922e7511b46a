"""Interactive latency as a person sees it: from the request to reading the change back."""

from __future__ import annotations

import time

from proof.client import Api
from proof.progress import Progress


def timed_renames(api: Api, albums: list[str], count: int, label: str) -> list[float]:
    """Rename albums one after another; each one's time from submit to projected, in ms."""
    progress = Progress(label, count)
    latencies = []
    for number in range(count):
        started = time.monotonic()
        reply = api.call(
            "PATCH", f"/albums/{albums[number % len(albums)]}", {"title": f"T{number}"}
        )
        record = api.wait_projected(reply.command_ids[-1]) if reply.command_ids else None
        if record is None or record.get("status") != "succeeded":
            raise AssertionError(f"a normal command did not succeed: {reply.status} {record}")
        latencies.append((time.monotonic() - started) * 1000)
        progress.advance()
    return latencies
