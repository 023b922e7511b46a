"""A local Lambda runtime: containers per function, real cold and warm starts, idle reaping.

Each function runs in containers, one OS process each (`local_stack.container`).
A container imports its handler once, which is the cold start, and then serves
invocations warm, one at a time, until it has been idle `idle_timeout_seconds`.
A function has at most `reserved_concurrency` containers (or the `concurrency=`
override); when they are all busy, `invoke` waits for one to free up, as
Lambda's throttled event-source mappings do, rather than failing.

A function with `provisioned_concurrency` N keeps at least N live containers,
as Lambda's provisioned concurrency does: N are initialised in the background
as the runtime starts, one lost (crashed, timed out, failed its init, killed)
or retired is replaced in the background, and the idle reaper never takes the
count below N. An invocation served by one of them is warm: only invocations
that had to initialise their container count as cold starts. (An idle
container that dies is noticed by the reaper's next pass, within 5 s, or by
the next invocation.)

Decisions worth knowing:
- The most recently used idle container serves next (as in Lambda), so under
  light load the extra containers go cold and get reaped.
- Provisioned containers are not a separate kind: N is a floor under the live
  count, whichever containers make it up. While they initialise, an invocation
  with no idle container starts its own (cold) one if the limit allows, as
  Lambda spills over to on-demand environments; at the limit it waits, and the
  first container ready serves it. A concurrency override below N lowers N.
- Their inits are recorded apart (`provisioned_init_durations_ms`), not as cold
  starts, and logged as an `INIT_REPORT` line. An init that fails is retried
  with a growing delay (0.5 s, doubling, at most 30 s), so a broken handler
  does not spin.
- `update_env` marks every live container stale and provisions fresh ones at
  once (as far as the limit allows), as publishing a new version does; stale
  containers do not count towards N, are retired by `reap_idle(0)` or the idle
  timeout, and one still initialising is retired as soon as it is ready.
- A handler that raises leaves its container warm. A container that crashed,
  failed its init or outlived the function's timeout is killed; the next
  invocation is cold unless another container is idle (with provisioned
  concurrency, one is, while the lost one's replacement initialises). Init
  has its own limit (`init_timeout_seconds`, 10 s as in Lambda); the function
  timeout covers the handler only.
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
#: The delay before a failed provisioned init is retried: the first, and the most.
PROVISION_RETRY_SECONDS = 0.5
PROVISION_RETRY_MAX_SECONDS = 30.0
_JOIN_SECONDS = 5.0
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
    #: Invocations that had to initialise their container first.
    cold_starts: int
    errors: int
    #: Initialised containers, idle or busy.
    warm_containers: int
    peak_containers: int
    #: One per cold start.
    init_durations_ms: tuple[float, ...]
    warm_durations_ms: tuple[float, ...]
    #: How many containers the runtime keeps initialised for the function.
    provisioned_concurrency: int = 0
    #: One per container initialised in advance (not on any invocation's path).
    provisioned_init_durations_ms: tuple[float, ...] = ()


@dataclass(frozen=True)
class ContainerCount:
    #: Every container the function holds: initialising, idle or busy.
    live: int
    #: Serving an invocation (a cold start included).
    busy: int
    #: Being initialised in advance for provisioned concurrency.
    initialising: int = 0

    @property
    def warm(self) -> int:
        """In service, idle or busy: every live container but those still initialising."""
        return self.live - self.initialising


@dataclass
class _Pool:
    """One function's containers: idle ones, a concurrency limit, a floor, and its statistics."""

    spec: FunctionSpec
    limit: int
    #: Live containers to keep, fresh ones only (provisioned concurrency).
    provisioned: int = 0
    condition: threading.Condition = field(default_factory=threading.Condition)
    idle: list[ContainerProcess] = field(default_factory=list)
    live: set[ContainerProcess] = field(default_factory=set)
    #: Live containers being initialised in advance, not yet serving.
    initialising: set[ContainerProcess] = field(default_factory=set)
    #: Live containers started before the last environment change.
    stale: set[ContainerProcess] = field(default_factory=set)
    closed: bool = False
    #: Advance inits that failed in a row, and when (monotonic) to try the next.
    failed_inits: int = 0
    retry_at: float = 0.0
    invocations: int = 0
    cold_starts: int = 0
    errors: int = 0
    peak: int = 0
    init_durations_ms: list[float] = field(default_factory=list)
    warm_durations_ms: list[float] = field(default_factory=list)
    provisioned_init_durations_ms: list[float] = field(default_factory=list)

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
                    self._forget(container)
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
                self._forget(container)
            self.condition.notify()
        if not keep:
            container.close()

    def take_idle(self, idle_before: float) -> list[ContainerProcess]:
        """Remove the idle containers that died, and those idle since before `idle_before`.

        Stale containers go whenever they are expired; fresh ones only while more
        than `provisioned` fresh ones stay live, least recently used first.
        """
        with self.condition:
            dead = [c for c in self.idle if not c.alive()]
            expired = sorted(
                (c for c in self.idle if c.last_used < idle_before and c not in dead),
                key=lambda c: c.last_used,
            )
            fresh = len(self.live - self.stale) - sum(1 for c in dead if c not in self.stale)
            taken = list(dead)
            for container in expired:
                if container in self.stale:
                    taken.append(container)
                elif fresh > self.provisioned:
                    taken.append(container)
                    fresh -= 1
            for container in taken:
                self.idle.remove(container)
                self._forget(container)
            if taken:
                self.condition.notify_all()
            return taken

    def reserve_provisioned(self) -> list[ContainerProcess]:
        """New (unstarted) containers that bring the fresh live count up to `provisioned`.

        They count as live, and as initialising, from now on; the limit still holds.
        """
        with self.condition:
            if self.closed or time.monotonic() < self.retry_at:
                return []
            missing = self.provisioned - len(self.live - self.stale)
            count = max(0, min(missing, self.limit - len(self.live)))
            containers = [ContainerProcess(self.spec) for _ in range(count)]
            self.live.update(containers)
            self.initialising.update(containers)
            self.peak = max(self.peak, len(self.live))
            return containers

    def put_in_service(self, container: ContainerProcess, init_ms: float) -> bool:
        """A container initialised in advance starts serving; False when it must go instead.

        It must go if the runtime shut down or the environment changed during its init.
        """
        with self.condition:
            self.failed_inits, self.retry_at = 0, 0.0
            self.initialising.discard(container)
            serve = not self.closed and container not in self.stale
            if serve:
                container.last_used = time.monotonic()
                self.idle.append(container)
                self.provisioned_init_durations_ms.append(init_ms)
            else:
                self._forget(container)
            self.condition.notify()
            return serve

    def init_failed(self, container: ContainerProcess) -> float:
        """Forget a container whose advance init failed; the delay before trying again."""
        with self.condition:
            self._forget(container)
            self.failed_inits += 1
            self.condition.notify()
            delay = min(
                PROVISION_RETRY_SECONDS * 2 ** (self.failed_inits - 1), PROVISION_RETRY_MAX_SECONDS
            )
            self.retry_at = time.monotonic() + delay
            return float(delay)

    def retry_in(self) -> float:
        """Seconds until advance inits may be tried again (0: now)."""
        with self.condition:
            return max(0.0, self.retry_at - time.monotonic())

    def mark_stale(self) -> None:
        with self.condition:
            self.stale = set(self.live)

    def _forget(self, container: ContainerProcess) -> None:
        """Drop a container that no longer counts as live (the caller holds the lock)."""
        self.live.discard(container)
        self.initialising.discard(container)
        self.stale.discard(container)

    def close(self) -> tuple[list[ContainerProcess], list[ContainerProcess]]:
        """Refuse new work; hand back (idle, busy) containers."""
        with self.condition:
            self.closed = True
            idle = list(self.idle)
            busy = [c for c in self.live if c not in idle]
            self.idle.clear()
            self.live.clear()
            self.initialising.clear()
            self.stale.clear()
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
                warm_containers=sum(
                    1 for c in self.live if c.process is not None and c not in self.initialising
                ),
                peak_containers=self.peak,
                init_durations_ms=tuple(self.init_durations_ms),
                warm_durations_ms=tuple(self.warm_durations_ms),
                provisioned_concurrency=self.provisioned,
                provisioned_init_durations_ms=tuple(self.provisioned_init_durations_ms),
            )

    def count(self) -> ContainerCount:
        with self.condition:
            return ContainerCount(
                live=len(self.live),
                busy=len(self.live) - len(self.idle) - len(self.initialising),
                initialising=len(self.initialising),
            )


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
        self._pools = {
            spec.name: _Pool(
                spec, limits[spec.name], min(spec.provisioned_concurrency, limits[spec.name])
            )
            for spec in functions
        }
        self._env = dict(env)
        self._idle_timeout = idle_timeout_seconds
        self._init_timeout = init_timeout_seconds
        self._log: Log = log or logger.info
        self._stopping = threading.Event()
        self._provisioners: set[threading.Thread] = set()
        self._provisioners_lock = threading.Lock()
        self._reaper = threading.Thread(
            target=self._reap_forever, name="lambda-reaper", daemon=True
        )
        self._reaper.start()
        atexit.register(self.shutdown)
        for pool in self._pools.values():
            self._provision(pool)

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
        self._provision(pool)  # acquiring may have found idle containers dead
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
            self._provision(pool)
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
            self._provision(pool)
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

        Running containers keep their environment; `reap_idle(0)` retires the idle
        ones. Functions with provisioned concurrency get fresh containers at once, as
        far as their limit allows, and the rest once the old ones are retired.
        """
        for name, value in changes.items():
            if value is None:
                self._env.pop(name, None)
            else:
                self._env[name] = value
        for pool in self._pools.values():
            pool.mark_stale()
            self._provision(pool)

    def reap_idle(self, idle_for: float | None = None) -> int:
        """Stop the containers idle longer than `idle_for` (default: the idle timeout).

        Returns how many were stopped; `reap_idle(0)` stops every idle container but
        the fresh ones a function's provisioned concurrency keeps. Idle containers
        found dead are cleared away (and counted) too.
        """
        idle_before = time.monotonic() - (self._idle_timeout if idle_for is None else idle_for)
        expired: list[ContainerProcess] = []
        for pool in self._pools.values():
            expired += pool.take_idle(idle_before)
            self._provision(pool)
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
        with self._provisioners_lock:
            provisioners = list(self._provisioners)
        for thread in provisioners:
            if thread is not threading.current_thread():
                thread.join(_JOIN_SECONDS)

    def _provision(self, pool: _Pool) -> None:
        """Start initialising, in the background, the containers the pool lacks."""
        if pool.provisioned == 0 or self._stopping.is_set():
            return
        # Held while reserving and starting, so that `shutdown` sees every thread.
        with self._provisioners_lock:
            for container in pool.reserve_provisioned():
                thread = threading.Thread(
                    target=self._initialise,
                    args=(pool, container),
                    name=f"lambda-provision-{pool.spec.name}",
                    daemon=True,
                )
                self._provisioners.add(thread)
                thread.start()

    def _initialise(self, pool: _Pool, container: ContainerProcess) -> None:
        """One provisioned container's init; on failure, try again after a delay."""
        name = pool.spec.name
        try:
            try:
                init_ms = container.start(
                    self._container_env(pool.spec), self._log, self._init_timeout
                )
            except (ContainerLost, RuntimeStopped) as failure:
                delay = pool.init_failed(container)
                container.close()
                if isinstance(failure, ContainerLost) and not self._stopping.is_set():
                    self._log(
                        f"INIT_REPORT Function: {name} Provisioned Status: {failure.status}"
                        f" Error Type: {failure.error_type} Retry In: {delay:.1f} s"
                    )
                    while not self._stopping.wait(pool.retry_in()):
                        if pool.retry_in() == 0:
                            self._provision(pool)
                            break
                return
            if pool.put_in_service(container, init_ms):
                self._log(
                    f"INIT_REPORT Function: {name} Provisioned Init Duration: {init_ms:.2f} ms"
                )
            else:
                container.close()
                self._provision(pool)
        finally:
            with self._provisioners_lock:
                self._provisioners.discard(threading.current_thread())

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
