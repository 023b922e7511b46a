"""The web page on loopback: the static files of `web/`, plus a generated `/config.js`.

The page reads everything deployment-specific from `window.RETAKE_CONFIG`, so
the same files run against the local stack and against AWS (where the Pulumi
program writes config.js next to them).
"""

from __future__ import annotations

import logging
from functools import partial
from http.server import SimpleHTTPRequestHandler
from os import PathLike
from pathlib import Path
from typing import Any

from local_stack.http_server import BackgroundHttpServer
from resources.site_config import SiteConfig

logger = logging.getLogger(__name__)

WEB_ROOT = Path(__file__).resolve().parent.parent / "web"

#: No inline script, no plugins, no framing: what the page needs and nothing an
#: injected string could use. Connections stay open: the API, Cognito and S3 (uploads,
#: presigned images) live on other origins.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'none'; "
    "connect-src *; img-src 'self' data: blob: *"
)


class Site:
    """Serve `web_root` on `url`, with `config` as `/config.js`."""

    def __init__(
        self,
        config: SiteConfig,
        web_root: Path = WEB_ROOT,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.config = config
        handler = partial(_SiteHandler, config.script().encode(), directory=str(web_root))
        self._http = BackgroundHttpServer(handler, host, port, "site")

    @property
    def url(self) -> str:
        return self._http.url

    def start(self) -> Site:
        self._http.start_serving()
        return self

    def stop(self) -> None:
        self._http.stop()


class _SiteHandler(SimpleHTTPRequestHandler):
    server_version = "retake-site"
    # Modules load only with a JavaScript type (and nosniff): never leave it to /etc/mime.types.
    extensions_map = {
        **SimpleHTTPRequestHandler.extensions_map,
        ".js": "text/javascript",
        ".css": "text/css",
        ".html": "text/html",
    }

    def __init__(self, config_script: bytes, *args: Any, **kwargs: Any) -> None:
        self._config_script = config_script
        super().__init__(*args, **kwargs)

    def do_GET(self) -> None:
        if self.path.split("?", 1)[0] == "/config.js":
            self.send_response(200)
            self.send_header("Content-Type", "text/javascript; charset=utf-8")
            self.send_header("Content-Length", str(len(self._config_script)))
            self.end_headers()
            self.wfile.write(self._config_script)
            return
        super().do_GET()

    def end_headers(self) -> None:
        # The page changes while one develops it; a stale module helps nobody.
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        super().end_headers()

    def list_directory(self, path: str | PathLike[str]) -> None:
        """No directory listings: a folder without index.html is not found."""
        self.send_error(404, "Not found")
        return None

    def log_message(self, format: str, *args: object) -> None:
        logger.debug("%s " + format, self.address_string(), *args)
