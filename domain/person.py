"""The Person aggregate: what a person says about themself (today, their display name).

Cognito stays the source of identity: a person's id is their Cognito `sub`, and
their username, email and groups are Cognito's. What a person changes about
themself is a command like every other, audited and undoable, so it lives on an
aggregate of its own. Its stream id is derived from the sub (`person_stream_id`),
so the first change needs no lookup and every later one finds the same stream.
"""

from __future__ import annotations

from typing import ClassVar
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from domain import values

#: The namespace of person stream ids: uuid5(NAMESPACE_URL, "retake:person"). Never change it,
#: or every person's existing stream would be lost to them.
PERSON_NAMESPACE = UUID("2093ec22-b96c-52aa-948c-79614e74471d")


def person_stream_id(person_id: str) -> UUID:
    """The stream of the person whose Cognito `sub` is `person_id`."""
    return uuid5(PERSON_NAMESPACE, person_id)


class Person(Aggregate):
    class Created(Aggregate.Created):
        # A person exists as long as Cognito says so; their record's creation competes
        # with nothing, and undoing their first change leaves it in place.
        touches: ClassVar[frozenset[str]] = frozenset()
        #: The person's Cognito `sub` (the commit's owner, so subscribers need not decode).
        owner: str

    class DisplayNameChanged(Aggregate.Event):
        touches: ClassVar[frozenset[str]] = frozenset({"display_name"})
        #: The name shown before: the one chosen last, or the one Cognito gave ("" if unknown).
        before: str
        after: str

        def apply(self, person: Person) -> None:
            person.display_name = self.after

    def __init__(self, owner: str) -> None:
        self.owner = owner
        #: The name the person chose; None until they choose one (Cognito's is shown).
        self.display_name: str | None = None

    @classmethod
    def create(cls, person_id: str) -> Person:
        return cls._create(cls.Created, id=person_stream_id(person_id), owner=person_id)

    def change_display_name(self, display_name: str, *, known_as: str = "") -> None:
        """Choose the name others see; `known_as` is the name shown until a first choice."""
        before = self.display_name if self.display_name is not None else known_as
        self.trigger_event(
            self.DisplayNameChanged, before=before, after=values.display_name(display_name)
        )
