"""Stopping and starting again: a clean restart keeps everything; after kill -9 the stack recovers.

The clean restart uses the folder's in-process stack. The unclean one runs
`retake up` as a subprocess in its own session, kills it with SIGKILL, and
starts `retake up` again on the same data folder.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import boto3
import pytest

from adapters.dynamodb_event_store import DynamoDBEventStore
from adapters.dynamodb_read_models import DynamoDBReadModels
from local_stack.stack import RUNNING_MARKER, STACK_FILE
from local_stack.state import STATE_FILE
from projections.rebuild import rebuild
from resources.definitions import EVENTS, SNAPSHOTS, Naming
from tests.e2e.conftest import REGION, RunningStack, cognito_client, http, sign_in, wait_projected

PROJECT_ROOT = Path(__file__).resolve().parents[2]
STARTS_WITHIN_SECONDS = 60.0
SNAPSHOT_EVERY_SECONDS = 3.0


def test_a_clean_restart_keeps_the_album_the_commands_and_the_sign_ins(
    stack: RunningStack,
) -> None:
    # given: an album, renamed, projected
    created = stack.call("POST", "/albums", "alice", {"title": "Before the restart"})
    album_id = created.body["album_id"]
    renamed = stack.call("PATCH", f"/albums/{album_id}", "alice", {"title": "Kept"})
    stack.wait_projected(renamed.body["command_id"])
    token_before = stack.token("alice")
    data = stack.config.data_dir

    # when: the stack stops cleanly and a new one starts on the same folder
    stack.stop()
    assert not (data / RUNNING_MARKER).exists()
    assert (data / STATE_FILE).exists()
    stack.start()

    # then: nothing to recover, and everything is there
    assert stack.info.recovered is False
    album = stack.call("GET", f"/albums/{album_id}", "alice")
    assert (album.status, album.body["title"]) == (200, "Kept")
    for command in (created.body, renamed.body):
        record = stack.call("GET", f"/commands/{command['command_id']}", "alice").body
        assert (record["status"], record["projected"]) == ("succeeded", True)
    # the pool (and its keys) came back too, so a token from before still opens the API
    assert http("GET", f"{stack.api_url}/albums/{album_id}", token_before).status == 200
    # and the restarted stack takes new commands
    again = stack.call("PATCH", f"/albums/{album_id}", "alice", {"title": "After the restart"})
    assert stack.wait_projected(again.body["command_id"])["status"] == "succeeded"
    assert stack.call("GET", f"/albums/{album_id}", "alice").body["title"] == "After the restart"


# -- kill -9 --------------------------------------------------------------------------


@dataclass
class StackProcess:
    """`retake up` in its own session (so its process group is its own)."""

    process: subprocess.Popen[bytes]
    info: dict[str, Any]

    @property
    def api_url(self) -> str:
        return str(self.info["api_url"])

    def dynamodb(self) -> Any:
        return boto3.client(
            "dynamodb",
            region_name=REGION,
            endpoint_url=self.info["endpoint"],
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def id_token(self, username: str) -> str:
        cognito = cognito_client(self.info["endpoint"])
        return str(sign_in(cognito, self.info["client_id"], username)["IdToken"])

    def read_models(self) -> DynamoDBReadModels:
        return DynamoDBReadModels(Naming(self.info["prefix"]), client=self.dynamodb())


def _retake_command() -> list[str]:
    script = Path(sys.executable).with_name("retake")
    return [str(script)] if script.exists() else [sys.executable, "-m", "local_stack.cli"]


@pytest.fixture
def launch(tmp_path: Path) -> Iterator[Any]:
    """Start `retake up` on a data folder; every process group started is killed afterwards."""
    started: list[subprocess.Popen[bytes]] = []
    logs: list[IO[bytes]] = []

    def start(data: Path) -> StackProcess:
        (data / STACK_FILE).unlink(missing_ok=True)
        log = (tmp_path / f"retake-up-{len(started) + 1}.log").open("wb")
        logs.append(log)
        environment = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        process = subprocess.Popen(
            [*_retake_command(), "up", "--data", str(data),
             "--moto-port", "0", "--api-port", "0", "--site-port", "0"],
            cwd=PROJECT_ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        started.append(process)
        return StackProcess(process, _wait_for_stack_file(data, process, log.name))

    yield start
    for process in started:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    for log in logs:
        log.close()


def _wait_for_stack_file(data: Path, process: subprocess.Popen[bytes], log: str) -> dict[str, Any]:
    deadline = time.monotonic() + STARTS_WITHIN_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"retake up exited with {process.returncode}:\n{_tail(log)}")
        try:
            info: dict[str, Any] = json.loads((data / STACK_FILE).read_text())
            return info
        except (FileNotFoundError, json.JSONDecodeError):
            time.sleep(0.1)
    raise AssertionError(f"retake up wrote no {STACK_FILE} in time:\n{_tail(log)}")


def _tail(log: str) -> str:
    return Path(log).read_text(errors="replace")[-3000:]


def _children(pid: int) -> set[int]:
    """The processes whose parent is `pid` (Linux: from /proc)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                found.add(int(stat.parent.name))
    return found


