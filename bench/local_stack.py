"""Local-stack benchmarks: cold vs warm, end-to-end latency, consumer scaling, start-up time."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import replace
from pathlib import Path
from typing import Any
from uuid import uuid4

import boto3

from bench.common import Progress, Result, median, percentile, provisioned_moto
from resources.definitions import FUNCTIONS, WORKER, FunctionSpec

ROOT = Path(__file__).resolve().parent.parent
BARE = FunctionSpec("bare", "bench.lambdas.bare.handler", reserved_concurrency=1)


def cold_vs_warm(colds: int = 5, warms: int = 50) -> Result:
    """Per function: median init (cold) and warm durations, from the runtime's REPORTs."""
    from local_stack.runtime import LambdaRuntime
    from resources.keep_warm import keep_warm_event

    # Cold starts are what is measured: no function keeps provisioned containers here.
    functions = [replace(spec, provisioned_concurrency=0) for spec in (*FUNCTIONS, BARE)]
    progress = Progress("cold and warm invocations", len(functions) * (colds + warms))
    with provisioned_moto() as moto:
        env = moto.container_env()
        with LambdaRuntime(functions, env, idle_timeout_seconds=3600, log=lambda _: None) as rt:
            # Rounds alternate between functions, so machine noise falls on all alike.
            for _ in range(colds):
                for spec in functions:
                    rt.invoke(spec.name, keep_warm_event())
                    progress.advance()
                rt.reap_idle(0)
            for spec in functions:
                rt.invoke(spec.name, keep_warm_event())
            for _ in range(warms):
                for spec in functions:
                    rt.invoke(spec.name, keep_warm_event())
                    progress.advance()
            stats = rt.stats()
    rows = []
    for spec in functions:
        s = stats[spec.name]
        rows.append(
            f"{spec.name}: init median {median(s.init_durations_ms):.0f} ms, "
            f"warm median {median(s.warm_durations_ms):.2f} ms"
        )
    worker_init = median(stats[WORKER.name].init_durations_ms)
    bare_init = median(stats[BARE.name].init_durations_ms)
    return Result(
        "cold-vs-warm",
        worker_init / bare_init,
        "x the bare handler's init (worker)",
        "<=",
        1.5,
        notes=[
            f"worker cold init {worker_init:.0f} ms vs {bare_init:.0f} ms for a bare handler "
            "that only imports boto3 and creates the same DynamoDB client, medians of "
            f"{len(stats[WORKER.name].init_durations_ms)} cold starts each (the first warm "
            "call after the last round starts one more), measured in alternating rounds",
            *rows,
            "warm = a keep-warm ping served by a warm container (the handler's own time)",
        ],
        samples={
            f"{spec.name}.{kind}_ms": list(durations)
            for spec in functions
            for kind, durations in (
                ("init", stats[spec.name].init_durations_ms),
                ("warm", stats[spec.name].warm_durations_ms),
            )
        },
    )


