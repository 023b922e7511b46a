"""Uploads: register a pending photo (a command) and hand the browser a presigned S3 POST.

The browser sends the bytes straight to S3; the API never carries them. The
form allows only the declared content type and at most the size limit. S3
then pushes the new object to the ingest function, which checks both again
and starts the image pipeline.
"""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body

from api.access import deps, submit, writable_album, writer
from api.errors import ApiError, BadRequest, documented
from api.idempotency import request_ids
from api.params import SIGNED_IN
from api.schemas import NewUpload, UploadAccepted, UploadForm
from pipeline.keys import original_key
from resources.definitions import UPLOAD_URL_SECONDS

router = Router()

#: What the image pipeline reads (Pillow's formats), by content type.
ALLOWED_TYPES = ("image/jpeg", "image/png", "image/webp", "image/gif", "image/tiff")


class UploadTooLarge(ApiError):
    status = 413
    code = "upload_too_large"


@router.post(
    "/uploads",
    summary="Start an upload: a pending photo and a presigned S3 POST for its bytes",
    description=(
        "Registers a pending photo (a `RegisterUpload` command) and answers with a form to "
        "POST the file to S3 directly: every field of `upload.fields`, then the file as "
        "`file`. The photo becomes `ready` once the image pipeline has processed it, or "
        "`processing_failed` with a reason. Only JPEG, PNG, WebP, GIF and TIFF are accepted."
    ),
    tags=["Photos"],
    security=SIGNED_IN,
    status_code=201,
    responses=documented(201, 400, 401, 403, 404, 413),
)
def start_upload(upload: Annotated[NewUpload, Body()]) -> Response[UploadAccepted]:
    identity = writer(router.current_event)
    content_type = upload.content_type.strip().lower()
    if content_type not in ALLOWED_TYPES:
        raise BadRequest(
            f"{upload.content_type!r} is not a supported image type; "
            f"upload one of {', '.join(ALLOWED_TYPES)}.",
            code="unsupported_type",
            content_type=upload.content_type,
            allowed=list(ALLOWED_TYPES),
        )
    max_bytes = deps().max_upload_bytes
    if upload.size > max_bytes:
        raise UploadTooLarge(
            f"The file is {upload.size:,} bytes; uploads are limited to {max_bytes:,} bytes.",
            size=upload.size,
            max_bytes=max_bytes,
        )
    album_id = str(upload.album_id) if upload.album_id else None
    if album_id is not None:
        writable_album(identity, album_id)
    ids = request_ids(router.current_event, identity)
    photo_id = ids.mint("photo")
    command = {
        "type": "RegisterUpload",
        "photo_id": photo_id,
        "filename": upload.filename,
        "content_type": content_type,
        "size": upload.size,
        "album_id": album_id,
    }
    accepted = submit(identity, [command], ids=ids, photo_id=photo_id).body
    assert accepted is not None  # submit always answers with a body
    form = (
        deps()
        .links()
        .upload_form(
            original_key(identity.user_id, photo_id), content_type, max_bytes, UPLOAD_URL_SECONDS
        )
    )
    body = UploadAccepted(
        photo_id=photo_id,
        command_id=accepted.command_id,
        location=accepted.location,
        upload=UploadForm(url=form.url, fields=form.fields, expires_at=form.expires_at.isoformat()),
        max_bytes=max_bytes,
    )
    return Response(
        status_code=201,
        content_type="application/json",
        body=body,
        headers={"Location": accepted.location},
    )
