"""Query parameters and OpenAPI security that several route modules share."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

#: Routes for signed-in callers: a Cognito token, checked by API Gateway's authorizer.
SIGNED_IN: list[dict[str, list[str]]] = [{"cognito": []}]

Limit = Annotated[int, Query(ge=1, le=100, description="Page size.")]
HistoryLimit = Annotated[int, Query(ge=1, le=500, description="Entries per page.")]
Cursor = Annotated[
    str | None, Query(max_length=2000, description="Opaque, from the previous page's `cursor`.")
]
AsOf = Annotated[
    str | None,
    Query(
        max_length=64,
        description="An ISO 8601 instant: rebuild from the event store as it was then.",
    ),
]
