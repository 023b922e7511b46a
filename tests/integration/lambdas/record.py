"""Appends every event it gets to the file named by RETAKE_TEST_RECORD_PATH (one JSON a line)."""

import json
import os
from typing import Any


def handler(event: Any, context: Any) -> None:
    with open(os.environ["RETAKE_TEST_RECORD_PATH"], "a") as record:
        record.write(json.dumps(event) + "\n")
