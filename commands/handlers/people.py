"""Person command handlers: what a person changes about themself."""

from __future__ import annotations

from commands.authorization import ensure_may_write, ensure_self
from commands.handlers.context import HandlerContext, handles
from commands.models import ChangeDisplayName
from domain.person import Person, person_stream_id


@handles(ChangeDisplayName)
def change_display_name(command: ChangeDisplayName, ctx: HandlerContext) -> None:
    """The first change creates the person's stream; the name before is the token's."""
    ensure_may_write(ctx.envelope)
    ensure_self(ctx.envelope, command.person_id, "display name")
    person = ctx.uow.find(Person, person_stream_id(command.person_id))
    if person is None:
        person = Person.create(command.person_id)
        ctx.uow.add(person)
    actor = ctx.actor
    person.change_display_name(command.display_name, known_as=actor.name or actor.username or "")
