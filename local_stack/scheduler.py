"""Schedules on one machine: EventBridge rate rules that invoke functions, e.g. keep-warm.

A schedule first fires `rate_seconds` after the scheduler starts (as a new rate
rule does), then every `rate_seconds`; a slow round does not queue up missed
ones. Targets are invoked one after the other. A failed target is logged and
the schedule carries on, as EventBridge does once its retries are spent.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from resources.definitions import ScheduleSpec
from resources.keep_warm import keep_warm_event

logger = logging.getLogger(__name__)


class Invokes(Protocol):
    """What a scheduler needs of a runtime."""

    def invoke(self, function_name: str, event: Any) -> Any: ...


@dataclass(frozen=True)
class Delivery:
    """One target's invocation by one schedule: its result, or the error it raised."""

    schedule: str
    target: str
    result: Any = None
    error: Exception | None = None


class Scheduler:
    """Fires each schedule's targets every `rate_seconds` on a background thread."""

    def __init__(
        self,
        runtime: Invokes,
        schedules: Sequence[ScheduleSpec],
        event_factory: Callable[[], dict[str, Any]] = keep_warm_event,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self._runtime = runtime
        self._schedules = tuple(schedules)
        self._event_factory = event_factory
        self._log = log or logger.info
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Scheduler:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def tick(self) -> list[Delivery]:
        """Fire every schedule now, whatever its rate."""
        return [delivery for spec in self._schedules for delivery in self.fire(spec)]

    def fire(self, spec: ScheduleSpec) -> list[Delivery]:
        """Invoke each of one schedule's targets with a fresh event."""
        deliveries = []
        for target in spec.targets:
            try:
                result = self._runtime.invoke(target, self._event_factory())
            except Exception as exc:
                self._log(f"schedule {spec.name}: {target} failed: {exc}")
                deliveries.append(Delivery(spec.name, target, error=exc))
            else:
                deliveries.append(Delivery(spec.name, target, result=result))
        return deliveries

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="scheduler", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()

    def _run(self) -> None:
        now = time.monotonic()
        due = {spec.name: now + spec.rate_seconds for spec in self._schedules}
        by_name = {spec.name: spec for spec in self._schedules}
        while due and not self._stopping.wait(max(0.0, min(due.values()) - time.monotonic())):
            now = time.monotonic()
            for name, when in list(due.items()):
                if when <= now:
                    self.fire(by_name[name])
                    rate = by_name[name].rate_seconds
                    finished = time.monotonic()
                    due[name] = when + rate * (1 + int((finished - when) // rate))
