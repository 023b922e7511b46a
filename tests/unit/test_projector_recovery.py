"""A projector that crashes mid-commit leaves nothing stale once the message is retried."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import uuid4

import pytest

from adapters.memory import InMemoryCommandLog, InMemoryEventStore
from adapters.memory_read_models import InMemoryReadModels
from commands.models import Actor, Envelope, RegisterUpload, TagPhoto, UntagPhoto
from commands.repository import Repository
from commands.service import CommandService
from projections.projector import Projector
from projections.views import TagRow


class CrashOnceOnTags(InMemoryReadModels):
    """Dies the first time tag rows of a given version are written (a Lambda dying mid-way)."""

    def __init__(self, crash_at_version: int) -> None:
        super().__init__()
        self.crash_at_version = crash_at_version
        self.crashed = False

    def put_tags(self, rows: Sequence[TagRow], removed: Sequence[TagRow]) -> None:
        versions = {row.version for row in [*rows, *removed]}
        if self.crash_at_version in versions and not self.crashed:
            self.crashed = True
            raise ConnectionError("the container died")
        super().put_tags(rows, removed)


def test_a_crash_while_writing_tag_rows_heals_when_the_message_is_retried() -> None:
    # given: a photo tagged, then untagged
    store, photo_id = InMemoryEventStore(), uuid4()
    service = CommandService(Repository(store), InMemoryCommandLog())
    alice = Actor(user_id="alice")
    for command in (
        RegisterUpload(photo_id=photo_id, filename="a.jpg", content_type="image/jpeg", size=1),
        TagPhoto(photo_id=photo_id, tags=["sea", "sun"]),
        UntagPhoto(photo_id=photo_id, tags=["sea"]),
    ):
        assert service.execute(Envelope(actor=alice, command=command)).record.status == "succeeded"
    commits = list(store.all_commits())
    read_models = CrashOnceOnTags(crash_at_version=3)
    projector = Projector(read_models, store)
    projector.apply(commits[0])
    projector.apply(commits[1])
    # when: the untag's projection dies writing its tag rows, then SQS retries it
    with pytest.raises(ConnectionError):
        projector.apply(commits[2])
    projector.apply(commits[2])
    # then: the same rows as a clean run
    clean = InMemoryReadModels()
    for commit in commits:
        Projector(clean, store).apply(commit)
    assert read_models.dump() == clean.dump()
    assert [row.tag for row in read_models.tagged("alice", "sea").items] == []


class CrashOnView(InMemoryReadModels):
    """Dies writing the view of one version, after its tag rows were written."""

    def __init__(self, crash_at_version: int) -> None:
        super().__init__()
        self.crash_at_version = crash_at_version

    def put_view(self, view: Any, expected_version: int | None) -> None:
        if view.version == self.crash_at_version:
            raise ConnectionError("the container died")
        super().put_view(view, expected_version)


def test_tag_rows_written_by_an_attempt_that_died_are_removed_by_a_later_catch_up() -> None:
    # given: a photo tagged "sea" then untagged; the tag's projection wrote its row, then died
    store, photo_id = InMemoryEventStore(), uuid4()
    service = CommandService(Repository(store), InMemoryCommandLog())
    alice = Actor(user_id="alice")
    for command in (
        RegisterUpload(photo_id=photo_id, filename="a.jpg", content_type="image/jpeg", size=1),
        TagPhoto(photo_id=photo_id, tags=["sea"]),
        UntagPhoto(photo_id=photo_id, tags=["sea"]),
    ):
        assert service.execute(Envelope(actor=alice, command=command)).record.status == "succeeded"
    commits = list(store.all_commits())
    read_models = CrashOnView(crash_at_version=2)
    projector = Projector(read_models, store)
    projector.apply(commits[0])
    with pytest.raises(ConnectionError):
        projector.apply(commits[1])
    assert [row.tag for row in read_models.tagged("alice", "sea").items] == ["sea"]

    # when: the tag's message is lost (say, in a DLQ) and the untag arrives: a catch-up
    read_models.crash_at_version = 0
    projector.apply(commits[2])

    # then: no row survives for the tag the photo no longer has
    assert [row.tag for row in read_models.tagged("alice", "sea").items] == []
