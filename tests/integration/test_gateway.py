"""The API Gateway emulator over real HTTP, in front of a fake function that echoes its event."""

from __future__ import annotations

import base64
import http.client
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

import pytest

from local_stack.auth import Unauthorized
from local_stack.gateway import Gateway

VALID_TOKEN = "valid-id-token"
CLAIMS: dict[str, Any] = {
    "sub": "4b097483-2c21-48b4-9454-7bc72f212f20",
    "cognito:username": "alice",
    "cognito:groups": ["auditors", "support"],
    "token_use": "id",
    "email_verified": True,
    "auth_time": 1795704255,
    "exp": 1795707855,
}


class FakeVerifier:
    """Knows one token; refuses every other."""

    def verify(self, token: str) -> dict[str, Any]:
        if token != VALID_TOKEN:
            raise Unauthorized("not the token the fake knows")
        return dict(CLAIMS)


@dataclass
class FakeApi:
    """Answers each event with the event itself, as JSON; or as told."""

    events: list[dict[str, Any]] = field(default_factory=list)
    answer: Any = None
    crash: bool = False

    def __call__(self, event: dict[str, Any]) -> dict[str, Any]:
        self.events.append(event)
        if self.crash:
            raise RuntimeError("the handler fell over")
        if self.answer is not None:
            answer: dict[str, Any] = self.answer
            return answer
        return {
            "statusCode": 200,
            "headers": {"Content-Type": "application/json", "X-Echo": "yes"},
            "body": json.dumps(event),
        }


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Message
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@pytest.fixture
def api() -> FakeApi:
    return FakeApi()


@pytest.fixture
def gateway(api: FakeApi, monkeypatch: pytest.MonkeyPatch) -> Iterator[Gateway]:
    monkeypatch.delenv("RETAKE_API_ALLOWED_ORIGIN", raising=False)
    gateway = Gateway(api, FakeVerifier()).start()
    try:
        yield gateway
    finally:
        gateway.stop()


def call(
    gateway: Gateway,
    path: str,
    method: str = "GET",
    token: str | None = VALID_TOKEN,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> Answer:
    all_headers = {**({"Authorization": token} if token else {}), **(headers or {})}
    request = urllib.request.Request(
        gateway.url + path, data=body, method=method, headers=all_headers
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return Answer(response.status, response.headers, response.read())
    except urllib.error.HTTPError as error:
        with error:
            return Answer(error.code, error.headers, error.read())


def test_an_authorised_request_reaches_the_function_as_a_proxy_event(
    gateway: Gateway, api: FakeApi
) -> None:
    answer = call(gateway, "/albums/a1/photos?tag=beach&tag=sea&limit=5")

    assert answer.status == 200
    assert answer.headers["X-Echo"] == "yes"
    event = answer.json()
    assert event == api.events[0]
    assert event["httpMethod"] == "GET"
    assert event["resource"] == "/{proxy+}"
    assert event["path"] == "/albums/a1/photos"
    assert event["pathParameters"] == {"proxy": "albums/a1/photos"}
    assert event["queryStringParameters"] == {"tag": "sea", "limit": "5"}
    assert event["multiValueQueryStringParameters"] == {"tag": ["beach", "sea"], "limit": ["5"]}
    assert event["headers"]["Authorization"] == VALID_TOKEN
    assert event["requestContext"]["identity"]["sourceIp"] == "127.0.0.1"
    assert event["requestContext"]["stage"] == "local"


def test_the_claims_reach_the_function_as_strings(gateway: Gateway) -> None:
    claims = call(gateway, "/albums").json()["requestContext"]["authorizer"]["claims"]

    assert claims["cognito:groups"] == "auditors,support"
    assert claims["cognito:username"] == "alice"
    assert claims["email_verified"] == "true"
    assert claims["auth_time"] == "1795704255"
    assert claims["exp"] == "Thu Nov 26 15:44:15 UTC 2026"
    assert all(isinstance(value, str) for value in claims.values())


def test_a_bearer_token_is_accepted_too(gateway: Gateway) -> None:
    assert call(gateway, "/albums", token=f"Bearer {VALID_TOKEN}").status == 200


def test_repeated_headers_reach_the_function_in_both_maps(gateway: Gateway) -> None:
    host, port = gateway.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    connection.putrequest("GET", "/albums")
    connection.putheader("Authorization", VALID_TOKEN)
    connection.putheader("X-Tag", "one")
    connection.putheader("X-Tag", "two")
    connection.endheaders()
    event = json.loads(connection.getresponse().read())
    connection.close()

    assert event["headers"]["X-Tag"] == "two"
    assert event["multiValueHeaders"]["X-Tag"] == ["one", "two"]


def test_a_json_body_travels_as_text(gateway: Gateway) -> None:
    body = json.dumps({"title": "Lisboa ☀"}).encode()

    event = call(gateway, "/albums", "POST", body=body).json()

    assert event["body"] == body.decode()
    assert event["isBase64Encoded"] is False


def test_a_binary_body_travels_base64_encoded(gateway: Gateway) -> None:
    jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\xff"

    event = call(
        gateway, "/photos/p1/bytes", "PUT", body=jpeg, headers={"Content-Type": "image/jpeg"}
    ).json()

    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == jpeg


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/health"),
        ("GET", "/openapi.json"),
        ("GET", "/docs"),
        ("GET", "/docs/swagger-ui.css"),
        ("GET", "/shared/s3cr3t-t0ken"),
        ("OPTIONS", "/albums"),
    ],
)
def test_public_routes_reach_the_function_without_a_token(
    gateway: Gateway, api: FakeApi, method: str, path: str
) -> None:
    answer = call(gateway, path, method, token=None)

    assert answer.status == 200
    assert len(api.events) == 1
    assert "authorizer" not in api.events[0]["requestContext"]