def _sign_in(info: Any, username: str = "alice") -> str:
    cognito = boto3.client(
        "cognito-idp",
        region_name="us-east-1",
        endpoint_url=info.endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    result = cognito.initiate_auth(
        ClientId=info.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": "Retake-demo-1"},
    )
    token: str = result["AuthenticationResult"]["IdToken"]
    return token


def _http(api: str, method: str, path: str, token: str, body: Any = None) -> tuple[int, Any]:
    request = urllib.request.Request(
        api + path,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Content-Type": "application/json", "Authorization": token},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


@contextmanager
def _quiet_stack() -> Iterator[Any]:
    """A whole local stack in a scratch folder, nothing kept warm or saved; its StackInfo."""
    from local_stack.stack import LocalStack, StackConfig

    with tempfile.TemporaryDirectory() as folder:
        stack = LocalStack(
            StackConfig(
                data_dir=Path(folder), moto_port=0, api_port=0, site_port=0,
                keep_warm=False, persist=False,
            )
        )  # fmt: skip
        try:
            yield stack.start()
        finally:
            stack.stop()


def e2e_latency(seconds: float = 30.0, rate: float = 10.0, poll_every: float = 0.1) -> Result:
    """POST to `projected: true` through the local stack over HTTP, at a steady rate."""
    with _quiet_stack() as info:
        token = _sign_in(info)
        albums = []
        for number in range(10):
            _, created = _http(info.api_url, "POST", "/albums", token, {"title": f"A{number}"})
            albums.append(created["album_id"])
            _wait_projected(info.api_url, token, created["command_id"], poll_every)
        latencies: list[float] = []
        lock = threading.Lock()
        total = int(seconds * rate)
        progress = Progress(f"PATCH at {rate:g}/s", total)

        def one(number: int) -> None:
            started = time.monotonic()
            status, accepted = _http(
                info.api_url, "PATCH", f"/albums/{albums[number % len(albums)]}", token,
                {"title": f"T{number}"},
            )  # fmt: skip
            if status == 202 and _wait_projected(
                info.api_url, token, accepted["command_id"], poll_every
            ):
                with lock:
                    latencies.append((time.monotonic() - started) * 1000)
            progress.advance()

        threads = []
        begin = time.monotonic()
        for number in range(total):
            time.sleep(max(0.0, begin + number / rate - time.monotonic()))
            thread = threading.Thread(target=one, args=(number,))
            thread.start()
            threads.append(thread)
        for thread in threads:
            thread.join(60)
    p50, p95 = percentile(latencies, 0.5), percentile(latencies, 0.95)
    return Result(
        "e2e-latency",
        p95,
        "ms p95",
        "<=",
        1000,
        notes=[
            f"p50 {p50:.0f} ms (target <= 300), p95 {p95:.0f} ms (target <= 1,000), "
            f"{len(latencies)} of {total} PATCH /albums/{{id}} at {rate:g}/s for {seconds:g} s",
            "from sending the POST/PATCH to reading `projected: true` (polled every "
            f"{poll_every * 1000:.0f} ms) through the gateway, Cognito check, API, SQS FIFO, "
            "worker, DynamoDB stream, publisher, SNS, projections queue and projector, each "
            "function in its own warm container",
            f"p50_ms={p50:.1f}",
        ],
        samples={"latency_ms": latencies},
    )


def same_aggregate_latency(rounds: int = 6, steps: int = 5, poll_every: float = 0.025) -> Result:
    """Back-to-back renames of one album, each sent once the previous is projected.

    Rounds alternate between moto's FIFO receive as patched and as released
    (`local_stack.moto_patches.released_fifo_receive`), in one stack, so the
    machine's noise falls on both alike.
    """
    from local_stack.moto_patches import released_fifo_receive

    latencies: dict[str, list[float]] = {"patched": [], "released": []}
    progress = Progress("back-to-back renames of one album", rounds * 2 * steps)
    with _quiet_stack() as info:
        token = _sign_in(info)
        _, created = _http(info.api_url, "POST", "/albums", token, {"title": "Paris"})
        _wait_projected(info.api_url, token, created["command_id"], poll_every)
        album = created["album_id"]
        number = 0
        for _ in range(rounds):
            for kind in ("patched", "released"):
                receive = released_fifo_receive() if kind == "released" else nullcontext()
                with receive:
                    # The first rename of a round goes unmeasured: a long poll that
                    # began before the switch still runs the other receive.
                    for step in range(steps + 1):
                        number += 1
                        started = time.monotonic()
                        status, accepted = _http(
                            info.api_url, "PATCH", f"/albums/{album}", token,
                            {"title": f"Paris {number}"},
                        )  # fmt: skip
                        projected = status == 202 and _wait_projected(
                            info.api_url, token, accepted["command_id"], poll_every
                        )
                        if projected and step > 0:
                            latencies[kind].append((time.monotonic() - started) * 1000)
                        if step > 0:
                            progress.advance()
    patched, released = latencies["patched"], latencies["released"]
    p50, p95 = percentile(patched, 0.5), percentile(patched, 0.95)
    released_p50 = percentile(released, 0.5)
    return Result(
        "same-aggregate-latency",
        p50,
        "ms p50",
        "<=",
        200,
        notes=[
            f"p50 {p50:.0f} ms, p95 {p95:.0f} ms (targets <= 200 and <= 300) over "
            f"{len(patched)} renames of one album, each sent once the previous read "
            f"`projected: true` (polled every {poll_every * 1000:.0f} ms)",
            f"moto's FIFO receive as released, in alternating rounds of the same run: "
            f"p50 {released_p50:.0f} ms, p95 {percentile(released, 0.95):.0f} ms "
            f"({released_p50 / p50:.1f}x the patched p50): a long poll that began while the "
            "album's previous command was in flight skipped its next one until the wait ended",
            f"p95_ms={p95:.1f}",
        ],
        samples={"patched_ms": patched, "released_ms": released},
    )


def _wait_projected(api: str, token: str, command_id: str, every: float) -> bool:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status, record = _http(api, "GET", f"/commands/{command_id}", token)
        if status == 200 and record.get("projected"):
            return True
        time.sleep(every)
    return False


def consumer_scaling(commands: int = 240, latency_ms: int = 50) -> Result:
    """Commands per second with 1, 2, 4 and 8 worker containers, AWS calls 50 ms away."""
    from adapters.settings import Settings
    from commands.models import Actor, CreateAlbum, Envelope
    from functions.bootstrap import build_submitter
    from local_stack.runtime import LambdaRuntime
    from local_stack.sqs_source import SqsEventSource
    from resources.definitions import COMMANDS_HIGH, CONSUMERS

    consumer = next(c for c in CONSUMERS if c.queue == COMMANDS_HIGH)

    rates: dict[int, float] = {}
    with provisioned_moto() as moto:
        env = moto.container_env(RETAKE_INJECTED_LATENCY_MS=str(latency_ms))
        settings = Settings(naming=moto.naming, snapshot_interval=20, region="us-east-1")
        submitter = build_submitter(settings, dynamodb=moto.client("dynamodb"),
                                    sqs=moto.client("sqs"))  # fmt: skip
        url = moto.created[COMMANDS_HIGH.name]
        actor = Actor(user_id="bench")
        for containers in (1, 2, 4, 8):
            # Its own warm-up below, not provisioned containers, readies each container.
            worker = replace(WORKER, reserved_concurrency=containers, provisioned_concurrency=0)
            progress = Progress(f"{containers} worker container(s)", commands)
            with LambdaRuntime([worker], env, log=lambda _: None) as runtime:
                # Warm every container first: scaling, not cold starts, is measured here.
                warmers = [threading.Thread(target=runtime.invoke, args=("worker", {
                    "source": "retake.keep-warm"})) for _ in range(containers)]  # fmt: skip
                for thread in warmers:
                    thread.start()
                for thread in warmers:
                    thread.join()
                for _ in range(commands):
                    submitter.submit(Envelope(actor=actor, command=CreateAlbum(
                        album_id=uuid4(), title="Scaling")))  # fmt: skip
                sources = [
                    SqsEventSource(
                        moto.client("sqs"),
                        url,
                        runtime.invoker("worker"),
                        batch_size=consumer.batch_size,
                    )
                    for _ in range(containers)
                ]
                done = [0]
                lock = threading.Lock()

                def poll(
                    source: SqsEventSource,
                    done: list[int] = done,
                    lock: threading.Lock = lock,
                    progress: Progress = progress,
                ) -> None:
                    while True:
                        with lock:
                            if done[0] >= commands:
                                return
                        result = source.poll_once()
                        with lock:
                            done[0] += result.succeeded
                        progress.advance(result.succeeded)
                        if result.received == 0:
                            time.sleep(0.01)

                started = time.monotonic()
                pollers = [threading.Thread(target=poll, args=(s,)) for s in sources]
                for thread in pollers:
                    thread.start()
                for thread in pollers:
                    thread.join(600)
                rates[containers] = commands / (time.monotonic() - started)
    return Result(
        "consumer-scaling",
        rates[8] / rates[1],
        "x one container's throughput (8 containers)",
        ">=",
        5,
        notes=[
            ", ".join(f"{n} container(s): {rate:.1f} commands/s" for n, rate in rates.items()),
            f"{commands} CreateAlbum commands on as many aggregates per run, each worker's AWS "
            f"call delayed {latency_ms} ms (the network to AWS); batches of up to "
            f"{consumer.batch_size} messages per invocation, as the worker's mapping is defined",
        ],
        samples={
            "containers": [float(n) for n in rates],
            "commands_per_second": list(rates.values()),
        },
    )


def up_time(runs: int = 3) -> Result:
    """Seconds from `retake up` to the first successful GET /health, environment warm."""
    times = []
    with tempfile.TemporaryDirectory() as folder:
        for run in range(runs + 1):
            started = time.monotonic()
            process = subprocess.Popen(
                [sys.executable, "-m", "local_stack.cli", "up", "--data", folder,
                 "--moto-port", "0", "--api-port", "0", "--site-port", "0"],
                cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                start_new_session=True,
            )  # fmt: skip
            stack_file = Path(folder) / "stack.json"
            try:
                healthy = _wait_healthy(stack_file, started)
            finally:
                process.send_signal(signal.SIGINT)
                try:
                    process.wait(30)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
            if run > 0 and healthy is not None:  # the first run makes the environment warm
                times.append(healthy)
            stack_file.unlink(missing_ok=True)
    value = median(times)
    return Result(
        "up-time",
        value,
        "s",
        "<=",
        10,
        notes=[
            f"median of {len(times)} starts on an existing data folder: "
            + ", ".join(f"{t:.1f} s" for t in times)
            + " (moto, state restore, provisioning, demo accounts, runtime, API cold start)"
        ],
    )


def _wait_healthy(stack_file: Path, started: float, timeout: float = 60) -> float | None:
    while time.monotonic() - started < timeout:
        if stack_file.exists():
            try:
                api = json.loads(stack_file.read_text())["api_url"]
                with urllib.request.urlopen(f"{api}/health", timeout=10) as response:
                    if response.status == 200:
                        return time.monotonic() - started
            except (OSError, ValueError, KeyError):
                pass
        time.sleep(0.05)
    return None
