"""Charts of the benchmarks' raw samples, as PNG: `python -m bench.charts` redraws them.

They are drawn from bench/results.json (the `samples` each benchmark left
there), so they can be redrawn without running anything again. A chart whose
benchmark has no samples yet (it was last run before it kept them) is skipped.

| chart                    | from                | shows                                        |
|--------------------------|---------------------|----------------------------------------------|
| `e2e-latency.png`        | `e2e-latency`       | per-command latency: histogram and CDF       |
| `projection-lag.png`     | `projection-lag`    | per-command lag: histogram and CDF           |
| `consumer-scaling.png`   | `consumer-scaling`  | throughput against worker containers         |
| `cold-vs-warm.png`       | `cold-vs-warm`      | init and warm durations per function         |
"""

from __future__ import annotations

import json
import statistics
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # headless: no display on CI or a server

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.json"
CHARTS = ROOT / "docs" / "bench"

Record = Mapping[str, Any]
_DPI = 110
_COLOURS = ("#3465a4", "#f57900", "#4e9a06", "#75507b", "#cc0000", "#555753")


@dataclass(frozen=True)
class Chart:
    """A PNG drawn from one benchmark's samples."""

    benchmark: str
    file: str
    title: str
    draw: Callable[[Record], Figure]

    def path(self, folder: Path = CHARTS) -> Path:
        return folder / self.file


def _samples(record: Record, name: str) -> list[float]:
    return [float(value) for value in (record.get("samples") or {}).get(name, [])]


def _percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


def _target(record: Record) -> float | None:
    """The number in a target such as `<= 1000`, if there is one."""
    text = str(record.get("target") or "")
    try:
        return float(text.split()[-1])
    except (IndexError, ValueError):
        return None


def _caption(record: Record) -> str:
    return f"{record.get('date', '')}, {record.get('cores', '?')} cores: `{record.get('command')}`"


