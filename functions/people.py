"""Lambda entry: people, the user pool's trigger that keeps the people read model.

Cognito invokes it synchronously (locally, `local_stack.cognito_triggers` does):
- **Pre token generation** (V1 event, `TokenGeneration_*`) before every ID
  token it issues: at each sign-in and refresh, for people who signed up and
  accounts an administrator created alike. The person is recorded (sub,
  username, email, groups, and Cognito's `name` as the display name until they
  choose one), and the answer puts their current display name in the token's
  `name` claim.
- **Post confirmation** (`PostConfirmation_*`) when someone who signed up
  confirms: they are known before their first sign-in.

Cognito waits at most 5 s, and a trigger that fails fails the sign-in. So it
makes one upsert and nothing else. If that upsert fails, the person still
signs in (with Cognito's own `name`, if any), and the failure is logged with
the pool and username and counted (`IdentitiesNotRecorded`): the next token
issue, at the latest the next refresh, records them again.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.bootstrap import in_lambda, people
from projections.people import PersonIdentity
from resources.keep_warm import is_keep_warm

logger = Logger(service="people")
metrics = Metrics(namespace="Retake", service="people")

TOKEN_GENERATION = "TokenGeneration_"
POST_CONFIRMATION = "PostConfirmation_"
#: The ID token claim that carries the display name (OpenID Connect's `name`).
NAME_CLAIM = "name"

if in_lambda():
    # The expensive part of a cold start (the DynamoDB client) happens once, during init.
    people()


def identity_of(event: dict[str, Any], seen_at: datetime) -> PersonIdentity:
    """What Cognito says of the person in a trigger event."""
    request = event.get("request") or {}
    attributes: dict[str, Any] = request.get("userAttributes") or {}
    groups = (request.get("groupConfiguration") or {}).get("groupsToOverride") or []
    return PersonIdentity(
        person_id=str(attributes["sub"]),
        username=str(event["userName"]),
        email=attributes.get("email") or None,
        name=attributes.get("name") or None,
        groups=[str(group) for group in groups],
        seen_at=seen_at,
    )


def record(identity: PersonIdentity, event: dict[str, Any]) -> str | None:
    """Record the person; their display name, or None when it could not be recorded."""
    context = {
        "trigger_source": event.get("triggerSource"),
        "user_pool_id": event.get("userPoolId"),
        "username": identity.username,
        "person_id": identity.person_id,
    }
    try:
        person = people().record_identity(identity)
    except Exception:  # the sign-in goes on; the next token issue records them again
        logger.exception("person not recorded: signing in without the read model", extra=context)
        metrics.add_metric(name="IdentitiesNotRecorded", unit=MetricUnit.Count, value=1)
        return None
    logger.info("person recorded", extra=context)
    metrics.add_metric(name="IdentitiesRecorded", unit=MetricUnit.Count, value=1)
    return person.display_name


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if is_keep_warm(event):
        return {"warm": True}
    source = str(event.get("triggerSource", ""))
    if not source.startswith((TOKEN_GENERATION, POST_CONFIRMATION)):
        # Wired to a trigger it does not serve: answer as Cognito expects, change nothing.
        logger.warning("trigger not handled", extra={"trigger_source": source})
        return event
    identity = identity_of(event, datetime.now(UTC))
    display_name = record(identity, event) or identity.name
    if source.startswith(TOKEN_GENERATION) and display_name:
        response = event.setdefault("response", {}) or {}
        details = response.get("claimsOverrideDetails") or {}
        claims = details.get("claimsToAddOrOverride") or {}
        details["claimsToAddOrOverride"] = {**claims, NAME_CLAIM: display_name}
        response["claimsOverrideDetails"] = details
        event["response"] = response
    return event
