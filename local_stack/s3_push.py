"""S3 notifications pushed to functions, as AWS does it: S3 invokes, nobody polls.

A bucket whose notification configuration names a Lambda function ARN has every
matching event (e.g. `s3:ObjectCreated:*`) delivered as an asynchronous
invocation with S3's event shape (keys URL-encoded, as on AWS). moto would
hand these to its own Lambda service, which needs Docker; since moto runs in
this process, its hand-off is replaced by one to the local runtime.

As on AWS, an asynchronous invocation that fails is retried twice, and the
upload itself never waits for the function.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

log = logging.getLogger("retake.s3-push")

ASYNC_RETRIES = 2
RETRY_DELAY_SECONDS = 1.0


class S3PushDelivery:
    """Delivers S3 notifications for function ARNs to `invoke(function_name, event)`."""

    def __init__(
        self,
        invoke: Callable[[str, Any], Any],
        function_names: Callable[[str], str | None],
        workers: int = 4,
        retry_delay_seconds: float = RETRY_DELAY_SECONDS,
    ) -> None:
        """`function_names` maps a function ARN to a local function name (None: not ours)."""
        self.invoke = invoke
        self.function_names = function_names
        self.retry_delay_seconds = retry_delay_seconds
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="s3-push")
        self.delivered = 0
        self.failed = 0
        self._replaced: Any = None

    def install(self) -> None:
        """Route moto's S3 -> Lambda notifications to this delivery (until `shutdown`)."""
        from moto.s3 import notifications

        def invoke_function(account_id: str, event_body: Any, fn_arn: str, region: str) -> None:
            self.push(fn_arn, event_body)

        self._replaced = notifications._invoke_awslambda
        setattr(notifications, "_invoke_awslambda", invoke_function)  # noqa: B010

    def push(self, function_arn: str, event: Any) -> None:
        name = self.function_names(function_arn)
        if name is None:
            log.warning("S3 notification for unknown function %s dropped", function_arn)
            return
        self._pool.submit(self._deliver, name, event)

    def _deliver(self, name: str, event: Any) -> None:
        for attempt in range(ASYNC_RETRIES + 1):
            try:
                self.invoke(name, event)
                self.delivered += 1
                return
            except Exception as error:  # retried, then counted and logged, as AWS does
                log.warning("S3 push to %s failed (attempt %d): %s", name, attempt + 1, error)
                time.sleep(self.retry_delay_seconds)
        self.failed += 1

    def shutdown(self) -> None:
        """Deliver what is pending, then give moto back the hook `install` replaced."""
        self._pool.shutdown(wait=True, cancel_futures=False)
        if self._replaced is not None:
            from moto.s3 import notifications

            setattr(notifications, "_invoke_awslambda", self._replaced)  # noqa: B010
            self._replaced = None


def function_name_resolver(prefix: str, names: set[str]) -> Callable[[str], str | None]:
    """Map `arn:aws:lambda:<region>:<account>:function:<prefix>-<name>` to `<name>`."""

    def resolve(function_arn: str) -> str | None:
        physical = function_arn.rsplit(":function:", 1)[-1].split(":", 1)[0]
        name = physical.removeprefix(f"{prefix}-")
        return name if name in names else None

    return resolve
