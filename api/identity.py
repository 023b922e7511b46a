"""Who is calling: the Cognito claims API Gateway's authorizer put in the event.

The authorizer has already checked the token (in AWS, API Gateway's Cognito
authorizer; locally, the gateway emulator against the pool's JWKS), so the
handlers trust `requestContext.authorizer.claims`: the user id is `sub`, the
groups are `cognito:groups`, and the person is named by `cognito:username`,
`name` (their display name: the people trigger puts the current one in every
ID token) and `email`. API Gateway hands the groups over as a list,
or flattened to a string such as `"[auditors support]"` or `"auditors,support"`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from commands.models import AUDITORS, SUPPORT, Actor

_SEPARATORS = re.compile(r"[,\s]+")


@dataclass(frozen=True)
class Identity:
    user_id: str
    groups: tuple[str, ...] = ()
    username: str | None = None
    name: str | None = None
    email: str | None = None

    @property
    def is_auditor(self) -> bool:
        return AUDITORS in self.groups

    @property
    def is_support(self) -> bool:
        return SUPPORT in self.groups

    @property
    def reads_everything(self) -> bool:
        """Auditors and support may read every user's albums, photos and commands."""
        return self.is_auditor or self.is_support

    def may_read(self, owner: str) -> bool:
        return owner == self.user_id or self.reads_everything

    @property
    def actor(self) -> Actor:
        return Actor(
            user_id=self.user_id, groups=self.groups, username=self.username, name=self.name
        )


def parse_groups(raw: Any) -> tuple[str, ...]:
    """Cognito groups from a list, a JSON list, `"[a b]"` or `"a,b"`; duplicates dropped."""
    if raw is None:
        return ()
    if isinstance(raw, (list, tuple)):
        items = [str(item) for item in raw]
    else:
        text = str(raw).strip()
        items = []
        if text.startswith("[") and text.endswith("]"):
            try:
                parsed = json.loads(text)
            except ValueError:
                text = text[1:-1]
            else:
                items = [str(item) for item in parsed] if isinstance(parsed, list) else []
                text = ""
        items += _SEPARATORS.split(text)
    cleaned = (item.strip().strip("\"'") for item in items)
    return tuple(dict.fromkeys(group for group in cleaned if group))


def identity_from_claims(claims: Mapping[str, Any] | None) -> Identity | None:
    """The caller named by the claims, or None when there is no signed-in user."""
    claims = claims or {}
    subject = claims.get("sub")
    if not subject or not isinstance(subject, str):
        return None
    return Identity(
        user_id=subject,
        groups=parse_groups(claims.get("cognito:groups")),
        username=_text(claims.get("cognito:username"), 128),
        name=_text(claims.get("name"), 256),
        email=_text(claims.get("email"), 256),
    )


def _text(claim: Any, longest: int) -> str | None:
    """A claim's text, trimmed; None when absent, empty or longer than a command may carry."""
    text = claim.strip() if isinstance(claim, str) else ""
    return text if 0 < len(text) <= longest else None


def identity_from_event(event: Mapping[str, Any]) -> Identity | None:
    """The caller of an API Gateway REST proxy event, or None when anonymous."""
    context = event.get("requestContext")
    authorizer = context.get("authorizer") if isinstance(context, Mapping) else None
    claims = authorizer.get("claims") if isinstance(authorizer, Mapping) else None
    if isinstance(claims, str):
        try:
            claims = json.loads(claims)
        except ValueError:
            return None
    return identity_from_claims(claims if isinstance(claims, Mapping) else None)
