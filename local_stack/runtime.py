"""A local Lambda runtime: containers per function, real cold and warm starts, idle reaping.

Each function runs in containers, one OS process each (`local_stack.container`).
A container imports its handler once, which is the cold start, and then serves
invocations warm, one at a time, until it has been idle `idle_timeout_seconds`.
A function has at most `reserved_concurrency` containers (or the `concurrency=`
override); when they are all busy, `invoke` waits for one to free up, as
Lambda's throttled event-source mappings do, rather than failing.

Decisions worth knowing:
- The most recently used idle container serves next (as in Lambda), so under
  light load the extra containers go cold and get reaped.
- A handler that raises leaves its container warm. A container that crashed,
  failed its init or outlived the function's timeout is killed; the next
  invocation is cold. Init has its own limit (`init_timeout_seconds`, 10 s as
  in Lambda); the function timeout covers the handler only.
- Memory Size is reported, not enforced. Max Memory Used is the container's
  peak RSS; after a timeout or a crash it is the last value the container sent.
- Billed Duration is the handler's duration rounded up to the millisecond.
- Containers get PYTHONPATH with the project root first, so handlers import
  the same code (tests included) wherever the runtime was started from.
- Handler output (stdout and stderr) is forwarded to `log`, prefixed with the
  function's name; the default `log` is this module's logger at INFO.
"""

from __future__ import annotations

import atexit
import logging
import math
import os
import random
import signal
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from local_stack.container import encode_frame
from local_stack.container_process import ContainerLost, ContainerProcess, Log, RuntimeStopped
from local_stack.scheduler import Scheduler
from resources.definitions import FunctionSpec

__all__ = [
    "ContainerCount",
    "FunctionError",
    "FunctionStats",
    "LambdaRuntime",
    "RuntimeStopped",
    "Scheduler",
]

Invoke = Callable[[dict[str, Any]], Any]

DEFAULT_INIT_TIMEOUT_SECONDS = 10.0
_PROJECT_ROOT = str(Path(__file__).resolve().parent.parent)
logger = logging.getLogger(__name__)


class FunctionError(Exception):
    """An invocation failed: the handler raised, or its container crashed or timed out."""

    def __init__(
        self,
        function_name: str,
        request_id: str,
        error_type: str,
        message: str,
        traceback: Sequence[str] = (),
    ) -> None:
        super().__init__(f"{function_name} failed: {error_type}: {message}")
        self.function_name = function_name
        self.request_id = request_id
        self.error_type = error_type
        self.message = message
        self.traceback = list(traceback)


@dataclass(frozen=True)
class FunctionStats:
    invocations: int
    cold_starts: int
    errors: int
    warm_containers: int
    peak_containers: int
    init_durations_ms: tuple[float, ...]
    warm_durations_ms: tuple[float, ...]


@dataclass(frozen=True)
class ContainerCount:
    live: int
    busy: int


@dataclass
class _Pool:
    """One function's containers: idle ones, a concurrency limit, and its statistics."""

    spec: FunctionSpec
    limit: int
    condition: threading.Condition = field(default_factory=threading.Condition)
    idle: list[ContainerProcess] = field(default_factory=list)
    live: set[ContainerProcess] = field(default_factory=set)
    closed: bool = False
    invocations: int = 0
    cold_starts: int = 0
    errors: int = 0
    peak: int = 0
    init_durations_ms: list[float] = field(default_factory=list)
    warm_durations_ms: list[float] = field(default_factory=list)

    def acquire(self) -> ContainerProcess:
        """A warm container if one is idle, else a new (unstarted) one, else wait."""
        with self.condition:
            while True:
                if self.closed:
                    raise RuntimeStopped("the runtime is shut down")
                while self.idle:
                    container = self.idle.pop()
                    if container.alive():
                        return container
                    self.live.discard(container)
                    container.close()
                if len(self.live) < self.limit:
                    container = ContainerProcess(self.spec)
                    self.live.add(container)
                    self.peak = max(self.peak, len(self.live))
                    return container
                self.condition.wait()

    def release(self, container: ContainerProcess, healthy: bool) -> None:
        with self.condition:
            keep = healthy and not self.closed
            if keep:
                container.last_used = time.monotonic()
                self.idle.append(container)
            else:
                self.live.discard(container)
            self.condition.notify()
        if not keep:
            container.close()

    def take_idle(self, idle_before: float) -> list[ContainerProcess]:
        """Remove the containers idle since before `idle_before` (monotonic)."""
        with self.condition:
            expired = [c for c in self.idle if c.last_used < idle_before]
            for container in expired:
                self.idle.remove(container)
                self.live.discard(container)
            if expired:
                self.condition.notify_all()
            return expired

    def close(self) -> tuple[list[ContainerProcess], list[ContainerProcess]]:
        """Refuse new work; hand back (idle, busy) containers."""
        with self.condition:
            self.closed = True
            idle = list(self.idle)
            busy = [c for c in self.live if c not in idle]
            self.idle.clear()
            self.live.clear()
            self.condition.notify_all()
            return idle, busy

    def record(
        self, cold: bool, init_ms: float | None, duration_ms: float | None, error: bool
    ) -> None:
        with self.condition:
            self.invocations += 1
            self.cold_starts += cold
            self.errors += error
            if init_ms is not None:
                self.init_durations_ms.append(init_ms)
            if duration_ms is not None and not cold:
                self.warm_durations_ms.append(duration_ms)

    def stats(self) -> FunctionStats:
        with self.condition:
            return FunctionStats(
                invocations=self.invocations,
                cold_starts=self.cold_starts,
                errors=self.errors,
                warm_containers=sum(1 for c in self.live if c.process is not None),
                peak_containers=self.peak,
                init_durations_ms=tuple(self.init_durations_ms),
                warm_durations_ms=tuple(self.warm_durations_ms),
            )

    def count(self) -> ContainerCount:
        with self.condition:
            return ContainerCount(live=len(self.live), busy=len(self.live) - len(self.idle))


