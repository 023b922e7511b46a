"""The gateway's translation: HTTP request -> REST proxy event -> HTTP response. No I/O."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any, cast

import pytest
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.utilities.parser.models import APIGatewayProxyEventModel
from aws_lambda_powertools.utilities.typing import LambdaContext

from local_stack.proxy_event import (
    HttpRequest,
    MalformedProxyResponse,
    claims_as_strings,
    http_response,
    is_public,
    proxy_event,
)

REFERENCE_EVENT = Path(__file__).parents[1] / "events" / "api_gateway_rest_authorized.json"
NOW = 1795704602.5  # Thu Nov 26 2026 14:50:02 UTC

COGNITO_CLAIMS: dict[str, Any] = {
    "sub": "4b097483-2c21-48b4-9454-7bc72f212f20",
    "aud": "12152f8ca5944095b5727a1fd0",
    "cognito:groups": ["auditors", "support"],
    "email_verified": True,
    "token_use": "id",
    "auth_time": 1795704255,
    "iat": 1795704255,
    "exp": 1795707855,
    "cognito:username": "alice",
}


def request(
    target: str = "/albums",
    method: str = "GET",
    headers: list[tuple[str, str]] | None = None,
    body: bytes = b"",
) -> HttpRequest:
    default_headers = [("Host", "127.0.0.1:8080"), ("User-Agent", "pytest")]
    return HttpRequest(method, target, headers or default_headers, body, source_ip="127.0.0.9")


def test_the_event_has_the_shape_of_api_gateways_rest_proxy_event() -> None:
    reference = json.loads(REFERENCE_EVENT.read_text())

    event = proxy_event(request("/albums/a1/photos?tag=sea"), COGNITO_CLAIMS, now=NOW)

    assert set(event) == set(reference)
    assert set(event["requestContext"]) == set(reference["requestContext"])
    assert set(event["requestContext"]["identity"]) == set(reference["requestContext"]["identity"])
    APIGatewayProxyEventModel.model_validate(event)


def test_path_resource_and_proxy_parameter() -> None:
    event = proxy_event(request("/albums/a1/photos"), now=NOW)

    assert event["resource"] == "/{proxy+}"
    assert event["path"] == "/albums/a1/photos"
    assert event["pathParameters"] == {"proxy": "albums/a1/photos"}
    assert event["requestContext"]["resourcePath"] == "/{proxy+}"
    assert event["requestContext"]["path"] == "/local/albums/a1/photos"
    assert event["requestContext"]["stage"] == "local"


def test_the_root_path_is_its_own_resource_without_path_parameters() -> None:
    event = proxy_event(request("/"), now=NOW)

    assert (event["resource"], event["pathParameters"]) == ("/", None)


def test_single_value_maps_hold_the_last_value_and_multi_value_maps_all() -> None:
    headers = [("Host", "h"), ("X-Tag", "one"), ("X-Tag", "two")]

    event = proxy_event(request("/photos?tag=beach&tag=sea&q=a%20b&empty=", headers=headers))

    assert event["queryStringParameters"] == {"tag": "sea", "q": "a b", "empty": ""}
    assert event["multiValueQueryStringParameters"] == {
        "tag": ["beach", "sea"],
        "q": ["a b"],
        "empty": [""],
    }
    assert event["headers"]["X-Tag"] == "two"
    assert event["multiValueHeaders"]["X-Tag"] == ["one", "two"]


def test_no_query_is_null_not_empty() -> None:
    event = proxy_event(request("/albums"))

    assert event["queryStringParameters"] is None
    assert event["multiValueQueryStringParameters"] is None


def test_request_context_carries_time_ids_and_the_callers_address() -> None:
    event = proxy_event(request(), now=NOW, request_id="req-1")

    context = event["requestContext"]
    assert context["requestTimeEpoch"] == 1795704602500
    assert context["requestTime"] == "26/Nov/2026:14:50:02 +0000"
    assert context["requestId"] == "req-1"
    assert context["identity"]["sourceIp"] == "127.0.0.9"
    assert context["identity"]["userAgent"] == "pytest"
    assert event["headers"]["X-Forwarded-For"] == "127.0.0.9"


def test_a_utf8_body_travels_as_text() -> None:
    event = proxy_event(request(method="POST", body='{"title": "Lisboa, primavera ☀"}'.encode()))

    assert event["body"] == '{"title": "Lisboa, primavera ☀"}'
    assert event["isBase64Encoded"] is False


def test_a_binary_body_travels_base64_encoded() -> None:
    jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"

    event = proxy_event(request(method="PUT", body=jpeg))

    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == jpeg


def test_no_body_is_null() -> None:
    assert proxy_event(request())["body"] is None


def test_without_claims_there_is_no_authorizer() -> None:
    assert "authorizer" not in proxy_event(request())["requestContext"]


def test_every_claim_becomes_a_string_as_api_gateway_passes_them() -> None:
    claims = claims_as_strings(COGNITO_CLAIMS)

    assert claims["cognito:groups"] == "auditors,support"
    assert claims["email_verified"] == "true"
    assert claims["auth_time"] == "1795704255"
    assert claims["exp"] == "Thu Nov 26 15:44:15 UTC 2026"
    assert claims["iat"] == "Thu Nov 26 14:44:15 UTC 2026"
    assert claims["cognito:username"] == "alice"
    assert all(isinstance(value, str) for value in claims.values())


def test_powertools_reads_the_claims_query_and_path_of_the_event() -> None:
    app = APIGatewayRestResolver()

    @app.get("/albums/<album_id>")
    def get_album(album_id: str) -> dict[str, Any]:
        event = app.current_event
        return {
            "album_id": album_id,
            "groups": event.request_context.authorizer.claims["cognito:groups"].split(","),
            "limit": event.query_string_parameters["limit"],
        }

    event = proxy_event(request("/albums/a1?limit=5"), COGNITO_CLAIMS)
    response = app.resolve(event, cast(LambdaContext, None))

    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == {
        "album_id": "a1",
        "groups": ["auditors", "support"],
        "limit": "5",
    }


@pytest.mark.parametrize(
    ("method", "path", "public"),
    [
        ("GET", "/health", True),
        ("GET", "/openapi.json", True),
        ("GET", "/docs", True),
        ("GET", "/docs/swagger.css", True),
        ("GET", "/shared/k3y", True),
        ("OPTIONS", "/albums", True),
        ("OPTIONS", "/", True),
        ("POST", "/health", False),
        ("GET", "/healthz", False),
        ("GET", "/shared", False),
        ("GET", "/shared/", False),
        ("GET", "/shared/k3y/photos", False),
        ("GET", "/docsx", False),
        ("GET", "/albums", False),
        ("DELETE", "/docs/x", False),
    ],
)
def test_public_routes(method: str, path: str, public: bool) -> None:
    assert is_public(method, path) is public


def test_the_response_merges_header_maps_as_api_gateway_does() -> None:
    response = http_response(
        {
            "statusCode": 201,
            "headers": {"X-One": "1", "Set-Cookie": "ignored=1", "Content-Length": "999"},
            "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]},
            "body": '{"ok": true}',
        }
    )

    assert response.status == 201
    assert ("X-One", "1") in response.headers
    assert [value for name, value in response.headers if name == "Set-Cookie"] == ["a=1", "b=2"]
    assert ("Content-Type", "application/json") in response.headers
    assert not any(name.lower() == "content-length" for name, _ in response.headers)
    assert response.body == b'{"ok": true}'


def test_a_base64_response_body_is_decoded() -> None:
    png = b"\x89PNG\r\n\x1a\n"

    response = http_response(
        {
            "statusCode": 200,
            "headers": {"Content-Type": "image/png"},
            "body": base64.b64encode(png).decode(),
            "isBase64Encoded": True,
        }
    )

    assert response.body == png
    assert response.headers == [("Content-Type", "image/png")]


@pytest.mark.parametrize(
    "answer",
    [None, "ok", {"body": "no status"}, {"statusCode": "200"}, {"statusCode": 200, "body": {}}],
)
def test_a_malformed_proxy_response_is_refused(answer: object) -> None:
    with pytest.raises(MalformedProxyResponse):
        http_response(answer)
