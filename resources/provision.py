"""Create the resources of `resources.definitions` on an AWS-compatible endpoint.

Used by the local stack and the integration tests against moto's server; the
Pulumi program deploys the same definitions to AWS. Creating is idempotent.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import boto3

from resources.definitions import (
    BUCKETS,
    QUEUES,
    SUBSCRIPTIONS,
    TABLES,
    TOPICS,
    USER_POOL,
    BucketSpec,
    GroupSpec,
    Naming,
    QueueSpec,
    SubscriptionSpec,
    TableSpec,
    TopicSpec,
    UserPoolSpec,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.literals import QueueAttributeNameType


def create_table(dynamodb: DynamoDBClient, spec: TableSpec, naming: Naming) -> str:
    name = naming.table(spec)
    keys: list[Any] = [{"AttributeName": spec.hash_key.name, "KeyType": "HASH"}]
    if spec.range_key:
        keys.append({"AttributeName": spec.range_key.name, "KeyType": "RANGE"})
    request: dict[str, Any] = {
        "TableName": name,
        "KeySchema": keys,
        "AttributeDefinitions": [
            {"AttributeName": key.name, "AttributeType": key.type} for key in spec.key_attributes
        ],
        "BillingMode": "PAY_PER_REQUEST",
    }
    if spec.indexes:
        request["GlobalSecondaryIndexes"] = [
            {
                "IndexName": index.name,
                "KeySchema": [
                    {"AttributeName": index.hash_key.name, "KeyType": "HASH"},
                    *(
                        [{"AttributeName": index.range_key.name, "KeyType": "RANGE"}]
                        if index.range_key
                        else []
                    ),
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
            for index in spec.indexes
        ]
    if spec.stream:
        request["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": spec.stream}
    try:
        dynamodb.create_table(**request)
    except dynamodb.exceptions.ResourceInUseException:
        return name
    if spec.ttl_attribute:
        dynamodb.update_time_to_live(
            TableName=name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": spec.ttl_attribute},
        )
    return name


def create_queue(sqs: SQSClient, spec: QueueSpec, naming: Naming) -> str:
    """Create the queue and its DLQ (if any), wired by a redrive policy; return the queue URL."""
    fifo_attributes: dict[QueueAttributeNameType, str] = {"FifoQueue": "true"} if spec.fifo else {}
    attributes: dict[QueueAttributeNameType, str] = {
        **fifo_attributes,
        "VisibilityTimeout": str(spec.visibility_timeout_seconds),
    }
    if spec.dlq:
        dlq_url = sqs.create_queue(QueueName=naming.dlq(spec), Attributes=fifo_attributes)[
            "QueueUrl"
        ]
        attributes["RedrivePolicy"] = json.dumps(
            {
                "deadLetterTargetArn": queue_arn(sqs, dlq_url),
                "maxReceiveCount": spec.max_receive_count,
            }
        )
    if spec.fifo:
        attributes["ContentBasedDeduplication"] = str(spec.content_based_deduplication).lower()
    return sqs.create_queue(QueueName=naming.queue(spec), Attributes=attributes)["QueueUrl"]


def queue_arn(sqs: SQSClient, queue_url: str) -> str:
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
    return attributes["Attributes"]["QueueArn"]


def create_topic(sns: SNSClient, spec: TopicSpec, naming: Naming) -> str:
    """Create the topic (idempotent: an existing topic's ARN comes back); return its ARN.

    A FIFO topic deduplicates by the explicit id the publisher gives each commit,
    never by content: two commits never share an id, and a republished one does.
    """
    attributes = {"FifoTopic": "true", "ContentBasedDeduplication": "false"} if spec.fifo else {}
    return sns.create_topic(Name=naming.topic(spec), Attributes=attributes)["TopicArn"]


def subscribe_queue(
    sns: SNSClient, sqs: SQSClient, spec: SubscriptionSpec, topic_arn: str, queue_url: str
) -> str:
    """Subscribe the queue to the topic, raw and filtered; return the subscription ARN.

    Subscribing again with the same attributes returns the existing subscription.
    (On AWS the queue's policy must also let the topic send; the Pulumi program
    adds it, moto does not check it.)
    """
    return sns.subscribe(
        TopicArn=topic_arn,
        Protocol="sqs",
        Endpoint=queue_arn(sqs, queue_url),
        Attributes={
            "RawMessageDelivery": str(spec.raw_message_delivery).lower(),
            "FilterPolicy": json.dumps(spec.filter_policy, sort_keys=True),
        },
        ReturnSubscriptionArn=True,
    )["SubscriptionArn"]


def provision(
    dynamodb: DynamoDBClient,
    sqs: SQSClient,
    naming: Naming | None = None,
    sns: SNSClient | None = None,
) -> dict[str, str]:
    """Create every table, queue, topic and subscription.

    Return logical name -> table name, queue URL or topic ARN.
    """
    naming = naming or Naming()
    created = {spec.name: create_table(dynamodb, spec, naming) for spec in TABLES}
    created |= {spec.name: create_queue(sqs, spec, naming) for spec in QUEUES}
    if TOPICS:
        sns = sns or boto3.client("sns")
        created |= {spec.name: create_topic(sns, spec, naming) for spec in TOPICS}
        for subscription in SUBSCRIPTIONS:
            subscribe_queue(
                sns,
                sqs,
                subscription,
                created[subscription.topic.name],
                created[subscription.queue.name],
            )
    return created


#: moto's account; on AWS the Pulumi program wires notifications itself.
LOCAL_ACCOUNT_ID = "123456789012"


def create_bucket(
    s3: S3Client,
    spec: BucketSpec,
    naming: Naming,
    region: str,
    account_id: str = LOCAL_ACCOUNT_ID,
) -> str:
    """Create the bucket with its CORS rules, lifecycle and function notifications; return its name.

    Notifications name the function's ARN: S3 then pushes each matching new
    object to it (in the local stack, through `local_stack.s3_push`).
    """
    name = naming.bucket(spec)
    try:
        if region == "us-east-1":
            s3.create_bucket(Bucket=name)
        else:
            s3.create_bucket(
                Bucket=name,
                CreateBucketConfiguration={"LocationConstraint": region},  # type: ignore[typeddict-item]
            )
    except (s3.exceptions.BucketAlreadyOwnedByYou, s3.exceptions.BucketAlreadyExists):
        pass
    if spec.cors:
        s3.put_bucket_cors(
            Bucket=name,
            CORSConfiguration={
                "CORSRules": [
                    {
                        "AllowedMethods": list(rule.allowed_methods),
                        "AllowedOrigins": list(rule.allowed_origins),
                        "AllowedHeaders": list(rule.allowed_headers),
                        "ExposeHeaders": list(rule.expose_headers),
                        "MaxAgeSeconds": rule.max_age_seconds,
                    }
                    for rule in spec.cors
                ]
            },
        )
    if spec.lifecycle:
        rules: list[Any] = []
        for rule in spec.lifecycle:
            entry: dict[str, Any] = {
                "ID": rule.id,
                "Status": "Enabled",
                "Filter": {"Prefix": rule.prefix},
            }
            if rule.abort_incomplete_multipart_days is not None:
                entry["AbortIncompleteMultipartUpload"] = {
                    "DaysAfterInitiation": rule.abort_incomplete_multipart_days
                }
            if rule.expire_days is not None:
                entry["Expiration"] = {"Days": rule.expire_days}
            rules.append(entry)
        s3.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration={"Rules": rules})
    if spec.notifications:
        s3.put_bucket_notification_configuration(
            Bucket=name,
            NotificationConfiguration={
                "LambdaFunctionConfigurations": [
                    {
                        "LambdaFunctionArn": (
                            f"arn:aws:lambda:{region}:{account_id}:function:"
                            f"{naming.prefix}-{notification.function}"
                        ),
                        "Events": list(notification.events),  # type: ignore[misc]
                        "Filter": {
                            "Key": {
                                "FilterRules": [{"Name": "prefix", "Value": notification.prefix}]
                            }
                        },
                    }
                    for notification in spec.notifications
                ]
            },
        )
    if spec.website_index:
        s3.put_bucket_website(
            Bucket=name, WebsiteConfiguration={"IndexDocument": {"Suffix": spec.website_index}}
        )
    return name


def provision_buckets(s3: S3Client, naming: Naming, region: str) -> dict[str, str]:
    """Create every bucket; return logical name -> bucket name."""
    return {spec.name: create_bucket(s3, spec, naming, region) for spec in BUCKETS}


# boto3-stubs' cognito-idp extra is not installed here; the client is typed
# loosely rather than adding a dependency for one module.
CognitoIdpClient = Any


@dataclass(frozen=True)
class UserPoolIds:
    """What a token verifier and the web page need to know about the user pool."""

    pool_id: str
    client_id: str
    region: str
    #: The `iss` of the pool's tokens: always the AWS URL, even on moto.
    issuer: str
    #: Where the pool's signing keys are served: on AWS under the issuer, on moto
    #: under moto's own endpoint.
    jwks_url: str


def provision_user_pool(
    cognito_idp: CognitoIdpClient, naming: Naming, spec: UserPoolSpec = USER_POOL
) -> UserPoolIds:
    """Create the user pool, its app client and groups unless they exist (found by name)."""
    pool_id = _find_user_pool(cognito_idp, naming.user_pool(spec)) or _create_user_pool(
        cognito_idp, naming.user_pool(spec), spec
    )
    client_id = _find_app_client(cognito_idp, pool_id, spec.client_name) or create_app_client(
        cognito_idp, pool_id, spec, spec.client_name
    )
    for group in spec.groups:
        _put_group(cognito_idp, pool_id, group)
    region: str = cognito_idp.meta.region_name
    endpoint: str = cognito_idp.meta.endpoint_url
    return UserPoolIds(
        pool_id=pool_id,
        client_id=client_id,
        region=region,
        issuer=f"https://cognito-idp.{region}.amazonaws.com/{pool_id}",
        jwks_url=f"{endpoint.rstrip('/')}/{pool_id}/.well-known/jwks.json",
    )


def add_user(
    cognito_idp: CognitoIdpClient,
    pool_id: str,
    username: str,
    password: str,
    groups: Iterable[str] = (),
    email: str | None = None,
    name: str | None = None,
) -> str:
    """Create a confirmed user (or reuse one) with a permanent password, in `groups`; return sub.

    `name` is Cognito's standard attribute `name`: the display name the person
    has until they choose one themself. No invitation is sent: the
    administrator hands the password over.
    """
    email = email or f"{username}@retake.example"
    named = [{"Name": "name", "Value": name}] if name else []
    try:
        user = cognito_idp.admin_create_user(
            UserPoolId=pool_id,
            Username=username,
            UserAttributes=[
                {"Name": "email", "Value": email},
                {"Name": "email_verified", "Value": "true"},
                *named,
            ],
            MessageAction="SUPPRESS",
        )["User"]
        attributes = user["Attributes"]
    except cognito_idp.exceptions.UsernameExistsException:
        if named:
            cognito_idp.admin_update_user_attributes(
                UserPoolId=pool_id, Username=username, UserAttributes=named
            )
        attributes = cognito_idp.admin_get_user(UserPoolId=pool_id, Username=username)[
            "UserAttributes"
        ]
    cognito_idp.admin_set_user_password(
        UserPoolId=pool_id, Username=username, Password=password, Permanent=True
    )
    for group in groups:
        cognito_idp.admin_add_user_to_group(UserPoolId=pool_id, Username=username, GroupName=group)
    return str(next(item["Value"] for item in attributes if item["Name"] == "sub"))


def create_app_client(
    cognito_idp: CognitoIdpClient, pool_id: str, spec: UserPoolSpec, client_name: str
) -> str:
    """Create a public app client (no secret: it lives in a browser); return its id."""
    validity = spec.token_validity
    client = cognito_idp.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName=client_name,
        GenerateSecret=False,
        ExplicitAuthFlows=list(spec.auth_flows),
        IdTokenValidity=validity.id_token_minutes,
        AccessTokenValidity=validity.access_token_minutes,
        RefreshTokenValidity=validity.refresh_token_days,
        TokenValidityUnits={"IdToken": "minutes", "AccessToken": "minutes", "RefreshToken": "days"},
        PreventUserExistenceErrors="ENABLED",
    )["UserPoolClient"]
    return str(client["ClientId"])


def _find_user_pool(cognito_idp: CognitoIdpClient, name: str) -> str | None:
    for page in cognito_idp.get_paginator("list_user_pools").paginate(MaxResults=60):
        for pool in page["UserPools"]:
            if pool["Name"] == name:
                return str(pool["Id"])
    return None


def _create_user_pool(cognito_idp: CognitoIdpClient, name: str, spec: UserPoolSpec) -> str:
    policy = spec.password_policy
    pool = cognito_idp.create_user_pool(
        PoolName=name,
        Policies={
            "PasswordPolicy": {
                "MinimumLength": policy.minimum_length,
                "RequireUppercase": policy.require_uppercase,
                "RequireLowercase": policy.require_lowercase,
                "RequireNumbers": policy.require_numbers,
                "RequireSymbols": policy.require_symbols,
                "TemporaryPasswordValidityDays": policy.temporary_password_validity_days,
            }
        },
        AutoVerifiedAttributes=list(spec.auto_verified_attributes),
        UsernameConfiguration={"CaseSensitive": False},
        AdminCreateUserConfig={"AllowAdminCreateUserOnly": spec.admin_create_user_only},
        AccountRecoverySetting={"RecoveryMechanisms": [{"Priority": 1, "Name": "verified_email"}]},
    )["UserPool"]
    return str(pool["Id"])


def _find_app_client(cognito_idp: CognitoIdpClient, pool_id: str, name: str) -> str | None:
    paginator = cognito_idp.get_paginator("list_user_pool_clients")
    for page in paginator.paginate(UserPoolId=pool_id, MaxResults=60):
        for client in page["UserPoolClients"]:
            if client["ClientName"] == name:
                return str(client["ClientId"])
    return None


def _put_group(cognito_idp: CognitoIdpClient, pool_id: str, group: GroupSpec) -> None:
    """Create the group, or bring an existing one's description and precedence up to date."""
    request: dict[str, Any] = {
        "UserPoolId": pool_id,
        "GroupName": group.name,
        "Description": group.description,
    }
    if group.precedence is not None:
        request["Precedence"] = group.precedence
    try:
        cognito_idp.create_group(**request)
    except cognito_idp.exceptions.GroupExistsException:
        cognito_idp.update_group(**request)
