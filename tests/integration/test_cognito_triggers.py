"""moto's Cognito invokes the triggers a pool has installed, with Cognito's events and rules.

Over the wire, against the session's moto: sign-in, refresh and sign-up
confirmation reach the pool's hook (`local_stack.cognito_triggers`) with
Cognito's event shapes, the answer's claims go into the ID token, a failing
trigger refuses the call as Cognito does, and a pool without a hook behaves as
released moto. The last tests run the real `people` function in the local
runtime, as the local stack does.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
from botocore.exceptions import ClientError

from adapters.settings import Settings
from local_stack import cognito_triggers
from local_stack.cognito_triggers import Triggers
from local_stack.runtime import LambdaRuntime
from resources.definitions import PEOPLE_FUNCTION
from resources.provision import add_user
from tests.integration.conftest import AwsContext, UserPoolContext

PASSWORD = "Retake-demo-1"


class FakeTrigger:
    """A trigger that keeps every event and answers with `claims` added (or raises `failure`)."""

    def __init__(self, claims: dict[str, Any] | None = None, suppress: list[str] | None = None):
        self.events: list[dict[str, Any]] = []
        self.claims = claims or {}
        self.suppress = suppress or []
        self.failure: Exception | None = None

    def __call__(self, event: dict[str, Any]) -> Any:
        self.events.append(event)
        if self.failure is not None:
            raise self.failure
        details = {"claimsToAddOrOverride": self.claims, "claimsToSuppress": self.suppress}
        return {**event, "response": {"claimsOverrideDetails": details}}


@pytest.fixture
def pool(user_pool: UserPoolContext) -> Iterator[UserPoolContext]:
    yield user_pool
    cognito_triggers.uninstall(user_pool.ids.pool_id)


def claims(token: str) -> dict[str, Any]:
    decoded: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return decoded


def sign_in(pool: UserPoolContext, username: str = "alice") -> dict[str, Any]:
    result: dict[str, Any] = pool.cognito_idp.initiate_auth(
        AuthFlow="USER_PASSWORD_AUTH",
        ClientId=pool.ids.client_id,
        AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    return result


def test_every_patch_is_in_place() -> None:
    """A moto release that moved what the hook replaces fails here, not silently untriggered."""
    from moto.cognitoidp.models import CognitoIdpBackend, CognitoIdpUserPool

    cognito_triggers.apply()
    patched = [
        CognitoIdpUserPool.create_id_token,
        CognitoIdpUserPool.create_jwt,
        CognitoIdpUserPool.create_tokens_from_refresh_token,
        CognitoIdpBackend._log_user_in,
        CognitoIdpBackend.confirm_sign_up,
        CognitoIdpBackend.admin_confirm_sign_up,
    ]

    assert [f.__module__ for f in patched] == ["local_stack.cognito_triggers"] * len(patched)


def test_without_a_hook_tokens_are_issued_as_moto_issues_them(pool: UserPoolContext) -> None:
    # given: the patches applied, but no hook for this pool
    cognito_triggers.apply()
    add_user(pool.cognito_idp, pool.ids.pool_id, "alice", PASSWORD, name="Alice Liddell")
    # when
    token = claims(sign_in(pool)["IdToken"])
    # then: moto's claims only (its client reads no attributes into the token)
    assert token["cognito:username"] == "alice"
    assert "name" not in token


def test_a_token_issued_after_the_hook_is_installed_carries_what_the_trigger_added(
    pool: UserPoolContext,
) -> None:
    # given
    sub = add_user(pool.cognito_idp, pool.ids.pool_id, "alice", PASSWORD, ["support"],
                   name="Alice Liddell")  # fmt: skip
    trigger = FakeTrigger(claims={"name": "Alice L.", "sub": "forged"})
    cognito_triggers.install(pool.ids.pool_id, Triggers(pre_token_generation=trigger))
    # when
    tokens = sign_in(pool)
    # then: Cognito's V1 event for the person signing in
    [event] = trigger.events
    assert event["version"] == "1"
    assert event["triggerSource"] == "TokenGeneration_Authentication"
    assert (event["userPoolId"], event["userName"]) == (pool.ids.pool_id, "alice")
    assert event["callerContext"]["clientId"] == pool.ids.client_id
    attributes = event["request"]["userAttributes"]
    assert attributes["sub"] == sub
    assert attributes["email"] == "alice@retake.example"
    assert attributes["name"] == "Alice Liddell"
    assert attributes["cognito:user_status"] == "CONFIRMED"
    assert event["request"]["groupConfiguration"]["groupsToOverride"] == ["support"]
    # and the ID token carries the claim, but a trigger cannot change who it is for
    token = claims(tokens["IdToken"])
    assert token["name"] == "Alice L."
    assert token["sub"] == sub
    assert token["cognito:groups"] == ["support"]
    assert "name" not in claims(tokens["AccessToken"])


def test_a_refresh_is_a_token_generation_too_and_suppressed_claims_are_left_out(
    pool: UserPoolContext,
) -> None:
    # given
    add_user(pool.cognito_idp, pool.ids.pool_id, "alice", PASSWORD, ["support"])
    trigger = FakeTrigger(claims={"name": "Alice Liddell"}, suppress=["cognito:groups"])
    refresh_token = sign_in(pool)["RefreshToken"]
    cognito_triggers.install(pool.ids.pool_id, Triggers(pre_token_generation=trigger))
    # when
    refreshed = pool.cognito_idp.initiate_auth(
        AuthFlow="REFRESH_TOKEN_AUTH",
        ClientId=pool.ids.client_id,
        AuthParameters={"REFRESH_TOKEN": refresh_token},
    )["AuthenticationResult"]
    # then
    assert [event["triggerSource"] for event in trigger.events] == ["TokenGeneration_RefreshTokens"]
    token = claims(refreshed["IdToken"])
    assert token["name"] == "Alice Liddell"
    assert "cognito:groups" not in token


def test_a_failing_trigger_refuses_the_sign_in_as_cognito_does(pool: UserPoolContext) -> None:
    # given
    add_user(pool.cognito_idp, pool.ids.pool_id, "alice", PASSWORD)
    trigger = FakeTrigger()
    trigger.failure = RuntimeError("the people table is gone")
    cognito_triggers.install(pool.ids.pool_id, Triggers(pre_token_generation=trigger))
    # when
    with pytest.raises(ClientError) as refused:
        sign_in(pool)
    # then
    error = refused.value.response["Error"]
    assert error["Code"] == "UserLambdaValidationException"
    assert error["Message"] == "PreTokenGeneration failed with error the people table is gone."


def test_a_confirmed_sign_up_reaches_the_post_confirmation_trigger(pool: UserPoolContext) -> None:
    # given
    trigger = FakeTrigger()
    cognito_triggers.install(pool.ids.pool_id, Triggers(post_confirmation=trigger))
    signed_up = pool.cognito_idp.sign_up(
        ClientId=pool.ids.client_id,
        Username="carol",
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": "carol@example.com"}],
    )
    assert trigger.events == []
    # when: any code confirms on moto
    pool.cognito_idp.confirm_sign_up(
        ClientId=pool.ids.client_id, Username="carol", ConfirmationCode="000000"
    )
    # then
    [event] = trigger.events
    assert event["triggerSource"] == "PostConfirmation_ConfirmSignUp"
    assert event["userName"] == "carol"
    assert event["callerContext"]["clientId"] == pool.ids.client_id
    assert event["request"]["userAttributes"]["sub"] == signed_up["UserSub"]
    assert event["request"]["userAttributes"]["email"] == "carol@example.com"
    assert event["request"]["userAttributes"]["cognito:user_status"] == "CONFIRMED"


def test_an_administrators_confirmation_reaches_the_trigger_without_a_client(
    pool: UserPoolContext,
) -> None:
    trigger = FakeTrigger()
    cognito_triggers.install(pool.ids.pool_id, Triggers(post_confirmation=trigger))
    pool.cognito_idp.sign_up(ClientId=pool.ids.client_id, Username="dave", Password=PASSWORD)

    pool.cognito_idp.admin_confirm_sign_up(UserPoolId=pool.ids.pool_id, Username="dave")

    [event] = trigger.events
    assert event["userName"] == "dave"
    assert event["callerContext"]["clientId"] == "CLIENT_ID_NOT_APPLICABLE"


# -- the real function, in the local runtime -------------------------------------------


@pytest.fixture
def people_function(aws: AwsContext, pool: UserPoolContext) -> Iterator[LambdaRuntime]:
    """The `people` function in the local runtime, installed as the pool's triggers."""
    env = {
        **{key: value for key, value in os.environ.items() if key.startswith("AWS_")},
        "RETAKE_NAME_PREFIX": aws.naming.prefix,
    }
    with LambdaRuntime([PEOPLE_FUNCTION], env, log=lambda _: None) as runtime:
        invoke = runtime.invoker(PEOPLE_FUNCTION.name)
        cognito_triggers.install(
            pool.ids.pool_id, Triggers(pre_token_generation=invoke, post_confirmation=invoke)
        )
        yield runtime


