"""The README's deployment section counts what the program deploys, not what it once did."""

from __future__ import annotations

import re
from pathlib import Path

from resources.definitions import CONSUMERS, FUNCTIONS, KEEP_WARM
from tests.infra.conftest import Stack

README = Path(__file__).resolve().parents[2] / "README.md"
#: The cost estimate's assumption for idle SQS mappings: pollers each, polls a minute each.
POLLERS, POLLS_A_MINUTE, MINUTES_A_MONTH = 5, 3, 60 * 24 * 30
ALARM_DOLLARS = 0.10


def deploying_section() -> str:
    text = README.read_text()
    start = text.index("## Deploying to AWS")
    return text[start : text.index("\n## ", start + 1)]


def number(pattern: str) -> str:
    found = re.search(pattern, deploying_section(), flags=re.DOTALL)
    assert found, f"the README's deployment section no longer says {pattern!r}"
    return found.group(1)


def test_the_cost_estimate_counts_the_sqs_mappings_and_their_idle_polls(stack: Stack) -> None:
    mappings = [
        record
        for record in stack.of_type("aws:lambda/eventSourceMapping:EventSourceMapping")
        if ":sqs:" in record.inputs["eventSourceArn"]
    ]
    assert len(mappings) == len(CONSUMERS)
    assert int(number(r"long-polls each of the (\d+) SQS mappings")) == len(mappings)
    requests = len(mappings) * POLLERS * POLLS_A_MINUTE * MINUTES_A_MONTH / 1e6
    assert number(r"about ([\d.]+) M\s+requests a month") == f"{requests:.1f}"


def test_the_cost_estimate_counts_the_alarms(stack: Stack) -> None:
    alarms = stack.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
    assert int(number(r"is the (\d+) queue-depth alarms")) == len(alarms)
    assert (
        number(r"\$([\d.]+) is the \d+ queue-depth alarms") == f"{len(alarms) * ALARM_DOLLARS:.2f}"
    )


def test_the_cost_estimate_counts_the_kept_warm_functions_and_reserved_concurrency() -> None:
    assert int(number(r"Keep-warm costs under \$[\d.]+: (\d+) functions")) == len(KEEP_WARM.targets)
    reserved = sum(spec.reserved_concurrency for spec in FUNCTIONS)
    assert int(number(r"The definitions reserve (\d+) in all")) == reserved
