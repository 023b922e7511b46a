"""API errors: an HTTP status, a stable `code`, a message a person can act on, and details.

Every error the API answers has the same shape:
`{"error": {"code": "...", "message": "...", "details": {...}}}`. Codes are part
of the contract (clients branch on them); messages are for people and may change.

| code | status | when |
|---|---|---|
| invalid_request | 400 | a parameter or body does not match its schema |
| invalid_json | 400 | the body is not JSON, not UTF-8, or nested deeper than 32 levels |
| invalid_cursor | 400 | a cursor this listing did not hand out |
| unsupported_type | 400 | an upload of a type the image pipeline does not read |
| reason_required | 400 | support reverts someone's command without a reason |
| unauthorized | 401 | no signed-in user (no Cognito claims) |
| forbidden | 403 | the role may not do this (auditors never write) |
| not_found | 404 | no such route or resource, or one the caller may not see |
| conflict | 409 | the request contradicts the current state |
| nothing_to_undo / nothing_to_redo | 409 | `/me/undo` or `/me/redo` with nothing to act on |
| undo_conflict | 409 | an undo or redo that later commands stand in the way of (`details.later`) |
| stream_damaged | 409 | a history or past state of a stream missing a commit (`details.version`) |
| idempotency_key_reused | 422 | an `Idempotency-Key` already used for a different request |
| payload_too_large | 413 | a body over 64 KiB |
| upload_too_large | 413 | an upload declared larger than the limit (25 MB unless configured) |
| unsupported_media_type | 415 | a body that is not JSON |
| internal_error | 500 | a bug or an outage: retry later |
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types
from pydantic import BaseModel, Field


class ApiError(Exception):
    status = 500
    code = "internal_error"

    def __init__(self, message: str, *, code: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details = details


class BadRequest(ApiError):
    status = 400
    code = "invalid_request"


class Unauthorized(ApiError):
    status = 401
    code = "unauthorized"


class Forbidden(ApiError):
    status = 403
    code = "forbidden"


class NotFound(ApiError):
    status = 404
    code = "not_found"


class Conflict(ApiError):
    status = 409
    code = "conflict"


class PayloadTooLarge(ApiError):
    status = 413
    code = "payload_too_large"


class UnsupportedMediaType(ApiError):
    status = 415
    code = "unsupported_media_type"


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable, machine-readable: clients branch on it.")
    message: str = Field(description="For people: what went wrong and what to do.")
    details: Any = Field(default=None, description="Which fields, ids or limits are involved.")


class ErrorBody(BaseModel):
    """The body of every error response."""

    error: ErrorDetail


def error_body(error: ApiError) -> dict[str, Any]:
    return {"error": {"code": error.code, "message": error.message, "details": error.details}}


def error_response(error: ApiError) -> Response[Any]:
    return Response(
        status_code=error.status,
        content_type=content_types.APPLICATION_JSON,
        body=error_body(error),
    )


ERROR_DESCRIPTIONS = {
    400: "Invalid request (codes: invalid_request, invalid_json, invalid_cursor, reason_required)",
    401: "Not signed in (code: unauthorized)",
    403: "The caller's role may not do this (code: forbidden)",
    404: "No such resource, or one the caller may not see (code: not_found)",
    409: "Conflicts with the current state "
    "(codes: conflict, nothing_to_undo, nothing_to_redo, undo_conflict, stream_damaged)",
    413: "Body over 64 KiB (code: payload_too_large)",
    422: "The Idempotency-Key was used for a different request (code: idempotency_key_reused)",
}


_SUCCESS = {
    200: {"description": "OK"},
    201: {"description": "Created: the command is queued; `Location` is its status"},
    202: {"description": "Accepted: the command is queued; `Location` is its status"},
}


def documented(*statuses: int) -> dict[int, Any]:
    """OpenAPI `responses` for a route: its success (schema from its return type) and errors."""
    return {
        status: dict(_SUCCESS[status])
        if status in _SUCCESS
        else {
            "description": ERROR_DESCRIPTIONS[status],
            "content": {"application/json": {"model": ErrorBody}},
        }
        for status in statuses
    }
