"""The people read model: everyone who has signed in or been created, by name.

Two sources feed it. Cognito, through its trigger (`functions/people.py`), says
who a person is: their `sub` (the id everything else names them by), username,
email, groups, and the `name` attribute an administrator may have set
(`record_identity`). The projector applies what the person chose themself, a
`Person.DisplayNameChanged` (`apply_display_name`). A chosen name wins over
Cognito's for good; until there is one, Cognito's `name`, else the username, is
the display name.

Search is by prefix of the username, the email, the display name or any word of
it, ignoring case (`ali` finds alice, "Alice Liddell" and "Liddell, Alice").
Both implementations keep one *term* per (term, person) in order and read a
page from the first term at or after the query: what a search reads is about
what it returns, never the whole model. A person with several matching terms is
listed once, at their first (`emits_at`), so pages never repeat anyone.

The pure rules live here (`PersonRecord`, the terms, the cursor), so the
in-memory model and the DynamoDB adapter cannot drift apart.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from domain.person import person_stream_id
from projections.read_models import InvalidCursor
from projections.views import Page

#: The longest query a search takes (the API holds callers to it too).
QUERY_MAX = 100


class PersonView(BaseModel):
    """A person as the read side knows them."""

    model_config = ConfigDict(frozen=True)

    person_id: str
    username: str
    email: str | None = None
    display_name: str
    groups: list[str]
    first_seen: str
    last_seen: str
    #: The Person aggregate's version: 0 until the person first chose a name by command.
    version: int = 0


PeoplePage = Page[PersonView]


@dataclass(frozen=True)
class PersonIdentity:
    """What Cognito says of a person when it issues them a token (or confirms them)."""

    person_id: str
    username: str
    email: str | None
    name: str | None
    groups: Sequence[str]
    seen_at: datetime


class People(Protocol):
    """The read-model port for people (in memory, or on DynamoDB)."""

    def get(self, person_id: str) -> PersonView | None:
        """One person by id (their Cognito `sub`)."""

    def get_many(self, person_ids: Sequence[str]) -> dict[str, PersonView]:
        """Several people in one round trip, by id; unknown ids are left out."""

    def by_username(self, username: str) -> PersonView | None:
        """The person with this username, ignoring case."""

    def search(self, query: str, limit: int = 20, cursor: str | None = None) -> PeoplePage:
        """People whose username, email, display name or a word of it starts with `query`."""

    def record_identity(self, identity: PersonIdentity) -> PersonView:
        """Record (or refresh) a person as Cognito describes them; their view after."""

    def apply_display_name(self, person_id: str, display_name: str, version: int) -> bool:
        """The name the person chose at `version` of their aggregate, unless a newer one is held.

        True if it was applied, False if the model already held that version or a newer one.
        """

    def versions(self, stream_ids: Sequence[str]) -> dict[str, int]:
        """The version each Person stream has reached in the model (for read-your-writes)."""


# -- the rules both implementations share ---------------------------------------------


def normalise(text: str) -> str:
    """How terms and queries compare: inner spaces collapsed, case folded."""
    return " ".join(text.split()).casefold()


def _iso(instant: datetime) -> str:
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return instant.astimezone(UTC).isoformat()


@dataclass(frozen=True)
class PersonRecord:
    """Everything kept of one person; `view()` is what readers get.

    `cognito_name` and `chosen_name` are kept apart, so a sign-in never undoes a
    name the person chose, and a chosen name is never mistaken for Cognito's.
    A record the projector created before Cognito described the person (no
    username yet) has no view.
    """

    person_id: str
    username: str | None = None
    email: str | None = None
    cognito_name: str | None = None
    chosen_name: str | None = None
    groups: tuple[str, ...] = ()
    first_seen: str | None = None
    last_seen: str | None = None
    version: int = 0
    #: Counts every write of the record: orders the writes of its term rows (DynamoDB).
    revision: int = 0
    terms: frozenset[str] = field(default_factory=frozenset)

    @property
    def stream_id(self) -> str:
        return str(person_stream_id(self.person_id))

    @property
    def display_name(self) -> str:
        return self.chosen_name or self.cognito_name or self.username or ""

    def view(self) -> PersonView | None:
        if self.username is None or self.first_seen is None or self.last_seen is None:
            return None
        return PersonView(
            person_id=self.person_id,
            username=self.username,
            email=self.email,
            display_name=self.display_name,
            groups=list(self.groups),
            first_seen=self.first_seen,
            last_seen=self.last_seen,
            version=self.version,
        )

    def with_identity(self, identity: PersonIdentity) -> PersonRecord:
        seen = _iso(identity.seen_at)
        changed = replace(
            self,
            username=identity.username,
            email=identity.email or None,
            cognito_name=(identity.name or "").strip() or None,
            groups=tuple(dict.fromkeys(identity.groups)),
            first_seen=min(self.first_seen or seen, seen),
            last_seen=max(self.last_seen or seen, seen),
            revision=self.revision + 1,
        )
        return replace(changed, terms=search_terms(changed))

    def with_display_name(self, display_name: str, version: int) -> PersonRecord | None:
        """The record with a chosen name, or None if it already holds `version` or later."""
        if version <= self.version:
            return None
        changed = replace(
            self, chosen_name=display_name, version=version, revision=self.revision + 1
        )
        return replace(changed, terms=search_terms(changed))


def search_terms(record: PersonRecord) -> frozenset[str]:
    """What a search may match a person by: username, email, display name and its words."""
    name = normalise(record.display_name)
    terms = {normalise(record.username or ""), normalise(record.email or ""), name}
    terms |= set(name.replace(",", " ").split())
    return frozenset(term for term in terms if term)


def term_key(term: str, person_id: str) -> str:
    """A term row's sort key: terms in order, one row per (term, person)."""
    return f"{term}#{person_id}"


