"""The people read-model contract, run against the in-memory model and DynamoDB alike.

A subclass named `Test...` supplies `create_people()`: a new, empty people model.
"""

from __future__ import annotations

import base64
import json
from abc import ABC, abstractmethod
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone

import pytest

from domain.person import person_stream_id
from projections.people import People, PeoplePage, PersonIdentity, PersonView
from projections.read_models import InvalidCursor

MONDAY = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def identity(
    person_id: str = "sub-alice",
    username: str = "alice",
    *,
    email: str | None = "alice@example.com",
    name: str | None = "Alice Liddell",
    groups: Sequence[str] = (),
    seen_at: datetime = MONDAY,
) -> PersonIdentity:
    return PersonIdentity(
        person_id=person_id,
        username=username,
        email=email,
        name=name,
        groups=list(groups),
        seen_at=seen_at,
    )


def every_page(people: People, query: str, limit: int) -> list[PeoplePage]:
    pages = [people.search(query, limit=limit)]
    while pages[-1].cursor is not None:
        pages.append(people.search(query, limit=limit, cursor=pages[-1].cursor))
        assert len(pages) < 50, "the cursor never ran out"
    return pages


def usernames(page: PeoplePage) -> list[str]:
    return [person.username for person in page.items]


class PeopleContract(ABC):
    @abstractmethod
    def create_people(self) -> People:
        """A new, empty people model."""

    # -- what Cognito says -------------------------------------------------------------

    def test_a_person_is_recorded_as_cognito_describes_them(self) -> None:
        people = self.create_people()

        recorded = people.record_identity(identity(groups=["support"]))

        expected = PersonView(
            person_id="sub-alice",
            username="alice",
            email="alice@example.com",
            display_name="Alice Liddell",
            groups=["support"],
            first_seen="2026-11-30T09:00:00+00:00",
            last_seen="2026-11-30T09:00:00+00:00",
            version=0,
        )
        assert recorded == expected
        assert people.get("sub-alice") == expected
        assert people.get("sub-nobody") is None

    def test_without_a_name_from_cognito_the_display_name_is_the_username(self) -> None:
        people = self.create_people()

        recorded = people.record_identity(identity(name=None, email=None))

        assert (recorded.display_name, recorded.email) == ("alice", None)

    def test_a_later_sign_in_refreshes_what_cognito_says_and_when_they_were_last_seen(
        self,
    ) -> None:
        people = self.create_people()
        people.record_identity(identity())
        later = MONDAY + timedelta(days=1)

        people.record_identity(
            identity(email="a@example.org", name="Alice L.", groups=["auditors"], seen_at=later)
        )
        # A token issued earlier but recorded late moves nothing back (times in any zone).
        people.record_identity(identity(seen_at=MONDAY.astimezone(timezone(timedelta(hours=2)))))

        person = people.get("sub-alice")
        assert person is not None
        assert (person.first_seen, person.last_seen) == (
            "2026-11-30T09:00:00+00:00",
            "2026-12-01T09:00:00+00:00",
        )
        assert (person.display_name, person.groups) == ("Alice Liddell", [])

    # -- what the person chose ---------------------------------------------------------

    def test_a_chosen_name_wins_over_cognitos_and_survives_later_sign_ins(self) -> None:
        people = self.create_people()
        people.record_identity(identity())

        assert people.apply_display_name("sub-alice", "Alice in Wonderland", 2) is True
        after_sign_in = people.record_identity(identity(name="Alice Liddell"))

        assert after_sign_in.display_name == "Alice in Wonderland"
        assert after_sign_in.version == 2

    def test_a_stale_display_name_never_overwrites_a_newer_one(self) -> None:
        people = self.create_people()
        people.record_identity(identity())
        people.apply_display_name("sub-alice", "Third", 4)

        assert people.apply_display_name("sub-alice", "Second", 3) is False
        assert people.apply_display_name("sub-alice", "Third again", 4) is False

        person = people.get("sub-alice")
        assert person is not None and (person.display_name, person.version) == ("Third", 4)

    def test_a_name_chosen_before_cognito_described_the_person_is_kept(self) -> None:
        people = self.create_people()

        people.apply_display_name("sub-alice", "Alice in Wonderland", 2)

        assert people.get("sub-alice") is None  # no username yet: not a person to show
        recorded = people.record_identity(identity())
        assert (recorded.display_name, recorded.version) == ("Alice in Wonderland", 2)

    # -- reads -------------------------------------------------------------------------

    def test_many_people_are_read_at_once_and_unknown_ids_left_out(self) -> None:
        people = self.create_people()
        alice = people.record_identity(identity())
        bob = people.record_identity(identity("sub-bob", "bob", email=None, name="Bob Builder"))

        found = people.get_many(["sub-bob", "sub-alice", "sub-bob", "sub-nobody"])

        assert found == {"sub-alice": alice, "sub-bob": bob}
        assert people.get_many([]) == {}

    def test_a_username_finds_its_person_in_any_case(self) -> None:
        people = self.create_people()
        alice = people.record_identity(identity())
        # Bob calls himself "alice": a username lookup is by username only.
        people.record_identity(identity("sub-bob", "bob", email=None, name="alice"))

        assert people.by_username("ALICE") == alice
        assert people.by_username("ali") is None
        assert people.by_username("carol") is None

    def test_the_version_of_a_person_stream_is_the_people_models(self) -> None:
        people = self.create_people()
        people.record_identity(identity())
        people.record_identity(identity("sub-bob", "bob"))
        people.apply_display_name("sub-alice", "Alice L.", 3)
        alice, bob = str(person_stream_id("sub-alice")), str(person_stream_id("sub-bob"))

        assert people.versions([alice, bob, "unknown-stream"]) == {alice: 3, bob: 0}

    # -- search ------------------------------------------------------------------------

    def test_a_search_matches_the_start_of_a_username_name_word_or_email_in_any_case(
        self,
    ) -> None:
        people = self.create_people()
        people.record_identity(identity())
        audrey = identity("sub-audrey", "audrey", email="audrey@example.com", name="Audrey A.")
        people.record_identity(audrey)
        people.record_identity(identity("sub-sam", "sam", email="sam@example.com", name="Sam"))

        assert usernames(people.search("ALI")) == ["alice"]
        assert usernames(people.search("liddell")) == ["alice"]
        assert usernames(people.search("alice liddell")) == ["alice"]
        assert usernames(people.search("sam@ex")) == ["sam"]
        assert sorted(usernames(people.search("a"))) == ["alice", "audrey"]
        assert people.search("zed").items == []
        assert people.search("  ").items == []

    def test_a_person_matching_by_several_terms_is_listed_once(self) -> None:
        people = self.create_people()
        # username, email, display name and a word of it all start with "al".
        people.record_identity(identity(name="Alice Alison"))

        page = people.search("al")

        assert usernames(page) == ["alice"] and page.cursor is None

    def test_a_renamed_person_is_found_by_the_new_name_only(self) -> None:
        people = self.create_people()
        people.record_identity(identity(email=None))

        people.apply_display_name("sub-alice", "Wonderland", 2)

        assert usernames(people.search("wonder")) == ["alice"]
        assert people.search("liddell").items == []
        assert usernames(people.search("alice")) == ["alice"]  # the username still matches

    def test_search_pages_list_everyone_once_and_the_last_page_has_no_cursor(self) -> None:
        people = self.create_people()
        for index, name in enumerate(["Ann", "Anna", "Annabel", "Anne", "Annie"]):
            people.record_identity(
                identity(f"sub-{index}", f"an{index}", email=f"an{index}@example.com", name=name)
            )
        people.record_identity(identity("sub-bob", "bob", name="Bob"))

        pages = every_page(people, "an", limit=2)

        assert [len(page.items) for page in pages] == [2, 2, 1]
        assert pages[-1].cursor is None
        listed = [person.person_id for page in pages for person in page.items]
        assert sorted(listed) == [f"sub-{index}" for index in range(5)]

    def test_a_full_last_page_has_no_cursor(self) -> None:
        people = self.create_people()
        people.record_identity(identity())
        people.record_identity(identity("sub-alina", "alina", name="Alina"))

        page = people.search("ali", limit=2)

        assert len(page.items) == 2 and page.cursor is None

    @pytest.mark.parametrize("cursor", ["abc", "***", "a b=", "%%%%"])
    def test_a_cursor_this_search_did_not_hand_out_is_refused(self, cursor: str) -> None:
        people = self.create_people()
        people.record_identity(identity())

        with pytest.raises(InvalidCursor):
            people.search("ali", cursor=cursor)

    def test_a_cursor_of_another_query_is_refused(self) -> None:
        people = self.create_people()
        people.record_identity(identity())
        people.record_identity(identity("sub-alina", "alina", name="Alina"))
        other = base64.urlsafe_b64encode(json.dumps(["bo", "bob#sub-bob"]).encode()).decode()
        cursor = people.search("ali", limit=1).cursor
        assert cursor is not None

        with pytest.raises(InvalidCursor):
            people.search("al", cursor=cursor)
        with pytest.raises(InvalidCursor):
            people.search("ali", cursor=other)
