"""Properties: however the published commits of a history arrive, the views end up the same.

A history is a random list of commands over albums A1, A2 and photos P1, P2, P3
(refused ones included: they commit nothing), run through the command service on
in-memory adapters. Its commits are then projected in different ways, and every
way must leave exactly the read models that projecting them once, in order, does.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.memory_read_models import InMemoryReadModels
from commands.command_log import CommandRecord
from commands.event_store import Commit
from commands.models import Actor, AttachProcessing, Envelope
from projections.projector import Projector
from projections.rebuild import rebuild
from projections.views import TagRow
from tests.unit.test_undo_properties import Op, World, album_ops, op, photo_ops, tag_lists

PIPELINE = Actor(user_id="image-pipeline", groups=("system",))
PHOTOS = ("P1", "P2", "P3")

ops = st.one_of(
    *album_ops("A1").values(),
    *album_ops("A2").values(),
    *(strategy for name in PHOTOS for strategy in photo_ops(name).values()),
    *(op("PurgePhoto", name) for name in PHOTOS),
    *(op("AttachProcessing", name) for name in PHOTOS),
    op("BatchTagPhotos", "", photo_ids=st.lists(st.sampled_from(PHOTOS), min_size=1,
                                                unique=True), tags=tag_lists),
    op("Undo", "", index=st.integers(0, 40)),
)  # fmt: skip
histories = st.lists(ops, max_size=20)


class History(World):
    """The gallery after a history, with every commit it wrote."""

    def __init__(self, history: list[Op]) -> None:
        super().__init__()
        for kind, target, args in history:
            if kind == "Undo":
                done = [r for r in self.records if r.status == "succeeded" and r.events]
                if done:
                    self.undo(done[args["index"] % len(done)])
            elif kind == "AttachProcessing":
                self.process(target)
            else:
                self.run((kind, target, args))
        # In the order the commands ran (not by random stream id), so that
        # hypothesis draws the same things when it replays an example.
        names = {str(stream_id): name for name, stream_id in self.ids.items()}
        self.commits = sorted(
            self.store.all_commits(),
            key=lambda commit: (names.get(commit.stream_id, commit.stream_id),
                                commit.first_version),
        )  # fmt: skip

    def process(self, name: str) -> None:
        command = AttachProcessing(
            photo_id=self.ids[name], width=4, height=3, format="JPEG",
            metadata={"exif": {"f": 2.8}}, renditions={"thumb": "t"},
        )  # fmt: skip
        envelope = Envelope(actor=PIPELINE, command=command)
        self.log.record_accepted(CommandRecord.accepted(envelope))
        self.records.append(self.service.execute(envelope).record)

    def streams(self) -> dict[str, list[Commit]]:
        grouped: dict[str, list[Commit]] = {}
        for commit in self.commits:
            grouped.setdefault(commit.stream_id, []).append(commit)
        return grouped

    def projected(self, commits: Iterable[Commit]) -> dict[str, list[dict[str, Any]]]:
        """The read models after applying `commits` in that order (catching up from the store)."""
        projector = Projector(InMemoryReadModels(), self.store)
        for commit in commits:
            projector.apply(commit)
        return projector.read_models.dump()

    def live(self) -> dict[str, list[dict[str, Any]]]:
        return self.projected(self.commits)


def interleaved(streams: dict[str, list[Commit]], order: list[str]) -> list[Commit]:
    """Commits taken stream by stream as `order` names them, each stream in its own order."""
    queues = {stream_id: list(commits) for stream_id, commits in streams.items()}
    return [queues[stream_id].pop(0) for stream_id in order]


def slots(streams: dict[str, list[Commit]]) -> list[str]:
    return [stream_id for stream_id, commits in streams.items() for _ in commits]


@settings(max_examples=30, deadline=None)
@given(history=histories)
def test_projecting_every_commit_twice_leaves_what_projecting_it_once_does(
    history: list[Op],
) -> None:
    world = History(history)

    twice = world.projected(commit for commit in world.commits for _ in range(2))

    assert twice == world.live()


@settings(max_examples=30, deadline=None)
@given(history=histories, data=st.data())
def test_the_order_across_aggregates_does_not_matter(
    history: list[Op], data: st.DataObject
) -> None:
    world = History(history)
    streams = world.streams()
    order = data.draw(st.permutations(slots(streams)), label="order")

    assert world.projected(interleaved(streams, order)) == world.live()


@settings(max_examples=30, deadline=None)
@given(history=histories, data=st.data())
def test_commits_skipped_or_out_of_order_within_a_stream_are_caught_up(
    history: list[Op], data: st.DataObject
) -> None:
    world = History(history)
    delivered: dict[str, list[Commit]] = {}
    for stream_id, commits in world.streams().items():
        *earlier, last = commits
        kept = [c for c in earlier if data.draw(st.booleans(), label=f"keep {c.first_version}")]
        # The newest commit always arrives (else the views rightly stay behind).
        delivered[stream_id] = data.draw(st.permutations([*kept, last]), label="stream order")
    order = data.draw(st.permutations(slots(delivered)), label="order")

    assert world.projected(interleaved(delivered, order)) == world.live()


@settings(max_examples=30, deadline=None)
@given(history=histories)
def test_a_rebuild_reproduces_the_live_read_models(history: list[Op]) -> None:
    world = History(history)
    read_models = InMemoryReadModels()
    stale = TagRow(owner="nobody", tag="stale", photo_id="nothing", version=1)
    read_models.put_tags([stale], [])  # cleared by the rebuild
    seen: list[tuple[int, int]] = []

    report = rebuild(world.store, read_models, lambda done, total: seen.append((done, total)))

    assert read_models.dump() == world.live()
    assert report.streams == len(world.streams())
    assert report.events == sum(len(c.events) for c in world.commits)
    assert seen[0][0] == 0 and seen[-1][0] == seen[-1][1]


def test_the_example_histories_touch_every_table() -> None:
    """A guard on the generator: a plain history fills each read model."""
    world = History([
        ("ShareAlbum", "A1", {}),
        ("TagPhoto", "P1", {"tags": ["sea"]}),
        ("BatchTagPhotos", "", {"photo_ids": ["P2", "P3"], "tags": ["sun"]}),
        ("Undo", "", {"index": 6}),  # the TagPhoto
    ])  # fmt: skip
    live = world.live()
    assert all(live[name] for name in live), live
    assert [row["photo_id"] for row in live["tag-views"]] == sorted(
        str(world.ids[name]) for name in ("P2", "P3")
    )
    assert UUID(live["share-views"][0]["album_id"]) == world.ids["A1"]
