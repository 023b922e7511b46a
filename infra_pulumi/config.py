"""The stack's configuration, typed: what `pulumi config set retake:<key>` may change.

Every value has a default taken from `resources.definitions`, so an empty stack
deploys exactly what the local stack runs. Reading Pulumi's configuration is
kept to `StackConfig.from_pulumi`; tests build a `StackConfig` directly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from resources.definitions import (
    CONSUMERS,
    DEFAULT_MAX_UPLOAD_BYTES,
    DEFAULT_PREFIX,
    FUNCTIONS,
    SITE_BUCKET,
    FunctionSpec,
    Naming,
)

T = TypeVar("T")

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_ARCHIVE_DIR = REPO_ROOT / "dist"
FUNCTIONS_ARCHIVE = "retake-functions.zip"
LAYER_ARCHIVE = "retake-layer.zip"
DEFAULT_REGION = "us-east-1"
DEFAULT_LOG_RETENTION_DAYS = 30
#: The values CloudWatch Logs accepts for a log group's retention.
LOG_RETENTION_DAYS: tuple[int, ...] = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545)
LOG_RETENTION_DAYS += (731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)

#: Regions whose website endpoints are `s3-website-<region>`; others use `s3-website.<region>`.
_DASHED_WEBSITE_REGIONS = frozenset(
    {
        "us-east-1",
        "us-west-1",
        "us-west-2",
        "ap-southeast-1",
        "ap-southeast-2",
        "ap-northeast-1",
        "eu-west-1",
        "sa-east-1",
        "us-gov-west-1",
    }
)


#: The keys of `retake:functions.<name>`.
FUNCTION_KEYS = ("memoryMb", "timeoutSeconds", "reservedConcurrency", "provisionedConcurrency")


class ConfigError(ValueError):
    """The stack's configuration cannot be deployed; the message says what to change."""


class MissingArchive(ConfigError):
    """A deployment archive has not been built."""


@dataclass(frozen=True)
class FunctionSettings:
    """A function's size and limits; `reserved_concurrency` None leaves it unreserved.

    `provisioned_concurrency` above 0 deploys an alias with that many environments
    kept initialised (billed by the hour, idle or not).
    """

    memory_mb: int
    timeout_seconds: int
    reserved_concurrency: int | None
    provisioned_concurrency: int = 0

    @classmethod
    def of(cls, spec: FunctionSpec) -> FunctionSettings:
        return cls(
            spec.memory_mb,
            spec.timeout_seconds,
            spec.reserved_concurrency,
            spec.provisioned_concurrency,
        )


