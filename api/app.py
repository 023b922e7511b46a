"""The HTTP API: one Powertools REST resolver, its routes, its errors, and its documents.

`handle` is what the Lambda entry calls. Before routing it refuses, cheaply,
what no route should see: an anonymous caller on a private path (401; the
request validation would otherwise answer first), a body over 64 KiB (413,
before anything parses it), a body that is not UTF-8 text and JSON nested
deeper than 32 levels (400: every body is JSON, and Powertools would fail
decoding the one or parsing the other). Everything else goes through
the resolver, whose validation turns bad input into 400 before a handler (or a
queue) sees it.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer, OpenAPI, Parameter, Tag
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from adapters.settings import Settings
from api import activity, albums, audit, idempotency, messages, people, photos, uploads
from api.access import damaged
from api.errors import (
    ERROR_DESCRIPTIONS,
    ApiError,
    BadRequest,
    NotFound,
    PayloadTooLarge,
    Unauthorized,
    UnsupportedMediaType,
    error_body,
    error_response,
)
from api.identity import identity_from_event
from api.schemas import Health
from commands.command_log import InvalidSearchCursor
from commands.models import InvalidCommand
from projections.history import StreamDamaged
from projections.read_models import InvalidCursor
from resources.definitions import PUBLIC_ROUTES, RouteSpec

MAX_BODY_BYTES = 64 * 1024
#: No body of ours nests deeper than 3; Python's parser fails past about 1,000.
MAX_JSON_DEPTH = 32
_JSON_STRINGS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")


def public_paths(routes: Iterable[RouteSpec] = PUBLIC_ROUTES) -> re.Pattern[str]:
    """The paths API Gateway lets anyone GET (`PUBLIC_ROUTES`), as one pattern.

    Taken from the gateway's own list, so the two cannot disagree: `{name}` is one
    segment and `{name+}` one or more, as in API Gateway; a trailing slash is allowed.
    Preflights (OPTIONS) are let through before this is asked.
    """
    alternatives = []
    for route in routes:
        if route.method == "GET":
            pattern = re.sub(r"\\\{[^/]+?\\\+\\\}", "[^/].*", re.escape(route.path))
            alternatives.append(re.sub(r"\\\{[^/]+?\\\}", "[^/]+", pattern))
    return re.compile(rf"^(?:{'|'.join(alternatives)})/?$")


#: Paths anyone may call without signing in.
PUBLIC_PATHS = public_paths()
DESCRIPTION = (
    "Retake: a photo gallery in which every action is a command you can audit, undo and "
    "redo. Writes answer 202 with the command id; follow `Location` to its status, which "
    "says `projected: true` once reads show it. Errors are "
    '`{"error": {"code", "message", "details"}}` with stable codes.'
)

_METHODS = ("get", "put", "post", "delete", "patch")
_IDEMPOTENCY_KEY = Parameter.model_validate(
    {
        "name": idempotency.HEADER,
        "in": "header",
        "required": False,
        "description": "Repeat a write safely: the same key names the same commands (a UUID).",
        "schema": {"type": "string", "pattern": idempotency.PATTERN},
    }
)
_POWERTOOLS_ONLY = ("HTTPValidationError", "ValidationError", "ResponseValidationError")


class RetakeResolver(APIGatewayRestResolver):
    """The REST resolver, documenting our 400s instead of Powertools' default 422s.

    Validation errors never answer 422 here (`invalid_request` handles them), so
    Powertools' 422 responses and their schemas are dropped from the OpenAPI
    document. Every write (an operation answering 201 or 202) documents the
    optional `Idempotency-Key` header and its own 422, a key reused.
    """

    def get_openapi_schema(self, **kwargs: Any) -> OpenAPI:
        document = super().get_openapi_schema(**kwargs)
        for path in (document.paths or {}).values():
            for method in _METHODS:
                operation = getattr(path, method)
                if operation is not None and operation.responses:
                    operation.responses.pop(422, None)
                    if {201, 202} & set(operation.responses):
                        operation.parameters = [*(operation.parameters or []), _IDEMPOTENCY_KEY]
                        error = next(r for code, r in operation.responses.items() if code >= 400)
                        operation.responses[422] = error.model_copy(
                            update={"description": ERROR_DESCRIPTIONS[422]}
                        )
        schemas = document.components.schemas if document.components else None
        for name in _POWERTOOLS_ONLY:
            (schemas or {}).pop(name, None)
        return document


logger = Logger(service="api")
cors = CORSConfig(
    allow_origin=Settings.from_environment().api_allowed_origin,
    allow_headers=[idempotency.HEADER],
    expose_headers=["Location"],
    max_age=600,
)
app = RetakeResolver(cors=cors, enable_validation=True)
app.configure_openapi(
    title="Retake",
    version="1.0.0",
    description=DESCRIPTION,
    tags=[
        Tag(name="Albums", description="Albums, sharing by link, history"),
        Tag(name="Photos", description="Photos: titles, tags, albums, trash, history"),
        Tag(name="Commands", description="Command status, undo and redo, activity"),
        Tag(name="Audit", description="For auditors and support: search, export, verify"),
        Tag(name="People", description="Your profile and display name; finding people"),
        Tag(name="Service", description="Health"),
    ],
    security_schemes={"cognito": HTTPBearer(bearerFormat="JWT")},
)
for router in (
    albums.router,
    photos.router,
    uploads.router,
    activity.router,
    audit.router,
    people.router,
):
    app.include_router(router)
app.enable_swagger(path="/docs")


@app.get("/openapi.json", include_in_schema=False)
def openapi_document() -> Response[Any]:
    return Response(
        status_code=200, content_type="application/json", body=app.get_openapi_json_schema()
    )


@app.get("/health", summary="Is the API up?", tags=["Service"])
def health() -> Health:
    return Health()


# -- errors -------------------------------------------------------------------------------


def api_error(error: ApiError) -> Response[Any]:
    return error_response(error)


def invalid_request(error: RequestValidationError) -> Response[Any]:
    problems = error.errors()
    if any(problem.get("type") == "json_invalid" for problem in problems):
        return error_response(BadRequest("The body is not valid JSON.", code="invalid_json"))
    listed = [
        {
            "field": ".".join(str(part) for part in problem.get("loc", ())),
            "message": problem.get("msg", ""),
            "type": problem.get("type", ""),
        }
        for problem in problems
    ]
    # The message says what to fix in words (a domain rule keeps its own); the field
    # paths stay in the details, for programs.
    return error_response(BadRequest(messages.summary(problems), problems=listed))


def unsupported_media_type(error: RequestUnsupportedContentType) -> Response[Any]:
    return error_response(UnsupportedMediaType("Send the body as application/json."))


def invalid_command(error: InvalidCommand) -> Response[Any]:
    said = " ".join(dict.fromkeys(p["message"].rstrip(".") + "." for p in error.problems))
    return error_response(
        BadRequest(f"Retake cannot carry this out as asked. {said}", problems=error.problems)
    )


def damaged_stream(error: StreamDamaged) -> Response[Any]:
    return error_response(damaged(error, "an album or photo shown here"))


def invalid_cursor(error: ValueError) -> Response[Any]:
    return error_response(BadRequest(str(error), code="invalid_cursor", field="cursor"))


def no_route(error: NotFoundError) -> Response[Any]:
    return error_response(NotFound("No such path here; /docs lists them all."))


def unexpected(error: Exception) -> Response[Any]:
    logger.exception("unhandled error")
    return error_response(ApiError("Something went wrong on our side; try again shortly."))


# Registered by call, not decorator: Powertools leaves its decorator untyped.
app.not_found(no_route)
for error_class, error_handler in (
    (ApiError, api_error),
    (RequestValidationError, invalid_request),
    (RequestUnsupportedContentType, unsupported_media_type),
    (InvalidCommand, invalid_command),
    (InvalidCursor, invalid_cursor),
    (StreamDamaged, damaged_stream),
    (InvalidSearchCursor, invalid_cursor),
    (Exception, unexpected),
):
    app.exception_handler(error_class)(error_handler)


# -- the entry ----------------------------------------------------------------------------


def body_size(event: Mapping[str, Any]) -> int:
    """The body's size in bytes, without decoding or parsing it."""
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        return len(body) * 3 // 4 - body[-2:].count("=")
    return len(body.encode())


