"""People routes and names: `/me`, `/people`, and the actor named on every record.

Every command record and history entry the API returns names its actor
(`ActorView`). A record sent since names were kept carries the name its token
gave; for the others the people read model is asked once per response, for
every actor at once (`actor_views`), never once per row. The image pipeline is
a system actor with a name of its own. Gallery users see other people by
display name only; auditors and support also see usernames and groups.

`GET /people` finds people by a prefix of their username, display name or
email, for auditors and support; anyone else is answered 404, as if there were
no such route. `PATCH /me` changes the caller's display name: a command like
every other, audited and undoable.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Query

from api.access import caller, deps, submit, writer
from api.errors import BadRequest, NotFound, documented
from api.idempotency import request_ids
from api.identity import Identity
from api.params import SIGNED_IN, Cursor
from api.schemas import (
    Accepted,
    ActorView,
    CommandOut,
    DisplayNameChange,
    HistoryEntryOut,
    PeopleList,
    PersonOut,
)
from commands.command_log import CommandRecord
from commands.models import SYSTEM
from projections.history import HistoryEntry
from projections.people import QUERY_MAX, PersonView

router = Router()
TAGS = ["People"]

#: Actors that are not people: named here, never looked up (pipeline.filters.PIPELINE_ACTOR).
SYSTEM_ACTORS: dict[str, ActorView] = {
    "image-pipeline": ActorView(
        id="image-pipeline", username="retake", name="Retake (image processing)", groups=[SYSTEM]
    ),
}
#: What a caller outside auditors and support gets for /people: the same as for no route.
NO_SUCH_PATH = "No such path here; /docs lists them all."

PeopleQuery = Annotated[
    str | None,
    Query(
        description=f"Required, 1 to {QUERY_MAX} characters: the start of a username, a "
        "display name (or any word of it) or an email, in any case."
    ),
]
PeopleLimit = Annotated[int, Query(ge=1, le=50, description="Page size.")]


# -- naming actors --------------------------------------------------------------------------


def _actor(
    actor_id: str,
    username: str | None,
    name: str | None,
    groups: Sequence[str],
    person: PersonView | None,
) -> ActorView:
    if actor_id in SYSTEM_ACTORS:
        return SYSTEM_ACTORS[actor_id]
    if name is None and person is not None:
        username, name = person.username, person.display_name
        groups = groups or person.groups
    return ActorView(id=actor_id, username=username, name=name or username, groups=list(groups))


def _as_seen_by(view: ActorView, viewer: Identity | None) -> ActorView:
    """Gallery users see other people by display name only."""
    if viewer is None or viewer.reads_everything or view.id in (viewer.user_id, *SYSTEM_ACTORS):
        return view
    return view.model_copy(update={"username": None})


def _named(
    actors: Iterable[tuple[str, str | None, str | None, Sequence[str]]], viewer: Identity | None
) -> dict[str, ActorView]:
    """(id, username, name, groups) of each actor, named; ONE read of the people model."""
    first: dict[str, tuple[str | None, str | None, Sequence[str]]] = {}
    for actor_id, username, name, groups in actors:
        known = first.get(actor_id)
        if known is None or (known[1] is None and name is not None):
            first[actor_id] = (username, name, groups)
    unnamed = [actor_id for actor_id, (_, name, _) in first.items()
               if name is None and actor_id not in SYSTEM_ACTORS]  # fmt: skip
    people = deps().people
    found = people.get_many(unnamed) if unnamed and people is not None else {}
    return {
        actor_id: _as_seen_by(_actor(actor_id, username, name, groups, found.get(actor_id)), viewer)
        for actor_id, (username, name, groups) in first.items()
    }


def actor_views(
    records: Iterable[CommandRecord], viewer: Identity | None = None
) -> dict[str, ActorView]:
    """The actor of each record by id: its stored names, else the people model's (one read)."""
    return _named(
        (
            (record.actor_id, record.actor_username, record.actor_name, record.actor_groups)
            for record in records
        ),
        viewer,
    )


