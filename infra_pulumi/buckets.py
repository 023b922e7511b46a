"""What every Retake bucket has: encryption at rest, and its CORS rules and lifecycle as defined."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from resources.definitions import BucketSpec


def encrypted_bucket(
    spec: BucketSpec, bucket_name: str, opts: pulumi.ResourceOptions
) -> aws.s3.Bucket:
    bucket = aws.s3.Bucket(spec.name, bucket=bucket_name, opts=opts)
    aws.s3.BucketServerSideEncryptionConfiguration(
        f"{spec.name}-encryption",
        bucket=bucket.id,
        rules=[
            aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                    sse_algorithm="AES256"
                ),
                bucket_key_enabled=True,
            )
        ],
        opts=opts,
    )
    return bucket


def cors(
    spec: BucketSpec, bucket: aws.s3.Bucket, site_origin: str, opts: pulumi.ResourceOptions
) -> aws.s3.BucketCorsConfiguration | None:
    """The spec's CORS rules, with "*" (all the local stack can know) narrowed to the site."""
    if not spec.cors:
        return None
    return aws.s3.BucketCorsConfiguration(
        f"{spec.name}-cors",
        bucket=bucket.id,
        cors_rules=[
            aws.s3.BucketCorsConfigurationCorsRuleArgs(
                allowed_methods=list(rule.allowed_methods),
                allowed_origins=[
                    site_origin if origin == "*" else origin for origin in rule.allowed_origins
                ],
                allowed_headers=list(rule.allowed_headers),
                expose_headers=list(rule.expose_headers),
                max_age_seconds=rule.max_age_seconds,
            )
            for rule in spec.cors
        ],
        opts=opts,
    )


def lifecycle(
    spec: BucketSpec, bucket: aws.s3.Bucket, opts: pulumi.ResourceOptions
) -> aws.s3.BucketLifecycleConfiguration | None:
    if not spec.lifecycle:
        return None
    return aws.s3.BucketLifecycleConfiguration(
        f"{spec.name}-lifecycle",
        bucket=bucket.id,
        rules=[
            aws.s3.BucketLifecycleConfigurationRuleArgs(
                id=rule.id,
                status="Enabled",
                filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=rule.prefix),
                abort_incomplete_multipart_upload=(
                    aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                        days_after_initiation=rule.abort_incomplete_multipart_days
                    )
                    if rule.abort_incomplete_multipart_days is not None
                    else None
                ),
                expiration=(
                    aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(days=rule.expire_days)
                    if rule.expire_days is not None
                    else None
                ),
            )
            for rule in spec.lifecycle
        ],
        opts=opts,
    )