def test_a_token_carries_the_display_name_the_people_function_gives(
    aws: AwsContext, pool: UserPoolContext, people_function: LambdaRuntime
) -> None:
    from functions.bootstrap import build_people

    # given: an account an administrator created, named in Cognito
    sub = add_user(pool.cognito_idp, pool.ids.pool_id, "alice", PASSWORD, name="Alice Liddell")
    # when
    token = claims(sign_in(pool)["IdToken"])
    # then: the token names her, and the people model knows her
    assert token["name"] == "Alice Liddell"
    people = build_people(Settings.from_environment(aws.naming.prefix), dynamodb=aws.dynamodb)
    person = people.get(sub)
    assert person is not None
    assert (person.username, person.display_name, person.email) == (
        "alice",
        "Alice Liddell",
        "alice@retake.example",
    )


def test_a_confirmed_sign_up_is_recorded_by_the_people_function(
    aws: AwsContext, pool: UserPoolContext, people_function: LambdaRuntime
) -> None:
    from functions.bootstrap import build_people

    # given
    signed_up = pool.cognito_idp.sign_up(
        ClientId=pool.ids.client_id,
        Username="carol",
        Password=PASSWORD,
        UserAttributes=[
            {"Name": "email", "Value": "carol@example.com"},
            {"Name": "name", "Value": "Carol Danvers"},
        ],
    )
    # when
    pool.cognito_idp.confirm_sign_up(
        ClientId=pool.ids.client_id, Username="carol", ConfirmationCode="000000"
    )
    # then: she is known before she ever signs in
    people = build_people(Settings.from_environment(aws.naming.prefix), dynamodb=aws.dynamodb)
    person = people.get(signed_up["UserSub"])
    assert person is not None
    assert (person.username, person.display_name) == ("carol", "Carol Danvers")
