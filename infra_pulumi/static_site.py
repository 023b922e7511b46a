"""S3 website hosting: the files of web/ and the config.js that points the page at this stack."""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_aws as aws

from infra_pulumi.buckets import encrypted_bucket
from infra_pulumi.config import REPO_ROOT
from infra_pulumi.policies import POLICY_VERSION
from resources.definitions import SITE_BUCKET, BucketSpec, Naming
from resources.site_config import SiteConfig

WEB_ROOT = REPO_ROOT / "web"
CONFIG_SCRIPT = "config.js"
#: Content types by extension, fixed here rather than read from the machine's mime database.
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".webmanifest": "application/manifest+json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".ico": "image/x-icon",
    ".txt": "text/plain; charset=utf-8",
    ".woff2": "font/woff2",
}
#: The files have no content hash in their names, so browsers must revalidate them.
CACHE_CONTROL = "no-cache"


@dataclass(frozen=True)
class StaticSiteArgs:
    naming: Naming
    api_url: pulumi.Input[str]
    region: str
    user_pool_id: pulumi.Input[str]
    client_id: pulumi.Input[str]
    spec: BucketSpec = SITE_BUCKET
    web_root: Path = WEB_ROOT


class StaticSite(pulumi.ComponentResource):
    """A public-read website bucket (encrypted at rest) holding the page and its config."""

    bucket: aws.s3.Bucket
    website: aws.s3.BucketWebsiteConfiguration
    objects: dict[str, aws.s3.BucketObjectv2]

    def __init__(
        self, name: str, args: StaticSiteArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("retake:infra:StaticSite", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        spec = args.spec
        if spec.website_index is None:
            raise ValueError(f"bucket {spec.name!r} has no website index document")
        self.bucket = encrypted_bucket(spec, args.naming.bucket(spec), child)
        self.website = aws.s3.BucketWebsiteConfiguration(
            f"{spec.name}-website",
            bucket=self.bucket.id,
            index_document=aws.s3.BucketWebsiteConfigurationIndexDocumentArgs(
                suffix=spec.website_index
            ),
            opts=child,
        )
        # Website hosting serves anonymous readers: reading objects is the one public access.
        public = aws.s3.BucketPublicAccessBlock(
            f"{spec.name}-public-read",
            bucket=self.bucket.id,
            block_public_acls=True,
            ignore_public_acls=True,
            block_public_policy=False,
            restrict_public_buckets=False,
            opts=child,
        )
        aws.s3.BucketPolicy(
            f"{spec.name}-public-read",
            bucket=self.bucket.id,
            policy=pulumi.Output.json_dumps(public_read_policy(self.bucket.arn)),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[public]),
        )
        self.objects = {
            key: aws.s3.BucketObjectv2(
                f"{spec.name}/{key}",
                bucket=self.bucket.id,
                key=key,
                source=pulumi.FileAsset(str(path)),
                content_type=content_type(path),
                cache_control=CACHE_CONTROL,
                opts=child,
            )
            for key, path in site_files(args.web_root).items()
        }
        self.objects[CONFIG_SCRIPT] = aws.s3.BucketObjectv2(
            f"{spec.name}/{CONFIG_SCRIPT}",
            bucket=self.bucket.id,
            key=CONFIG_SCRIPT,
            content=config_script(args),
            content_type=CONTENT_TYPES[".js"],
            cache_control=CACHE_CONTROL,
            opts=child,
        )
        self.register_outputs({"website_endpoint": self.website.website_endpoint})


def site_files(web_root: Path) -> dict[str, Path]:
    """Every file under the web root by its key, hidden files and any config.js left out."""
    files = {}
    for path in sorted(web_root.rglob("*")):
        key = path.relative_to(web_root).as_posix()
        if path.is_file() and not any(part.startswith(".") for part in key.split("/")):
            files[key] = path
    files.pop(CONFIG_SCRIPT, None)
    return files


def content_type(path: Path) -> str:
    known = CONTENT_TYPES.get(path.suffix.lower())
    return known or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def config_script(args: StaticSiteArgs) -> pulumi.Output[str]:
    """config.js in the shape the local stack serves (`resources.site_config.SiteConfig`)."""
    return pulumi.Output.all(args.api_url, args.user_pool_id, args.client_id).apply(
        lambda values: SiteConfig(
            api_url=values[0],
            region=args.region,
            user_pool_id=values[1],
            client_id=values[2],
            cognito_endpoint=f"https://cognito-idp.{args.region}.amazonaws.com/",
            # Cognito mails real confirmation codes on AWS.
            local_confirmation=False,
        ).script()
    )


def public_read_policy(bucket_arn: pulumi.Input[str]) -> dict[str, object]:
    return {
        "Version": POLICY_VERSION,
        "Statement": [
            {
                "Sid": "WebsiteReaders",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": pulumi.Output.concat(bucket_arn, "/*"),
            }
        ],
    }