@dataclass(frozen=True)
class StackConfig:
    """One stack's settings, checked as it is built (a `ConfigError` says what to change)."""

    region: str = DEFAULT_REGION
    name_prefix: str = DEFAULT_PREFIX
    #: Physical names for buckets by logical name (bucket names are global across AWS).
    bucket_names: Mapping[str, str] = field(default_factory=dict)
    #: Per-function overrides of `FunctionSpec`'s memory, timeout, reserved and provisioned
    #: concurrency.
    function_overrides: Mapping[str, FunctionSettings] = field(default_factory=dict)
    #: False leaves every function unreserved (for accounts whose concurrency quota is low).
    reserve_concurrency: bool = True
    keep_warm: bool = True
    log_retention_days: int = DEFAULT_LOG_RETENTION_DAYS
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES
    #: The origin the page is served from; None: the site bucket's website endpoint.
    site_origin_override: str | None = None
    #: Deletion protection of the tables that cannot be rebuilt, and of the user pool.
    deletion_protection: bool = True
    stage_name: str = "live"
    archive_dir: Path = DEFAULT_ARCHIVE_DIR

    def __post_init__(self) -> None:
        self.validate()

    @property
    def naming(self) -> Naming:
        return Naming(self.name_prefix, dict(self.bucket_names))

    @property
    def site_origin(self) -> str:
        """Where browsers load the page from: the API's and the photo bucket's CORS origin."""
        if self.site_origin_override:
            return self.site_origin_override.rstrip("/")
        separator = "-" if self.region in _DASHED_WEBSITE_REGIONS else "."
        bucket = self.naming.bucket(SITE_BUCKET)
        return f"http://{bucket}.s3-website{separator}{self.region}.amazonaws.com"

    @property
    def functions_archive(self) -> Path:
        return self.archive_dir / FUNCTIONS_ARCHIVE

    @property
    def layer_archive(self) -> Path:
        return self.archive_dir / LAYER_ARCHIVE

    def function(self, spec: FunctionSpec) -> FunctionSettings:
        settings = self.function_overrides.get(spec.name) or FunctionSettings.of(spec)
        if not self.reserve_concurrency:
            return replace(settings, reserved_concurrency=None)
        return settings

    def validate(self) -> None:
        known = {spec.name for spec in FUNCTIONS}
        unknown = sorted(set(self.function_overrides) - known)
        if unknown:
            raise ConfigError(
                f"retake:functions names unknown functions {unknown}; known: {sorted(known)}"
            )
        if self.log_retention_days not in LOG_RETENTION_DAYS:
            raise ConfigError(
                f"retake:logRetentionDays must be one of {LOG_RETENTION_DAYS}, "
                f"not {self.log_retention_days}"
            )
        if self.max_upload_bytes <= 0:
            raise ConfigError("retake:maxUploadBytes must be positive")
        self._check_provisioned_fits_reserved()
        self._check_timeouts_fit_visibility()

    def _check_provisioned_fits_reserved(self) -> None:
        # Lambda refuses more provisioned environments than the function may run at once.
        for spec in FUNCTIONS:
            settings = self.function(spec)
            provisioned, reserved = settings.provisioned_concurrency, settings.reserved_concurrency
            if provisioned < 0:
                raise ConfigError(
                    f"retake:functions.{spec.name}.provisionedConcurrency must be 0 or more"
                )
            if reserved is not None and provisioned > reserved:
                raise ConfigError(
                    f"retake:functions.{spec.name}.provisionedConcurrency ({provisioned}) exceeds "
                    f"its reservedConcurrency ({reserved})"
                )

    def _check_timeouts_fit_visibility(self) -> None:
        # Lambda refuses an SQS mapping whose function may run longer than the
        # queue hides a message: the message would be worked twice at once.
        by_name = {spec.name: spec for spec in FUNCTIONS}
        for consumer in CONSUMERS:
            timeout = self.function(by_name[consumer.function]).timeout_seconds
            if timeout > consumer.queue.visibility_timeout_seconds:
                raise ConfigError(
                    f"{consumer.function}'s timeout ({timeout} s) exceeds the visibility "
                    f"timeout of {consumer.queue.name} "
                    f"({consumer.queue.visibility_timeout_seconds} s)"
                )

    def require_archives(self) -> None:
        """Fail with what to run when `make package` has not built the archives."""
        for archive in (self.functions_archive, self.layer_archive):
            if not archive.is_file():
                raise MissingArchive(
                    f"{archive} is missing: run `make package` in {REPO_ROOT} first "
                    "(or set retake:archiveDir to where the archives are)"
                )

    @classmethod
    def from_pulumi(cls) -> StackConfig:
        """The current stack's configuration (`retake:*` keys, and `aws:region`)."""
        import pulumi

        retake = pulumi.Config("retake")
        region = pulumi.Config("aws").get("region") or DEFAULT_REGION
        overrides = retake.get_object("functions") or {}
        archive_dir = retake.get("archiveDir")
        config = cls(
            region=region,
            name_prefix=retake.get("namePrefix") or DEFAULT_PREFIX,
            bucket_names=dict(retake.get_object("bucketNames") or {}),
            function_overrides=function_overrides(overrides),
            reserve_concurrency=_default(retake.get_bool("reserveConcurrency"), True),
            keep_warm=_default(retake.get_bool("keepWarm"), True),
            log_retention_days=_default(
                retake.get_int("logRetentionDays"), DEFAULT_LOG_RETENTION_DAYS
            ),
            max_upload_bytes=_default(retake.get_int("maxUploadBytes"), DEFAULT_MAX_UPLOAD_BYTES),
            site_origin_override=retake.get("siteOrigin"),
            deletion_protection=_default(retake.get_bool("deletionProtection"), True),
            stage_name=retake.get("stageName") or "live",
            archive_dir=(
                (REPO_ROOT / archive_dir).resolve() if archive_dir else DEFAULT_ARCHIVE_DIR
            ),
        )
        config.require_archives()
        return config


def function_overrides(raw: Mapping[str, Any]) -> dict[str, FunctionSettings]:
    """`retake:functions` ({"render": {"memoryMb": 2048}}) over each FunctionSpec's values.

    `reservedConcurrency: null` leaves a function unreserved (accounts with a low
    concurrency quota cannot reserve any); `provisionedConcurrency: 0` turns
    provisioned concurrency off.
    """
    by_name = {spec.name: spec for spec in FUNCTIONS}
    settings: dict[str, FunctionSettings] = {}
    for name, values in raw.items():
        if name not in by_name:
            raise ConfigError(f"retake:functions names an unknown function {name!r}")
        default = FunctionSettings.of(by_name[name])
        unknown = sorted(set(values) - set(FUNCTION_KEYS))
        if unknown:
            raise ConfigError(f"retake:functions.{name} has unknown keys {unknown}")
        settings[name] = FunctionSettings(
            memory_mb=int(values.get("memoryMb", default.memory_mb)),
            timeout_seconds=int(values.get("timeoutSeconds", default.timeout_seconds)),
            reserved_concurrency=values.get("reservedConcurrency", default.reserved_concurrency),
            provisioned_concurrency=int(
                values.get("provisionedConcurrency", default.provisioned_concurrency)
            ),
        )
    return settings


def _default(value: T | None, default: T) -> T:
    return default if value is None else value
