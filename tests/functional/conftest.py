"""Functional tests: Lambda handlers fed with real event JSON, wired to in-memory fakes."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from adapters.memory import InMemoryCommandLog, InMemoryEventStore
from commands.models import Envelope
from functions import bootstrap

EVENTS = Path(__file__).parent.parent / "events"


def load_event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / name).read_text())


@dataclass
class FakeLambdaContext:
    function_name: str = "retake-worker"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:retake-worker"
    aws_request_id: str = "52fdfc07-2182-154f-163f-5f0f9a621d72"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def sqs_event(*bodies: str | Envelope, receive_count: int = 1) -> dict[str, Any]:
    """An SQS FIFO event of the real shape, one record per body."""
    template = load_event("sqs_fifo_commands.json")["Records"][0]
    records = []
    for index, body in enumerate(bodies):
        record = copy.deepcopy(template)
        text = body.model_dump_json() if isinstance(body, Envelope) else body
        record["messageId"] = f"message-{index}"
        record["body"] = text
        record["attributes"]["ApproximateReceiveCount"] = str(receive_count)
        if isinstance(body, Envelope):
            record["attributes"]["MessageGroupId"] = body.aggregate_id
            record["attributes"]["MessageDeduplicationId"] = str(body.command_id)
        else:
            record["attributes"]["MessageDeduplicationId"] = f"dedup-{index}"
        records.append(record)
    return {"Records": records}


@pytest.fixture
def write_side(monkeypatch: pytest.MonkeyPatch) -> Iterator[bootstrap.WriteSide]:
    side = bootstrap.build_write_side(store=InMemoryEventStore(), log=InMemoryCommandLog())
    monkeypatch.setattr(bootstrap, "_write_side", side)
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "Retake")
    yield side


@pytest.fixture
def context() -> FakeLambdaContext:
    return FakeLambdaContext()
