"""The check API Gateway's Cognito authorizer makes, done locally against the pool's JWKS.

With no OAuth scopes on a method, API Gateway accepts only ID tokens of the
pool, for its app client, unexpired, signed RS256 by one of the pool's keys.
This verifier does the same and hands back the claims the function receives.

The signature is checked by PyJWT; every other check is ours, so the clock can
be injected (PyJWT reads the system clock) and each refusal names its reason.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Literal

import jwt

TokenUse = Literal["id", "access"]

#: Cognito signs with RS256 only; anything else (`none`, HS256 keyed with the
#: public key, ...) is an attack or a mistake.
ALGORITHM = "RS256"
_JWKS_LIFESPAN_SECONDS = 3600
_JWKS_TIMEOUT_SECONDS = 5


class Unauthorized(Exception):
    """The token is missing or not acceptable; `reason` says why (for logs, not for clients)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class CognitoVerifier:
    """Verify Cognito user-pool tokens; return their claims or raise `Unauthorized`.

    `jwks_url` and `issuer` are separate because on moto the keys are served
    locally while `iss` still names the AWS URL.
    """

    def __init__(
        self,
        jwks_url: str,
        issuer: str,
        client_id: str,
        token_use: TokenUse = "id",
        clock: Callable[[], float] = time.time,
        leeway: float = 0,
    ) -> None:
        self.issuer = issuer
        self.client_id = client_id
        self.token_use = token_use
        self._clock = clock
        self._leeway = leeway
        # Keys are cached; an unknown `kid` makes PyJWKClient fetch the set again
        # (a rotated key), so a restart of the pool needs no restart of the gateway.
        self._keys = jwt.PyJWKClient(
            jwks_url,
            cache_keys=True,
            lifespan=_JWKS_LIFESPAN_SECONDS,
            timeout=_JWKS_TIMEOUT_SECONDS,
        )

    def verify(self, token: str) -> dict[str, Any]:
        """The token's claims, once every check passes."""
        header = _header(token)
        if header.get("alg") != ALGORITHM:
            raise Unauthorized(f"algorithm {header.get('alg')!r} is not accepted")
        claims = self._verified_signature(token)
        self._check_expiry(claims)
        if claims.get("iss") != self.issuer:
            raise Unauthorized("the token was issued by another user pool")
        if claims.get("token_use") != self.token_use:
            raise Unauthorized(
                f"a {claims.get('token_use')!r} token where an {self.token_use!r} token is expected"
            )
        if self.client_id not in _audience(claims, self.token_use):
            raise Unauthorized("the token was issued to another app client")
        return claims

    def _verified_signature(self, token: str) -> dict[str, Any]:
        try:
            key = self._keys.get_signing_key_from_jwt(token)
        except jwt.PyJWKClientConnectionError as exc:
            raise Unauthorized(f"the user pool's keys cannot be fetched: {exc}") from exc
        except jwt.PyJWKClientError as exc:
            raise Unauthorized("the token is not signed by a key of the user pool") from exc
        except jwt.InvalidTokenError as exc:
            raise Unauthorized(f"malformed token: {exc}") from exc
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=[ALGORITHM],
                options={
                    "verify_signature": True,
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                    "verify_aud": False,
                    "verify_iss": False,
                    "require": ["exp", "iss", "token_use"],
                },
            )
        except jwt.InvalidSignatureError as exc:
            raise Unauthorized("the signature does not match") from exc
        except jwt.InvalidTokenError as exc:
            raise Unauthorized(f"invalid token: {exc}") from exc
        return claims

    def _check_expiry(self, claims: dict[str, Any]) -> None:
        now = self._clock()
        expires = claims["exp"]
        if not isinstance(expires, int | float) or isinstance(expires, bool):
            raise Unauthorized("the token's expiry is not a number")
        if now >= expires + self._leeway:
            raise Unauthorized("the token has expired")
        not_before = claims.get("nbf")
        if isinstance(not_before, int | float) and now + self._leeway < not_before:
            raise Unauthorized("the token is not valid yet")


def bearer_token(authorization: str | None) -> str:
    """The token of an `Authorization` header: bare, as Cognito's authorizer expects, or Bearer."""
    if not authorization or not authorization.strip():
        raise Unauthorized("no Authorization header")
    value = authorization.strip()
    scheme, _, rest = value.partition(" ")
    return rest.strip() if scheme.lower() == "bearer" and rest.strip() else value


def _header(token: str) -> dict[str, Any]:
    try:
        return jwt.get_unverified_header(token)
    except jwt.InvalidTokenError as exc:
        raise Unauthorized(f"malformed token: {exc}") from exc


def _audience(claims: dict[str, Any], token_use: TokenUse) -> list[str]:
    """ID tokens name their client in `aud`; access tokens in `client_id`."""
    value = claims.get("aud") if token_use == "id" else claims.get("client_id")
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []
