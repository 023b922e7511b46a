"""The Photo aggregate: from a pending upload to a ready, tagged, filed photo.

A photo points at its album (or at none: the owner's unsorted photos). A
trashed photo accepts only restore and purge; purging is irreversible (its
bytes are gone) and leaves a tombstone that refuses everything. Tags are kept
in alphabetical order, so undoing an untag restores them exactly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain import values
from domain.album import EVERYTHING, Album
from domain.errors import PhotoNotTrashed, PhotoPurged, PhotoTrashed

PENDING = "pending"
READY = "ready"
PROCESSING_FAILED = "processing_failed"


class Photo(Aggregate):
    class Registered(Aggregate.Created):
        # Undoing an upload trashes the photo, so that is the fact it competes for;
        # the pipeline's later results do not block it.
        touches: ClassVar[frozenset[str]] = frozenset({"trash"})
        owner: str
        album_id: UUID | None
        filename: str
        content_type: str
        size: int
        title: str

    class Processed(Aggregate.Event):
        touches: ClassVar[frozenset[str]] = frozenset({"processing"})
        width: int
        height: int
        format: str
        metadata: dict[str, Any]
        renditions: dict[str, str]

        def apply(self, photo: Photo) -> None:
            photo.status = READY
            photo.failure_reason = None
            photo.width, photo.height, photo.format = self.width, self.height, self.format
            photo.metadata = dict(self.metadata)
            photo.renditions = dict(self.renditions)

    class ProcessingFailed(Aggregate.Event):
        touches: ClassVar[frozenset[str]] = frozenset({"processing"})
        reason: str

        def apply(self, photo: Photo) -> None:
            photo.status = PROCESSING_FAILED
            photo.failure_reason = self.reason

    class ReprocessingRequested(Aggregate.Event):
        """The pipeline is to run again on the original; the photo is pending until it has."""

        touches: ClassVar[frozenset[str]] = frozenset({"processing"})
        previous_status: str

        def apply(self, photo: Photo) -> None:
            photo.status = PENDING
            photo.failure_reason = None

    class Retitled(Aggregate.Event):
        touches: ClassVar[frozenset[str]] = frozenset({"title"})
        title: str
        previous_title: str

        def apply(self, photo: Photo) -> None:
            photo.title = self.title

    class Captioned(Aggregate.Event):
        touches: ClassVar[frozenset[str]] = frozenset({"caption"})
        caption: str
        previous_caption: str

        def apply(self, photo: Photo) -> None:
            photo.caption = self.caption

    class Tagged(Aggregate.Event):
        """Carries only the tags this event added, so undo removes exactly those."""

        tags: list[str]

        @property
        def touches(self) -> frozenset[str]:
            return frozenset(f"tag:{tag}" for tag in self.tags)

        def apply(self, photo: Photo) -> None:
            photo.tags = sorted({*photo.tags, *self.tags})

    class Untagged(Aggregate.Event):
        """Carries only the tags this event removed."""

        tags: list[str]

        @property
        def touches(self) -> frozenset[str]:
            return frozenset(f"tag:{tag}" for tag in self.tags)

        def apply(self, photo: Photo) -> None:
            removed = set(self.tags)
            photo.tags = [tag for tag in photo.tags if tag not in removed]

    class Moved(Aggregate.Event):
        touches: ClassVar[frozenset[str]] = frozenset({"album"})
        album_id: UUID | None
        previous_album_id: UUID | None

        def apply(self, photo: Photo) -> None:
            photo.album_id = self.album_id

    class Trashed(Aggregate.Event):
        touches: ClassVar[frozenset[str]] = frozenset({"trash"})

        def apply(self, photo: Photo) -> None:
            photo.trashed = True

    class Restored(Aggregate.Event):
        touches: ClassVar[frozenset[str]] = frozenset({"trash"})

        def apply(self, photo: Photo) -> None:
            photo.trashed = False

    class Purged(Aggregate.Event):
        touches: ClassVar[frozenset[str]] = frozenset({EVERYTHING})

        def apply(self, photo: Photo) -> None:
            photo.purged = True
            photo.renditions = {}
            photo.metadata = {}

    def __init__(
        self,
        owner: str,
        album_id: UUID | None,
        filename: str,
        content_type: str,
        size: int,
        title: str,
    ) -> None:
        self.owner = owner
        self.album_id = album_id
        self.filename = filename
        self.content_type = content_type
        self.size = size
        self.title = title
        self.caption = ""
        self.tags: list[str] = []
        self.status = PENDING
        self.failure_reason: str | None = None
        self.width: int | None = None
        self.height: int | None = None
        self.format: str | None = None
        self.metadata: dict[str, Any] = {}
        self.renditions: dict[str, str] = {}
        self.trashed = False
        self.purged = False

    @classmethod
    def register(
        cls,
        photo_id: UUID,
        owner: str,
        filename: str,
        content_type: str,
        size: int,
        album: Album | None = None,
    ) -> Photo:
        """A pending upload; its title starts as the filename without extension."""
        if album is not None:
            album.accept_photo_of(owner)
        safe_name = values.filename(filename)
        stem = safe_name.rsplit(".", 1)[0] if "." in safe_name[1:] else safe_name
        return cls._create(
            cls.Registered,
            id=photo_id,
            owner=owner,
            album_id=album.id if album else None,
            filename=safe_name,
            content_type=content_type,
            size=size,
            title=values.title(stem[: values.TITLE_MAX]),
        )

    def _ensure_not_purged(self) -> None:
        if self.purged:
            raise PhotoPurged(
                "This photo was purged; nothing can change it.", photo_id=str(self.id)
            )

    def _ensure_editable(self) -> None:
        self._ensure_not_purged()
        if self.trashed:
            raise PhotoTrashed(
                f"Photo '{self.title}' is in the trash; restore it first.", photo_id=str(self.id)
            )

    def attach_processing(
        self,
        width: int,
        height: int,
        format: str,
        metadata: Mapping[str, Any],
        renditions: Mapping[str, str],
    ) -> None:
        self._ensure_not_purged()
        self.trigger_event(
            self.Processed,
            width=width,
            height=height,
            format=format,
            metadata=dict(metadata),
            renditions=dict(renditions),
        )

    def fail_processing(self, reason: str) -> None:
        self._ensure_not_purged()
        self.trigger_event(self.ProcessingFailed, reason=values.text(reason, "reason") or "failed")

    def request_reprocessing(self) -> None:
        """Run the pipeline again (after a failure, or on a photo stuck pending)."""
        self._ensure_editable()
        self.trigger_event(self.ReprocessingRequested, previous_status=self.status)

    def retitle(self, title: str) -> None:
        self._ensure_editable()
        self.trigger_event(self.Retitled, title=values.title(title), previous_title=self.title)

    def set_caption(self, caption: str) -> None:
        self._ensure_editable()
        self.trigger_event(
            self.Captioned,
            caption=values.text(caption, "caption"),
            previous_caption=self.caption,
        )

    def tag(self, tags: Iterable[str]) -> None:
        """Add tags; tags the photo already has are ignored (no event if none are new)."""
        self._ensure_editable()
        new = [tag for tag in values.tags(tags) if tag not in self.tags]
        values.check_tag_count(len(self.tags) + len(new))
        if new:
            self.trigger_event(self.Tagged, tags=new)

    def untag(self, tags: Iterable[str]) -> None:
        """Remove tags; tags the photo does not have are ignored."""
        self._ensure_editable()
        present = [tag for tag in values.tags(tags) if tag in self.tags]
        if present:
            self.trigger_event(self.Untagged, tags=present)

    def move_to(self, album: Album | None, *, returning: bool = False) -> None:
        """File the photo in `album`, or take it out of any album with None.

        `returning` (used by undo) lets a photo go back to an album deleted since:
        it then shows as unsorted, and comes back with the album if that is restored.
        """
        self._ensure_editable()
        if album is not None:
            album.accept_photo_of(self.owner, deleted_ok=returning)
        target = album.id if album is not None else None
        if target != self.album_id:
            self.trigger_event(self.Moved, album_id=target, previous_album_id=self.album_id)

    def trash(self) -> None:
        self._ensure_editable()
        self.trigger_event(self.Trashed)

    def restore(self) -> None:
        self._ensure_not_purged()
        if not self.trashed:
            raise PhotoNotTrashed(
                f"Photo '{self.title}' is not in the trash.", photo_id=str(self.id)
            )
        self.trigger_event(self.Restored)

    def purge(self) -> None:
        """Irreversible: the photo's bytes are deleted and cannot be brought back."""
        self._ensure_not_purged()
        if not self.trashed:
            raise PhotoNotTrashed(
                "Only a photo in the trash can be purged; trash it first.", photo_id=str(self.id)
            )
        self.trigger_event(self.Purged)
