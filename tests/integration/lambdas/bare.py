"""A handler that does a real function's expensive init at import: boto3 and its clients."""

from __future__ import annotations

from typing import Any

import boto3

sqs = boto3.client("sqs")
dynamodb = boto3.client("dynamodb")


def handler(event: Any, context: Any) -> dict[str, Any]:
    return {"clients": [client.meta.service_model.service_name for client in (sqs, dynamodb)]}