def partition_of(term: str) -> str:
    """A term row's partition: by first character, so a prefix search reads one partition."""
    return f"term#{term[0]}"


def emits_at(record: PersonRecord, query: str, key: str) -> bool:
    """Whether the term row `key` is where a search for `query` lists this person.

    A person matching by several terms is listed at the first of them only, so
    no page repeats someone another page listed. Rows of terms a person no longer
    has (a race between two writers may leave one) list nobody.
    """
    matching = [term_key(term, record.person_id) for term in record.terms
                if term.startswith(query)]  # fmt: skip
    return bool(matching) and min(matching) == key


def encode_cursor(query: str, key: str) -> str:
    return base64.urlsafe_b64encode(json.dumps([query, key]).encode()).decode()


def decode_cursor(query: str, cursor: str) -> str:
    """The term key a search cursor resumes after; InvalidCursor unless this search made it."""
    try:
        made_for, key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, TypeError, binascii.Error) as exc:
        raise InvalidCursor("That cursor was not handed out by this search.") from exc
    if made_for != query or not isinstance(key, str) or not key.startswith(query):
        raise InvalidCursor("That cursor was not handed out by this search (or another query).")
    return key


#: A batch of term rows in order, as (term key, person id).
TermRows = Sequence[tuple[str, str]]


def search_page(
    query: str,
    limit: int,
    batches: Iterable[TermRows],
    fetch: Callable[[Sequence[str]], dict[str, PersonRecord]],
) -> PeoplePage:
    """A page of people from term rows read in order from the query's first match.

    `batches` yields the rows a batch at a time (one Query each on DynamoDB) and
    `fetch` reads several people at once (one BatchGetItem), no more than the
    page still needs. Reading stops at the first person past the page, so
    `cursor` is None exactly when no one is left.
    """
    items: list[PersonView] = []
    last_key: str | None = None
    people: dict[str, PersonRecord | None] = {}
    for batch in batches:
        for index, (key, person_id) in enumerate(batch):
            if person_id not in people:
                # Read the people of the rows ahead, but only as many as the page can still
                # take (and one more, to know whether another page follows).
                wanted = list(dict.fromkeys(p for _, p in batch[index:] if p not in people))
                wanted = wanted[: limit + 1 - len(items)]
                found = fetch(wanted)
                people |= {p: found.get(p) for p in wanted}
            record = people[person_id]
            view = record.view() if record is not None else None
            if record is None or view is None or not emits_at(record, query, key):
                continue
            if len(items) == limit:
                return PeoplePage(items=items, cursor=encode_cursor(query, str(last_key)))
            items.append(view)
            last_key = key
    return PeoplePage(items=items, cursor=None)
