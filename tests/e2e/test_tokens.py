"""The gateway's Cognito check over HTTP: every token API Gateway would refuse gets 401.

Every refusal answers 401 with the JSON error body (`unauthorized`), and a
refused request never reaches the API function, so its invocation count stays
put. This file is the one place for the token checks of the security suite
(`tests/security` holds the rest):

| token                                    | test                                          |
|------------------------------------------|-----------------------------------------------|
| none, or garbage                         | `test_no_token_…`, `test_garbage_…`           |
| tampered signature                       | `test_a_token_with_a_tampered_signature_…`    |
| claims changed, signature kept           | `…_expiry_was_moved_…`, `…_another_subject_…` |
| expired (signed by the pool)             | `…_signed_by_the_pool_that_has_expired_…`     |
| wrong issuer (another pool)              | `test_an_id_token_of_another_user_pool_…`     |
| wrong client id (another app client)     | `…_of_another_app_client_of_the_same_pool_…`  |
| `alg: none`                              | `test_an_unsigned_alg_none_token_…`           |
| HS256 with a guessed secret              | `…_signed_hs256_with_a_shared_secret_…`       |
| an attacker's RSA key, named or embedded | `…_signed_by_a_key_outside_the_pool_…`        |
| an access token (the API takes ID tokens)| `test_an_access_token_where_an_id_token_…`    |
 moto signs every user pool's tokens with one key of its own; the
stack's moto runs in this process, so a truly expired token is minted by the
pool itself (`create_jwt` with a negative lifetime), correctly signed.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from moto.backends import get_backend
from moto.core.models import DEFAULT_ACCOUNT_ID

from resources.provision import add_user
from tests.e2e.conftest import PASSWORD, REGION, Reply, RunningStack, http, sign_in

PROTECTED = "/me/activity"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _claims(token: str) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return claims


def _with_claims(token: str, **changes: Any) -> str:
    """The token with its claims changed and its signature kept (so it no longer matches)."""
    header, _, signature = token.split(".")
    payload = _b64(json.dumps({**_claims(token), **changes}).encode())
    return f"{header}.{payload}.{signature}"


@pytest.fixture
def alice(stack: RunningStack) -> str:
    return stack.token("alice")


@pytest.fixture
def refused(stack: RunningStack) -> Iterator[Callable[[str | None], Reply]]:
    """Call a private route with a token; afterwards, the API function must not have run."""
    invocations = stack.function_stats("api").invocations

    def call(token: str | None) -> Reply:
        return http("GET", f"{stack.api_url}{PROTECTED}", token)

    yield call
    assert stack.function_stats("api").invocations == invocations


def _assert_unauthorized(reply: Reply) -> None:
    assert reply.status == 401, reply.text
    assert reply.error_code == "unauthorized"
    assert reply.headers["Access-Control-Allow-Origin"]


def test_the_id_token_of_the_stack_s_app_client_is_accepted_bare_or_as_bearer(
    stack: RunningStack, alice: str
) -> None:
    assert http("GET", f"{stack.api_url}{PROTECTED}", alice).status == 200
    assert http("GET", f"{stack.api_url}{PROTECTED}", f"Bearer {alice}").status == 200


def test_an_id_token_carries_the_persons_display_name_from_cognitos_trigger(
    stack: RunningStack,
) -> None:
    # given: an account named in Cognito (one no other test renames)
    add_user(stack.cognito, stack.info.user_pool_id, "zoe", PASSWORD, name="Zoë Example")
    # when: the stack invokes the people function before moto issues her token, as Cognito does
    token = sign_in(stack.cognito, stack.info.client_id, "zoe")["IdToken"]
    # then: the token names her, and the gateway accepts it
    assert _claims(token)["name"] == "Zoë Example"
    assert http("GET", f"{stack.api_url}{PROTECTED}", token).status == 200


def test_no_token_is_refused(refused: Callable[[str | None], Reply]) -> None:
    _assert_unauthorized(refused(None))


def test_a_token_with_a_tampered_signature_is_refused(
    alice: str, refused: Callable[[str | None], Reply]
) -> None:
    header, payload, signature = alice.split(".")
    middle = len(signature) // 2
    flipped = "A" if signature[middle] != "A" else "B"
    tampered = f"{header}.{payload}.{signature[:middle]}{flipped}{signature[middle + 1 :]}"
    _assert_unauthorized(refused(tampered))


def test_a_token_whose_expiry_was_moved_into_the_past_fails_its_signature(
    alice: str, refused: Callable[[str | None], Reply]
) -> None:
    _assert_unauthorized(refused(_with_claims(alice, exp=int(time.time()) - 60)))


def test_a_token_given_another_subject_fails_its_signature(
    stack: RunningStack, alice: str, refused: Callable[[str | None], Reply]
) -> None:
    _assert_unauthorized(refused(_with_claims(alice, sub=stack.sub("sam"))))


def _signed_by_the_pool(stack: RunningStack, lifetime_seconds: int) -> str:
    """An ID token for alice that the stack's own pool signs (moto runs in this process)."""
    pool = get_backend("cognito-idp")[DEFAULT_ACCOUNT_ID][REGION].user_pools[
        stack.info.user_pool_id
    ]
    token, _ = pool.create_jwt(stack.info.client_id, "alice", "id", expires_in=lifetime_seconds)
    return str(token)


