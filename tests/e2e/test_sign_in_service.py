"""The page can always reach its sign-in service: Chromium's CORS preflight to Cognito.

The page calls Cognito's JSON API from another origin than its own, with
`Content-Type: application/x-amz-json-1.1` and `X-Amz-Target`, so the browser
sends a preflight first, and signs in only if it is answered 2xx with the
origin and those headers allowed. moto 5.2.6 as released answers it 500
(`local_stack.moto_patches` answers it); this test fails there.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

from tests.e2e.conftest import PASSWORD, RunningStack, http

#: What Chromium sends before `fetch(cognitoEndpoint, {method: "POST", headers: ...})`.
PREFLIGHT_HEADERS = {
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "content-type,x-amz-target",
    "Sec-Fetch-Mode": "cors",
    "Sec-Fetch-Site": "same-site",
    "Sec-Fetch-Dest": "empty",
    "Accept": "*/*",
}


def page_config(stack: RunningStack) -> dict[str, str]:
    """The settings the page reads from `config.js`, as the stack serves them."""
    script = http("GET", f"{stack.info.site_url}/config.js").text
    found = re.search(r"(\{.*\})", script, re.DOTALL)
    assert found, script
    config: dict[str, str] = json.loads(found.group(1))
    return config


def origin(stack: RunningStack) -> str:
    parts = urlsplit(stack.info.site_url)
    return f"{parts.scheme}://{parts.netloc}"


def test_the_browsers_preflight_to_the_sign_in_service_is_allowed(stack: RunningStack) -> None:
    endpoint = page_config(stack)["cognitoEndpoint"]

    reply = http("OPTIONS", endpoint, headers={"Origin": origin(stack), **PREFLIGHT_HEADERS})

    assert 200 <= reply.status < 300, (reply.status, reply.text[:300])
    headers = {name.lower(): value for name, value in reply.headers.items()}
    assert headers.get("access-control-allow-origin") in (origin(stack), "*")
    assert "POST" in headers.get("access-control-allow-methods", "")
    allowed = {
        h.strip().lower() for h in headers.get("access-control-allow-headers", "").split(",")
    }
    assert {"content-type", "x-amz-target"} <= allowed


def test_the_sign_in_that_follows_the_preflight_is_readable_by_the_page(
    stack: RunningStack,
) -> None:
    config = page_config(stack)
    reply = http(
        "POST",
        config["cognitoEndpoint"],
        headers={
            "Origin": origin(stack),
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "AWSCognitoIdentityProviderService.InitiateAuth",
        },
        body={
            "AuthFlow": "USER_PASSWORD_AUTH",
            "ClientId": config["clientId"],
            "AuthParameters": {"USERNAME": "alice", "PASSWORD": PASSWORD},
        },
    )

    assert reply.status == 200, reply.text[:300]
    headers = {name.lower(): value for name, value in reply.headers.items()}
    assert headers.get("access-control-allow-origin") in (origin(stack), "*")
    assert reply.body["AuthenticationResult"]["IdToken"]
