"""The keep-warm ping: a scheduled event every function answers without doing work."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

KEEP_WARM_SOURCE = "retake.keep-warm"


def is_keep_warm(event: Any) -> bool:
    return isinstance(event, Mapping) and event.get("source") == KEEP_WARM_SOURCE


def keep_warm_event() -> dict[str, Any]:
    return {"source": KEEP_WARM_SOURCE, "detail-type": "Scheduled Event", "detail": {}}
