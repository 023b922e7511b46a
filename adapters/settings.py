"""Configuration: explicit argument > environment variable > default.

Every environment variable Retake reads is named here, once.
`AWS_ENDPOINT_URL` (read by boto3 itself) switches between moto, LocalStack and AWS.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from resources.definitions import DEFAULT_PREFIX, Naming

NAME_PREFIX = "RETAKE_NAME_PREFIX"
SNAPSHOT_INTERVAL = "RETAKE_SNAPSHOT_INTERVAL"
COMMANDS_HIGH_URL = "RETAKE_COMMANDS_HIGH_URL"
COMMANDS_LOW_URL = "RETAKE_COMMANDS_LOW_URL"
EVENTS_TOPIC_ARN = "RETAKE_EVENTS_TOPIC_ARN"
AWS_REGION = "AWS_DEFAULT_REGION"
API_ALLOWED_ORIGIN = "RETAKE_API_ALLOWED_ORIGIN"

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
        )
