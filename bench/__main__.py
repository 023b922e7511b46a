"""Run the benchmarks and record their figures: `python -m bench [ID ...]`.

Each benchmark prints one line `bench: <id> = <value> <unit> (target <op> <value>)`
followed by its notes; the table of the latest figures goes to BENCHMARKS.md
(figures of benchmarks not run this time are kept from the previous run), with
the charts `bench.charts` draws from the raw samples under docs/bench/. The
table is printed at the end.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import Result, figure
from bench.event_store import append_scaling, load_long_stream
from bench.local_stack import (
    cold_vs_warm,
    consumer_scaling,
    e2e_latency,
    same_aggregate_latency,
    up_time,
)
from bench.moto_patches import moto_dynamodb_query, moto_dynamodb_scan, moto_sqs_depth
from bench.pipeline import filter_times
from bench.pipeline_scaling import pipeline_scaling
from bench.read_side import projection_lag, read_requests_per_page, rebuild_rate
from bench.write_path import vs_eventsourcing_sqlite, write_requests_per_command

BENCHMARKS: dict[str, Callable[[], Result]] = {
    "write-requests-per-command": write_requests_per_command,
    "append-scaling": append_scaling,
    "load-long-stream": load_long_stream,
    "vs-eventsourcing-sqlite": vs_eventsourcing_sqlite,
    "read-requests-per-page": read_requests_per_page,
    "projection-lag": projection_lag,
    "rebuild-rate": rebuild_rate,
    "cold-vs-warm": cold_vs_warm,
    "e2e-latency": e2e_latency,
    "same-aggregate-latency": same_aggregate_latency,
    "consumer-scaling": consumer_scaling,
    "up-time": up_time,
    "filter-times": filter_times,
    "pipeline-scaling": pipeline_scaling,
    "moto-sqs-depth": moto_sqs_depth,
    "moto-dynamodb-scan": moto_dynamodb_scan,
    "moto-dynamodb-query": moto_dynamodb_query,
}

READING = [
    "## Reading these figures",
    "",
    "Everything runs on one 2-core machine: moto's server (one Python process, one GIL),",
    "the local runtime's containers and the load generator share the two cores. So do",
    "the pollers that stand in for Lambda's event-source mappings.",
    "",
    "- **Counts hold anywhere; times don't.** Requests per command, items read and",
    "  requests per page count what the design asks of DynamoDB, and they hold on AWS.",
    "  Latencies and rates measure this machine and moto as much as Retake.",
    "- **Where the misses come from.** moto answers a few hundred calls per second in",
    "  all. `e2e-latency` measured 233 ms p50 and 364 ms p95 at 2 commands/s, which",
    '  meets its target (`python -c "import bench.local_stack as b;',
    '  print(b.e2e_latency(seconds=10, rate=2).notes[0])"`). At the specified 10/s,',
    "  the API's status polls and the pipeline exceed that capacity, and queueing",
    "  feeds back into more polling.",
    "- **moto, patched.** `local_stack/moto_patches.py` removes four costs that grew",
    "  with the data (the `moto-*` figures measure them against moto as released).",
    "  With them, rebuild-rate went from 306 to 830 events/s, consumer-scaling from",
    "  2.3x to 3.6x and e2e-latency's p95 from 44 s to 24 s; what is left is moto's",
    "  cost per request (werkzeug, Flask, botocore: about 10 ms a call here, client included).",
    "- **FIFO groups freed at once.** moto's receive read a FIFO queue's in-flight groups",
    "  once per long poll, so an aggregate's next command (or commit) waited out the",
    "  poller's wait, about a second, at every queue. Patched (2026-12-04),",
    "  same-aggregate-latency fell from 1,046 to 129 ms p50 in one run, e2e-latency's",
    "  p95 at 10/s from 24 s to 1.4 s (p50 181 ms) and projection-lag's p95 from 1,270",
    "  to 423 ms; the figures not rerun since still carry the stall.",
    "- **Consumer scaling.** It stops near 24 commands/s at 4 containers because moto",
    "  and the containers compete for two cores.",
    "- **Rebuild rate.** A rebuild is bound by moto's Scan (0.9 ms per item here);",
    "  the note beside it gives the rate of the replay alone.",
    "- **Undo and redo requests.** Plain commands cost 4.28 requests each: 4, plus the",
    "  consistent read that checks a cached aggregate a command only reads (the album",
    "  of a move). Undo and redo cost more (they read the target's record and later",
    "  events).",
    "- **Pipeline scaling.** Each photo goes the whole way: upload to moto's S3,",
    "  S3's push to ingest, the four filters, and the worker executing",
    "  AttachProcessing until the photo is `ready`. The 2.0 ceiling assumes one",
    "  container per filter keeps at most one core busy. With five stages at work at",
    "  once it kept 1.59 cores busy (this process, which serves moto, plus every",
    "  container, read from /proc), so 2 containers per filter could be at most",
    "  2/1.59 = 1.26x as fast here, and 1.24x is 99% of that. On AWS each container",
    "  has its own compute, and moto's share (0.65 of those cores) is S3, SQS and",
    "  DynamoDB. The runs alternate (1, 2, 1, 2) so that load from other work falls",
    "  on both alike; the notes show how much there was. `filter-times` shows where",
    "  a filter's time goes: render's Pillow work, then moto's reads, writes and sends.",
    "- **More pollers, slower projection.** The photo pipeline added a dozen",
    "  queues, each long-polled by its mapping, and they share moto with the",
    "  projection path (projection-lag's p95 was 657 ms before them).",
    "- **Cold starts.** The worker's cold start includes pydantic building the",
    "  command models and the Powertools, eventsourcing and domain imports, on top",
    "  of boto3 and the client that the bare handler also creates.",
]

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.json"
REPORT = ROOT / "BENCHMARKS.md"


#: Set for the process that runs one benchmark of many: the parent prints the table.
CHILD_VARIABLE = "RETAKE_BENCH_CHILD"


def _record(result: Result, seconds: float) -> dict[str, object]:
    return {
        "id": result.id,
        "value": result.value,
        "unit": result.unit,
        "target": f"{result.target_op} {result.target:g}" if result.target_op else "none yet",
        "met": result.met,
        "notes": result.notes,
        "seconds": round(seconds, 1),
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "cores": os.cpu_count(),
        "command": f"python -m bench {result.id}",
        **({"samples": _rounded(result.samples)} if result.samples else {}),
    }


def _rounded(samples: dict[str, list[float]]) -> dict[str, list[float]]:
    return {name: [round(value, 3) for value in values] for name, values in samples.items()}


_NUMBER_LIST = re.compile(r"\[\s+([-+.\deE,\s]+?)\s+\]")


def dump(records: dict[str, dict[str, Any]]) -> str:
    """results.json's text: indented, but each list of samples on one line."""
    text = json.dumps(records, indent=2)
    return _NUMBER_LIST.sub(lambda match: f"[{' '.join(match.group(1).split())}]", text) + "\n"


