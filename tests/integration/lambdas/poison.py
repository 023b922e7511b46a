"""A worker in miniature: a slow init if asked, death on a poison event, else who it is.

The import sleeps RETAKE_TEST_INIT_SECONDS (default 0), standing in for a real
function's expensive init; {"poison": true} ends the process, as a poison
command ends a worker container; any other event is answered with the pid and
RETAKE_TEST_SETTING.
"""

from __future__ import annotations

import os
import time
from typing import Any

time.sleep(float(os.environ.get("RETAKE_TEST_INIT_SECONDS", "0")))


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if event.get("poison"):
        os._exit(70)
    return {"pid": os.getpid(), "setting": os.environ.get("RETAKE_TEST_SETTING")}
