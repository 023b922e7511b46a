"""The runtime's end of one container: spawn it, talk to it under a deadline, stop it.

The other end is `local_stack.container`. Frames are read from the raw pipe
(never through the Popen file object) so that `poll` can bound every read by
the function's deadline. Stopping is graceful first (close stdin: an idle
container exits at once) and SIGKILL after a grace period.
"""

from __future__ import annotations

import json
import math
import os
import select
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import IO, Any

from local_stack.container import FRAME_HEADER, SPAWNED_AT_ENV
from resources.definitions import FunctionSpec

Log = Callable[[str], None]

STOP_GRACE_SECONDS = 2.0


class RuntimeStopped(RuntimeError):
    """The runtime has been shut down: it invokes nothing any more."""


class ContainerLost(Exception):
    """The container is unusable: it timed out, crashed or failed to initialise."""

    def __init__(self, error_type: str, message: str, status: str) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.status = status


class ContainerProcess:
    """The runtime's end of one container process."""

    def __init__(self, spec: FunctionSpec) -> None:
        self.spec = spec
        self.process: subprocess.Popen[bytes] | None = None
        self.last_used = time.monotonic()
        self.max_memory_mb = 0
        self._lock = threading.Lock()
        self._stopped = False

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, env: dict[str, str], log: Log, init_timeout: float) -> float:
        """Spawn the process and wait until its handler is imported; the init duration in ms."""
        with self._lock:
            if self._stopped:
                raise RuntimeStopped("the runtime is shut down")
            self.process = subprocess.Popen(
                [sys.executable, "-m", "local_stack.container", self.spec.handler],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env={**env, SPAWNED_AT_ENV: repr(time.time())},
            )
        assert self.process.stderr is not None
        threading.Thread(
            target=_forward_output,
            args=(self.process.stderr, f"[{self.spec.name}] ", log),
            name=f"log-{self.spec.name}-{self.process.pid}",
            daemon=True,
        ).start()
        try:
            ready = self._receive(time.monotonic() + init_timeout)
        except ContainerLost as lost:
            if lost.status == "timeout":
                raise ContainerLost(
                    "Runtime.InitTimeout",
                    f"Init timed out after {init_timeout:.2f} seconds",
                    "timeout",
                ) from None
            raise
        self.max_memory_mb = ready.get("max_memory_mb", 0)
        if not ready["ready"]:
            error = ready["error"]
            raise ContainerLost(error["type"], error["message"], "error")
        init_ms: float = ready["init_duration_ms"]
        return init_ms

    def call(self, frame: bytes, deadline: float) -> dict[str, Any]:
        """Send one request and wait for its response until the deadline."""
        assert self.process is not None and self.process.stdin is not None
        try:
            self.process.stdin.write(frame)
            self.process.stdin.flush()
        except (BrokenPipeError, ValueError, OSError):
            raise self._crashed() from None
        response = self._receive(deadline)
        self.max_memory_mb = response["max_memory_mb"]
        return response

    def _receive(self, deadline: float) -> dict[str, Any]:
        (size,) = FRAME_HEADER.unpack(self._read_exactly(FRAME_HEADER.size, deadline))
        message: dict[str, Any] = json.loads(self._read_exactly(size, deadline))
        return message

    def _read_exactly(self, size: int, deadline: float) -> bytes:
        assert self.process is not None and self.process.stdout is not None
        fd = self.process.stdout.fileno()
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        data = bytearray()
        while len(data) < size:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not poller.poll(math.ceil(remaining * 1000)):
                self.kill()
                raise ContainerLost("Sandbox.Timedout", "timed out", "timeout")
            try:
                chunk = os.read(fd, size - len(data))
            except OSError:
                chunk = b""
            if not chunk:
                raise self._crashed()
            data += chunk
        return bytes(data)

    def _crashed(self) -> ContainerLost:
        assert self.process is not None
        try:
            code = self.process.wait(STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            self.kill()
            code = self.process.returncode
        return ContainerLost(
            "Runtime.ExitError", f"Runtime exited with error: exit status {code}", "error"
        )

    def request_stop(self) -> None:
        """Close stdin: an idle container exits at once. Safe from any thread."""
        with self._lock:
            self._stopped = True
            process = self.process
        if process and process.stdin:
            try:
                process.stdin.close()
            except OSError:
                pass

    def kill(self) -> None:
        """Stop now (SIGKILL) and reap the process. Safe from any thread."""
        with self._lock:
            self._stopped = True
            process = self.process
        if process and process.poll() is None:
            process.kill()
        if process:
            process.wait()

    def stop(self, grace: float = STOP_GRACE_SECONDS) -> None:
        self.request_stop()
        if self.process:
            try:
                self.process.wait(grace)
            except subprocess.TimeoutExpired:
                self.kill()

    def close(self) -> None:
        """Stop the process and close its pipes; only for the container's current owner."""
        self.stop()
        if self.process and self.process.stdout:
            self.process.stdout.close()


def _forward_output(stream: IO[bytes], prefix: str, log: Log) -> None:
    with stream:
        for raw in stream:
            log(prefix + raw.decode(errors="replace").rstrip("\n"))