def commands_out(records: Sequence[CommandRecord], viewer: Identity) -> list[CommandOut]:
    """Records as the API returns them, each with its actor named."""
    actors = actor_views(records, viewer)
    return [CommandOut(**record.model_dump(), actor=actors[record.actor_id]) for record in records]


def with_actor_names(records: Sequence[CommandRecord]) -> list[CommandOut]:
    """Records for the export: the names filled in where the record lacks them."""
    actors = actor_views(records)
    out = []
    for record in records:
        actor = actors[record.actor_id]
        fields = record.model_dump() | {
            "actor_username": record.actor_username or actor.username,
            "actor_name": record.actor_name or actor.name,
        }
        out.append(CommandOut(**fields, actor=actor))
    return out


def entries_out(entries: Sequence[HistoryEntry], viewer: Identity) -> list[HistoryEntryOut]:
    """History entries with their actors named (history keeps ids only: one people read)."""
    actors = _named(((entry.actor, None, None, ()) for entry in entries), viewer)
    return [
        HistoryEntryOut(
            **(entry.model_dump() | {"actor_id": entry.actor, "actor": actors[entry.actor]})
        )
        for entry in entries
    ]


def resolve_actor(actor: str) -> str:
    """The id an audit filter means: a username's person (any case), else the text as an id."""
    people = deps().people
    person = people.by_username(actor) if people is not None else None
    return person.person_id if person is not None else actor


# -- routes ---------------------------------------------------------------------------------


def _person_out(person: PersonView) -> PersonOut:
    return PersonOut(
        id=person.person_id,
        username=person.username,
        name=person.display_name,
        email=person.email,
        groups=person.groups,
    )


@router.get(
    "/me",
    summary="The caller's profile: id, username, display name, email and groups",
    tags=TAGS,
    security=SIGNED_IN,
    responses=documented(200, 401),
)
def me() -> PersonOut:
    identity = caller(router.current_event)
    people = deps().people
    person = people.get(identity.user_id) if people is not None else None
    if person is not None:
        # The token's groups are the ones every route enforces for this session.
        return _person_out(person).model_copy(update={"groups": list(identity.groups)})
    return PersonOut(
        id=identity.user_id,
        username=identity.username,
        name=identity.name or identity.username,
        email=identity.email,
        groups=list(identity.groups),
    )


@router.patch(
    "/me",
    summary="Change the caller's display name (a command: audited and undoable)",
    tags=TAGS,
    security=SIGNED_IN,
    status_code=202,
    responses=documented(202, 400, 401, 403, 413),
)
def change_me(change: Annotated[DisplayNameChange, Body()]) -> Response[Accepted]:
    identity = writer(router.current_event)
    command = {
        "type": "ChangeDisplayName",
        "person_id": identity.user_id,
        "display_name": change.display_name,
    }
    return submit(identity, [command], ids=request_ids(router.current_event, identity))


@router.get(
    "/people",
    summary="Find people by the start of their username, display name or email "
    "(auditors and support)",
    tags=TAGS,
    security=SIGNED_IN,
    responses=documented(200, 400, 401, 404),
)
def search_people(
    q: PeopleQuery = None, limit: PeopleLimit = 20, cursor: Cursor = None
) -> PeopleList:
    identity = caller(router.current_event)
    people = deps().people
    if not identity.reads_everything or people is None:
        raise NotFound(NO_SUCH_PATH)
    query = (q or "").strip()
    if not 1 <= len(query) <= QUERY_MAX:
        raise BadRequest(
            f"Type 1 to {QUERY_MAX} characters of a username, display name or email to search.",
            field="q",
        )
    page = people.search(query, limit=limit, cursor=cursor)
    return PeopleList(items=[_person_out(person) for person in page.items], cursor=page.cursor)
