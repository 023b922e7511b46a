"""The people model on DynamoDB (moto): the contract, its keys, what a search reads, races."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

from adapters.dynamodb_people import DynamoDBPeople
from domain.person import person_stream_id
from projections.people import People, PersonRecord
from resources.definitions import PEOPLE
from tests.contracts.people import PeopleContract, identity

if TYPE_CHECKING:
    from tests.integration.conftest import AwsContext


def dynamodb_people(aws: AwsContext) -> DynamoDBPeople:
    return DynamoDBPeople(aws.table(PEOPLE), client=aws.dynamodb, sleep=lambda seconds: None)


class TestDynamoDBPeople(PeopleContract):
    @pytest.fixture(autouse=True)
    def _moto(self, aws: AwsContext) -> None:
        self.aws = aws

    def create_people(self) -> People:
        return dynamodb_people(self.aws)


def test_a_person_is_one_profile_item_and_one_item_per_search_term(aws: AwsContext) -> None:
    people = dynamodb_people(aws)

    people.record_identity(identity(name="Alice Liddell"))

    keys = [(item["pk"], item["sk"]) for item in people.dump()]
    stream = person_stream_id("sub-alice")
    assert aws.table(PEOPLE) == "test-people"
    assert keys == [
        (f"person#{stream}", "profile"),
        ("term#a", "alice liddell#sub-alice"),
        ("term#a", "alice#sub-alice"),
        ("term#a", "alice@example.com#sub-alice"),
        ("term#l", "liddell#sub-alice"),
    ]


def test_a_rename_replaces_the_old_names_terms(aws: AwsContext) -> None:
    people = dynamodb_people(aws)
    people.record_identity(identity(name="Alice Liddell", email=None))

    people.apply_display_name("sub-alice", "Wonderland", 2)

    terms = sorted(
        item["sk"]
        for item in people.dump()
        if item["pk"] != f"person#{person_stream_id('sub-alice')}"
    )
    assert terms == ["alice#sub-alice", "wonderland#sub-alice"]


def test_a_search_reads_about_as_many_items_as_it_returns(aws: AwsContext) -> None:
    people = dynamodb_people(aws)
    for index in range(20):
        people.record_identity(
            identity(f"sub-{index}", f"user{index}", email=f"u{index}@example.com", name="Bo")
        )
    for name in ("Alice Liddell", "Alina Smith"):
        username = name.split()[0].lower()
        people.record_identity(identity(f"sub-{username}", username, email=None, name=name))
    people.stats.reset()

    page = people.search("ali", limit=10)

    assert sorted(person.username for person in page.items) == ["alice", "alina"]
    # One Query of the `term#a` partition (two terms each: username and name) and one
    # BatchGetItem of the two profiles: the other 20 people are never read.
    assert people.stats.requests == 2
    assert people.stats.items_read == 4 + 2


def test_a_username_lookup_reads_one_term_and_one_profile(aws: AwsContext) -> None:
    people = dynamodb_people(aws)
    for index in range(10):
        people.record_identity(identity(f"sub-{index}", f"alice{index}", email=None, name="Bo"))
    people.record_identity(identity())
    people.stats.reset()

    found = people.by_username("Alice")

    assert found is not None and found.person_id == "sub-alice"
    assert (people.stats.requests, people.stats.items_read) == (2, 2)


class Interleaved(DynamoDBPeople):
    """A writer that another writer overtakes right after its first read of the profile."""

    def __init__(self, aws: AwsContext, overtake: Callable[[], object]) -> None:
        super().__init__(aws.table(PEOPLE), client=aws.dynamodb, sleep=lambda seconds: None)
        self.overtake: Callable[[], object] | None = overtake

    def _record(self, person_id: str, *, consistent: bool = False) -> PersonRecord | None:
        record = super()._record(person_id, consistent=consistent)
        if self.overtake is not None:
            overtake, self.overtake = self.overtake, None
            overtake()
        return record


def test_a_sign_in_racing_a_rename_loses_neither(aws: AwsContext) -> None:
    other = dynamodb_people(aws)
    other.record_identity(identity())
    slow = Interleaved(aws, lambda: other.apply_display_name("sub-alice", "Wonderland", 2))

    slow.record_identity(identity(groups=["support"], seen_at=identity().seen_at.replace(day=1)))

    person = other.get("sub-alice")
    assert person is not None
    assert (person.display_name, person.version, person.groups) == ("Wonderland", 2, ["support"])
    assert [p.username for p in other.search("wonder").items] == ["alice"]
    assert other.search("liddell").items == []


def test_a_stale_rename_racing_a_newer_one_leaves_the_newer(aws: AwsContext) -> None:
    other = dynamodb_people(aws)
    other.record_identity(identity())
    slow = Interleaved(aws, lambda: other.apply_display_name("sub-alice", "Newest", 5))

    assert slow.apply_display_name("sub-alice", "Older", 4) is False

    person = other.get("sub-alice")
    assert person is not None and (person.display_name, person.version) == ("Newest", 5)
    assert other.search("older").items == []


def test_a_page_reads_the_profiles_it_shows_and_one_more(aws: AwsContext) -> None:
    people = dynamodb_people(aws)
    for index in range(12):
        people.record_identity(identity(f"sub-{index:02}", f"ann{index:02}", email=None, name="Bo"))
    people.stats.reset()

    page = people.search("ann", limit=3)

    assert [person.username for person in page.items] == ["ann00", "ann01", "ann02"]
    assert page.cursor is not None
    # One Query (13 term rows at most: the page's, and the rows read ahead) and one
    # BatchGetItem of the 3 people shown and the one that says another page follows.
    assert people.stats.requests == 2
    assert people.stats.items_read == 12 + 4
