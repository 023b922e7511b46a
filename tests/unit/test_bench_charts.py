"""The benchmark charts: drawn from results.json's samples alone, skipped without them."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from bench import charts
from bench.__main__ import REPORT, dump, table

PNG = b"\x89PNG\r\n\x1a\n"


def _record(bench_id: str, samples: dict[str, list[float]], target: str = "none yet") -> Any:
    return {
        "id": bench_id,
        "value": 1.0,
        "unit": "ms",
        "target": target,
        "met": None,
        "notes": [],
        "date": "2026-11-26",
        "cores": 2,
        "command": f"python -m bench {bench_id}",
        "samples": samples,
    }


def _records() -> dict[str, Any]:
    noise = random.Random(7)
    functions = ("worker", "api", "bare")
    return {
        "e2e-latency": _record(
            "e2e-latency", {"latency_ms": [noise.gauss(300, 60) for _ in range(300)]}, "<= 1000"
        ),
        "projection-lag": _record("projection-lag", {"lag_ms": [400.0, 520.5, 610.0]}, "<= 500"),
        "consumer-scaling": _record(
            "consumer-scaling",
            {"containers": [1, 2, 4, 8], "commands_per_second": [5.8, 10.0, 13.3, 11.9]},
            ">= 5",
        ),
        "cold-vs-warm": _record(
            "cold-vs-warm",
            {
                f"{name}.{kind}_ms": [noise.uniform(0.01, 2000) for _ in range(5)]
                for name in functions
                for kind in ("init", "warm")
            },
        ),
        "up-time": _record("up-time", {}),
    }


def test_every_chart_with_samples_is_drawn_as_a_png(tmp_path: Path) -> None:
    written = charts.draw(_records(), folder=tmp_path)

    assert sorted(path.name for path in written) == [
        "cold-vs-warm.png",
        "consumer-scaling.png",
        "e2e-latency.png",
        "projection-lag.png",
    ]
    for path in written:
        assert path.read_bytes().startswith(PNG)
        assert path.stat().st_size > 10_000


def test_a_benchmark_without_samples_has_no_chart(tmp_path: Path) -> None:
    records = _records()
    del records["e2e-latency"]["samples"]
    records.pop("cold-vs-warm")

    written = charts.draw(records, folder=tmp_path)

    assert {path.name for path in written} == {"projection-lag.png", "consumer-scaling.png"}
    section = "\n".join(charts.markdown(records, REPORT))
    assert "(docs/bench/projection-lag.png)" in section
    assert "e2e-latency" not in section


def test_the_report_embeds_the_charts_and_the_table_names_cores_and_date() -> None:
    records = _records()
    section = charts.markdown(records, REPORT)
    assert "![End-to-end latency per command](docs/bench/e2e-latency.png)" in section
    header, _, *rows = table(records)
    assert header == "| figure | value | target | met | date | cores | command |"
    assert any("| 2026-11-26 | 2 |" in row for row in rows)


def test_results_json_keeps_samples_readable_and_compact() -> None:
    records = _records()
    text = dump(records)
    assert json.loads(text) == records
    assert len(text.splitlines()) < 200
