"""Cognito's Lambda triggers on moto: the local stack invokes them where Cognito would.

moto's Cognito calls no triggers (its Lambda needs Docker), so the places
where Cognito would are patched to call a hook the local stack installs for
its user pool (`install`), which invokes the function through the local
runtime with Cognito's event shape:

- **Pre token generation** (V1 event): every ID token moto issues, at sign-in
  (`TokenGeneration_Authentication`) and on a refresh
  (`TokenGeneration_RefreshTokens`), for people who signed up and accounts an
  administrator created alike. The claims the answer adds or overrides
  (`claimsOverrideDetails.claimsToAddOrOverride`) go into the token and those
  it suppresses are left out, except the claims Cognito never lets a trigger
  change (`sub`, `iss`, `cognito:username`, ...), which stay as moto made them.
- **Post confirmation** (`PostConfirmation_ConfirmSignUp`): `ConfirmSignUp`
  and `AdminConfirmSignUp`, after the user is confirmed.

A trigger that fails fails the call, as on AWS: a 400
`UserLambdaValidationException` ("PreTokenGeneration failed with error ...").
For a pool with no hook installed (every moto but a running stack's), moto
behaves as released. `tests/integration/test_cognito_triggers.py` holds both.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from moto.core.exceptions import JsonRESTError

log = logging.getLogger("retake.cognito-triggers")

#: Invokes a function with an event and returns its answer (`LambdaRuntime.invoker`).
Trigger = Callable[[dict[str, Any]], Any]

AUTHENTICATION = "TokenGeneration_Authentication"
REFRESH = "TokenGeneration_RefreshTokens"
CONFIRM_SIGN_UP = "PostConfirmation_ConfirmSignUp"
#: What Cognito puts in `callerContext` when no app client is involved (an admin call).
NO_CLIENT = "CLIENT_ID_NOT_APPLICABLE"
SDK_VERSION = "aws-sdk-unknown-unknown"
#: Claims a pre token generation trigger cannot add, override or suppress (Cognito's list).
PROTECTED_CLAIMS = frozenset(
    {
        "acr", "amr", "aud", "at_hash", "auth_time", "azp", "cognito:username", "exp", "iat",
        "identities", "iss", "jti", "nbf", "nonce", "origin_jti", "sub", "token_use",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Triggers:
    """A user pool's Lambda configuration: what to invoke for each trigger (None: nothing)."""

    pre_token_generation: Trigger | None = None
    post_confirmation: Trigger | None = None


class UserLambdaValidationException(JsonRESTError):
    """What Cognito answers when a trigger fails or times out."""

    code = 400

    def __init__(self, message: str) -> None:
        super().__init__("UserLambdaValidationException", message)


_installed: dict[str, Triggers] = {}
#: Per request thread: which token generation moto is doing, and the trigger's answer.
_issuing = threading.local()
_applied = False


def install(user_pool_id: str, triggers: Triggers) -> None:
    """Invoke `triggers` for the pool `user_pool_id` from now on (patching moto once)."""
    apply()
    _installed[user_pool_id] = triggers


def uninstall(user_pool_id: str) -> None:
    """The pool's calls behave as released moto's again."""
    _installed.pop(user_pool_id, None)


def apply() -> None:
    """Patch moto's Cognito in this process (idempotent); without a hook nothing changes."""
    global _applied
    if _applied:
        return
    _token_generation()
    _confirmation()
    _applied = True


def token_generation_event(
    pool: Any, user: Any, client_id: str, trigger_source: str
) -> dict[str, Any]:
    """Cognito's V1 pre token generation event for a moto user."""
    return {
        "version": "1",
        "triggerSource": trigger_source,
        "region": pool.region,
        "userPoolId": pool.id,
        "userName": user.username,
        "callerContext": {"awsSdkVersion": SDK_VERSION, "clientId": client_id},
        "request": {
            "userAttributes": _user_attributes(user),
            "groupConfiguration": {
                "groupsToOverride": sorted(group.group_name for group in user.groups),
                "iamRolesToOverride": [],
                "preferredRole": None,
            },
        },
        "response": {},
    }


def confirmation_event(pool: Any, user: Any, client_id: str) -> dict[str, Any]:
    """Cognito's post confirmation event for a moto user just confirmed."""
    return {
        "version": "1",
        "triggerSource": CONFIRM_SIGN_UP,
        "region": pool.region,
        "userPoolId": pool.id,
        "userName": user.username,
        "callerContext": {"awsSdkVersion": SDK_VERSION, "clientId": client_id},
        "request": {"userAttributes": _user_attributes(user)},
        "response": {},
    }


def _user_attributes(user: Any) -> dict[str, str]:
    attributes = {item["Name"]: str(item["Value"]) for item in user.attributes}
    attributes["cognito:user_status"] = str(getattr(user.status, "value", user.status))
    return attributes


