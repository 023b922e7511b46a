"""HTTP request -> API Gateway REST proxy event, and proxy response -> HTTP response.

Pure functions, so the shapes are tested without a server. The event is the
one API Gateway (REST, Lambda proxy integration on `ANY /{proxy+}`, Cognito
authorizer) hands to a function, down to its quirks:

- single-value maps (`headers`, `queryStringParameters`) hold the LAST value
  of a repeated name, the multi-value maps hold them all, and an absent query
  is `null`, not `{}`;
- every authorizer claim is a string: lists are joined with commas (so
  `cognito:groups` reads "auditors,support"), `exp` and `iat` are dates
  ("Thu Nov 26 14:42:41 UTC 2026"), other numbers their decimal text;
- a body that is not UTF-8 travels base64-encoded with `isBase64Encoded: true`;
- `path` has no stage, `requestContext.path` starts with it.
"""

from __future__ import annotations

import base64
import json
import re
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from resources.definitions import PUBLIC_ROUTES, RouteSpec

#: The API function behind the gateway: a proxy event in, a proxy response out.
Invoke = Callable[[dict[str, Any]], dict[str, Any]]

PROXY_RESOURCE = "/{proxy+}"
LOCAL_ACCOUNT = "123456789012"
LOCAL_API_ID = "local"
#: Identity fields API Gateway fills for IAM or API-key callers: null here.
_UNKNOWN_IDENTITY = (
    "accessKey",
    "accountId",
    "apiKey",
    "apiKeyId",
    "caller",
    "cognitoAuthenticationProvider",
    "cognitoAuthenticationType",
    "cognitoIdentityId",
    "cognitoIdentityPoolId",
    "principalOrgId",
    "user",
    "userArn",
)
_DATE_CLAIMS = frozenset({"exp", "iat"})
#: Set by the gateway from the body it actually writes.
_HOP_BY_HOP = frozenset({"content-length", "connection", "transfer-encoding", "keep-alive"})


@dataclass(frozen=True)
class HttpRequest:
    """An HTTP request as the gateway received it (`target` is the raw path and query)."""

    method: str
    target: str
    headers: list[tuple[str, str]]
    body: bytes = b""
    source_ip: str = "127.0.0.1"

    def header(self, name: str) -> str | None:
        """The last value of a header, whatever its case."""
        values = [value for key, value in self.headers if key.lower() == name.lower()]
        return values[-1] if values else None

    @property
    def path(self) -> str:
        return unquote(urlsplit(self.target).path) or "/"


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


class MalformedProxyResponse(Exception):
    """The function answered something API Gateway could not turn into HTTP (it answers 502)."""


def proxy_event(
    request: HttpRequest,
    claims: Mapping[str, Any] | None = None,
    stage: str = "local",
    now: float | None = None,
    request_id: str | None = None,
) -> dict[str, Any]:
    """The REST proxy event for `request`, authorised with `claims` when given."""
    now = time.time() if now is None else now
    request_id = request_id or str(uuid.uuid4())
    path = request.path
    resource = PROXY_RESOURCE if path != "/" else "/"
    query = parse_qsl(urlsplit(request.target).query, keep_blank_values=True)
    host = request.header("Host") or "localhost"
    headers = [
        *request.headers,
        ("X-Forwarded-For", request.source_ip),
        ("X-Forwarded-Proto", "http"),
    ]
    request_context: dict[str, Any] = {
        "accountId": LOCAL_ACCOUNT,
        "apiId": LOCAL_API_ID,
        "domainName": host,
        "domainPrefix": host.split(".")[0].split(":")[0],
        "extendedRequestId": request_id,
        "httpMethod": request.method,
        "identity": _identity(request),
        "path": f"/{stage}{path}",
        "protocol": "HTTP/1.1",
        "requestId": request_id,
        "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
        "requestTimeEpoch": int(now * 1000),
        "resourceId": LOCAL_API_ID,
        "resourcePath": resource,
        "stage": stage,
    }
    if claims is not None:
        request_context["authorizer"] = {"claims": claims_as_strings(claims)}
    return {
        "resource": resource,
        "path": path,
        "httpMethod": request.method,
        "headers": _last_values(headers),
        "multiValueHeaders": _all_values(headers),
        "queryStringParameters": _last_values(query) if query else None,
        "multiValueQueryStringParameters": _all_values(query) if query else None,
        "pathParameters": {"proxy": path.lstrip("/")} if resource == PROXY_RESOURCE else None,
        "stageVariables": None,
        "requestContext": request_context,
        **_body(request.body),
    }


