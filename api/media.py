"""Photos as the API shows them: GPS to the owner only, short-lived links to the bytes.

GPS coordinates are the owner's alone. They live in the photo's metadata, so they
also reach the photo's history (its before and after) and the pipeline's
`AttachProcessing` command in the trail; `without_gps` takes them out of both for
everyone but the owner (the trail, read by auditors and support, never shows them).

Links are presigned S3 GETs, valid for `DOWNLOAD_URL_SECONDS`, handed only to
someone allowed to see the photo (the routes check that first): its owner,
auditors and support, and anyone holding the link of a shared album that
holds it. Signing is local (no request to S3), so a page of links is cheap.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from api.access import deps
from api.identity import Identity
from api.schemas import PhotoOut, PhotoPage, PhotoUrls
from commands.command_log import CommandRecord
from projections.history import HistoryEntry
from projections.views import PhotoView
from resources.definitions import DOWNLOAD_URL_SECONDS

READY = "ready"
GPS = "gps"


def urls(view: PhotoView, *, original: bool) -> PhotoUrls | None:
    """Links to a processed photo's renditions (and its original, if asked); None before."""
    if view.status != READY or view.purged or not view.renditions:
        return None
    links = deps().links()
    expires_at = datetime.now(UTC) + timedelta(seconds=DOWNLOAD_URL_SECONDS)
    found = {
        name: links.download_url(key, DOWNLOAD_URL_SECONDS)
        for name, key in view.renditions.items()
        if name in ("thumbnail", "large")
    }
    if original:
        from pipeline.keys import original_key

        found["original"] = links.download_url(
            original_key(view.owner, view.photo_id), DOWNLOAD_URL_SECONDS, view.filename
        )
    return PhotoUrls(**found, expires_at=expires_at.isoformat())


def present(view: PhotoView, viewer: Identity, *, original: bool = True) -> PhotoOut:
    metadata = view.metadata if viewer.user_id == view.owner else _without(view.metadata)
    fields = {**view.model_dump(), "metadata": metadata, "urls": urls(view, original=original)}
    return PhotoOut(**fields)


def present_page(page: PhotoPage, viewer: Identity) -> PhotoPage:
    """A listing's photos with links to their thumbnails and large renditions."""
    return PhotoPage(
        items=[present(photo, viewer, original=False) for photo in page.items],
        cursor=page.cursor,
    )


def record_without_gps(record: CommandRecord) -> CommandRecord:
    """A trail record as auditors and support see it: a photo's metadata without GPS."""
    payload = _metadata_without_gps(record.payload)
    return record if payload is record.payload else record.model_copy(update={"payload": payload})


def entry_without_gps(entry: HistoryEntry) -> HistoryEntry:
    """A history entry as anyone but the photo's owner sees it."""
    before, after = _metadata_without_gps(entry.before), _metadata_without_gps(entry.after)
    if before is entry.before and after is entry.after:
        return entry
    return entry.model_copy(update={"before": before, "after": after})


def _metadata_without_gps(fields: dict[str, Any]) -> dict[str, Any]:
    """`fields` itself when its `metadata` holds no GPS, else a copy without it."""
    metadata = fields.get("metadata")
    if not isinstance(metadata, dict) or GPS not in metadata:
        return fields
    return {**fields, "metadata": _without(metadata)}


def _without(metadata: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in metadata.items() if name != GPS}
