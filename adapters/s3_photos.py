"""The photo bucket on S3: originals and renditions for the pipeline, presigned links for browsers.

Browsers upload straight to S3 with a presigned POST and read renditions with
short-lived presigned GETs: photo bytes never pass through the API. The POST
is conditioned on the declared content type and the size limit (AWS enforces
both; moto enforces neither, so ingest checks them again).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config

from pipeline.filters import StoredObject

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


def s3_client(region: str, endpoint_url: str | None = None) -> S3Client:
    """Signature v4 (presigned URLs need it); path-style addressing off AWS (moto, LocalStack)."""
    endpoint = (
        endpoint_url or os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    )
    config = Config(
        signature_version="s3v4",
        s3={"addressing_style": "path"} if endpoint else {},
    )
    return boto3.client("s3", region_name=region, endpoint_url=endpoint, config=config)


class S3PhotoObjects:
    """`pipeline.filters.PhotoObjects` on one bucket."""

    def __init__(self, bucket: str, client: S3Client) -> None:
        self.bucket = bucket
        self.client = client

    def head(self, key: str) -> StoredObject | None:
        try:
            response = self.client.head_object(Bucket=self.bucket, Key=key)
        except self.client.exceptions.ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        return StoredObject(
            size=int(response["ContentLength"]),
            content_type=response.get("ContentType"),
            etag=str(response.get("ETag", "")).strip('"'),
        )

    def get(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.client.put_object(
            Bucket=self.bucket,
            Key=key,
            Body=data,
            ContentType=content_type,
            CacheControl="private, max-age=86400",
        )


@dataclass(frozen=True)
class UploadForm:
    """A presigned POST: the browser sends `fields`, then the file, to `url`."""

    url: str
    fields: dict[str, str]
    expires_at: datetime


class PhotoLinks:
    """Presigned upload forms and download links for one bucket."""

    def __init__(self, bucket: str, client: S3Client) -> None:
        self.bucket = bucket
        self.client = client

    def upload_form(
        self, key: str, content_type: str, max_bytes: int, expires_in: int
    ) -> UploadForm:
        post: Any = self.client.generate_presigned_post(
            Bucket=self.bucket,
            Key=key,
            Fields={"Content-Type": content_type},
            Conditions=[
                {"Content-Type": content_type},
                ["content-length-range", 1, max_bytes],
            ],
            ExpiresIn=expires_in,
        )
        return UploadForm(
            url=str(post["url"]),
            fields={str(name): str(value) for name, value in post["fields"].items()},
            expires_at=datetime.now(UTC) + timedelta(seconds=expires_in),
        )

    def download_url(self, key: str, expires_in: int, filename: str | None = None) -> str:
        params: dict[str, Any] = {"Bucket": self.bucket, "Key": key}
        if filename:
            params["ResponseContentDisposition"] = _inline(filename)
        return str(
            self.client.generate_presigned_url("get_object", Params=params, ExpiresIn=expires_in)
        )


def _inline(filename: str) -> str:
    """A Content-Disposition naming the file safely (ASCII fallback plus RFC 5987 UTF-8)."""
    from urllib.parse import quote

    ascii_name = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_"
                         for c in filename) or "photo"  # fmt: skip
    return f"inline; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def etag_of(data: bytes) -> str:
    """S3's ETag of a single-part upload: the MD5 of the bytes."""
    return hashlib.md5(data, usedforsecurity=False).hexdigest()
