"""A commit carries its command's priority, and the projector copes with the two queues it picks.

Bulk commits travel on `projections-bulk` and interactive ones on `projections`,
so one aggregate's commits can reach the projector out of order.
"""

from __future__ import annotations

from uuid import uuid4

from adapters.memory import InMemoryCommandLog, InMemoryEventStore
from adapters.memory_read_models import InMemoryReadModels
from commands.event_store import Commit
from commands.models import Actor, BatchTagPhotos, Envelope, RegisterUpload, TagPhoto
from commands.repository import Repository
from commands.service import CommandService
from fanout.messages import CommitMessage
from projections.projector import Projector


def tagged_photo() -> tuple[InMemoryEventStore, list[Commit]]:
    """A photo uploaded (v1), bulk-tagged (v2), tagged interactively (v3), bulk-tagged (v4)."""
    store, photo_id = InMemoryEventStore(), uuid4()
    service = CommandService(Repository(store), InMemoryCommandLog())
    alice = Actor(user_id="alice")
    for command in (
        RegisterUpload(photo_id=photo_id, filename="a.jpg", content_type="image/jpeg", size=1),
        BatchTagPhotos(photo_ids=[photo_id], tags=["bulk1"]),
        TagPhoto(photo_id=photo_id, tags=["sea"]),
        BatchTagPhotos(photo_ids=[photo_id], tags=["bulk2"]),
    ):
        assert service.execute(Envelope(actor=alice, command=command)).record.status == "succeeded"
    return store, list(store.all_commits())


def test_a_commit_carries_the_priority_of_the_command_that_wrote_it() -> None:
    _, commits = tagged_photo()

    assert [commit.priority for commit in commits] == ["high", "low", "high", "low"]


def test_an_explicit_priority_on_the_envelope_wins_over_the_commands_default() -> None:
    store, photo_id = InMemoryEventStore(), uuid4()
    service = CommandService(Repository(store), InMemoryCommandLog())
    upload = RegisterUpload(photo_id=photo_id, filename="a.jpg", content_type="image/jpeg", size=1)

    service.execute(Envelope(actor=Actor(user_id="alice"), command=upload, priority="low"))

    assert [commit.priority for commit in store.all_commits()] == ["low"]


def test_a_commit_message_keeps_the_priority_and_older_messages_read_as_high() -> None:
    _, commits = tagged_photo()
    bulk = CommitMessage.of(commits[1])

    assert bulk.priority == "low"
    assert bulk.attributes()["priority"] == {"DataType": "String", "StringValue": "low"}
    assert CommitMessage.model_validate_json(bulk.model_dump_json()).to_commit().priority == "low"
    published_before = bulk.model_dump(exclude={"priority"})
    assert CommitMessage.model_validate(published_before).priority == "high"


def test_an_interactive_commit_that_overtakes_a_bulk_one_gives_the_same_views() -> None:
    # given: the bulk commits wait on their queue while the interactive ones go ahead
    store, commits = tagged_photo()
    upload, bulk1, interactive, bulk2 = commits
    arrival = [upload, interactive, bulk2, bulk1]

    # when
    out_of_order = InMemoryReadModels()
    projector = Projector(out_of_order, store)
    results = [projector.apply(commit) for commit in arrival]

    # then: v3 caught up over the missing v2, and the late v2 was skipped as already held
    assert [(r.version, r.applied) for r in results] == [
        (1, True),
        (3, True),
        (4, True),
        (4, False),
    ]
    in_order = InMemoryReadModels()
    for commit in commits:
        Projector(in_order, store).apply(commit)
    assert out_of_order.dump() == in_order.dump()
    assert out_of_order.get_photo(upload.stream_id).tags == ["bulk1", "bulk2", "sea"]
