"""Fault injection for the reliability proof (`python -m proof`): test-only, off unless set.

`RETAKE_FAULT_CRASH_ON` names a marker: a worker container that receives a
command whose message body contains it dies at once (`os._exit`), as a
container killed by a bug in native code or by running out of memory would.
Unset (always, outside the proof) nothing happens.
"""

from __future__ import annotations

import os

FAULT_CRASH_ON = "RETAKE_FAULT_CRASH_ON"
#: The exit status of a container crashed on purpose (EX_SOFTWARE).
CRASH_EXIT_STATUS = 70


def crash_if_marked(body: str) -> None:
    """Die hard if the crash marker is set and `body` holds it."""
    marker = os.environ.get(FAULT_CRASH_ON, "")
    if marker and marker in body:
        os._exit(CRASH_EXIT_STATUS)
