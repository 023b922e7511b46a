"""People on the write side: the Person aggregate, ChangeDisplayName, its undo, its projection."""

from __future__ import annotations

from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import pytest
from pydantic import ValidationError

from adapters.memory import InMemoryCommandLog, InMemoryEventStore
from adapters.memory_people import InMemoryPeople
from commands.command_log import CommandRecord
from commands.models import (
    Actor,
    ChangeDisplayName,
    CommandModel,
    Envelope,
    RedoCommand,
    UndoCommand,
)
from commands.repository import Repository
from commands.service import CommandService
from domain.errors import InvalidValue
from domain.person import Person, person_stream_id
from projections.people import PersonIdentity
from projections.projector import Projector
from tests.contracts.people import MONDAY

ALICE = Actor(user_id="sub-alice", username="alice", name="Alice Liddell")
BOB = Actor(user_id="sub-bob", username="bob", name="Bob Builder")
SUPPORT = Actor(user_id="sub-sam", username="sam", name="Sam Support", groups=("support",))
AUDITOR = Actor(user_id="sub-audrey", username="audrey", groups=("auditors",))


# -- the aggregate ------------------------------------------------------------------------


def test_a_persons_stream_is_derived_from_their_sub_and_from_nothing_else() -> None:
    assert person_stream_id("sub-alice") == person_stream_id("sub-alice")
    assert person_stream_id("sub-alice") != person_stream_id("sub-bob")
    # Pinned: a new namespace would lose every person their stream.
    assert person_stream_id("sub-alice") == uuid5(
        uuid5(NAMESPACE_URL, "retake:person"), "sub-alice"
    )
    assert Person.create("sub-alice").id == person_stream_id("sub-alice")


def test_a_display_name_change_records_the_name_before_and_after() -> None:
    person = Person.create("sub-alice")

    person.change_display_name("  Alice L.  ", known_as="Alice Liddell")
    person.change_display_name("Alice", known_as="ignored once a name is chosen")

    created, first, second = person.collect_events()
    assert isinstance(created, Person.Created) and created.owner == "sub-alice"
    assert isinstance(first, Person.DisplayNameChanged)
    assert isinstance(second, Person.DisplayNameChanged)
    assert (first.before, first.after) == ("Alice Liddell", "Alice L.")
    assert (second.before, second.after) == ("Alice L.", "Alice")
    assert person.display_name == "Alice"


@pytest.mark.parametrize(
    ("name", "complaint"),
    [
        ("", "1 to 80 characters"),
        ("   ", "1 to 80 characters"),
        ("x" * 81, "1 to 80 characters"),
        ("Alice\nLiddell", "control characters"),
        ("Alice\tL", "control characters"),
        ("Alice\x00", "control characters"),
    ],
)
def test_a_display_name_is_1_to_80_characters_without_control_characters(
    name: str, complaint: str
) -> None:
    person = Person.create("sub-alice")

    with pytest.raises(InvalidValue, match=complaint) as refused:
        person.change_display_name(name)

    assert refused.value.details == {"field": "display_name"}


def test_the_command_holds_the_name_to_the_same_rule_and_targets_the_persons_stream() -> None:
    command = ChangeDisplayName(person_id="sub-alice", display_name=" Alice L. ")

    assert command.display_name == "Alice L."
    assert command.aggregate_id == str(person_stream_id("sub-alice"))
    with pytest.raises(ValidationError, match="control characters"):
        ChangeDisplayName(person_id="sub-alice", display_name="Alice\nL")
    assert len(ChangeDisplayName(person_id="p", display_name="x" * 80).display_name) == 80


# -- the handler, undo and redo ----------------------------------------------------------


class World:
    """The command service and the projector on in-memory stores, the people model among them."""

    def __init__(self) -> None:
        self.store = InMemoryEventStore()
        self.log = InMemoryCommandLog()
        self.service = CommandService(Repository(self.store), self.log, sleep=lambda s: None)
        self.people = InMemoryPeople()
        self.projector = Projector(_NoViews(), self.store, people=self.people)
        for actor in (ALICE, BOB):
            self.people.record_identity(
                PersonIdentity(
                    person_id=actor.user_id,
                    username=str(actor.username),
                    email=None,
                    name=actor.name,
                    groups=[],
                    seen_at=MONDAY,
                )
            )

    def run(self, actor: Actor, command: CommandModel, **envelope: Any) -> CommandRecord:
        sent = Envelope(actor=actor, command=command, **envelope)
        self.log.record_accepted(CommandRecord.accepted(sent))
        record = self.service.execute(sent).record
        for ref in record.events:
            for commit in self.store.read_commits(ref.stream_id):
                if commit.command_id == record.command_id:
                    self.projector.apply(commit)
        return record

    def rename(self, actor: Actor, name: str, person: Actor | None = None) -> CommandRecord:
        target = (person or actor).user_id
        return self.run(actor, ChangeDisplayName(person_id=target, display_name=name))

    def undo(self, actor: Actor, target: CommandRecord, **envelope: Any) -> CommandRecord:
        command = UndoCommand(
            target_command_id=UUID(target.command_id), target_aggregate_id=target.aggregate_id
        )
        return self.run(actor, command, **envelope)

    def redo(self, actor: Actor, target: CommandRecord, **envelope: Any) -> CommandRecord:
        command = RedoCommand(
            target_command_id=UUID(target.command_id), target_aggregate_id=target.aggregate_id
        )
        return self.run(actor, command, **envelope)

    def shown_as(self, actor: Actor) -> str:
        person = self.people.get(actor.user_id)
        assert person is not None
        return person.display_name


