"""Sleeps as long as asked: outlives a short function timeout."""

from __future__ import annotations

import os
import time
from typing import Any


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    time.sleep(event.get("seconds", 0))
    return {"pid": os.getpid()}
