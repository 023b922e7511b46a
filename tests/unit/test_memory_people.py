"""The in-memory people model honours the people contract."""

from __future__ import annotations

from adapters.memory_people import InMemoryPeople
from projections.people import People
from tests.contracts.people import PeopleContract


class TestInMemoryPeople(PeopleContract):
    def create_people(self) -> People:
        return InMemoryPeople()
