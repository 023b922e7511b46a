"""Progress on stderr for long work, and the percentile the latency figures use."""

from __future__ import annotations

import sys
import threading
import time


class Progress:
    """A one-line progress bar on stderr (thread-safe), so long runs show they are alive."""

    def __init__(self, label: str, total: int) -> None:
        self.label, self.total, self.done = label, total, 0
        self._last = 0.0
        self._lock = threading.Lock()

    def advance(self, step: int = 1) -> None:
        with self._lock:
            finished_before = self.done >= self.total
            self.done += step
            now = time.monotonic()
            if finished_before or (now - self._last < 0.5 and self.done < self.total):
                return
            self._last = now
            width = 30
            filled = min(width, int(width * self.done / max(self.total, 1)))
            sys.stderr.write(
                f"\r  {self.label:<34} [{'#' * filled}{'.' * (width - filled)}] "
                f"{min(self.done, self.total):,}/{self.total:,}"
            )
            if self.done >= self.total:
                sys.stderr.write("\n")
            sys.stderr.flush()


def percentile(values: list[float], fraction: float) -> float:
    """The value at `fraction` of the sorted values (nearest rank); 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]