def test_a_token_signed_by_the_pool_is_accepted_while_it_lasts(stack: RunningStack) -> None:
    fresh = _signed_by_the_pool(stack, lifetime_seconds=300)
    assert http("GET", f"{stack.api_url}{PROTECTED}", fresh).status == 200


def test_a_token_signed_by_the_pool_that_has_expired_is_refused(
    stack: RunningStack, refused: Callable[[str | None], Reply]
) -> None:
    expired = _signed_by_the_pool(stack, lifetime_seconds=-60)
    assert _claims(expired)["exp"] < time.time()
    _assert_unauthorized(refused(expired))


def test_an_id_token_of_another_app_client_of_the_same_pool_is_refused(
    stack: RunningStack, refused: Callable[[str | None], Reply]
) -> None:
    other_client = stack.cognito.create_user_pool_client(
        UserPoolId=stack.info.user_pool_id,
        ClientName="e2e-another-client",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    token = sign_in(stack.cognito, other_client, "alice")["IdToken"]
    assert _claims(token)["aud"] == other_client != stack.info.client_id
    _assert_unauthorized(refused(token))


def test_an_id_token_of_another_user_pool_is_refused(
    stack: RunningStack, refused: Callable[[str | None], Reply]
) -> None:
    cognito = stack.cognito
    pool_id = cognito.create_user_pool(PoolName="e2e-someone-else")["UserPool"]["Id"]
    client_id = cognito.create_user_pool_client(
        UserPoolId=pool_id, ClientName="web", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    cognito.admin_create_user(UserPoolId=pool_id, Username="alice", MessageAction="SUPPRESS")
    cognito.admin_set_user_password(
        UserPoolId=pool_id, Username="alice", Password=PASSWORD, Permanent=True
    )
    token = sign_in(cognito, client_id, "alice")["IdToken"]
    assert _claims(token)["iss"].endswith(pool_id)
    _assert_unauthorized(refused(token))


def test_an_unsigned_alg_none_token_is_refused(
    alice: str, refused: Callable[[str | None], Reply]
) -> None:
    header = _b64(json.dumps({"alg": "none", "typ": "JWT", "kid": "dummy"}).encode())
    payload = alice.split(".")[1]
    _assert_unauthorized(refused(f"{header}.{payload}."))


def test_a_token_signed_hs256_with_a_shared_secret_is_refused(
    alice: str, refused: Callable[[str | None], Reply]
) -> None:
    secret = "a shared secret someone guessed, 32 bytes or more"
    forged = jwt.encode(_claims(alice), secret, algorithm="HS256", headers={"kid": "dummy"})
    _assert_unauthorized(refused(forged))


def test_an_access_token_where_an_id_token_is_expected_is_refused(
    stack: RunningStack, refused: Callable[[str | None], Reply]
) -> None:
    access = sign_in(stack.cognito, stack.info.client_id, "alice")["AccessToken"]
    assert _claims(access)["token_use"] == "access"
    _assert_unauthorized(refused(access))


def test_a_token_signed_by_a_key_outside_the_pool_is_refused_whatever_its_header_says(
    alice: str, refused: Callable[[str | None], Reply]
) -> None:
    # given: an attacker's own RSA key, and the kid of the pool's real key
    attacker = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pool_kid = jwt.get_unverified_header(alice)["kid"]
    public_jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(attacker.public_key()))
    for headers in (
        {"kid": pool_kid},  # names the pool's key
        {"kid": pool_kid, "jwk": public_jwk},  # and embeds the attacker's
        {"kid": "attacker", "jwk": public_jwk},  # a key the pool never had
    ):
        # when: alice's claims are signed RS256 with it
        forged = jwt.encode(_claims(alice), attacker, algorithm="RS256", headers=headers)
        # then
        _assert_unauthorized(refused(forged))


def test_garbage_is_refused(refused: Callable[[str | None], Reply]) -> None:
    _assert_unauthorized(refused("not-a-token"))