def _distribution(record: Record, series: str, what: str) -> Figure:
    """A histogram and a CDF of one series in ms, with p50, p95 and the p95 target."""
    values = _samples(record, series)
    figure, (histogram, cdf) = plt.subplots(1, 2, figsize=(10, 4), dpi=_DPI)
    histogram.hist(values, bins=min(40, max(5, len(values) // 5)), color=_COLOURS[0])
    histogram.set_xlabel(f"{what} (ms)")
    histogram.set_ylabel("commands")
    ordered = sorted(values)
    cdf.step(
        ordered,
        [(n + 1) / len(ordered) for n in range(len(ordered))],
        where="post",
        color=_COLOURS[0],
    )
    cdf.set_xlabel(f"{what} (ms)")
    cdf.set_ylabel("fraction of commands")
    cdf.set_ylim(0, 1.02)
    lines = [
        ("p50", _percentile(values, 0.5), _COLOURS[2]),
        ("p95", _percentile(values, 0.95), _COLOURS[1]),
    ]
    target = _target(record)
    if target is not None:
        lines.append(("p95 target", target, _COLOURS[4]))
    for axes in (histogram, cdf):
        for label, value, colour in lines:
            axes.axvline(
                value, color=colour, linestyle="--", linewidth=1, label=f"{label} {value:,.0f} ms"
            )
        axes.grid(alpha=0.3)
    cdf.legend(loc="lower right", fontsize=8)
    figure.suptitle(f"{record['id']}: {len(values)} commands")
    return figure


def e2e_latency(record: Record) -> Figure:
    return _distribution(record, "latency_ms", "POST/PATCH to projected: true")


def projection_lag(record: Record) -> Figure:
    return _distribution(record, "lag_ms", "append to projection")


def consumer_scaling(record: Record) -> Figure:
    """Commands per second against containers, beside perfect (linear) scaling."""
    containers = _samples(record, "containers")
    rates = _samples(record, "commands_per_second")
    figure, axes = plt.subplots(figsize=(6.5, 4), dpi=_DPI)
    axes.plot(containers, rates, marker="o", color=_COLOURS[0], label="measured")
    if containers and rates:
        per_container = rates[0] / containers[0]
        axes.plot(
            containers,
            [n * per_container for n in containers],
            linestyle="--",
            color=_COLOURS[5],
            label="linear from one container",
        )
        target = _target(record)
        if target is not None:
            axes.axhline(
                target * per_container,
                color=_COLOURS[4],
                linestyle=":",
                label=f"target: {target:g} x one container",
            )
    for n, rate in zip(containers, rates, strict=True):
        axes.annotate(
            f"{rate:.1f}",
            (n, rate),
            textcoords="offset points",
            xytext=(0, 7),
            ha="center",
            fontsize=8,
        )
    axes.set_xscale("log", base=2)
    axes.set_xticks(containers, [f"{n:g}" for n in containers])
    axes.set_xlabel("worker containers")
    axes.set_ylabel("commands/s")
    axes.set_ylim(bottom=0)
    axes.grid(alpha=0.3)
    axes.legend(fontsize=8)
    axes.set_title("consumer-scaling: throughput against containers")
    return figure


def _functions(record: Record) -> list[str]:
    names = [name.rsplit(".", 1)[0] for name in record.get("samples") or {}]
    return list(dict.fromkeys(names))


def _strip(axes: Axes, names: list[str], record: Record, kind: str) -> None:
    """Each function's samples as dots on its row, its median as a bar."""
    for row, name in enumerate(names):
        values = _samples(record, f"{name}.{kind}_ms")
        if not values:
            continue
        colour = _COLOURS[row % len(_COLOURS)]
        middle = statistics.median(values)
        axes.barh(row, middle, color=colour, alpha=0.35, height=0.6)
        jitter = [row + (n - (len(values) - 1) / 2) * 0.4 / len(values) for n in range(len(values))]
        axes.scatter(values, jitter, s=8, color=colour, zorder=3)
        axes.annotate(
            f"{middle:,.2f}" if middle < 10 else f"{middle:,.0f}",
            (max(values), row),
            textcoords="offset points",
            xytext=(4, -3),
            fontsize=8,
        )
    axes.set_yticks(range(len(names)), names)
    axes.margins(x=0.15)
    axes.grid(axis="x", alpha=0.3)


def cold_vs_warm(record: Record) -> Figure:
    """Init (cold start) and warm invocation durations, per function."""
    names = _functions(record)
    figure, (cold, warm) = plt.subplots(
        1, 2, figsize=(11, 1.2 + 0.38 * len(names)), dpi=_DPI, sharey=True
    )
    _strip(cold, names, record, "init")
    cold.invert_yaxis()  # the first function on top; the axis is shared
    cold.set_xlabel("ms")
    cold.set_title("cold: init duration")
    _strip(warm, names, record, "warm")
    warm.set_xlabel("ms")
    warm.set_title("warm: handler duration")
    figure.suptitle("cold-vs-warm: medians (bars, labelled) and every sample (dots)")
    return figure


CHARTS_DRAWN = (
    Chart("e2e-latency", "e2e-latency.png", "End-to-end latency per command", e2e_latency),
    Chart("projection-lag", "projection-lag.png", "Projection lag per command", projection_lag),
    Chart("consumer-scaling", "consumer-scaling.png", "Consumer scaling", consumer_scaling),
    Chart("cold-vs-warm", "cold-vs-warm.png", "Cold versus warm, per function", cold_vs_warm),
)


def drawable(records: Mapping[str, Record]) -> list[Chart]:
    """The charts whose benchmark left samples in `records`."""
    return [chart for chart in CHARTS_DRAWN if (records.get(chart.benchmark) or {}).get("samples")]


def draw(records: Mapping[str, Record], folder: Path = CHARTS) -> list[Path]:
    """Draw every chart that has samples into `folder`; the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for chart in drawable(records):
        figure = chart.draw(records[chart.benchmark])
        figure.text(0.01, 0.01, _caption(records[chart.benchmark]), fontsize=7, color="#555753")
        figure.tight_layout(rect=(0, 0.04, 1, 1))
        figure.savefig(chart.path(folder), format="png")
        plt.close(figure)
        written.append(chart.path(folder))
    return written


def markdown(records: Mapping[str, Record], report: Path) -> list[str]:
    """BENCHMARKS.md's charts section: each drawable chart, linked relative to `report`."""
    charts = drawable(records)
    if not charts:
        return []
    lines = [
        "## Charts",
        "",
        "Drawn from the samples in bench/results.json; `python -m bench.charts` redraws them.",
        "",
    ]
    for chart in charts:
        relative = chart.path().relative_to(report.parent)
        lines += [f"### {chart.title}", "", f"![{chart.title}]({relative.as_posix()})", ""]
    return lines


def main(argv: Sequence[str]) -> int:
    """Redraw every chart from bench/results.json and rewrite BENCHMARKS.md around them."""
    from bench.__main__ import write_report

    if not RESULTS.exists():
        print(f"no {RESULTS.relative_to(ROOT)}: run `make bench` first", file=sys.stderr)
        return 1
    records = json.loads(RESULTS.read_text())
    for path in draw(records):
        print(path.relative_to(ROOT))
    missing = [chart.benchmark for chart in CHARTS_DRAWN if chart not in drawable(records)]
    if missing:
        print(f"no samples yet (run them again): {', '.join(missing)}", file=sys.stderr)
    write_report(records)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
