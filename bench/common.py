"""What every benchmark shares: results, request counting, progress, a provisioned moto."""

from __future__ import annotations

import operator
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import boto3

from local_stack.moto_server import running_moto
from resources.definitions import Naming
from resources.provision import provision

_OPS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "<": operator.lt,
    ">": operator.gt,
}


#: `boto3.client` for a service named at run time (its stubs type only literal names).
any_client: Callable[..., Any] = boto3.client


@dataclass
class Result:
    """A benchmark's figure, its target, notes for people and, optionally, the raw samples.

    `samples` maps a series name to its values (say `latency_ms` to one value
    per command); `bench.charts` draws from them, and results.json keeps them so
    the charts can be redrawn without running the benchmark again.
    """

    id: str
    value: float
    unit: str
    target_op: str | None = None
    target: float | None = None
    notes: list[str] = field(default_factory=list)
    samples: dict[str, list[float]] = field(default_factory=dict)

    @property
    def met(self) -> bool | None:
        if self.target_op is None or self.target is None:
            return None
        return _OPS[self.target_op](self.value, self.target)

    def line(self) -> str:
        target = f"target {self.target_op} {self.target:g}" if self.target_op else "target none yet"
        return f"bench: {self.id} = {figure(self.value)} {self.unit} ({target})"


def figure(value: float) -> str:
    """A figure as people read it: 36,390 rather than 3.64e+04; 0.983 rather than 0.98321."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"


class RequestCounter:
    """Counts the AWS requests a boto3 client makes, by operation (botocore's event hooks)."""

    def __init__(self) -> None:
        self.by_operation: Counter[str] = Counter()

    def attach(self, client: Any) -> Any:
        client.meta.events.register("before-call", self._count)
        return client

    def _count(self, event_name: str, **_: Any) -> None:
        # event_name is "before-call.<service>.<Operation>"
        self.by_operation[event_name.split(".", 1)[1]] += 1

    @property
    def total(self) -> int:
        return sum(self.by_operation.values())

    def reset(self) -> None:
        self.by_operation.clear()


class Progress:
    """A one-line progress bar on stderr, so long runs show they are alive."""

    def __init__(self, label: str, total: int) -> None:
        self.label, self.total, self.done = label, total, 0
        self._last = 0.0

    def advance(self, step: int = 1) -> None:
        self.done += step
        now = time.monotonic()
        if now - self._last > 0.2 or self.done >= self.total:
            self._last = now
            width = 30
            filled = int(width * self.done / max(self.total, 1))
            sys.stderr.write(
                f"\r  {self.label:<28} [{'#' * filled}{'.' * (width - filled)}] "
                f"{self.done:,}/{self.total:,}"
            )
            if self.done >= self.total:
                sys.stderr.write("\n")
            sys.stderr.flush()


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


class BenchContext:
    """The Lambda context a handler gets when a benchmark calls it in-process."""

    function_name = "retake-bench"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:retake-bench"
    aws_request_id = "bench"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


@dataclass
class Moto:
    endpoint: str
    naming: Naming
    created: dict[str, str]

    def container_env(self, **extra: str) -> dict[str, str]:
        """The environment of a function container talking to this moto, quietly."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "RETAKE_NAME_PREFIX": self.naming.prefix,
            "POWERTOOLS_LOG_LEVEL": "WARNING",
            "POWERTOOLS_METRICS_DISABLED": "true",
            **extra,
        }

    def client(self, service: str, counter: RequestCounter | None = None) -> Any:
        client = any_client(service, region_name="us-east-1")
        return counter.attach(client) if counter else client


@contextmanager
def provisioned_moto(prefix: str = "bench") -> Iterator[Moto]:
    """A moto server with Retake's tables and queues, boto3 pointed at it."""
    with running_moto() as moto:
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        sqs = boto3.client("sqs", region_name="us-east-1")
        naming = Naming(prefix)
        created = provision(dynamodb, sqs, naming)
        yield Moto(moto.endpoint, naming, created)
