"""The web page on loopback: the static files of `web/`, plus a generated `/config.js`.

The page reads everything deployment-specific from `window.RETAKE_CONFIG`, so
the same files run against the local stack and against AWS (where the Pulumi
program writes config.js next to them).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from functools import partial
from http.server import SimpleHTTPRequestHandler
from os import PathLike
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from local_stack.http_server import BackgroundHttpServer

logger = logging.getLogger(__name__)

WEB_ROOT = Path(__file__).resolve().parent.parent / "web"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})

#: No inline script, no plugins, no framing: what the page needs and nothing an
#: injected string could use. Connections stay open: the API, Cognito and S3 (uploads,
#: presigned images) live on other origins.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'none'; "
    "connect-src *; img-src 'self' data: blob: *"
)


@dataclass(frozen=True)
class SiteConfig:
    """What the page needs to sign in and call the API (`window.RETAKE_CONFIG`)."""

    api_url: str
    region: str
    user_pool_id: str
    client_id: str
    #: Cognito's JSON API: moto's endpoint locally, on AWS https://cognito-idp.<region>.amazonaws.com/
    cognito_endpoint: str
    #: Whether Cognito is moto's: it accepts any confirmation code and sends none (the page
    #: says so at sign-up), and has no RevokeToken (the page only forgets tokens at sign-out).
    #: None: true when Cognito is on loopback.
    local_confirmation: bool | None = None

    @property
    def cognito_is_local(self) -> bool:
        if self.local_confirmation is not None:
            return self.local_confirmation
        return urlsplit(self.cognito_endpoint).hostname in LOOPBACK_HOSTS

    def script(self) -> str:
        """config.js, in the page's own (camelCase) names."""
        page_config = {
            "apiUrl": self.api_url.rstrip("/"),
            "region": self.region,
            "userPoolId": self.user_pool_id,
            "clientId": self.client_id,
            "cognitoEndpoint": self.cognito_endpoint,
            "localConfirmation": self.cognito_is_local,
        }
        return f"window.RETAKE_CONFIG = Object.freeze({json.dumps(page_config, indent=2)});\n"


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
