"""What the HTTP API reads and writes through, handed to it by the composition root.

`functions/bootstrap.py` builds these for each container and `provide`s the
way to reach them, so the API never imports the root that wires it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from adapters.settings import Settings

if TYPE_CHECKING:
    from adapters.s3_photos import PhotoLinks
    from commands.command_log import CommandLog
    from commands.event_store import EventStore
    from commands.repository import Repository
    from commands.submit import CommandSubmitter
    from projections.people import People
    from projections.read_models import ReadModels


@dataclass
class ApiDependencies:
    """What the HTTP API reads and writes through (tests swap in fakes: `_api_dependencies`)."""

    submitter: CommandSubmitter
    log: CommandLog
    read_models: ReadModels
    store: EventStore
    repository: Repository
    settings: Settings | None = None
    #: Presigned upload forms and links; built on first use (an S3 client costs ~250 ms).
    photo_links: PhotoLinks | None = None
    #: Who the ids are: names for the trail, `/me` and `/people`. None where nobody is known
    #: (tests that need no names); the API then names people by what their records hold.
    people: People | None = None

    @property
    def max_upload_bytes(self) -> int:
        return (self.settings or Settings.from_environment()).max_upload_bytes

    def links(self) -> PhotoLinks:
        if self.photo_links is None:
            from adapters.s3_photos import PhotoLinks, s3_client

            settings = self.settings or Settings.from_environment()
            client = s3_client(settings.region, settings.public_s3_endpoint)
            self.photo_links = PhotoLinks(settings.photos_bucket_name, client)
        return self.photo_links


_provider: Callable[[], ApiDependencies] | None = None


def provide(provider: Callable[[], ApiDependencies]) -> None:
    """Say how the API reaches this container's dependencies (the composition root does)."""
    global _provider
    _provider = provider


def current() -> ApiDependencies:
    """This container's dependencies, through the composition root's provider."""
    if _provider is None:
        raise RuntimeError("the API has no dependencies: import functions.bootstrap first")
    return _provider()
