"""The baseline for cold starts: import boto3 and create the worker's AWS client, nothing else."""

from typing import Any

import boto3

dynamodb = boto3.client("dynamodb")


def handler(event: Any, context: Any) -> dict[str, bool]:
    return {"warm": True}
