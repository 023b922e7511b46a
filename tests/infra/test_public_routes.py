"""The gateway and the API function agree on which paths anyone may call without signing in.

API Gateway skips the Cognito authorizer for `PUBLIC_ROUTES`; the API function
refuses an unsigned request unless its path is in `PUBLIC_PATHS`. A path public
at the gateway but not in the app answers 401 to everyone; one public in the app
but not at the gateway is dead code that would open up if the gateway changed.
"""

from __future__ import annotations

import re

import pytest

from api.app import PUBLIC_PATHS, app, refusal
from local_stack.proxy_event import is_public
from resources.definitions import PUBLIC_ROUTES


def examples(template: str) -> list[str]:
    """Concrete paths a route template covers: `{name}` one segment, `{name+}` one or more."""
    one = re.sub(r"\{[^/]+?\}", "k3y", template.replace("+}", "}"))
    return [one, *([one + "/more"] if "+}" in template else [])]


def app_paths() -> set[str]:
    documented = app.get_openapi_schema().paths or {}
    return {path for template in documented for path in examples(template)}


CANDIDATES = sorted(
    {path for route in PUBLIC_ROUTES for path in examples(route.path)}
    | app_paths()
    | {"/docs", "/docs/swagger-ui.css", "/docs/a/b", "/docsx", "/shared", "/shared/k/photos"}
    | {"/healthz", "/openapi.json", "/albums", "/"}
)


@pytest.mark.parametrize("path", CANDIDATES)
def test_a_get_is_public_in_the_app_exactly_when_it_is_public_at_the_gateway(path: str) -> None:
    unsigned = {"httpMethod": "GET", "path": path, "headers": {}, "body": None}
    assert (refusal(unsigned) is None) is is_public("GET", path), path
    assert bool(PUBLIC_PATHS.match(path)) is is_public("GET", path), path


def test_every_public_route_is_a_get_or_a_preflight() -> None:
    # The app lets every OPTIONS through before asking PUBLIC_PATHS; any other method
    # made public at the gateway would need the app to know methods too.
    assert {route.method for route in PUBLIC_ROUTES} == {"GET", "OPTIONS"}
    assert {route.path for route in PUBLIC_ROUTES if route.method == "OPTIONS"} == {
        "/",
        "/{proxy+}",
    }
