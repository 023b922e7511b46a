"""Ends its own process mid-invocation, as a segfault or os._exit would."""

from __future__ import annotations

import os
from typing import Any


def handler(event: Any, context: Any) -> None:
    os._exit(3)
