"""`make check-latest`: which packages move, and which tests failed, read as a person would."""

from __future__ import annotations

from pathlib import Path

from tools.check_latest import Failure, Move, failures, moves

JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" errors="1" failures="1" tests="3">
<testcase classname="tests.browser.test_journeys" name="test_alice_signs_in">
  <failure message="AssertionError: The sign-in service cannot be reached. \
Check your connection.&#10;more detail">trace</failure>
</testcase>
<testcase classname="tests.e2e.test_sign_in_service" name="test_preflight">
  <error message="failed on setup with &quot;OSError&quot;">trace</error>
</testcase>
<testcase classname="tests.integration.test_site" name="test_passes"/>
</testsuite></testsuites>
"""


def test_only_the_packages_whose_versions_differ_move() -> None:
    locked = {"moto": "5.2.5", "boto3": "1.44.8", "gone": "1.0"}
    newest = {"moto": "5.2.6", "boto3": "1.44.8", "fresh": "2.0"}

    moved = moves(locked, newest)

    assert [str(move) for move in moved] == [
        "fresh 2.0 (new)",
        "gone 1.0 (no longer needed)",
        "moto 5.2.5 -> 5.2.6",
    ]
    assert Move("moto", "5.2.5", "5.2.6") in moved


def test_failures_and_errors_are_named_by_test_with_their_first_line(tmp_path: Path) -> None:
    report = tmp_path / "report.xml"
    report.write_text(JUNIT)

    assert failures(report) == [
        Failure(
            "tests/browser/test_journeys.py::test_alice_signs_in",
            "AssertionError: The sign-in service cannot be reached. Check your connection.",
        ),
        Failure(
            "tests/e2e/test_sign_in_service.py::test_preflight", 'failed on setup with "OSError"'
        ),
    ]
