"""The local Lambda runtime: real containers, cold and warm starts, limits, failures, schedules."""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from local_stack.runtime import FunctionError, LambdaRuntime, RuntimeStopped, Scheduler
from local_stack.sqs_source import PollResult, SqsEventSource
from resources.definitions import FunctionSpec, ScheduleSpec
from resources.keep_warm import is_keep_warm, keep_warm_event

if TYPE_CHECKING:
    from local_stack.moto_server import MotoServer

PROJECT_ROOT = Path(__file__).resolve().parents[2]
REPORT = re.compile(
    r"^REPORT RequestId: (?P<request_id>[0-9a-f-]{36}) Function: (?P<function>\S+)"
    r" Duration: \d+\.\d\d ms Billed Duration: \d+ ms Memory Size: (?P<memory>\d+) MB"
    r" Max Memory Used: \d+ MB(?P<init> Init Duration: \d+\.\d\d ms)?(?P<status> Status: .*)?$"
)

MakeRuntime = Callable[..., LambdaRuntime]


def function(name: str, module: str | None = None, **options: Any) -> FunctionSpec:
    return FunctionSpec(name, f"tests.integration.lambdas.{module or name}.handler", **options)


def is_running(pid: int) -> bool:
    """Whether the process exists and is not a zombie waiting to be reaped."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    return state != "Z"


def eventually(condition: Callable[[], bool], seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def reports(log: list[str]) -> list[re.Match[str]]:
    return [match for line in log if (match := REPORT.match(line))]


@pytest.fixture
def log() -> list[str]:
    return []


@pytest.fixture
def make_runtime(log: list[str]) -> Iterator[MakeRuntime]:
    runtimes: list[LambdaRuntime] = []

    def make(*functions: FunctionSpec, **options: Any) -> LambdaRuntime:
        env = {"AWS_DEFAULT_REGION": "eu-west-1", "RETAKE_TEST_SETTING": "from-the-runtime"}
        runtime = LambdaRuntime(functions, env, **{"log": log.append, **options})
        runtimes.append(runtime)
        return runtime

    yield make
    for runtime in runtimes:
        runtime.shutdown()


def test_the_first_invocation_is_cold_and_the_next_is_warm_in_the_same_container(
    make_runtime: MakeRuntime, log: list[str]
) -> None:
    runtime = make_runtime(function("echo", memory_mb=192, timeout_seconds=7))

    first = runtime.invoke("echo", {"n": 1})
    second = runtime.invoke("echo", {"n": 2})

    assert first["event"] == {"n": 1} and second["event"] == {"n": 2}
    assert first["pid"] == second["pid"] != os.getpid()
    assert first["function_name"] == "echo"
    assert first["memory_limit_in_mb"] == 192
    assert first["invoked_function_arn"] == "arn:aws:lambda:eu-west-1:000000000000:function:echo"
    assert first["aws_request_id"] != second["aws_request_id"]
    assert 0 < first["remaining_ms"] <= 7000
    assert first["env"] == {
        "AWS_LAMBDA_FUNCTION_NAME": "echo",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "192",
        "AWS_LAMBDA_FUNCTION_TIMEOUT": "7",
        "RETAKE_TEST_SETTING": "from-the-runtime",
    }
    stats = runtime.stats()["echo"]
    assert (stats.invocations, stats.cold_starts, stats.errors) == (2, 1, 0)
    assert len(stats.init_durations_ms) == 1 and len(stats.warm_durations_ms) == 1
    assert stats.init_durations_ms[0] > stats.warm_durations_ms[0]
    cold, warm = reports(log)
    assert cold["request_id"] == first["aws_request_id"]
    assert cold["function"] == "echo" and cold["memory"] == "192"
    assert cold["init"] and not warm["init"]
    assert warm["request_id"] == second["aws_request_id"]


def test_boto3_clients_made_at_import_cost_the_cold_start_only(make_runtime: MakeRuntime) -> None:
    runtime = make_runtime(function("bare"))

    for _ in range(3):
        assert runtime.invoke("bare", {}) == {"clients": ["sqs", "dynamodb"]}

    stats = runtime.stats()["bare"]
    (init_ms,) = stats.init_durations_ms
    assert init_ms > 50
    assert len(stats.warm_durations_ms) == 2
    assert max(stats.warm_durations_ms) < init_ms / 10


def test_an_idle_container_is_reaped_and_the_next_invocation_is_cold(
    make_runtime: MakeRuntime,
) -> None:
    runtime = make_runtime(function("echo"), idle_timeout_seconds=0.2)
    pid = runtime.invoke("echo", {})["pid"]

    assert eventually(lambda: runtime.containers()["echo"].live == 0)
    assert eventually(lambda: not is_running(pid))

    assert runtime.invoke("echo", {})["pid"] != pid
    assert runtime.stats()["echo"].cold_starts == 2


def test_parallel_invocations_never_use_more_containers_than_the_limit(
    make_runtime: MakeRuntime,
) -> None:
    runtime = make_runtime(function("echo", reserved_concurrency=4), concurrency={"echo": 2})
    most_live = 0
    done = threading.Event()

    def watch() -> None:
        nonlocal most_live
        while not done.is_set():
            most_live = max(most_live, runtime.containers()["echo"].live)
            time.sleep(0.005)

    watcher = threading.Thread(target=watch)
    watcher.start()
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(lambda n: runtime.invoke("echo", {"sleep_seconds": 0.2}), range(6)))
    done.set()
    watcher.join()

    assert len(results) == 6
    assert len({result["pid"] for result in results}) == 2
    assert most_live <= 2
    stats = runtime.stats()["echo"]
    assert (stats.cold_starts, stats.peak_containers, stats.warm_containers) == (2, 2, 2)


def test_a_raising_handler_gives_function_error_and_its_container_stays_warm(
    make_runtime: MakeRuntime, log: list[str]
) -> None:
    runtime = make_runtime(function("batch"))

    with pytest.raises(FunctionError) as raised:
        runtime.invoke("batch", {"explode": "the batch is malformed"})
    answer = runtime.invoke("batch", {"Records": [{"messageId": "m1", "body": "poison"}]})

    assert raised.value.error_type == "Exploded"
    assert raised.value.message == "the batch is malformed"
    assert any("raise Exploded" in frame for frame in raised.value.traceback)
    assert answer == {"batchItemFailures": [{"itemIdentifier": "m1"}]}
    stats = runtime.stats()["batch"]
    assert (stats.invocations, stats.cold_starts, stats.errors) == (2, 1, 1)
    assert runtime.containers()["batch"].live == 1
    assert len(reports(log)) == 2


def test_a_timeout_kills_the_container_and_the_next_invocation_is_cold(
    make_runtime: MakeRuntime, log: list[str]
) -> None:
    runtime = make_runtime(function("slow", timeout_seconds=1))
    pid = runtime.invoke("slow", {"seconds": 0})["pid"]

    with pytest.raises(FunctionError) as raised:
        runtime.invoke("slow", {"seconds": 30})

    assert raised.value.error_type == "Sandbox.Timedout"
    assert raised.value.message == "Task timed out after 1.00 seconds"
    assert not is_running(pid)
    assert runtime.containers()["slow"].live == 0
    assert runtime.invoke("slow", {"seconds": 0})["pid"] != pid
    assert runtime.stats()["slow"].cold_starts == 2
    timed_out = reports(log)[1]
    assert timed_out["status"] == " Status: timeout Error Type: Sandbox.Timedout"


def test_a_crashed_container_is_replaced(make_runtime: MakeRuntime) -> None:
    runtime = make_runtime(function("crash"))

    with pytest.raises(FunctionError) as raised:
        runtime.invoke("crash", {})

    assert raised.value.error_type == "Runtime.ExitError"
    assert "exit status 3" in raised.value.message
    assert runtime.containers()["crash"].live == 0


def test_a_handler_that_cannot_be_imported_fails_without_leaving_a_container(
    make_runtime: MakeRuntime,
) -> None:
    runtime = make_runtime(function("missing"))

    with pytest.raises(FunctionError) as raised:
        runtime.invoke("missing", {})

    assert raised.value.error_type == "Runtime.ImportModuleError"
    assert "tests.integration.lambdas.missing" in raised.value.message
    assert runtime.containers()["missing"].live == 0


def test_handler_prints_reach_the_log_without_corrupting_the_protocol(
    make_runtime: MakeRuntime, log: list[str]
) -> None:
    runtime = make_runtime(function("chatty"))

    assert runtime.invoke("chatty", {}) == {"said": "hello"}
    assert runtime.invoke("chatty", {}) == {"said": "hello"}

    expected = [
        f"[chatty] chatty: {said}"
        for said in ("imported", "hello from stdout", "hello from stderr", "raw write to fd 1")
    ]
    assert eventually(lambda: all(line in log for line in expected)), log
    assert runtime.stats()["chatty"].errors == 0


def test_shutdown_stops_idle_and_busy_containers_and_refuses_more_work(
    make_runtime: MakeRuntime,
) -> None:
    others = set(_children())  # processes earlier tests in this session left running
    runtime = make_runtime(function("slow"), concurrency={"slow": 2})
    idle_pid = runtime.invoke("slow", {"seconds": 0})["pid"]
    outcome: list[BaseException] = []

    def busy() -> None:
        try:
            runtime.invoke("slow", {"seconds": 30})
        except (FunctionError, RuntimeStopped) as exc:
            outcome.append(exc)

    caller = threading.Thread(target=busy)
    caller.start()
    assert eventually(lambda: runtime.containers()["slow"].busy == 1)

    started = time.monotonic()
    runtime.shutdown()
    caller.join(timeout=5)

    assert time.monotonic() - started < 3
    assert not is_running(idle_pid)
    assert isinstance(outcome[0], FunctionError)
    assert set(_children()) - others == set()
    with pytest.raises(RuntimeStopped):
        runtime.invoke("slow", {"seconds": 0})


def ready(runtime: LambdaRuntime, name: str, containers: int) -> Callable[[], bool]:
    """Whether the function has exactly `containers` live, all of them idle and initialised."""

    def check() -> bool:
        count = runtime.containers()[name]
        return (count.live, count.busy, count.initialising) == (containers, 0, 0)

    return check


INIT_REPORT = re.compile(r"^INIT_REPORT Function: (?P<function>\S+) Provisioned (?P<rest>.*)$")


def init_reports(log: list[str], name: str) -> list[str]:
    return [m["rest"] for line in log if (m := INIT_REPORT.match(line)) and m["function"] == name]


def test_provisioned_containers_initialise_in_the_background_and_serve_the_first_call_warm(
    make_runtime: MakeRuntime, log: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RETAKE_TEST_INIT_SECONDS", "0.5")

    runtime = make_runtime(function("poison", reserved_concurrency=3, provisioned_concurrency=2))

    # the constructor did not wait for them, and they are not warm until initialised
    starting = runtime.containers()["poison"]
    assert (starting.initialising, starting.warm) == (2, 0)
    assert eventually(ready(runtime, "poison", 2), seconds=30)
    assert runtime.containers()["poison"].warm == 2
    answer = runtime.invoke("poison", {})
    stats = runtime.stats()["poison"]
    assert (stats.invocations, stats.cold_starts, stats.errors) == (1, 0, 0)
    assert stats.init_durations_ms == () and len(stats.warm_durations_ms) == 1
    assert stats.provisioned_concurrency == 2 and stats.warm_containers == 2
    assert [duration > 500 for duration in stats.provisioned_init_durations_ms] == [True, True]
    (report,) = reports(log)
    assert not report["init"]
    assert all(rest.startswith("Init Duration: ") for rest in init_reports(log, "poison"))
    assert len(init_reports(log, "poison")) == 2
    assert answer["setting"] == "from-the-runtime"


def test_a_crashed_provisioned_container_is_replaced_and_the_next_call_is_warm(
    make_runtime: MakeRuntime,
) -> None:
    runtime = make_runtime(function("poison", reserved_concurrency=2, provisioned_concurrency=2))
    assert eventually(ready(runtime, "poison", 2), seconds=30)
    crashed = runtime.invoke("poison", {})["pid"]

    with pytest.raises(FunctionError) as raised:
        runtime.invoke("poison", {"poison": True})  # the most recently used container: `crashed`
    replacing = runtime.containers()["poison"].live
    survivor = runtime.invoke("poison", {})["pid"]

    assert raised.value.error_type == "Runtime.ExitError"
    assert replacing == 2  # the survivor, and the replacement already on its way
    assert survivor != crashed and not is_running(crashed)
    # then: a third container replaces the crashed one, in the background
    assert eventually(ready(runtime, "poison", 2), seconds=30)
    assert runtime.invoke("poison", {})["pid"] != crashed
    stats = runtime.stats()["poison"]
    assert (stats.invocations, stats.cold_starts, stats.errors) == (4, 0, 1)
    assert len(stats.provisioned_init_durations_ms) == 3


def test_the_reaper_never_takes_a_function_below_its_provisioned_containers(
    make_runtime: MakeRuntime,
) -> None:
    runtime = make_runtime(
        function("echo", reserved_concurrency=2, provisioned_concurrency=1),
        idle_timeout_seconds=0.2,
    )
    assert eventually(ready(runtime, "echo", 1), seconds=30)
    with ThreadPoolExecutor(max_workers=1) as background:
        busy = background.submit(runtime.invoke, "echo", {"sleep_seconds": 1})
        assert eventually(lambda: runtime.containers()["echo"].busy == 1)
        # given: a second container, started (cold) because the provisioned one is busy
        extra = runtime.invoke("echo", {})["pid"]
        provisioned = busy.result()["pid"]
    assert extra != provisioned and runtime.stats()["echo"].cold_starts == 1

    assert eventually(lambda: not is_running(extra))
    assert runtime.reap_idle(0) == 0
    assert runtime.containers()["echo"].live == 1 and is_running(provisioned)
    assert runtime.invoke("echo", {})["pid"] == provisioned
    stats = runtime.stats()["echo"]
    assert stats.cold_starts == 1 and len(stats.provisioned_init_durations_ms) == 1


def test_reaping_after_an_environment_change_replaces_provisioned_containers_with_fresh_ones(
    make_runtime: MakeRuntime,
) -> None:
    runtime = make_runtime(function("poison", reserved_concurrency=2, provisioned_concurrency=2))
    assert eventually(ready(runtime, "poison", 2), seconds=30)
    before = runtime.invoke("poison", {})

    runtime.update_env({"RETAKE_TEST_SETTING": "after-the-fix"})
    reaped = runtime.reap_idle(0)

    assert reaped == 2 and not is_running(before["pid"])
    assert eventually(ready(runtime, "poison", 2), seconds=30)
    after = runtime.invoke("poison", {})
    assert (before["setting"], after["setting"]) == ("from-the-runtime", "after-the-fix")
    assert runtime.stats()["poison"].cold_starts == 0


def test_a_container_initialising_when_the_environment_changes_is_replaced_once_ready(
    make_runtime: MakeRuntime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RETAKE_TEST_INIT_SECONDS", "0.5")
    runtime = make_runtime(function("poison", reserved_concurrency=1, provisioned_concurrency=1))

    runtime.update_env({"RETAKE_TEST_SETTING": "after-the-fix"})

    assert eventually(ready(runtime, "poison", 1), seconds=30)
    assert runtime.invoke("poison", {})["setting"] == "after-the-fix"
    stats = runtime.stats()["poison"]
    assert stats.cold_starts == 0 and len(stats.provisioned_init_durations_ms) == 1


def test_a_provisioned_init_that_fails_is_tried_again_after_a_growing_delay(
    make_runtime: MakeRuntime, log: list[str]
) -> None:
    failures: list[float] = []

    def note(line: str) -> None:
        if line.startswith("INIT_REPORT Function: missing Provisioned Status: error"):
            failures.append(time.monotonic())
        log.append(line)

    # a reaper pass every 50 ms, and invocations, must not hurry the retries either
    runtime = make_runtime(
        function("missing", provisioned_concurrency=1), idle_timeout_seconds=0.2, log=note
    )
    with pytest.raises(FunctionError):
        runtime.invoke("missing", {})

    assert eventually(lambda: len(failures) >= 3, seconds=30)

    first, second, third = init_reports(log, "missing")[:3]
    failed = "Status: error Error Type: Runtime.ImportModuleError Retry In: "
    assert (first, second, third) == (f"{failed}0.5 s", f"{failed}1.0 s", f"{failed}2.0 s")
    assert failures[1] - failures[0] >= 0.5 and failures[2] - failures[1] >= 1.0
    assert runtime.containers()["missing"].live <= 1
    assert runtime.stats()["missing"].provisioned_init_durations_ms == ()


def test_shutdown_stops_provisioned_containers_mid_init_and_starts_no_more(
    make_runtime: MakeRuntime, monkeypatch: pytest.MonkeyPatch
) -> None:
    others = set(_children())
    monkeypatch.setenv("RETAKE_TEST_INIT_SECONDS", "30")
    runtime = make_runtime(function("poison", reserved_concurrency=2, provisioned_concurrency=2))
    assert eventually(lambda: len(set(_children()) - others) == 2)

    started = time.monotonic()
    runtime.shutdown()

    assert time.monotonic() - started < 10
    assert set(_children()) - others == set()
    assert not [t for t in threading.enumerate() if t.name.startswith("lambda-provision-")]
    runtime.update_env({"RETAKE_TEST_SETTING": "after-the-stop"})
    assert runtime.reap_idle(0) == 0
    assert runtime.containers()["poison"].live == 0 and set(_children()) - others == set()
    with pytest.raises(RuntimeStopped):
        runtime.invoke("poison", {})


def _children() -> list[int]:
    """This process's live child processes, whichever thread started them (Linux /proc)."""
    tasks = Path(f"/proc/{os.getpid()}/task")
    if not (tasks / str(os.getpid()) / "children").exists():
        pytest.skip("needs /proc to list child processes")
    pids: list[int] = []
    for task in tasks.iterdir():
        # A thread may end between the listing and the read: it has no children left then.
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):
            pids += [int(pid) for pid in (task / "children").read_text().split()]
    return [pid for pid in pids if is_running(pid)]


