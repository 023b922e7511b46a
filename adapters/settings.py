"""Configuration: explicit argument > environment variable > default.

Every environment variable Retake reads is named here, once.
`AWS_ENDPOINT_URL` (read by boto3 itself) switches between moto, LocalStack and AWS.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from resources.definitions import (
    DEFAULT_MAX_UPLOAD_BYTES,
    DEFAULT_PREFIX,
    PHOTOS_BUCKET,
    Naming,
)

NAME_PREFIX = "RETAKE_NAME_PREFIX"
SNAPSHOT_INTERVAL = "RETAKE_SNAPSHOT_INTERVAL"
COMMANDS_HIGH_URL = "RETAKE_COMMANDS_HIGH_URL"
COMMANDS_LOW_URL = "RETAKE_COMMANDS_LOW_URL"
EVENTS_TOPIC_ARN = "RETAKE_EVENTS_TOPIC_ARN"
AWS_REGION = "AWS_DEFAULT_REGION"
API_ALLOWED_ORIGIN = "RETAKE_API_ALLOWED_ORIGIN"
PHOTOS_BUCKET_NAME = "RETAKE_PHOTOS_BUCKET"
MAX_UPLOAD_BYTES = "RETAKE_MAX_UPLOAD_BYTES"
#: Where browsers reach S3 when it differs from the endpoint functions use (local stack only).
PUBLIC_S3_ENDPOINT = "RETAKE_PUBLIC_S3_ENDPOINT"

DEFAULT_SNAPSHOT_INTERVAL = 20
DEFAULT_REGION = "us-east-1"
DEFAULT_API_ALLOWED_ORIGIN = "*"


@dataclass(frozen=True)
class Settings:
    naming: Naming
    snapshot_interval: int
    region: str
    commands_high_url: str | None = None
    commands_low_url: str | None = None
    #: The events topic; when unset, it is found by its name under `naming`.
    events_topic_arn: str | None = None
    #: The origin the API's CORS headers allow (the static site's, in production).
    api_allowed_origin: str = DEFAULT_API_ALLOWED_ORIGIN
    #: The photo bucket; when unset, named by `naming`.
    photos_bucket: str | None = None
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES
    public_s3_endpoint: str | None = None

    @property
    def photos_bucket_name(self) -> str:
        return self.photos_bucket or self.naming.bucket(PHOTOS_BUCKET)

    @classmethod
    def from_environment(cls, prefix: str | None = None) -> Settings:
        return cls(
            naming=Naming(prefix or os.environ.get(NAME_PREFIX, DEFAULT_PREFIX)),
            snapshot_interval=int(
                os.environ.get(SNAPSHOT_INTERVAL, str(DEFAULT_SNAPSHOT_INTERVAL))
            ),
            region=os.environ.get(AWS_REGION, DEFAULT_REGION),
            commands_high_url=os.environ.get(COMMANDS_HIGH_URL),
            commands_low_url=os.environ.get(COMMANDS_LOW_URL),
            events_topic_arn=os.environ.get(EVENTS_TOPIC_ARN),
            api_allowed_origin=os.environ.get(API_ALLOWED_ORIGIN, DEFAULT_API_ALLOWED_ORIGIN),
            photos_bucket=os.environ.get(PHOTOS_BUCKET_NAME),
            max_upload_bytes=int(os.environ.get(MAX_UPLOAD_BYTES, str(DEFAULT_MAX_UPLOAD_BYTES))),
            public_s3_endpoint=os.environ.get(PUBLIC_S3_ENDPOINT),
        )
