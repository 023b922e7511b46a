"""The static site over HTTP: the page, its assets and the config.js generated for the stack."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from email.message import Message

import pytest

from local_stack.site import WEB_ROOT, Site
from resources.site_config import SiteConfig
from tests.integration.conftest import UserPoolContext

API_URL = "http://127.0.0.1:9999"


@pytest.fixture
def site(user_pool: UserPoolContext) -> Iterator[Site]:
    ids = user_pool.ids
    config = SiteConfig(
        api_url=API_URL,
        region=ids.region,
        user_pool_id=ids.pool_id,
        client_id=ids.client_id,
        cognito_endpoint=user_pool.cognito_idp.meta.endpoint_url,
    )
    site = Site(config).start()
    try:
        yield site
    finally:
        site.stop()


def fetch(site: Site, path: str) -> tuple[int, Message, str]:
    try:
        with urllib.request.urlopen(site.url + path, timeout=10) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers, error.read().decode()


def test_the_site_serves_the_page(site: Site) -> None:
    status, headers, page = fetch(site, "/")

    assert status == 200
    assert headers["Content-Type"].startswith("text/html")
    assert '<script src="config.js"></script>' in page
    assert '<script type="module" src="js/main.js"></script>' in page
    assert '<label for="sign-in-password">Password</label>' in page
    assert "script-src 'self'" in headers["Content-Security-Policy"]


def test_config_js_holds_the_api_url_and_the_user_pools_ids(
    site: Site, user_pool: UserPoolContext
) -> None:
    status, headers, script = fetch(site, "/config.js")

    assert status == 200
    assert headers["Content-Type"].startswith("text/javascript")
    prefix, _, rest = script.partition("Object.freeze(")
    assert prefix == "window.RETAKE_CONFIG = "
    config = json.loads(rest.rstrip().removesuffix(");"))
    assert config == {
        "apiUrl": API_URL,
        "region": "us-east-1",
        "userPoolId": user_pool.ids.pool_id,
        "clientId": user_pool.ids.client_id,
        "cognitoEndpoint": user_pool.cognito_idp.meta.endpoint_url,
        # moto on loopback: any confirmation code confirms an account.
        "localConfirmation": True,
    }


@pytest.mark.parametrize(
    ("path", "content_type"), [("/js/main.js", "text/javascript"), ("/style.css", "text/css")]
)
def test_the_assets_are_served(site: Site, path: str, content_type: str) -> None:
    status, headers, _ = fetch(site, path)

    assert status == 200
    assert headers["Content-Type"].startswith(content_type)


@pytest.mark.parametrize("path", ["/missing.html", "/../pyproject.toml", "/%2e%2e/pyproject.toml"])
def test_nothing_outside_the_page_is_served(site: Site, path: str) -> None:
    assert fetch(site, path)[0] == 404


def test_the_page_never_writes_html_from_strings() -> None:
    scripts = sorted((WEB_ROOT / "js").glob("*.js"))
    assert scripts

    for script in scripts:
        text = script.read_text()
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
            assert sink not in text, (script.name, sink)
