"""The local stack's admin API: a little JSON on loopback for `retake status` and `retake stats`.

    GET /status  each queue's depth and its DLQ's, containers per function (warm,
                 initialising, busy), failures
    GET /stats   per function: invocations, cold starts, init and warm durations
    GET /health  whether a stack answers at all

It is read-only and listens on loopback only: it is for whoever runs the stack.
Its URL is written to `stack.json`, which is how the `retake` command finds it.
"""

from __future__ import annotations

import json
import logging
import math
import statistics
from collections.abc import Callable, Mapping, Sequence
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any

from local_stack.http_server import BackgroundHttpServer
from local_stack.mappings import EventSourceMappings
from local_stack.runtime import ContainerCount, FunctionStats, LambdaRuntime
from resources.definitions import QUEUES, Naming, QueueSpec

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

logger = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"
Report = Callable[[], dict[str, Any]]


def percentile(values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile: the smallest value with `fraction` of them at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def summary(values: Sequence[float]) -> dict[str, float] | None:
    """Median and p95 in milliseconds, or None when nothing was measured."""
    if not values:
        return None
    return {
        "count": len(values),
        "median": round(statistics.median(values), 2),
        "p95": round(percentile(values, 0.95), 2),
    }


def stats_report(runtime: LambdaRuntime) -> dict[str, Any]:
    """Per function: invocations, cold starts, errors, init (cold) and warm durations."""
    return {
        "functions": [
            {
                "name": name,
                "invocations": stats.invocations,
                "cold_starts": stats.cold_starts,
                "errors": stats.errors,
                "peak_containers": stats.peak_containers,
                "init_ms": summary(stats.init_durations_ms),
                "warm_ms": summary(stats.warm_durations_ms),
            }
            for name, stats in runtime.stats().items()
        ]
    }


class QueueDepths:
    """Visible and in-flight messages of every queue of `resources.definitions` and its DLQ."""

    def __init__(self, sqs: SQSClient, naming: Naming, queues: Sequence[QueueSpec] = QUEUES):
        self.sqs = sqs
        self.naming = naming
        self.queues = tuple(queues)
        self._urls: dict[str, str] = {}

    def report(self) -> list[dict[str, Any]]:
        return [
            {
                "name": spec.name,
                **self._depth(self.naming.queue(spec)),
                "dlq": self._depth(self.naming.dlq(spec)) if spec.dlq else None,
            }
            for spec in self.queues
        ]

    def _depth(self, physical_name: str) -> dict[str, Any]:
        url = self._urls.get(physical_name)
        if url is None:
            url = self._urls[physical_name] = self.sqs.get_queue_url(QueueName=physical_name)[
                "QueueUrl"
            ]
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return {
            "queue": physical_name,
            "visible": int(attributes.get("ApproximateNumberOfMessages", 0)),
            "in_flight": int(attributes.get("ApproximateNumberOfMessagesNotVisible", 0)),
        }


def functions_report(
    counts: Mapping[str, ContainerCount], stats: Mapping[str, FunctionStats]
) -> list[dict[str, Any]]:
    """Per function: warm containers (busy ones among them), those initialising, and counts.

    A provisioned container is not warm until its init is done: until then it
    counts as initialising only.
    """
    return [
        {
            "name": name,
            "warm": count.warm,
            "initialising": count.initialising,
            "busy": count.busy,
            "invocations": stats[name].invocations,
            "errors": stats[name].errors,
        }
        for name, count in counts.items()
    ]


def status_report(
    runtime: LambdaRuntime, mappings: EventSourceMappings, depths: QueueDepths
) -> dict[str, Any]:
    """Queue depths, containers and counts per function, and every poller's errors."""
    return {
        "queues": depths.report(),
        "functions": functions_report(runtime.containers(), runtime.stats()),
        "pollers": [
            {
                "name": poller.name,
                "received": poller.received,
                "errors": poller.errors,
                "last_error": poller.last_error,
            }
            for poller in mappings.pollers
        ],
    }


class AdminServer:
    """The admin API on `url` (loopback), serving the reports of one running stack."""

    def __init__(
        self,
        runtime: LambdaRuntime,
        mappings: EventSourceMappings,
        sqs: SQSClient,
        naming: Naming,
        port: int = 0,
    ) -> None:
        depths = QueueDepths(sqs, naming)
        routes: dict[str, Report] = {
            "/health": lambda: {"status": "up"},
            "/status": lambda: status_report(runtime, mappings, depths),
            "/stats": lambda: stats_report(runtime),
        }
        self._http = BackgroundHttpServer(_handler_for(routes), LOOPBACK, port, "admin-api")

    @property
    def url(self) -> str:
        return self._http.url

    def start(self) -> AdminServer:
        self._http.start_serving()
        return self

    def stop(self) -> None:
        self._http.stop()


def _handler_for(routes: Mapping[str, Report]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "retake-admin"

        def do_GET(self) -> None:
            report = routes.get(self.path.split("?", 1)[0].rstrip("/") or "/")
            if report is None:
                self._answer(404, {"error": f"no such report: {self.path}"})
                return
            try:
                body = report()
            except Exception as error:  # the caller sees why; the stack carries on
                logger.exception("admin %s failed", self.path)
                self._answer(500, {"error": f"{type(error).__name__}: {error}"})
                return
            self._answer(200, body)

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            logger.debug("admin: " + format, *args)

    return Handler
