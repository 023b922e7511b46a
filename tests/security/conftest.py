"""Security fixtures: the whole local stack, a signed-in token per role, and Alice's world.

One stack serves the folder (`stack`, package-scoped, the `RunningStack` of the
end-to-end tests), reached only over HTTP with Cognito ID tokens, as an
attacker would reach it. The roles are those of the access table:

| role      | account | who                                         |
|-----------|---------|---------------------------------------------|
| anonymous | -       | no token at all                             |
| owner     | alice   | the gallery user who owns the world below   |
| other     | bob     | another gallery user                        |
| auditor   | audrey  | Cognito group `auditors`: reads everything  |
| support   | sam     | Cognito group `support`: reads, reverts     |

`world` is Alice's: a shared album with a registered photo in it, tagged, and
a rename of the album, all projected, so ids of each kind exist and belong to
someone.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Reply, RunningStack, running_stack

_HERE = Path(__file__).parent

#: Role -> demo account (None: no token).
ROLES: dict[str, str | None] = {
    "anonymous": None,
    "owner": "alice",
    "other": "bob",
    "auditor": "audrey",
    "support": "sam",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test in this folder `security` (deselect with -m 'not security')."""
    for item in items:
        if _HERE in item.path.parents:
            item.add_marker(pytest.mark.security)


@pytest.fixture(scope="package")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    """The whole local stack for this folder."""
    data_dir = tmp_path_factory.mktemp("retake-security")
    with running_stack(data_dir, persist=False, idle_timeout_seconds=600) as running:
        yield running


@pytest.fixture(scope="package")
def tokens(stack: RunningStack) -> dict[str, str | None]:
    """A valid ID token of the stack's app client for each role (None for anonymous)."""
    return {role: stack.token(user) if user else None for role, user in ROLES.items()}


@dataclass(frozen=True)
class World:
    """Alice's album (shared), a photo in it, her rename of the album, and the share token."""

    album: str
    photo: str
    command: str
    token: str

    def ids(self) -> dict[str, str]:
        return {
            "album": self.album,
            "photo": self.photo,
            "command": self.command,
            "token": self.token,
            "now": datetime.now(UTC).isoformat(),
        }


def accepted(reply: Reply) -> dict[str, Any]:
    assert reply.status in (201, 202), reply.text
    body: dict[str, Any] = reply.body
    return body


def build_world(stack: RunningStack, owner: str = "alice") -> World:
    """A fresh world for `owner`, every command projected before it is handed out."""
    album = accepted(stack.call("POST", "/albums", owner, {"title": "Iceland"}))
    # Photos and albums are separate FIFO groups: file the photo once the album exists.
    stack.wait_projected(album["command_id"], as_user=owner)
    upload = accepted(
        stack.call(
            "POST",
            "/uploads",
            owner,
            {
                "filename": "IMG_1.jpg",
                "content_type": "image/jpeg",
                "size": 1234,
                "album_id": album["album_id"],
            },
        )
    )
    photo = upload["photo_id"]
    tagged = accepted(stack.call("POST", f"/photos/{photo}/tags", owner, {"tags": ["sea"]}))
    shared = accepted(stack.call("POST", f"/albums/{album['album_id']}/share", owner))
    renamed = accepted(
        stack.call("PATCH", f"/albums/{album['album_id']}", owner, {"title": "Ísland"})
    )
    for command in (upload, tagged, shared, renamed):
        record = stack.wait_projected(command["command_id"], as_user=owner)
        assert record["status"] == "succeeded", record
    view = stack.call("GET", f"/albums/{album['album_id']}", owner).body
    return World(
        album=album["album_id"],
        photo=photo,
        command=renamed["command_id"],
        token=view["share_token"],
    )


@pytest.fixture(scope="package")
def world(stack: RunningStack) -> World:
    return build_world(stack)
