"""The Cognito check against moto's user pool: real RS256 tokens, the pool's JWKS, over HTTP."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from local_stack.auth import CognitoVerifier, Unauthorized
from local_stack.gateway import Gateway
from resources.definitions import USER_POOL, Naming
from resources.provision import add_user, create_app_client, provision_user_pool
from tests.integration.conftest import UserPoolContext

PASSWORD = "Correct-horse-9"
A_DAY = 24 * 3600


@dataclass(frozen=True)
class SignedIn:
    """Alice, an auditor, signed in through the web app client."""

    pool: UserPoolContext
    id_token: str
    access_token: str

    def verifier(self, **overrides: Any) -> CognitoVerifier:
        ids = self.pool.ids
        settings: dict[str, Any] = {
            "jwks_url": ids.jwks_url,
            "issuer": ids.issuer,
            "client_id": ids.client_id,
        }
        return CognitoVerifier(**(settings | overrides))

    def sign_in(self, client_id: str, username: str = "alice") -> dict[str, Any]:
        result: dict[str, Any] = self.pool.cognito_idp.initiate_auth(
            AuthFlow="USER_PASSWORD_AUTH",
            ClientId=client_id,
            AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD},
        )["AuthenticationResult"]
        return result


@pytest.fixture
def alice(user_pool: UserPoolContext) -> SignedIn:
    add_user(user_pool.cognito_idp, user_pool.ids.pool_id, "alice", PASSWORD, ["auditors"])
    tokens = user_pool.cognito_idp.initiate_auth(
        AuthFlow="USER_PASSWORD_AUTH",
        ClientId=user_pool.ids.client_id,
        AuthParameters={"USERNAME": "alice", "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    return SignedIn(user_pool, tokens["IdToken"], tokens["AccessToken"])


class RecordingApi:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def __call__(self, event: dict[str, Any]) -> dict[str, Any]:
        self.events.append(event)
        return {"statusCode": 200, "body": json.dumps({"ok": True})}


@pytest.fixture
def serve() -> Iterator[Callable[[CognitoVerifier], tuple[Gateway, RecordingApi]]]:
    """Start gateways in front of a recording function; stop them all afterwards."""
    started: list[Gateway] = []

    def start(verifier: CognitoVerifier) -> tuple[Gateway, RecordingApi]:
        api = RecordingApi()
        started.append(Gateway(api, verifier, allow_origin="*").start())
        return started[-1], api

    yield start
    for gateway in started:
        gateway.stop()


def get(gateway: Gateway, path: str, token: str) -> int:
    request = urllib.request.Request(gateway.url + path, headers={"Authorization": token})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        with error:
            return error.code


# -- provisioning -------------------------------------------------------------------------


def test_provisioning_the_user_pool_twice_finds_the_same_pool_client_and_groups(
    user_pool: UserPoolContext,
) -> None:
    again = provision_user_pool(user_pool.cognito_idp, Naming(prefix="test"))

    assert again == user_pool.ids
    groups = user_pool.cognito_idp.list_groups(UserPoolId=again.pool_id)["Groups"]
    assert {group["GroupName"]: group["Description"] for group in groups} == {
        group.name: group.description for group in USER_POOL.groups
    }


def test_the_ids_name_the_aws_issuer_and_the_local_jwks(user_pool: UserPoolContext) -> None:
    ids = user_pool.ids

    assert ids.issuer == f"https://cognito-idp.us-east-1.amazonaws.com/{ids.pool_id}"
    assert ids.jwks_url.startswith("http://127.0.0.1:")
    assert ids.jwks_url.endswith(f"/{ids.pool_id}/.well-known/jwks.json")


def test_adding_a_user_twice_keeps_one_user(user_pool: UserPoolContext) -> None:
    pool_id = user_pool.ids.pool_id

    first = add_user(user_pool.cognito_idp, pool_id, "sam", PASSWORD, ["support"])
    second = add_user(user_pool.cognito_idp, pool_id, "sam", PASSWORD, ["support", "auditors"])

    assert first == second
    groups = user_pool.cognito_idp.admin_list_groups_for_user(UserPoolId=pool_id, Username="sam")
    assert {group["GroupName"] for group in groups["Groups"]} == {"support", "auditors"}


def test_a_wrong_password_is_refused_by_cognito(alice: SignedIn) -> None:
    cognito_idp = alice.pool.cognito_idp

    with pytest.raises(cognito_idp.exceptions.NotAuthorizedException):
        cognito_idp.initiate_auth(
            AuthFlow="USER_PASSWORD_AUTH",
            ClientId=alice.pool.ids.client_id,
            AuthParameters={"USERNAME": "alice", "PASSWORD": "not-" + PASSWORD},
        )


# -- the verifier and the gateway -----------------------------------------------------------


def test_a_valid_id_token_is_accepted_and_its_claims_reach_the_function(
    alice: SignedIn, serve: Callable[[CognitoVerifier], tuple[Gateway, RecordingApi]]
) -> None:
    gateway, api = serve(alice.verifier())

    assert get(gateway, "/albums", alice.id_token) == 200

    claims = api.events[0]["requestContext"]["authorizer"]["claims"]
    assert claims["cognito:username"] == "alice"
    assert claims["cognito:groups"] == "auditors"
    assert claims["token_use"] == "id"
    assert claims["aud"] == alice.pool.ids.client_id
    assert claims["iss"] == alice.pool.ids.issuer
    assert claims["exp"].endswith(time.strftime("%Y", time.gmtime()))
    assert all(isinstance(value, str) for value in claims.values())


def test_the_verifier_returns_the_tokens_claims(alice: SignedIn) -> None:
    claims = alice.verifier().verify(alice.id_token)

    assert claims["cognito:groups"] == ["auditors"]
    assert claims["sub"]


def test_an_access_token_is_accepted_only_by_a_verifier_asking_for_access_tokens(
    alice: SignedIn,
) -> None:
    claims = alice.verifier(token_use="access").verify(alice.access_token)

    assert claims["client_id"] == alice.pool.ids.client_id


def tampered_signature(alice: SignedIn) -> tuple[str, CognitoVerifier]:
    header, payload, signature = alice.id_token.split(".")
    middle = len(signature) // 2
    flipped = "A" if signature[middle] != "A" else "B"
    forged = signature[:middle] + flipped + signature[middle + 1 :]
    return f"{header}.{payload}.{forged}", alice.verifier()


def tampered_claims(alice: SignedIn) -> tuple[str, CognitoVerifier]:
    header, payload, signature = alice.id_token.split(".")
    claims = _decode_segment(payload) | {"cognito:groups": ["support"]}
    return f"{header}.{_encode_segment(claims)}.{signature}", alice.verifier()


def expired(alice: SignedIn) -> tuple[str, CognitoVerifier]:
    return alice.id_token, alice.verifier(clock=lambda: time.time() + A_DAY)


def other_app_client(alice: SignedIn) -> tuple[str, CognitoVerifier]:
    ids = alice.pool.ids
    other = create_app_client(alice.pool.cognito_idp, ids.pool_id, USER_POOL, "other")
    return alice.sign_in(other)["IdToken"], alice.verifier()


def other_issuer(alice: SignedIn) -> tuple[str, CognitoVerifier]:
    issuer = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_SomeOtherPool"
    return alice.id_token, alice.verifier(issuer=issuer)


def unsigned(alice: SignedIn) -> tuple[str, CognitoVerifier]:
    claims = _decode_segment(alice.id_token.split(".")[1])
    header = {"alg": "none", "typ": "JWT", "kid": "dummy"}
    return f"{_encode_segment(header)}.{_encode_segment(claims)}.", alice.verifier()


def hs256_keyed_with_the_public_key(alice: SignedIn) -> tuple[str, CognitoVerifier]:
    """The classic confusion: HMAC with the RSA public key as the shared secret."""
    with urllib.request.urlopen(alice.pool.ids.jwks_url, timeout=10) as response:
        public_jwk = json.loads(response.read())["keys"][0]
    public_key = jwt.PyJWK(public_jwk).key
    secret = public_key.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    header = {"alg": "HS256", "typ": "JWT", "kid": public_jwk["kid"]}
    claims = _decode_segment(alice.id_token.split(".")[1])
    signing_input = f"{_encode_segment(header)}.{_encode_segment(claims)}"
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return (
        f"{signing_input}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}",
        alice.verifier(),
    )


def access_token_for_id_token(alice: SignedIn) -> tuple[str, CognitoVerifier]:
    return alice.access_token, alice.verifier()


def not_a_jwt(alice: SignedIn) -> tuple[str, CognitoVerifier]:
    return "not.a.jwt", alice.verifier()


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        (tampered_signature, "signature"),
        (tampered_claims, "signature"),
        (expired, "expired"),
        (other_app_client, "another app client"),
        (other_issuer, "another user pool"),
        (unsigned, "'none'"),
        (hs256_keyed_with_the_public_key, "'HS256'"),
        (access_token_for_id_token, "'access' token"),
        (not_a_jwt, "malformed"),
    ],
    ids=lambda value: getattr(value, "__name__", None) or str(value),
)
def test_a_bad_token_is_401_and_the_function_is_not_invoked(
    alice: SignedIn,
    serve: Callable[[CognitoVerifier], tuple[Gateway, RecordingApi]],
    case: Callable[[SignedIn], tuple[str, CognitoVerifier]],
    reason: str,
) -> None:
    token, verifier = case(alice)
    gateway, api = serve(verifier)

    assert get(gateway, "/albums", token) == 401
    assert api.events == []
    with pytest.raises(Unauthorized, match=reason):
        verifier.verify(token)


def test_the_expiry_check_honours_the_leeway(alice: SignedIn) -> None:
    expires = alice.verifier().verify(alice.id_token)["exp"]

    with pytest.raises(Unauthorized, match="expired"):
        alice.verifier(clock=lambda: expires + 5).verify(alice.id_token)
    assert alice.verifier(clock=lambda: expires + 5, leeway=30).verify(alice.id_token)


def _decode_segment(segment: str) -> dict[str, Any]:
    padded = segment + "=" * (-len(segment) % 4)
    claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(padded))
    return claims


def _encode_segment(value: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()