def claims_as_strings(claims: Mapping[str, Any]) -> dict[str, str]:
    """The claims as API Gateway's Cognito authorizer passes them: every value a string."""
    return {name: _claim_text(name, value) for name, value in claims.items()}


def is_public(method: str, path: str, routes: Iterable[RouteSpec] = PUBLIC_ROUTES) -> bool:
    """Whether API Gateway serves this method and path without the authorizer."""
    return any(
        route.method == method.upper() and _template(route.path).fullmatch(path) for route in routes
    )


def http_response(proxy_response: object) -> HttpResponse:
    """The HTTP answer for a proxy response, merged as API Gateway merges header maps.

    A name in `multiValueHeaders` takes its values from there; `headers` adds the rest.
    """
    if not isinstance(proxy_response, dict):
        raise MalformedProxyResponse(f"a {type(proxy_response).__name__}, not an object")
    status = proxy_response.get("statusCode")
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        raise MalformedProxyResponse(f"statusCode {status!r} is not an HTTP status")
    multi: dict[str, Any] = proxy_response.get("multiValueHeaders") or {}
    single: dict[str, Any] = proxy_response.get("headers") or {}
    taken = {name.lower() for name in multi}
    headers = [(name, str(value)) for name, values in multi.items() for value in values or ()]
    headers += [(name, str(value)) for name, value in single.items() if name.lower() not in taken]
    headers = [(name, value) for name, value in headers if name.lower() not in _HOP_BY_HOP]
    if not any(name.lower() == "content-type" for name, _ in headers):
        headers.append(("Content-Type", "application/json"))
    body = proxy_response.get("body")
    if body is not None and not isinstance(body, str):
        raise MalformedProxyResponse(f"body is a {type(body).__name__}, not a string")
    try:
        raw = base64.b64decode(body or "") if proxy_response.get("isBase64Encoded") else None
    except ValueError as exc:
        raise MalformedProxyResponse("isBase64Encoded but the body is not base64") from exc
    return HttpResponse(status, headers, raw if raw is not None else (body or "").encode())


def json_response(
    status: int, code: str, message: str, headers: Iterable[tuple[str, str]] = ()
) -> HttpResponse:
    """An answer of the gateway itself, in the API's error shape."""
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    return HttpResponse(status, [("Content-Type", "application/json"), *headers], body)


def _identity(request: HttpRequest) -> dict[str, Any]:
    return {
        **dict.fromkeys(_UNKNOWN_IDENTITY),
        "sourceIp": request.source_ip,
        "userAgent": request.header("User-Agent"),
    }


def _body(body: bytes) -> dict[str, Any]:
    if not body:
        return {"body": None, "isBase64Encoded": False}
    try:
        return {"body": body.decode("utf-8"), "isBase64Encoded": False}
    except UnicodeDecodeError:
        return {"body": base64.b64encode(body).decode("ascii"), "isBase64Encoded": True}


def _last_values(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    return dict(pairs)


def _all_values(pairs: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for name, value in pairs:
        grouped.setdefault(name, []).append(value)
    return grouped


def _claim_text(name: str, value: Any) -> str:
    if name in _DATE_CLAIMS and isinstance(value, int | float) and not isinstance(value, bool):
        return time.strftime("%a %b %d %H:%M:%S UTC %Y", time.gmtime(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ",".join(_claim_text("", item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


@cache
def _template(path: str) -> re.Pattern[str]:
    """`/shared/{token}` matches one segment, `/docs/{proxy+}` one or more."""
    pattern = re.escape(path)
    pattern = re.sub(r"\\\{[^/]+?\\\+\\\}", r"[^/].*", pattern)
    pattern = re.sub(r"\\\{[^/]+?\\\}", r"[^/]+", pattern)
    return re.compile(pattern)