def _invoke(trigger: Trigger, name: str, event: dict[str, Any]) -> Any:
    try:
        return trigger(event)
    except Exception as failure:  # Cognito refuses the call; so does the local stack
        log.warning(
            "%s trigger failed for %s in %s: %s", name, event["userName"], event["userPoolId"],
            failure,
        )  # fmt: skip
        raise UserLambdaValidationException(f"{name} failed with error {failure}.") from None


def claims_overridden(answer: Any) -> tuple[dict[str, Any], set[str]]:
    """The claims a pre token generation answer adds or overrides, and those it suppresses."""
    response = answer.get("response") if isinstance(answer, dict) else None
    details = (response or {}).get("claimsOverrideDetails") or {}
    added = {
        claim: value
        for claim, value in (details.get("claimsToAddOrOverride") or {}).items()
        if claim not in PROTECTED_CLAIMS and not claim.startswith("dev:")
    }
    suppressed = {
        claim for claim in details.get("claimsToSuppress") or () if claim not in PROTECTED_CLAIMS
    }
    return added, suppressed


def _token_generation() -> None:
    from moto.cognitoidp.models import CognitoIdpBackend, CognitoIdpUserPool

    create_id_token = CognitoIdpUserPool.create_id_token
    create_jwt = CognitoIdpUserPool.create_jwt
    from_refresh_token = CognitoIdpUserPool.create_tokens_from_refresh_token
    log_user_in = CognitoIdpBackend._log_user_in

    def issue_id_token(self: Any, client_id: str, username: str, origin_jti: str) -> Any:
        triggers = _installed.get(self.id)
        if triggers is None or triggers.pre_token_generation is None:
            return create_id_token(self, client_id, username, origin_jti)
        source = getattr(_issuing, "source", None) or AUTHENTICATION
        event = token_generation_event(self, self._get_user(username), client_id, source)
        answer = _invoke(triggers.pre_token_generation, "PreTokenGeneration", event)
        _issuing.overrides = claims_overridden(answer)
        try:
            return create_id_token(self, client_id, username, origin_jti)
        finally:
            _issuing.overrides = None

    def sign_jwt(
        self: Any, client_id: str, username: str, token_use: str, *args: Any, **kwargs: Any
    ) -> Any:
        overrides = getattr(_issuing, "overrides", None)
        if overrides is not None and token_use == "id":
            added, suppressed = overrides
            extra = {**(kwargs.get("extra_data") or {}), **added}
            kwargs["extra_data"] = {k: v for k, v in extra.items() if k not in suppressed}
        return create_jwt(self, client_id, username, token_use, *args, **kwargs)

    def refresh(self: Any, refresh_token: str) -> Any:
        # moto also signs people in through this; `_log_user_in` says so first.
        outer = getattr(_issuing, "source", None)
        _issuing.source = outer or REFRESH
        try:
            return from_refresh_token(self, refresh_token)
        finally:
            _issuing.source = outer

    def sign_in(self: Any, *args: Any, **kwargs: Any) -> Any:
        outer = getattr(_issuing, "source", None)
        _issuing.source = AUTHENTICATION
        try:
            return log_user_in(self, *args, **kwargs)
        finally:
            _issuing.source = outer

    setattr(CognitoIdpUserPool, "create_id_token", issue_id_token)  # noqa: B010 - patching moto
    setattr(CognitoIdpUserPool, "create_jwt", sign_jwt)  # noqa: B010 - patching moto
    setattr(  # noqa: B010 - patching moto
        CognitoIdpUserPool, "create_tokens_from_refresh_token", refresh
    )
    setattr(CognitoIdpBackend, "_log_user_in", sign_in)  # noqa: B010 - patching moto


def _confirmation() -> None:
    from moto.cognitoidp.models import CognitoIdpBackend

    confirm_sign_up = CognitoIdpBackend.confirm_sign_up
    admin_confirm_sign_up = CognitoIdpBackend.admin_confirm_sign_up

    def confirmed(backend: Any, pool: Any, username: str, client_id: str) -> None:
        triggers = _installed.get(pool.id)
        if triggers is None or triggers.post_confirmation is None:
            return
        event = confirmation_event(pool, pool._get_user(username), client_id)
        _invoke(triggers.post_confirmation, "PostConfirmation", event)

    def confirm(self: Any, client_id: str, username: str) -> str:
        result: str = confirm_sign_up(self, client_id, username)
        pool = next(p for p in self.user_pools.values() if client_id in p.clients)
        confirmed(self, pool, username, client_id)
        return result

    def admin_confirm(self: Any, user_pool_id: str, username: str) -> str:
        result: str = admin_confirm_sign_up(self, user_pool_id, username)
        confirmed(self, self.describe_user_pool(user_pool_id), username, NO_CLIENT)
        return result

    setattr(CognitoIdpBackend, "confirm_sign_up", confirm)  # noqa: B010 - patching moto
    setattr(CognitoIdpBackend, "admin_confirm_sign_up", admin_confirm)  # noqa: B010 - patching moto
