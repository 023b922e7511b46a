"""An SQS batch handler: fails the records whose body is "poison", raises on {"explode": msg}."""

from __future__ import annotations

from typing import Any


class Exploded(Exception):
    pass


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if "explode" in event:
        raise Exploded(event["explode"])
    failures = []
    for record in event["Records"]:
        try:
            process(record)
        except ValueError:
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}


def process(record: dict[str, Any]) -> None:
    if record["body"] == "poison":
        raise ValueError(f"cannot process {record['messageId']}")
