"""Photos as the API shows them: GPS to the owner only, short-lived links to the bytes.

Links are presigned S3 GETs, valid for `DOWNLOAD_URL_SECONDS`, handed only to
someone allowed to see the photo (the routes check that first): its owner,
auditors and support, and anyone holding the link of a shared album that
holds it. Signing is local (no request to S3), so a page of links is cheap.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from api.access import deps
from api.identity import Identity
from api.schemas import PhotoOut, PhotoPage, PhotoUrls
from projections.views import PhotoView
from resources.definitions import DOWNLOAD_URL_SECONDS

READY = "ready"


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
    metadata = dict(view.metadata)
    if viewer.user_id != view.owner:
        metadata.pop("gps", None)
    fields = {**view.model_dump(), "metadata": metadata, "urls": urls(view, original=original)}
    return PhotoOut(**fields)


def present_page(page: PhotoPage, viewer: Identity) -> PhotoPage:
    """A listing's photos with links to their thumbnails and large renditions."""
    return PhotoPage(
        items=[present(photo, viewer, original=False) for photo in page.items],
        cursor=page.cursor,
    )
