"""One Lambda container: import the handler once (the cold start), then serve invocations warm.

The local runtime (`local_stack.runtime`) starts this module as
`python -m local_stack.container module.attr`, one OS process per container.

Protocol: length-prefixed JSON frames (a 4-byte big-endian length, then UTF-8
JSON) on private copies of the original stdin and stdout. Fd 1 is then pointed
at stderr and fd 0 at /dev/null, so a handler's prints land in the log and can
never corrupt a frame. The container's frames are:

- once, after the import: `{"ready": true, "init_duration_ms": ...}` or
  `{"ready": false, "error": {...}, "init_duration_ms": ...}`;
- per request `{"request_id", "event", "timeout_ms"}`, one response
  `{"ok": true, "result": ...}` or `{"ok": false, "error": {"type", "message",
  "traceback"}}`, both with `duration_ms` and `max_memory_mb`.

The init duration runs from the moment the runtime spawned the process (passed
in `RETAKE_CONTAINER_SPAWNED_AT`, wall clock) to the handler being ready, so it
includes the interpreter's own start, as Lambda's does.

The container ends when its stdin closes (the runtime shut it down or died),
and a watchdog ends it if its parent dies while a handler is still running.
SIGINT is ignored: a Ctrl+C in the terminal reaches the whole process group,
and the runtime, not the container, decides when a container stops.

This module imports the standard library only: it is on the cold-start path.
"""

from __future__ import annotations

import importlib
import json
import os
import resource
import signal
import struct
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any

SPAWNED_AT_ENV = "RETAKE_CONTAINER_SPAWNED_AT"
ACCOUNT_ID = "000000000000"
FRAME_HEADER = struct.Struct(">I")
_WATCHDOG_SECONDS = 1.0

Handler = Callable[[Any, "LambdaContext"], Any]


def encode_frame(message: dict[str, Any]) -> bytes:
    """A message as one frame: its length, then its JSON."""
    body = json.dumps(message, separators=(",", ":")).encode()
    return FRAME_HEADER.pack(len(body)) + body


def read_frame(stream: IO[bytes]) -> dict[str, Any] | None:
    """The next frame from a blocking stream, or None once it is closed."""
    header = stream.read(FRAME_HEADER.size)
    if len(header) < FRAME_HEADER.size:
        return None
    (size,) = FRAME_HEADER.unpack(header)
    body = stream.read(size)
    if len(body) < size:
        return None
    message: dict[str, Any] = json.loads(body)
    return message


def function_arn(function_name: str, region: str) -> str:
    return f"arn:aws:lambda:{region}:{ACCOUNT_ID}:function:{function_name}"


@dataclass
class LambdaContext:
    """The context object Lambda hands a handler, with the same attributes."""

    function_name: str
    memory_limit_in_mb: int
    invoked_function_arn: str
    aws_request_id: str
    deadline: float = field(repr=False)
    function_version: str = "$LATEST"
    log_group_name: str = ""
    log_stream_name: str = ""
    identity: None = None
    client_context: None = None

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - time.monotonic()) * 1000))


def max_memory_used_mb() -> int:
    """Peak resident memory of this process (ru_maxrss: KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak // (1024 * 1024) if sys.platform == "darwin" else peak // 1024)


def describe_error(exc: BaseException, error_type: str | None = None) -> dict[str, Any]:
    """An exception as Lambda reports it; the container's own frame is left out."""
    tb = exc.__traceback__.tb_next if exc.__traceback__ else None
    return {
        "type": error_type or type(exc).__name__,
        "message": str(exc),
        "traceback": traceback.format_tb(tb),
    }


def _load_handler(handler_path: str) -> Handler:
    module_name, _, attribute = handler_path.rpartition(".")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise _InitError(
            "Runtime.ImportModuleError", f"Unable to import module '{module_name}': {exc}"
        ) from exc
    handler: Handler | None = getattr(module, attribute, None)
    if handler is None or not callable(handler):
        raise _InitError(
            "Runtime.HandlerNotFound", f"Handler '{attribute}' missing on module '{module_name}'"
        )
    return handler


class _InitError(Exception):
    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type


class _Container:
    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "local")
        self.memory_mb = int(os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"))
        region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION", "us-east-1")
        self.arn = function_arn(self.function_name, region)
        self.log_group = f"/aws/lambda/{self.function_name}"

    def invoke(self, request: dict[str, Any]) -> dict[str, Any]:
        context = LambdaContext(
            function_name=self.function_name,
            memory_limit_in_mb=self.memory_mb,
            invoked_function_arn=self.arn,
            aws_request_id=request["request_id"],
            deadline=time.monotonic() + request["timeout_ms"] / 1000,
            log_group_name=self.log_group,
            log_stream_name=f"local/{os.getpid()}",
        )
        started = time.perf_counter()
        try:
            response: dict[str, Any] = {
                "ok": True,
                "result": self.handler(request["event"], context),
            }
        except Exception as exc:
            error = describe_error(exc)
            response = {"ok": False, "error": error}
            # Lambda's Python runtime logs the failure as well as returning it.
            print(f"[ERROR] {error['type']}: {error['message']}", file=sys.stderr)
            frames = "".join(error["traceback"])
            print(f"Traceback (most recent call last):\n{frames}", end="", file=sys.stderr)
        response["duration_ms"] = (time.perf_counter() - started) * 1000
        response["max_memory_mb"] = max_memory_used_mb()
        return response


def _encode_response(response: dict[str, Any]) -> bytes:
    try:
        return encode_frame(response)
    except (TypeError, ValueError) as exc:
        response = {
            **response,
            "ok": False,
            "result": None,
            "error": {
                "type": "Runtime.MarshalError",
                "message": f"Unable to marshal response: {exc}",
                "traceback": [],
            },
        }
        return encode_frame(response)


def _watch_parent(parent: int) -> None:
    while True:
        time.sleep(_WATCHDOG_SECONDS)
        if os.getppid() != parent:
            os._exit(1)


def _private_protocol_pipes() -> tuple[IO[bytes], IO[bytes]]:
    """Keep the runtime's pipes for frames; point fds 0 and 1 where the handler can't harm them."""
    requests = os.fdopen(os.dup(0), "rb")
    responses = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    sys.stdout.flush()
    os.dup2(2, 1)
    return requests, responses


def serve(handler_path: str) -> int:
    spawned_at = float(os.environ.get(SPAWNED_AT_ENV) or time.time())
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_watch_parent, args=(os.getppid(),), daemon=True).start()
    requests, responses = _private_protocol_pipes()
    try:
        container = _Container(_load_handler(handler_path))
    except _InitError as exc:
        ready = {"ready": False, "error": describe_error(exc, exc.error_type)}
        container = None
    except Exception as exc:
        ready = {"ready": False, "error": describe_error(exc, f"Runtime.{type(exc).__name__}")}
        container = None
    else:
        ready = {"ready": True}
    ready["init_duration_ms"] = (time.time() - spawned_at) * 1000
    ready["max_memory_mb"] = max_memory_used_mb()
    try:
        responses.write(encode_frame(ready))
        responses.flush()
        if container is None:
            return 1
        while (request := read_frame(requests)) is not None:
            frame = _encode_response(container.invoke(request))
            sys.stdout.flush()
            sys.stderr.flush()
            responses.write(frame)
            responses.flush()
    except BrokenPipeError:
        return 1
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m local_stack.container module.handler")
    sys.exit(serve(sys.argv[1]))
