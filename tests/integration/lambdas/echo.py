"""Echoes the event with what the container knows: pid, context and environment."""

from __future__ import annotations

import os
import time
from typing import Any


def handler(event: Any, context: Any) -> dict[str, Any]:
    if isinstance(event, dict) and event.get("sleep_seconds"):
        time.sleep(event["sleep_seconds"])
    return {
        "event": event,
        "pid": os.getpid(),
        "function_name": context.function_name,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "invoked_function_arn": context.invoked_function_arn,
        "aws_request_id": context.aws_request_id,
        "remaining_ms": context.get_remaining_time_in_millis(),
        "env": {
            name: os.environ.get(name)
            for name in (
                "AWS_LAMBDA_FUNCTION_NAME",
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
                "AWS_LAMBDA_FUNCTION_TIMEOUT",
                "RETAKE_TEST_SETTING",
            )
        },
    }
