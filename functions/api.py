"""Lambda entry: the HTTP API behind API Gateway (REST, Cognito authorizer)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from api.app import handle, logger
from functions.bootstrap import api_dependencies, in_lambda
from resources.keep_warm import is_keep_warm

if in_lambda():
    # The expensive part of a cold start (clients, caches) happens once, during init.
    api_dependencies()


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if is_keep_warm(event):
        return {"warm": True}
    return handle(event, context)
