"""Simulated gallery users: a mix of commands, chosen at random from what each user owns.

A `GalleryUser` keeps its own picture of its gallery (album and photo ids,
what it trashed, the commands it sent) and picks each action from that, so
the mix stays meaningful: tags land on existing photos, restores on trashed
ones, undo and redo on earlier commands. A command the worker later rejects
(an undo that conflicts, a restore of a photo not in the trash) still counts:
it was accepted and must reach a final status.

With `wait=True` each action waits until its command is final and projected
before the next, so the same seed makes the same gallery whatever the timing
(the duplicates scenario compares two runs).
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from proof.client import Api, Reply

#: How often each action is picked, when it can be.
WEIGHTS = {
    "create_album": 6,
    "rename_album": 10,
    "register_upload": 12,
    "tag": 14,
    "untag": 3,
    "retitle": 10,
    "move": 8,
    "trash": 6,
    "restore": 5,
    "undo": 10,
    "redo": 6,
}
TAGS = ("beach", "family", "night", "city", "snow", "dog", "sunset", "food")


@dataclass
class Tally:
    """What the API answered, across users (thread-safe)."""

    accepted: list[str] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    actions: Counter[str] = field(default_factory=Counter)
    latencies_ms: list[float] = field(default_factory=list)
    #: Called with how many commands were just accepted (a progress bar).
    on_accepted: Callable[[int], None] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, action: str, reply: Reply, latency_ms: float | None = None) -> None:
        with self._lock:
            self.statuses[reply.status] += 1
            if reply.command_ids:
                self.accepted += reply.command_ids
                self.actions[action] += len(reply.command_ids)
            if latency_ms is not None:
                self.latencies_ms.append(latency_ms)
            if reply.command_ids and self.on_accepted:
                self.on_accepted(len(reply.command_ids))

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)


@dataclass
class GalleryUser:
    name: str
    api: Api
    rng: random.Random
    tally: Tally
    wait: bool = False
    albums: list[str] = field(default_factory=list)
    photos: list[str] = field(default_factory=list)
    trashed: set[str] = field(default_factory=set)
    history: list[str] = field(default_factory=list)
    undone: list[str] = field(default_factory=list)
    tagged: dict[str, list[str]] = field(default_factory=dict)

    def run(self, commands: int, stop: threading.Event | None = None) -> None:
        """Act until `commands` of this user's commands were accepted (or `stop` is set)."""
        sent = 0
        failures_in_a_row = 0
        while sent < commands and not (stop and stop.is_set()):
            accepted = self.step()
            sent += accepted
            failures_in_a_row = 0 if accepted else failures_in_a_row + 1
            if failures_in_a_row > 50:
                raise RuntimeError(f"{self.name}: 50 actions in a row were refused by the API")

    def step(self) -> int:
        """One action; the number of commands the API accepted for it."""
        action = self._choose()
        act: Callable[[], Reply] = getattr(self, f"_{action}")
        started = time.monotonic()
        reply = act()
        latency = None
        if reply.command_ids and self.wait:
            if self.api.wait_projected(reply.command_ids[-1]) is None:
                raise RuntimeError(f"{self.name}: {action} was not final and projected in time")
            latency = (time.monotonic() - started) * 1000
        self.tally.record(action, reply, latency)
        self.history += reply.command_ids
        return len(reply.command_ids)

    def names(self) -> dict[str, str]:
        """Each album and photo id this user made, with a name stable across runs."""
        named = {album: f"{self.name}/album{i}" for i, album in enumerate(self.albums)}
        return named | {photo: f"{self.name}/photo{i}" for i, photo in enumerate(self.photos)}

    # -- choosing ------------------------------------------------------------------------

    def _possible(self) -> list[str]:
        if not self.albums:
            return ["create_album"]
        if not self.photos:
            return ["register_upload"]
        possible = ["create_album", "rename_album", "register_upload", "retitle", "move", "tag"]
        possible += ["trash"] if len(self.trashed) < len(self.photos) else []
        possible += ["restore"] if self.trashed else []
        possible += ["untag"] if any(self.tagged.values()) else []
        possible += ["undo"] if self.history else []
        possible += ["redo"] if self.undone else []
        return possible

    def _choose(self) -> str:
        possible = self._possible()
        return self.rng.choices(possible, [WEIGHTS[action] for action in possible])[0]

    def _live_photo(self) -> str:
        live = [photo for photo in self.photos if photo not in self.trashed] or self.photos
        return self.rng.choice(live)

    # -- actions -------------------------------------------------------------------------

    def _create_album(self) -> Reply:
        reply = self.api.call("POST", "/albums", {"title": f"{self.name} {len(self.albums)}"})
        if reply.command_ids:
            self.albums.append(str(reply.body["album_id"]))
        return reply

    def _rename_album(self) -> Reply:
        album = self.rng.choice(self.albums)
        title = f"Renamed {self.rng.randrange(1000)}"
        return self.api.call("PATCH", f"/albums/{album}", {"title": title})

    def _register_upload(self) -> Reply:
        body = {
            "filename": f"IMG_{len(self.photos):04d}.jpg",
            "content_type": "image/jpeg",
            "size": 1000 + self.rng.randrange(100_000),
        }
        if self.albums and self.rng.random() < 0.7:
            body["album_id"] = self.rng.choice(self.albums)
        reply = self.api.call("POST", "/uploads", body)
        if reply.command_ids:
            self.photos.append(str(reply.body["photo_id"]))
        return reply

    def _retitle(self) -> Reply:
        photo = self._live_photo()
        changes = {"title": f"Photo {self.rng.randrange(1000)}"}
        if self.rng.random() < 0.3:
            changes["caption"] = f"Caption {self.rng.randrange(1000)}"
        return self.api.call("PATCH", f"/photos/{photo}", changes)

    def _move(self) -> Reply:
        photo = self._live_photo()
        album = self.rng.choice([*self.albums, None])
        return self.api.call("PUT", f"/photos/{photo}/album", {"album_id": album})

    def _tag(self) -> Reply:
        photo = self._live_photo()
        tags = self.rng.sample(TAGS, self.rng.randint(1, 2))
        reply = self.api.call("POST", f"/photos/{photo}/tags", {"tags": tags})
        if reply.command_ids:
            self.tagged.setdefault(photo, []).extend(tags)
        return reply

    def _untag(self) -> Reply:
        # Chosen in the order photos were made (never by id): the same seed, the same choice.
        photo = self.rng.choice([p for p in self.photos if self.tagged.get(p)])
        tag = self.tagged[photo].pop(self.rng.randrange(len(self.tagged[photo])))
        return self.api.call("DELETE", f"/photos/{photo}/tags/{tag}")

    def _trash(self) -> Reply:
        photo = self.rng.choice([p for p in self.photos if p not in self.trashed])
        reply = self.api.call("DELETE", f"/photos/{photo}")
        if reply.command_ids:
            self.trashed.add(photo)
        return reply

    def _restore(self) -> Reply:
        photo = self.rng.choice([p for p in self.photos if p in self.trashed])
        reply = self.api.call("POST", f"/photos/{photo}/restore")
        if reply.command_ids:
            self.trashed.discard(photo)
        return reply

    def _undo(self) -> Reply:
        target = self.rng.choice(self.history[-10:])
        reply = self.api.call("POST", f"/commands/{target}/undo", {})
        if reply.command_ids:
            self.undone.append(target)
        return reply

    def _redo(self) -> Reply:
        target = self.undone.pop(self.rng.randrange(len(self.undone)))
        return self.api.call("POST", f"/commands/{target}/redo", {})


def run_users(
    users: list[GalleryUser], commands_each: int, stop: threading.Event | None = None
) -> list[BaseException]:
    """Run every user in its own thread until each has `commands_each` commands accepted."""
    errors: list[BaseException] = []

    def one(user: GalleryUser) -> None:
        try:
            user.run(commands_each, stop)
        except BaseException as error:  # reported by the scenario, never swallowed
            errors.append(error)

    threads = [threading.Thread(target=one, args=(user,), name=user.name) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors
