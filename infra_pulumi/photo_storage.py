"""S3: the private photo bucket, uploaded to straight from browsers, pushing to ingest."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from infra_pulumi.buckets import cors, encrypted_bucket, lifecycle
from infra_pulumi.functions import Invocable
from resources.definitions import BUCKETS, BucketSpec, Naming


def private_buckets() -> tuple[BucketSpec, ...]:
    return tuple(spec for spec in BUCKETS if spec.website_index is None)


@dataclass(frozen=True)
class PhotoStorageArgs:
    naming: Naming
    #: The page's origin, the only one browsers may upload from.
    site_origin: str
    #: What to invoke by logical name (`Functions.invocables`), for the notifications.
    functions: Mapping[str, Invocable]
    buckets: Sequence[BucketSpec] = field(default_factory=private_buckets)


class PhotoStorage(pulumi.ComponentResource):
    """Private buckets: public access blocked, encrypted, CORS and lifecycle as defined.

    Each `NotificationSpec` becomes an S3 notification that invokes its function
    (push), with the permission that lets this bucket, in this account, invoke it.
    """

    buckets: dict[str, aws.s3.Bucket]
    notifications: dict[str, aws.s3.BucketNotification]

    def __init__(
        self, name: str, args: PhotoStorageArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("retake:infra:PhotoStorage", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.buckets, self.notifications = {}, {}
        for spec in args.buckets:
            bucket = encrypted_bucket(spec, args.naming.bucket(spec), child)
            self.buckets[spec.name] = bucket
            aws.s3.BucketPublicAccessBlock(
                f"{spec.name}-private",
                bucket=bucket.id,
                block_public_acls=True,
                block_public_policy=True,
                ignore_public_acls=True,
                restrict_public_buckets=True,
                opts=child,
            )
            cors(spec, bucket, args.site_origin, child)
            lifecycle(spec, bucket, child)
            if spec.notifications:
                self.notifications[spec.name] = self._notifications(spec, bucket, args)
        self.register_outputs({name: bucket.bucket for name, bucket in self.buckets.items()})

    def _notifications(
        self, spec: BucketSpec, bucket: aws.s3.Bucket, args: PhotoStorageArgs
    ) -> aws.s3.BucketNotification:
        account = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self))
        permissions = [
            aws.lambda_.Permission(
                f"{spec.name}-invokes-{function}",
                action="lambda:InvokeFunction",
                function=args.functions[function].name,
                qualifier=args.functions[function].qualifier,
                principal="s3.amazonaws.com",
                source_arn=bucket.arn,
                source_account=account.account_id,
                opts=pulumi.ResourceOptions(parent=self),
            )
            for function in sorted({notification.function for notification in spec.notifications})
        ]
        return aws.s3.BucketNotification(
            f"{spec.name}-notifications",
            bucket=bucket.id,
            lambda_functions=[
                aws.s3.BucketNotificationLambdaFunctionArgs(
                    lambda_function_arn=args.functions[notification.function].arn,
                    events=list(notification.events),
                    filter_prefix=notification.prefix or None,
                )
                for notification in spec.notifications
            ],
            # S3 checks that it may invoke the function when the notification is set.
            opts=pulumi.ResourceOptions(parent=self, depends_on=permissions),
        )
