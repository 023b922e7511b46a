"""Prints to stdout and stderr, even text that looks like a protocol frame."""

from __future__ import annotations

import os
import sys
from typing import Any

print("chatty: imported")


def handler(event: Any, context: Any) -> dict[str, Any]:
    print("chatty: hello from stdout")
    sys.stdout.write("\x00\x00\x00\x05{}{}{\n")
    print("chatty: hello from stderr", file=sys.stderr)
    os.write(1, b"chatty: raw write to fd 1\n")
    return {"said": "hello"}
