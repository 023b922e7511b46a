"""Emulated network latency, for benchmarks that model the distance to AWS.

With `RETAKE_INJECTED_LATENCY_MS` set, every AWS request made through boto3's
default session waits that long before it is sent. Unset (always, outside
benchmarks) nothing is installed.
"""

from __future__ import annotations

import os
import time
from typing import Any

import boto3

INJECTED_LATENCY_MS = "RETAKE_INJECTED_LATENCY_MS"

_installed = False


def inject_latency_from_environment() -> float:
    """Install the delay named by the environment once; return it in seconds (0: none)."""
    global _installed
    delay = float(os.environ.get(INJECTED_LATENCY_MS, "0") or 0) / 1000
    if delay <= 0 or _installed:
        return delay
    _installed = True

    def wait(**_: Any) -> None:
        time.sleep(delay)

    boto3.setup_default_session()
    session = boto3.DEFAULT_SESSION
    assert session is not None
    session.events.register("before-send", wait)
    return delay
