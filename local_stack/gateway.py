"""API Gateway (REST, Lambda proxy, Cognito authorizer) on loopback, for the local stack.

Each HTTP request becomes the proxy event API Gateway would build
(`local_stack.proxy_event`) and goes to `invoke`, the API function run by the
local runtime; the proxy response goes back as HTTP. As on AWS, the Cognito
check runs before the function and a refused request never reaches it; the
public routes of `resources.definitions.PUBLIC_ROUTES` skip it.

The gateway answers by itself only when API Gateway would: 401 for a missing or
refused token and 502 when the function fails or answers nonsense. Those
answers carry CORS headers so the page can read them; every other header,
CORS included, is the function's own business, as with a proxy integration.
"""

from __future__ import annotations

import logging
from http.server import BaseHTTPRequestHandler
from typing import Any, Protocol

from adapters.settings import Settings
from local_stack.auth import Unauthorized, bearer_token
from local_stack.http_server import BackgroundHttpServer
from local_stack.proxy_event import (
    HttpRequest,
    HttpResponse,
    Invoke,
    MalformedProxyResponse,
    http_response,
    is_public,
    json_response,
    proxy_event,
)

logger = logging.getLogger(__name__)

_MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit
_POLL_SECONDS = 0.05  # how soon `stop` takes effect


class TokenVerifier(Protocol):
    """Checks a token (e.g. `local_stack.auth.CognitoVerifier`): its claims or `Unauthorized`."""

    def verify(self, token: str) -> dict[str, Any]: ...


class Gateway:
    """The REST API on `url`, in front of `invoke`, with the Cognito check of `verifier`."""

    def __init__(
        self,
        invoke: Invoke,
        verifier: TokenVerifier,
        host: str = "127.0.0.1",
        port: int = 0,
        allow_origin: str | None = None,
        stage: str = "local",
    ) -> None:
        self.invoke = invoke
        self.verifier = verifier
        self.stage = stage
        self.allow_origin = (
            allow_origin
            if allow_origin is not None
            else Settings.from_environment().api_allowed_origin
        )
        self._http = BackgroundHttpServer(_handler_for(self), host, port, "api-gateway")

    @property
    def url(self) -> str:
        return self._http.url

    def start(self) -> Gateway:
        self._http.start_serving()
        return self

    def stop(self) -> None:
        self._http.stop()

    def handle(self, request: HttpRequest) -> HttpResponse:
        """Authorise, build the event, invoke the function and translate its answer."""
        claims = None
        if not is_public(request.method, request.path):
            try:
                claims = self.verifier.verify(bearer_token(request.header("Authorization")))
            except Unauthorized as refusal:
                logger.info("401 %s %s: %s", request.method, request.path, refusal.reason)
                return json_response(
                    401,
                    "unauthorized",
                    f"Sign in again: {refusal.reason}.",
                    self._cors_headers(),
                )
        event = proxy_event(request, claims, stage=self.stage)
        try:
            return http_response(self.invoke(event))
        except MalformedProxyResponse as exc:
            logger.error(
                "502 %s %s: malformed proxy response: %s", request.method, request.path, exc
            )
            reason = "The API function answered something that is not a proxy response."
        except Exception:
            logger.exception("502 %s %s: the API function failed", request.method, request.path)
            reason = "The API function failed; the local stack's log has the traceback."
        return json_response(502, "bad_gateway", reason, self._cors_headers())

    def _cors_headers(self) -> list[tuple[str, str]]:
        return [("Access-Control-Allow-Origin", self.allow_origin), ("Vary", "Origin")]


def _handler_for(gateway: Gateway) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "retake-gateway"

        def _serve(self) -> None:
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                length = -1
            if length < 0:
                self.close_connection = True
                self._write(json_response(400, "bad_request", "Content-Length is not a size."))
                return
            if length > _MAX_BODY_BYTES:
                self.close_connection = True  # the unread body would be taken for a request
                self._write(json_response(413, "payload_too_large", "The body exceeds 10 MB."))
                return
            request = HttpRequest(
                method=self.command,
                target=self.path,
                headers=list(self.headers.items()),
                body=self.rfile.read(length) if length else b"",
                source_ip=self.client_address[0],
            )
            self._write(gateway.handle(request))

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = _serve

        def _write(self, response: HttpResponse) -> None:
            self.send_response(response.status)
            for name, value in response.headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(response.body)

        def log_message(self, format: str, *args: object) -> None:
            logger.debug("%s " + format, self.address_string(), *args)

    return Handler
