"""How busy a benchmark keeps the cores: CPU time over wall time, read from /proc.

The process tree is this process (moto's server runs in it, with the pollers)
and every process under it (the local runtime's containers). Containers live
across a whole measurement, so `RUSAGE_CHILDREN` would not see them until they
exit; each process's own `utime + stime` in /proc/<pid>/stat does, and its
`cutime + cstime` keeps what its children used before they were reaped.

The machine as a whole (/proc/stat) is read beside it, because other work on a
shared machine takes cores from the benchmark without showing in its tree.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

_PROC = Path("/proc")
_TICKS = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name (which may hold spaces)."""
    try:
        text = (_PROC / str(pid) / "stat").read_text()
    except OSError:  # the process ended while the tree was read
        return None
    return text[text.rindex(")") + 2 :].split()


def tree_cpu_seconds(root: int | None = None) -> tuple[float, float]:
    """CPU seconds used so far by `root` (default: this process) alone, and with all its
    descendants."""
    root = root or os.getpid()
    parents: dict[int, int] = {}
    ticks: dict[int, int] = {}
    for entry in _PROC.iterdir():
        if not entry.name.isdigit():
            continue
        fields = _stat_fields(int(entry.name))
        if fields is None:
            continue
        pid = int(entry.name)
        parents[pid] = int(fields[1])
        # utime, stime, cutime, cstime: fields 14-17 of proc(5), 11-14 after the name.
        ticks[pid] = sum(int(value) for value in fields[11:15])
    total = 0
    for pid in ticks:
        ancestor = pid
        while ancestor > 1 and ancestor != root:
            ancestor = parents.get(ancestor, 0)
        if ancestor == root:
            total += ticks[pid]
    return ticks.get(root, 0) / _TICKS, total / _TICKS


def machine_busy_seconds() -> float:
    """CPU seconds all cores of the machine have spent busy since boot (not idle, not iowait)."""
    first = (_PROC / "stat").read_text().splitlines()[0].split()
    values = [int(value) for value in first[1:9]]  # user nice system idle iowait irq softirq steal
    return (sum(values) - values[3] - values[4]) / _TICKS


@dataclass(frozen=True)
class CoresBusy:
    """What one measured span used: wall seconds, and CPU seconds of the tree and the machine."""

    wall_seconds: float
    own_cpu_seconds: float
    tree_cpu_seconds: float
    machine_cpu_seconds: float

    @property
    def own(self) -> float:
        """Cores this process alone (moto's server, the pollers) kept busy, on average."""
        return self.own_cpu_seconds / self.wall_seconds

    @property
    def tree(self) -> float:
        """Cores the benchmark's processes kept busy, on average."""
        return self.tree_cpu_seconds / self.wall_seconds

    @property
    def machine(self) -> float:
        """Cores the whole machine kept busy, other work included."""
        return self.machine_cpu_seconds / self.wall_seconds

    @property
    def other(self) -> float:
        """Cores other work on the machine kept busy, on average (never below 0)."""
        return max(0.0, self.machine - self.tree)


class CoreMeter:
    """Started at the beginning of a span; `stop()` answers how busy the cores were."""

    def __init__(self) -> None:
        self._wall = time.perf_counter()
        self._own, self._tree = tree_cpu_seconds()
        self._machine = machine_busy_seconds()

    def stop(self) -> CoresBusy:
        own, tree = tree_cpu_seconds()
        return CoresBusy(
            wall_seconds=time.perf_counter() - self._wall,
            own_cpu_seconds=own - self._own,
            tree_cpu_seconds=tree - self._tree,
            machine_cpu_seconds=machine_busy_seconds() - self._machine,
        )
