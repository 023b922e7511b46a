"""Priority isolation: interactive commands stay fast while bulk work is queued.

Interactive commands (album renames, on `commands-high`) are timed one after
another from submit to `projected: true`, first on an idle stack, then while
bulk low-priority commands (`POST /batch/tags`, one `BatchTagPhotos` each, on
`commands-low`) fill the low queue. Each is timed twice: to a final status
(the worker's part) and to `projected: true` (what a person sees). The check:
the p95 to projected with bulk load is at most 2 x the p95 without. Both
p95s, the ratio and the low queue's depth while measuring are reported; a
miss is reported as it is.
"""

from __future__ import annotations

import threading
import time

from proof.client import Api
from proof.latency import timed_renames
from proof.progress import Progress, percentile
from proof.report import Outcome
from proof.stack import ProofStack, running_stack
from resources.definitions import COMMANDS_LOW

OWNER = "user01"
RATIO_LIMIT = 2.0
SUBMITTERS = 8


def _low_depth(stack: ProofStack) -> int:
    return stack.queue_depths()[COMMANDS_LOW.queue_name]


def _queue_bulk(api: Api, photos: list[str], count: int) -> int:
    """Submit `count` bulk tag commands from several threads; how many were accepted."""
    progress = Progress("priority: bulk commands queued", count)
    accepted = [0] * SUBMITTERS

    def submit(slot: int) -> None:
        for number in range(slot, count, SUBMITTERS):
            photo = photos[number % len(photos)]
            reply = api.call("POST", "/batch/tags", {"photo_ids": [photo], "tags": [f"b{number}"]})
            accepted[slot] += len(reply.command_ids)
            progress.advance()

    threads = [threading.Thread(target=submit, args=(slot,)) for slot in range(SUBMITTERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(accepted)


def run(short: bool) -> Outcome:
    bulk, samples = (300, 20) if short else (5000, 60)
    outcome = Outcome("priority")
    with running_stack([OWNER], prefix="priority") as stack:
        api = stack.api(OWNER)
        albums, photos = [], []
        for number in range(5):
            created = api.call("POST", "/albums", {"title": f"Interactive {number}"})
            albums.append(str(created.body["album_id"]))
        for number in range(20):
            upload = api.call(
                "POST",
                "/uploads",
                {"filename": f"bulk{number}.jpg", "content_type": "image/jpeg", "size": 1000},
            )
            photos.append(str(upload.body["photo_id"]))
        api.wait_projected(upload.command_ids[-1])
        idle = timed_renames(api, albums, samples, "priority: no bulk load")
        started = time.monotonic()
        queued = _queue_bulk(api, photos, bulk)
        submit_seconds = time.monotonic() - started
        depth_before = _low_depth(stack)
        loaded = timed_renames(api, albums, samples, "priority: with bulk queued")
        depth_after = _low_depth(stack)
    p95_idle, p95_loaded = percentile(idle.projected, 0.95), percentile(loaded.projected, 0.95)
    executed_idle = percentile(idle.executed, 0.95)
    executed_loaded = percentile(loaded.executed, 0.95)
    ratio = p95_loaded / p95_idle if p95_idle else float("inf")
    if ratio > RATIO_LIMIT:
        outcome.violated(
            [f"interactive p95 {p95_loaded:.0f} ms with bulk queued is {ratio:.2f}x its "
             f"{p95_idle:.0f} ms without (limit {RATIO_LIMIT:g}x)"]
        )  # fmt: skip
    if depth_before == 0:
        outcome.violated(["the bulk queue was empty when measuring began: the load was not there"])
    outcome.figure(f"p95 {p95_loaded:.0f} ms with bulk vs {p95_idle:.0f} ms without")
    outcome.figure(f"{ratio:.2f}x (limit {RATIO_LIMIT:g}x)")
    outcome.figure(f"to final status only: p95 {executed_loaded:.0f} vs {executed_idle:.0f} ms")
    outcome.figure(f"{queued} bulk commands queued")
    outcome.figure(f"{depth_before}..{depth_after} waiting while measured")
    outcome.notes += [
        f"{samples} interactive renames per phase, one at a time, each from the PATCH to "
        "`projected: true` (polled every 50 ms)",
        f"medians: {percentile(loaded.projected, 0.5):.0f} ms with bulk, "
        f"{percentile(idle.projected, 0.5):.0f} ms without",
        f"to a final status only (the worker's part, before projection): p95 "
        f"{executed_loaded:.0f} ms with bulk vs {executed_idle:.0f} ms without "
        f"({executed_loaded / executed_idle if executed_idle else 0:.2f}x); bulk commits are "
        "projected from their own queue (`projections-bulk`), interactive ones from `projections`",
        f"bulk: {queued} `POST /batch/tags` (one photo each) from {SUBMITTERS} threads in "
        f"{submit_seconds:.0f} s; the low queue held {depth_before} when measuring began and "
        f"{depth_after} when it ended",
    ]
    return outcome