def test_containers_exit_when_the_runtime_process_is_killed() -> None:
    script = textwrap.dedent(
        """
        import os, signal
        from local_stack.runtime import LambdaRuntime
        from resources.definitions import FunctionSpec

        runtime = LambdaRuntime(
            [FunctionSpec("echo", "tests.integration.lambdas.echo.handler")], {}
        )
        print(runtime.invoke("echo", {})["pid"], flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    parent = subprocess.run(
        [sys.executable, "-c", script], cwd=PROJECT_ROOT, capture_output=True, timeout=30
    )
    container_pid = int(parent.stdout.split()[0])

    assert eventually(lambda: not is_running(container_pid), seconds=5)


def test_the_scheduler_tick_invokes_each_target_with_the_keep_warm_event(
    make_runtime: MakeRuntime,
) -> None:
    runtime = make_runtime(function("alpha", "echo"), function("beta", "echo"))
    scheduler = Scheduler(runtime, [ScheduleSpec("keep-warm", 300, ("alpha", "beta"))])

    deliveries = scheduler.tick()

    assert [(d.schedule, d.target, d.error) for d in deliveries] == [
        ("keep-warm", "alpha", None),
        ("keep-warm", "beta", None),
    ]
    for delivery in deliveries:
        assert delivery.result["event"] == keep_warm_event()
        assert is_keep_warm(delivery.result["event"])
    assert runtime.stats()["alpha"].invocations == runtime.stats()["beta"].invocations == 1


class FakeRuntime:
    def __init__(self) -> None:
        self.invocations: list[tuple[str, Any]] = []

    def invoke(self, function_name: str, event: Any) -> Any:
        self.invocations.append((function_name, event))
        return None


def test_the_scheduler_thread_fires_every_rate_seconds() -> None:
    runtime = FakeRuntime()

    with Scheduler(runtime, [ScheduleSpec("keep-warm", 1, ("worker",))]):
        assert runtime.invocations == []
        assert eventually(lambda: len(runtime.invocations) == 1, seconds=3)

    assert runtime.invocations == [("worker", keep_warm_event())]


def test_an_invoker_feeds_an_sqs_event_source_with_partial_failures(
    make_runtime: MakeRuntime, moto_server: MotoServer
) -> None:
    moto_server.reset()
    sqs = boto3.client(
        "sqs",
        endpoint_url=moto_server.endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    queue_url = sqs.create_queue(QueueName="runtime-test")["QueueUrl"]
    for body in ("first", "poison", "last"):
        sqs.send_message(QueueUrl=queue_url, MessageBody=body)
    runtime = make_runtime(function("batch"))

    source = SqsEventSource(sqs, queue_url, runtime.invoker("batch"), wait_seconds=1)

    assert source.poll_once() == PollResult(received=3, succeeded=2, failed=1)
    assert runtime.stats()["batch"].invocations == 1


def test_unknown_functions_and_bad_limits_are_refused(make_runtime: MakeRuntime) -> None:
    runtime = make_runtime(function("echo"))

    with pytest.raises(KeyError, match="nope"):
        runtime.invoker("nope")
    with pytest.raises(ValueError, match="concurrency"):
        make_runtime(function("echo"), concurrency={"echo": 0})
    with pytest.raises(ValueError, match="provisioned_concurrency"):
        function("echo", reserved_concurrency=2, provisioned_concurrency=3)


def test_a_concurrency_override_below_the_provisioned_containers_lowers_them(
    make_runtime: MakeRuntime,
) -> None:
    runtime = make_runtime(
        function("echo", reserved_concurrency=2, provisioned_concurrency=2),
        concurrency={"echo": 1},
    )

    assert runtime.stats()["echo"].provisioned_concurrency == 1
    assert eventually(ready(runtime, "echo", 1), seconds=30)
