"""A loopback HTTP server served from a daemon thread (the gateway, site and admin API)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

#: How soon `stop` takes effect.
POLL_SECONDS = 0.05
#: Connections waiting to be accepted. socketserver's default (5) resets a burst of
#: clients (50 browsers at once), which API Gateway never does.
LISTEN_BACKLOG = 128


class _Server(ThreadingHTTPServer):
    request_queue_size = LISTEN_BACKLOG


class BackgroundHttpServer:
    def __init__(
        self, handler: type[BaseHTTPRequestHandler] | Any, host: str, port: int, name: str
    ) -> None:
        self._server = _Server((host, port), handler)
        self._server.daemon_threads = True
        self._name = name
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start_serving(self) -> None:
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": POLL_SECONDS},
            name=self._name,
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