def _running(pid: int) -> bool:
    """Whether the process exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def _wait_for_snapshots(data: Path, count: int) -> None:
    """Wait until the state file has been replaced `count` times (each replace is a new inode)."""
    state = data / STATE_FILE

    def version() -> tuple[int, int] | None:
        with contextlib.suppress(FileNotFoundError):
            stat = state.stat()
            return stat.st_ino, stat.st_mtime_ns
        return None

    seen = version()
    deadline = time.monotonic() + SNAPSHOT_EVERY_SECONDS * (count + 2)
    while count and time.monotonic() < deadline:
        time.sleep(0.1)
        now = version()
        if now != seen:
            seen, count = now, count - 1
    assert count == 0, "the stack stopped writing snapshots"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")
def test_after_kill_9_the_stack_recovers_with_read_models_equal_to_a_rebuild(
    tmp_path: Path, launch: Any
) -> None:
    data = tmp_path / "data"
    data.mkdir()

    # given: a stack with an album, renamed, and the rename undone
    first: StackProcess = launch(data)
    token = first.id_token("alice")
    created = http("POST", f"{first.api_url}/albums", token, {"title": "Survives"}).body
    album_id = created["album_id"]
    renamed = http("PATCH", f"{first.api_url}/albums/{album_id}", token, {"title": "Lost?"}).body
    undo = http("POST", f"{first.api_url}/commands/{renamed['command_id']}/undo", token, {}).body
    commands = [created["command_id"], renamed["command_id"], undo["command_id"]]
    for command_id in commands:
        assert wait_projected(first.api_url, token, command_id)["status"] == "succeeded"
    # a snapshot that started after the last projection: the second one from now
    _wait_for_snapshots(data, count=2)
    containers = _children(first.process.pid)
    assert len(containers) >= 4, "api, worker, publisher and projector each run a container"
    # and: one more command, acknowledged after that snapshot and not waited for
    late = http("PATCH", f"{first.api_url}/albums/{album_id}", token, {"title": "Acknowledged"})
    assert late.status == 202

    # when: the stack is killed with SIGKILL, at once
    first.process.send_signal(signal.SIGKILL)
    first.process.wait()

    # then: its containers see their stdin close (or, mid-init, their parent gone) and exit
    # by themselves; a busy machine can take a while to schedule them
    deadline = time.monotonic() + 30
    while any(_running(pid) for pid in containers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in containers if _running(pid)], "a container outlived its stack"
    assert (data / RUNNING_MARKER).exists()

    # when: a new stack starts on the same folder
    second: StackProcess = launch(data)

    # then: it says it recovered, and the album and its commands are there
    assert second.info["recovered"] is True
    token = second.id_token("alice")
    for command_id in commands:
        record = http("GET", f"{second.api_url}/commands/{command_id}", token).body
        assert (record["status"], record["projected"]) == ("succeeded", True)

    # then: the command acknowledged after the last snapshot was not lost: moto's journal
    # gave it back, and it is worked
    assert wait_projected(second.api_url, token, late.body["command_id"])["status"] == "succeeded"
    album = http("GET", f"{second.api_url}/albums/{album_id}", token)
    assert (album.status, album.body["title"]) == (200, "Acknowledged")

    # then: the read models are what a rebuild makes
    read_models = second.read_models()
    recovered = read_models.dump()
    naming = Naming(second.info["prefix"])
    store = DynamoDBEventStore(
        naming.table(EVENTS), naming.table(SNAPSHOTS), client=second.dynamodb()
    )
    report = rebuild(store, read_models)
    assert report.streams >= 1
    assert read_models.dump() == recovered

    # when: it is stopped cleanly (SIGTERM), it saves its state and clears the marker
    second.process.send_signal(signal.SIGTERM)
    assert second.process.wait(timeout=30) == 0
    assert not (data / RUNNING_MARKER).exists()