class LambdaRuntime:
    """Runs functions in warm-able containers; use it as a context manager."""

    def __init__(
        self,
        functions: Sequence[FunctionSpec],
        env: Mapping[str, str],
        idle_timeout_seconds: float = 300,
        log: Log | None = None,
        concurrency: dict[str, int] | None = None,
        init_timeout_seconds: float = DEFAULT_INIT_TIMEOUT_SECONDS,
    ) -> None:
        limits = {spec.name: spec.reserved_concurrency for spec in functions}
        for name, limit in (concurrency or {}).items():
            if name not in limits or limit < 1:
                raise ValueError(f"bad concurrency override {name}={limit}")
            limits[name] = limit
        self._pools = {spec.name: _Pool(spec, limits[spec.name]) for spec in functions}
        self._env = dict(env)
        self._idle_timeout = idle_timeout_seconds
        self._init_timeout = init_timeout_seconds
        self._log: Log = log or logger.info
        self._stopping = threading.Event()
        self._reaper = threading.Thread(
            target=self._reap_forever, name="lambda-reaper", daemon=True
        )
        self._reaper.start()
        atexit.register(self.shutdown)

    def __enter__(self) -> LambdaRuntime:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.shutdown()

    def invoker(self, function_name: str) -> Invoke:
        """A one-argument callable for event sources: `invoker(name)(event)`."""
        self._pool(function_name)
        return lambda event: self.invoke(function_name, event)

    def invoke(self, function_name: str, event: Any) -> Any:
        """Run the function on the event and return its result (RequestResponse)."""
        pool = self._pool(function_name)
        spec = pool.spec
        request_id = str(uuid.uuid4())
        frame = encode_frame(
            {"request_id": request_id, "event": event, "timeout_ms": spec.timeout_seconds * 1000}
        )
        container = pool.acquire()
        cold = container.process is None
        init_ms: float | None = None
        sent = time.monotonic()
        try:
            if cold:
                init_ms = container.start(self._container_env(spec), self._log, self._init_timeout)
            sent = time.monotonic()
            response = container.call(frame, sent + spec.timeout_seconds)
        except ContainerLost as lost:
            pool.release(container, healthy=False)
            elapsed_ms = (time.monotonic() - sent) * 1000
            message = lost.message
            if lost.error_type == "Sandbox.Timedout":
                elapsed_ms = spec.timeout_seconds * 1000.0
                message = f"Task timed out after {spec.timeout_seconds:.2f} seconds"
            pool.record(cold, init_ms, None, error=True)
            status = f"Status: {lost.status} Error Type: {lost.error_type}"
            self._report(request_id, container, elapsed_ms, init_ms, status)
            raise FunctionError(function_name, request_id, lost.error_type, message) from None
        except BaseException:
            pool.release(container, healthy=False)
            raise
        pool.release(container, healthy=True)
        pool.record(cold, init_ms, response["duration_ms"], error=not response["ok"])
        self._report(request_id, container, response["duration_ms"], init_ms)
        if not response["ok"]:
            error = response["error"]
            raise FunctionError(
                function_name, request_id, error["type"], error["message"], error["traceback"]
            )
        return response["result"]

    def stats(self) -> dict[str, FunctionStats]:
        return {name: pool.stats() for name, pool in self._pools.items()}

    def containers(self) -> dict[str, ContainerCount]:
        return {name: pool.count() for name, pool in self._pools.items()}

    def kill_random_container(self, function_name: str) -> int | None:
        """SIGKILL one of the function's running containers, busy or idle (fault injection).

        Returns the killed process id, or None when no container was running. The
        runtime finds out as it would after any crash: its invocation fails, or the
        container is found dead when next acquired.
        """
        pool = self._pool(function_name)
        with pool.condition:
            running = [c.process for c in pool.live if c.process and c.process.poll() is None]
        if not running:
            return None
        process = random.choice(running)
        try:
            os.kill(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            return None
        return process.pid

    def update_env(self, changes: Mapping[str, str | None]) -> None:
        """Set (or with None, remove) variables of containers started from now on.

        Running containers keep their environment; `reap_idle(0)` retires the idle ones.
        """
        for name, value in changes.items():
            if value is None:
                self._env.pop(name, None)
            else:
                self._env[name] = value

    def reap_idle(self, idle_for: float | None = None) -> int:
        """Stop the containers idle longer than `idle_for` (default: the idle timeout).

        Returns how many were stopped; `reap_idle(0)` stops every idle container.
        """
        idle_before = time.monotonic() - (self._idle_timeout if idle_for is None else idle_for)
        expired = [c for pool in self._pools.values() for c in pool.take_idle(idle_before)]
        for container in expired:
            container.close()
        return len(expired)

    def shutdown(self) -> None:
        """Stop every container and the reaper; invocations waiting or running fail."""
        if self._stopping.is_set():
            return
        self._stopping.set()
        atexit.unregister(self.shutdown)
        idle: list[ContainerProcess] = []
        busy: list[ContainerProcess] = []
        for pool in self._pools.values():
            pool_idle, pool_busy = pool.close()
            idle += pool_idle
            busy += pool_busy
        for container in busy:
            container.kill()  # its invoker sees the crash and closes the pipes
        for container in idle:
            container.request_stop()
        for container in idle:
            container.close()
        if self._reaper is not threading.current_thread():
            self._reaper.join()

    def _pool(self, function_name: str) -> _Pool:
        try:
            return self._pools[function_name]
        except KeyError:
            raise KeyError(f"no function named {function_name!r} in this runtime") from None

    def _container_env(self, spec: FunctionSpec) -> dict[str, str]:
        env = {**os.environ, **self._env}
        region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1"
        python_path = [_PROJECT_ROOT, *filter(None, [env.get("PYTHONPATH")])]
        env.update(
            {
                "AWS_LAMBDA_FUNCTION_NAME": spec.name,
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
                "AWS_LAMBDA_FUNCTION_TIMEOUT": str(spec.timeout_seconds),
                "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
                "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec.name}",
                "_HANDLER": spec.handler,
                "AWS_REGION": region,
                "AWS_DEFAULT_REGION": env.get("AWS_DEFAULT_REGION") or region,
                "PYTHONPATH": os.pathsep.join(python_path),
                "PYTHONUNBUFFERED": "1",
            }
        )
        return env

    def _report(
        self,
        request_id: str,
        container: ContainerProcess,
        duration_ms: float,
        init_ms: float | None,
        status: str = "",
    ) -> None:
        spec = container.spec
        line = (
            f"REPORT RequestId: {request_id} Function: {spec.name}"
            f" Duration: {duration_ms:.2f} ms Billed Duration: {math.ceil(duration_ms)} ms"
            f" Memory Size: {spec.memory_mb} MB Max Memory Used: {container.max_memory_mb} MB"
        )
        if init_ms is not None:
            line += f" Init Duration: {init_ms:.2f} ms"
        if status:
            line += f" {status}"
        self._log(line)

    def _reap_forever(self) -> None:
        interval = min(max(self._idle_timeout / 4, 0.05), 5.0)
        while not self._stopping.wait(interval):
            self.reap_idle()