def body_text(event: Mapping[str, Any]) -> str | None:
    """The body as text; None if it is not UTF-8 (API Gateway base64-encodes such a body)."""
    body = event.get("body") or ""
    if not event.get("isBase64Encoded"):
        return str(body)
    try:
        return base64.b64decode(body, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None


def json_depth(text: str) -> int:
    """How deep the JSON text nests arrays and objects, counted without parsing it."""
    depth = deepest = 0
    for bracket in _NOT_BRACKETS.sub("", _JSON_STRINGS.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def refusal(event: Mapping[str, Any]) -> ApiError | None:
    """Why the request is refused before routing, if it is."""
    if event.get("httpMethod") == "OPTIONS":
        return None
    if identity_from_event(event) is None and not PUBLIC_PATHS.match(event.get("path") or ""):
        return Unauthorized("Sign in to use this.")
    if body_size(event) > MAX_BODY_BYTES:
        return PayloadTooLarge(
            f"The body is over {MAX_BODY_BYTES // 1024} KiB.", limit_bytes=MAX_BODY_BYTES
        )
    text = body_text(event)
    if text is None:
        return BadRequest("The body is not UTF-8 text; send JSON.", code="invalid_json")
    if json_depth(text) > MAX_JSON_DEPTH:
        return BadRequest(
            f"The body nests deeper than {MAX_JSON_DEPTH} levels.",
            code="invalid_json",
            max_depth=MAX_JSON_DEPTH,
        )
    return None


def _refuse(event: Mapping[str, Any], error: ApiError) -> dict[str, Any]:
    proxy = APIGatewayProxyEvent(dict(event))
    headers: dict[str, str | list[str]] = {"Content-Type": "application/json"}
    origin = cors.allowed_origin(proxy.resolved_headers_field.get("origin") or "")
    if origin:
        headers |= cors.to_dict(origin)
    return {
        "statusCode": error.status,
        "body": json.dumps(error_body(error), separators=(",", ":")),
        "isBase64Encoded": False,
        **proxy.header_serializer().serialize(headers=headers, cookies=[]),
    }


def handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Answer one API Gateway REST proxy event."""
    refused = refusal(event)
    if refused is not None:
        return _refuse(event, refused)
    return app.resolve(event, context)
