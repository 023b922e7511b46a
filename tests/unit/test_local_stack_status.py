"""`retake status`: warm containers and those still initialising are counted apart."""

from __future__ import annotations

from typing import Any

from local_stack.admin import functions_report
from local_stack.cli import format_status
from local_stack.runtime import ContainerCount, FunctionStats


def stats(invocations: int = 0, errors: int = 0) -> FunctionStats:
    return FunctionStats(
        invocations=invocations,
        cold_starts=0,
        errors=errors,
        warm_containers=0,
        peak_containers=0,
        init_durations_ms=(),
        warm_durations_ms=(),
    )


def test_a_container_still_initialising_is_not_counted_as_warm() -> None:
    # given: three live containers, one serving, one idle, one initialising in advance
    count = ContainerCount(live=3, busy=1, initialising=1)

    # when
    (worker,) = functions_report({"worker": count}, {"worker": stats(invocations=4)})

    # then
    assert worker == {
        "name": "worker",
        "warm": 2,
        "initialising": 1,
        "busy": 1,
        "invocations": 4,
        "errors": 0,
    }


def test_a_function_whose_containers_are_all_initialising_has_none_warm() -> None:
    (worker,) = functions_report(
        {"worker": ContainerCount(live=2, busy=0, initialising=2)}, {"worker": stats()}
    )

    assert (worker["warm"], worker["initialising"]) == (0, 2)


def test_status_prints_warm_and_initialising_containers_in_their_own_columns() -> None:
    # given: the admin API's functions, two containers warm and one initialising
    functions = functions_report(
        {"worker": ContainerCount(live=3, busy=0, initialising=1)},
        {"worker": stats(invocations=5)},
    )
    report: dict[str, Any] = {"queues": [], "functions": functions, "pollers": []}

    # when
    lines = format_status(report).splitlines()

    # then
    header = next(line.split() for line in lines if line.startswith("function"))
    row = next(line.split() for line in lines if line.startswith("worker"))
    assert dict(zip(header, row, strict=True)) == {
        "function": "worker",
        "warm": "2",
        "initialising": "1",
        "busy": "0",
        "invoked": "5",
        "errors": "0",
    }