def table(records: dict[str, dict[str, Any]]) -> list[str]:
    """The figures as a Markdown table, in the order of BENCHMARKS."""
    lines = [
        "| figure | value | target | met | date | cores | command |",
        "|---|---|---|---|---|---|---|",
    ]
    for bench_id in BENCHMARKS:
        record = records.get(bench_id)
        if record is None:
            continue
        met = {True: "yes", False: "**no**", None: "n/a"}[record["met"]]
        lines.append(
            f"| `{bench_id}` | {figure(float(record['value']))} {record['unit']} | "
            f"{record['target']} | {met} | {record['date']} | {record['cores']} | "
            f"`{record['command']}` |"
        )
    return lines


def write_report(records: dict[str, dict[str, Any]]) -> None:
    """BENCHMARKS.md from the records, with the charts drawn afresh from their samples."""
    from bench import charts

    charts.draw(records)
    lines = [
        "# Benchmarks",
        "",
        "Latest figures, produced by `make bench` (all) or `python -m bench ID` (one).",
        "Each ratio is measured side by side in one run; absolute times on this machine drift.",
        "",
        *table(records),
    ]
    lines += ["", *READING, "", *charts.markdown(records, REPORT), "## Notes", ""]
    for bench_id in BENCHMARKS:
        record = records.get(bench_id)
        if record is None:
            continue
        lines.append(f"### `{bench_id}`")
        lines.append("")
        lines += [f"- {note}" for note in record["notes"]]
        lines.append("")
    REPORT.write_text("\n".join(lines))


def main(argv: list[str]) -> int:
    unknown = [name for name in argv if name not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}",
              file=sys.stderr)  # fmt: skip
        return 2
    chosen = argv or list(BENCHMARKS)
    if len(chosen) > 1:
        # Each benchmark in a fresh process: servers, threads and caches one leaves
        # behind must not slow the next one down.
        failed = 0
        child = {**os.environ, CHILD_VARIABLE: "1"}
        for number, bench_id in enumerate(chosen, start=1):
            print(f"[{number}/{len(chosen)}] {bench_id}", file=sys.stderr, flush=True)
            run = subprocess.run([sys.executable, "-m", "bench", bench_id], env=child)
            failed += run.returncode != 0
        _print_table()
        return 1 if failed else 0
    records = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    for bench_id in chosen:
        started = time.perf_counter()
        result = BENCHMARKS[bench_id]()
        print(result.line(), flush=True)
        for note in result.notes:
            print(f"    {note}", flush=True)
        records[bench_id] = _record(result, time.perf_counter() - started)
        RESULTS.write_text(dump(records))
        write_report(records)
    if not os.environ.get(CHILD_VARIABLE):
        _print_table()
    return 0


def _print_table() -> None:
    records = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    print(f"\n{REPORT.name}:\n" + "\n".join(table(records)), flush=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
