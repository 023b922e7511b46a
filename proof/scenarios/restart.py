"""Restart: `retake up` killed with SIGKILL mid-load and started again loses nothing acknowledged.

The stack runs as `retake up` in its own session. Simulated users send
commands; part way through, the whole process group gets SIGKILL. A new
`retake up` starts on the same data folder. Checks: every command the API
acknowledged (201/202) before the kill is in the command log and reaches a
final status, and the shared checks hold on the recovered stack.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from local_stack.stack import StackInfo
from proof.checks import check_everything
from proof.report import Outcome
from proof.stack import ProofStack
from proof.workload import GalleryUser, Tally

ROOT = Path(__file__).resolve().parents[2]
USER = "alice"
STARTS_WITHIN_SECONDS = 120.0


@contextmanager
def retake_up(data: Path, log: IO[bytes]) -> Iterator[tuple[subprocess.Popen[bytes], ProofStack]]:
    """`retake up` on `data` in its own session; its process group is killed on exit."""
    (data / "stack.json").unlink(missing_ok=True)
    environment = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "local_stack.cli", "up", "--data", str(data),
         "--moto-port", "0", "--api-port", "0", "--site-port", "0"],
        cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + STARTS_WITHIN_SECONDS
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"retake up did not start (exit {process.returncode})")
            with contextlib.suppress(FileNotFoundError, json.JSONDecodeError):
                info = StackInfo(**json.loads((data / "stack.json").read_text()))
                break
            time.sleep(0.2)
        stack = ProofStack(None, info)
        stack.warm_api()
        yield process, stack
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def run(short: bool) -> Outcome:
    load_seconds, clients = (20.0, 3) if short else (60.0, 6)
    outcome = Outcome("restart")
    with tempfile.TemporaryDirectory(prefix="retake-restart-") as folder:
        data = Path(folder) / "data"
        data.mkdir()
        log = (Path(folder) / "retake-up.log").open("wb")
        tally = Tally()
        with retake_up(data, log) as (process, first):
            api = first.api(USER)
            users = [GalleryUser(USER, api, random.Random(n), tally) for n in range(clients)]
            stop = threading.Event()
            threads = [threading.Thread(target=user.run, args=(10**6, stop)) for user in users]
            for thread in threads:
                thread.start()
            time.sleep(load_seconds)
            # when: the whole stack is killed mid-load
            os.killpg(process.pid, signal.SIGKILL)
            stop.set()
            for thread in threads:
                thread.join()
        # Every 201/202 a client holds was answered before the kill: nothing answers after it.
        acknowledged = tally.accepted[:]
        with retake_up(data, log) as (_, second):
            recovered = second.info.recovered
            findings = check_everything(second, acknowledged, drain_timeout=300.0)
        log.close()
    lost = findings.lost(acknowledged)
    outcome.violated(findings.violations)
    if not recovered:
        outcome.violated(["the second start did not notice the unclean stop"])
    outcome.figure(f"{len(acknowledged)} commands acknowledged before SIGKILL")
    outcome.figure(f"{lost} lost")
    outcome.figure(findings.status_figure(acknowledged))
    outcome.figure(f"recovered: {'yes' if recovered else 'no'}")
    outcome.notes += [
        f"{clients} clients as {USER} for {load_seconds:.0f} s, then SIGKILL to the whole "
        "process group of `retake up` (moto, functions, pollers, gateway)",
        "API answers: " + ", ".join(f"{s}: {n}" for s, n in sorted(tally.statuses.items())),
        *(f"failed: {failure}" for failure in findings.failures(acknowledged)),
    ]
    return outcome