class _NoViews:
    """Album and photo views a Person commit must never reach."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"a Person commit reached the album and photo views ({name})")


@pytest.fixture
def world() -> World:
    return World()


def test_a_person_changes_their_own_display_name_and_the_people_model_shows_it(
    world: World,
) -> None:
    record = world.rename(ALICE, "Alice in Wonderland")

    assert record.status == "succeeded", record.error
    assert (record.actor_username, record.actor_name) == ("alice", "Alice Liddell")
    assert world.shown_as(ALICE) == "Alice in Wonderland"
    person = world.people.get(ALICE.user_id)
    assert person is not None and person.version == 2  # created, then renamed


@pytest.mark.parametrize("actor", [BOB, SUPPORT, AUDITOR], ids=["bob", "support", "auditor"])
def test_nobody_else_may_change_a_persons_display_name(world: World, actor: Actor) -> None:
    record = world.rename(actor, "Not Alice", person=ALICE)

    assert record.status == "rejected"
    assert record.error is not None and record.error.code == "forbidden"
    assert world.shown_as(ALICE) == "Alice Liddell"
    assert world.store.head(str(person_stream_id(ALICE.user_id))) is None


def test_an_auditor_may_not_change_even_their_own_name(world: World) -> None:
    record = world.rename(AUDITOR, "Audrey A.")

    assert record.error is not None and record.error.code == "forbidden"


def test_undoing_a_first_rename_restores_the_name_the_token_gave(world: World) -> None:
    rename = world.rename(ALICE, "Alice in Wonderland")

    undo = world.undo(ALICE, rename)

    assert undo.status == "succeeded", undo.error
    assert world.shown_as(ALICE) == "Alice Liddell"
    redo = world.redo(ALICE, rename)
    assert redo.status == "succeeded", redo.error
    assert world.shown_as(ALICE) == "Alice in Wonderland"


def test_undoing_a_later_rename_restores_the_earlier_chosen_name(world: World) -> None:
    world.rename(ALICE, "Alice L.")
    second = world.rename(ALICE, "Alice in Wonderland")

    world.undo(ALICE, second)

    assert world.shown_as(ALICE) == "Alice L."


def test_an_undo_of_an_older_rename_is_refused_while_a_later_one_stands(world: World) -> None:
    first = world.rename(ALICE, "Alice L.")
    world.rename(ALICE, "Alice in Wonderland")

    undo = world.undo(ALICE, first)

    assert undo.error is not None and undo.error.code == "undo_conflict"
    assert world.shown_as(ALICE) == "Alice in Wonderland"


def test_support_may_undo_a_persons_rename_with_a_reason(world: World) -> None:
    rename = world.rename(ALICE, "Rude name")

    refused = world.undo(SUPPORT, rename)
    undone = world.undo(SUPPORT, rename, reason="reported as offensive")

    assert refused.error is not None and refused.error.code == "reason_required"
    assert undone.status == "succeeded", undone.error
    assert world.shown_as(ALICE) == "Alice Liddell"


def test_a_first_rename_with_no_name_known_before_cannot_be_undone(world: World) -> None:
    nameless = Actor(user_id="sub-carol")
    rename = world.rename(nameless, "Carol")

    undo = world.undo(nameless, rename)

    assert undo.error is not None and undo.error.code == "not_undoable"
    assert "not known" in undo.error.message


def test_a_repeated_or_late_person_commit_changes_nothing(world: World) -> None:
    first = world.rename(ALICE, "Alice L.")
    world.rename(ALICE, "Alice in Wonderland")
    [commit] = [
        c for c in world.store.read_commits(first.events[0].stream_id)
        if c.command_id == first.command_id
    ]  # fmt: skip

    projected = world.projector.apply(commit)

    assert projected.applied is False
    assert world.shown_as(ALICE) == "Alice in Wonderland"
