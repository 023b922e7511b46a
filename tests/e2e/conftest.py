"""End-to-end fixtures: the whole local stack, in-process, reached only over HTTP and Cognito.

One stack serves the whole folder (`stack`, package-scoped, so it is gone before
other folders' tests share moto's in-process backends). It runs the real thing:
moto's server, the resources, the functions in container processes, the
pollers, the gateway with its Cognito check. Tests talk to it as the web page
does: sign in through Cognito's USER_PASSWORD_AUTH, then call the API with
the ID token. `wait_projected` polls a command's status until reads show it.

Right after the stack starts, the fixture calls `GET /health` twice and keeps
the API function's statistics around those calls (`api_warm_up`), so the cold
and warm start can be checked whatever order the tests run in.
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest

from local_stack.runtime import FunctionStats
from local_stack.stack import DEMO_ACCOUNTS, DemoAccount, LocalStack, StackConfig, StackInfo

_HERE = Path(__file__).parent
REGION = "us-east-1"
PASSWORD = "Retake-demo-1"
#: A second gallery user, to show that one user never sees another's album.
BOB = DemoAccount("gallery user", "bob", PASSWORD, name="Bob Builder")
ACCOUNTS = (*DEMO_ACCOUNTS, BOB)
PROJECTED_WITHIN_SECONDS = 30.0
HTTP_TIMEOUT_SECONDS = 30.0


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test in this folder `e2e` (deselect with -m 'not e2e'); order them.

    Tests that run stacks of their own go first, before the shared `stack`
    exists: an idle stack's pollers keep about one core busy, and two stacks
    on a two-core machine slow each other down.
    """
    ours = [index for index, item in enumerate(items) if _HERE in item.path.parents]
    for index in ours:
        items[index].add_marker(pytest.mark.e2e)
    if ours and ours == list(range(ours[0], ours[0] + len(ours))):
        folder = items[ours[0] : ours[-1] + 1]
        own = [item for item in folder if "stack" not in getattr(item, "fixturenames", ())]
        shared = [item for item in folder if "stack" in getattr(item, "fixturenames", ())]
        items[ours[0] : ours[-1] + 1] = own + shared


# -- HTTP ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    """An HTTP answer: status, headers, raw text, and the JSON body if it is JSON."""

    status: int
    headers: Mapping[str, str]
    text: str

    @property
    def body(self) -> Any:
        return json.loads(self.text) if self.text else None

    @property
    def error_code(self) -> str | None:
        body = self.body
        return body.get("error", {}).get("code") if isinstance(body, dict) else None


def http(
    method: str,
    url: str,
    token: str | None = None,
    body: Any = None,
    headers: Mapping[str, str] | None = None,
) -> Reply:
    """One request with urllib; an HTTP error status is an answer, not an exception."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token is not None:
        request.add_header("Authorization", token)
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_SECONDS) as response:
            return Reply(response.status, dict(response.headers), response.read().decode())
    except urllib.error.HTTPError as error:
        return Reply(error.code, dict(error.headers), error.read().decode())


def cognito_client(endpoint: str) -> Any:
    return boto3.client(
        "cognito-idp",
        region_name=REGION,
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def sign_in(
    cognito: Any, client_id: str, username: str, password: str = PASSWORD
) -> dict[str, Any]:
    """Cognito's AuthenticationResult for a user: IdToken, AccessToken, RefreshToken."""
    result: dict[str, Any] = cognito.initiate_auth(
        AuthFlow="USER_PASSWORD_AUTH",
        ClientId=client_id,
        AuthParameters={"USERNAME": username, "PASSWORD": password},
    )["AuthenticationResult"]
    return result


def wait_projected(
    api_url: str, token: str, command_id: str, timeout: float = PROJECTED_WITHIN_SECONDS
) -> dict[str, Any]:
    """Poll `GET /commands/{id}` until the command is projected; its status record."""
    deadline = time.monotonic() + timeout
    last: Reply | None = None
    while time.monotonic() < deadline:
        last = http("GET", f"{api_url}/commands/{command_id}", token)
        if last.status == 200 and last.body["projected"]:
            record: dict[str, Any] = last.body
            return record
        time.sleep(0.1)
    raise AssertionError(
        f"command {command_id} not projected within {timeout} s; last answer: "
        f"{last.status if last else '-'} {last.text if last else ''}"
    )


# -- the stack ----------------------------------------------------------------------------


@dataclass
class RunningStack:
    """The in-process stack, with helpers to sign in and call its API as a person would."""

    config: StackConfig
    stack: LocalStack = field(init=False)
    info: StackInfo = field(init=False)
    #: The API function's stats before any call, after the first call, after the second.
    api_warm_up: tuple[FunctionStats, FunctionStats, FunctionStats] = field(init=False)
    _tokens: dict[str, str] = field(default_factory=dict)
    _cognito: Any = None

    def start(self) -> None:
        self.stack = LocalStack(self.config)
        self.info = self.stack.start()
        self._tokens.clear()
        self._cognito = None
        before = self.function_stats("api")
        assert http("GET", f"{self.api_url}/health").status == 200
        after_first = self.function_stats("api")
        assert http("GET", f"{self.api_url}/health").status == 200
        self.api_warm_up = (before, after_first, self.function_stats("api"))

    def stop(self) -> None:
        self.stack.stop()

    def restart(self) -> None:
        """A clean stop (state saved) and a new stack on the same data folder."""
        self.stop()
        self.start()

    @property
    def api_url(self) -> str:
        return self.info.api_url

    @property
    def cognito(self) -> Any:
        if self._cognito is None:
            self._cognito = cognito_client(self.info.endpoint)
        return self._cognito

    def function_stats(self, name: str) -> FunctionStats:
        assert self.stack.runtime is not None
        return self.stack.runtime.stats()[name]

    def sub(self, username: str) -> str:
        """The user id (`sub`) the API sees for a demo account."""
        return str(next(a["sub"] for a in self.info.accounts if a["username"] == username))

    def token(self, username: str) -> str:
        """An ID token of the stack's app client for a demo account (cached per stack)."""
        if username not in self._tokens:
            self._tokens[username] = sign_in(self.cognito, self.info.client_id, username)["IdToken"]
        return self._tokens[username]

    def call(self, method: str, path: str, as_user: str | None = None, body: Any = None) -> Reply:
        token = self.token(as_user) if as_user else None
        return http(method, f"{self.api_url}{path}", token, body)

    def wait_projected(self, command_id: str, as_user: str = "alice") -> dict[str, Any]:
        return wait_projected(self.api_url, self.token(as_user), command_id)


@contextmanager
def running_stack(data_dir: Path, **config: Any) -> Iterator[RunningStack]:
    """A whole local stack on free ports for one folder's tests; boto3's environment
    restored after. `config` overrides the StackConfig defaults used here."""
    saved_environment = dict(os.environ)
    settings: dict[str, Any] = {
        "moto_port": 0,
        "api_port": 0,
        "site_port": 0,
        "keep_warm": False,
        "idle_timeout_seconds": 120,
        "retry_after_seconds": 1,
        "demo_accounts": ACCOUNTS,
        **config,
    }
    running = RunningStack(StackConfig(data_dir=data_dir, **settings))
    try:
        running.start()
        yield running
    finally:
        running.stop()
        os.environ.clear()
        os.environ.update(saved_environment)


@pytest.fixture(scope="package")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    """The whole local stack for this folder's tests."""
    with running_stack(tmp_path_factory.mktemp("retake-e2e")) as running:
        yield running
