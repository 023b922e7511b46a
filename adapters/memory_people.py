"""The people read model in memory: the same port as DynamoDB's, for tests and fakes."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence

from projections.people import (
    QUERY_MAX,
    PeoplePage,
    PersonIdentity,
    PersonRecord,
    PersonView,
    TermRows,
    decode_cursor,
    normalise,
    search_page,
    term_key,
)


class InMemoryPeople:
    """People in a dict; a search walks the terms in order, as DynamoDB's Query does."""

    def __init__(self) -> None:
        self._records: dict[str, PersonRecord] = {}
        self._lock = threading.RLock()

    def get(self, person_id: str) -> PersonView | None:
        record = self._records.get(person_id)
        return record.view() if record is not None else None

    def get_many(self, person_ids: Sequence[str]) -> dict[str, PersonView]:
        with self._lock:
            records = [self._records.get(person_id) for person_id in dict.fromkeys(person_ids)]
        views = (record.view() for record in records if record is not None)
        return {view.person_id: view for view in views if view is not None}

    def by_username(self, username: str) -> PersonView | None:
        wanted = normalise(username)
        with self._lock:
            records = sorted(self._records.values(), key=lambda record: record.person_id)
        for record in records:
            view = record.view()
            if view is not None and normalise(view.username) == wanted:
                return view
        return None

    def search(self, query: str, limit: int = 20, cursor: str | None = None) -> PeoplePage:
        wanted = normalise(query)[:QUERY_MAX]
        if not wanted:
            return PeoplePage(items=[])
        after = decode_cursor(wanted, cursor) if cursor else None
        with self._lock:
            records = dict(self._records)
        rows = sorted(
            (term_key(term, record.person_id), record.person_id)
            for record in records.values()
            for term in record.terms
            if term.startswith(wanted)
        )
        if after is not None:
            rows = [row for row in rows if row[0] > after]

        def batches() -> Iterator[TermRows]:
            yield rows

        return search_page(
            wanted, max(1, limit), batches(), lambda ids: {i: records[i] for i in ids}
        )

    def record_identity(self, identity: PersonIdentity) -> PersonView:
        with self._lock:
            known = self._records.get(identity.person_id) or PersonRecord(identity.person_id)
            record = known.with_identity(identity)
            self._records[identity.person_id] = record
        view = record.view()
        assert view is not None  # an identity always names the username
        return view

    def apply_display_name(self, person_id: str, display_name: str, version: int) -> bool:
        with self._lock:
            known = self._records.get(person_id) or PersonRecord(person_id)
            record = known.with_display_name(display_name, version)
            if record is None:
                return False
            self._records[person_id] = record
            return True

    def versions(self, stream_ids: Sequence[str]) -> dict[str, int]:
        wanted = set(stream_ids)
        with self._lock:
            records = list(self._records.values())
        return {record.stream_id: record.version for record in records
                if record.stream_id in wanted}  # fmt: skip