@pytest.mark.parametrize(
    ("method", "path", "token"),
    [
        ("GET", "/albums", None),
        ("GET", "/albums", "forged"),
        ("POST", "/health", None),
        ("GET", "/shared/token/photos", None),
        ("DELETE", "/albums/a1", "Bearer "),
    ],
)
def test_a_missing_or_refused_token_is_401_and_never_reaches_the_function(
    gateway: Gateway, api: FakeApi, method: str, path: str, token: str | None
) -> None:
    answer = call(gateway, path, method, token=token)

    assert answer.status == 401
    assert answer.json()["error"]["code"] == "unauthorized"
    assert answer.json()["error"]["message"]
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    assert answer.headers["Content-Type"] == "application/json"
    assert api.events == []


def test_the_401s_cors_origin_comes_from_the_setting(
    api: FakeApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RETAKE_API_ALLOWED_ORIGIN", "http://127.0.0.1:5173")
    gateway = Gateway(api, FakeVerifier()).start()
    try:
        answer = call(gateway, "/albums", token=None)
    finally:
        gateway.stop()

    assert answer.headers["Access-Control-Allow-Origin"] == "http://127.0.0.1:5173"


def test_a_crash_of_the_function_is_a_502_in_json(gateway: Gateway, api: FakeApi) -> None:
    api.crash = True

    answer = call(gateway, "/albums")

    assert answer.status == 502
    assert answer.json()["error"]["code"] == "bad_gateway"
    assert answer.headers["Access-Control-Allow-Origin"] == "*"


def test_a_malformed_proxy_response_is_a_502(gateway: Gateway, api: FakeApi) -> None:
    api.answer = {"body": "no status code"}

    assert call(gateway, "/albums").status == 502


def test_the_functions_status_headers_and_base64_body_are_written_back(
    gateway: Gateway, api: FakeApi
) -> None:
    png = b"\x89PNG\r\n\x1a\n\x00"
    api.answer = {
        "statusCode": 202,
        "headers": {"Content-Type": "image/png"},
        "multiValueHeaders": {"X-Command": ["c1", "c2"]},
        "body": base64.b64encode(png).decode(),
        "isBase64Encoded": True,
    }

    answer = call(gateway, "/albums", "POST", body=b"{}")

    assert answer.status == 202
    assert answer.body == png
    assert answer.headers["Content-Type"] == "image/png"
    assert answer.headers.get_all("X-Command") == ["c1", "c2"]
