"""The Pulumi program and the local stack create the same things from the same definitions.

The local stack's provisioning (`resources.provision`) runs against moto in this
process; what it created is read back through the AWS API and compared with
what the program asked Pulumi for. Only where AWS must differ do they differ:
the CORS origin is the site's own instead of "*".
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto import mock_aws

from local_stack.mappings import EventSourceMappings
from local_stack.runtime import LambdaRuntime
from local_stack.sqs_source import SqsEventSource
from local_stack.stream_source import DynamoDBStreamEventSource
from resources.definitions import (
    BUCKETS,
    CONSUMERS,
    FUNCTIONS,
    QUEUES,
    STREAM_CONSUMERS,
    TABLES,
    USER_POOL,
    Naming,
)
from resources.provision import provision, provision_buckets, provision_user_pool
from tests.infra.conftest import REGION, Recorded, Stack

NAMING = Naming()


class LocalStack:
    """The resources as the local stack provisions them, read back from moto."""

    def __init__(self) -> None:
        session = boto3.session.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
        )
        self.dynamodb = session.client("dynamodb")
        self.sqs = session.client("sqs")
        self.sns = session.client("sns")
        self.s3 = session.client("s3")
        self.cognito = session.client("cognito-idp")
        provision(self.dynamodb, self.sqs, NAMING, self.sns)
        provision_buckets(self.s3, NAMING, REGION)
        self.pool = provision_user_pool(self.cognito, NAMING)


@pytest.fixture(scope="module")
def local() -> Iterator[LocalStack]:
    with mock_aws():
        yield LocalStack()


def by_name(stack: Stack, type_: str) -> dict[str, Recorded]:
    return {record.inputs["name"]: record for record in stack.of_type(type_)}


def test_tables_have_the_same_names_keys_indexes_and_streams(
    stack: Stack, local: LocalStack
) -> None:
    deployed = by_name(stack, "aws:dynamodb/table:Table")
    assert set(deployed) == set(local.dynamodb.list_tables()["TableNames"])
    for name, record in deployed.items():
        table = local.dynamodb.describe_table(TableName=name)["Table"]
        inputs = record.inputs
        keys = {key["KeyType"]: key["AttributeName"] for key in table["KeySchema"]}
        assert (inputs["hashKey"], inputs.get("rangeKey")) == (keys["HASH"], keys.get("RANGE"))
        assert sorted((a["name"], a["type"]) for a in inputs["attributes"]) == sorted(
            (a["AttributeName"], a["AttributeType"]) for a in table["AttributeDefinitions"]
        )
        assert index_shapes(inputs.get("globalSecondaryIndexes", [])) == {
            index["IndexName"]: (
                tuple((key["AttributeName"], key["KeyType"]) for key in index["KeySchema"]),
                index["Projection"]["ProjectionType"],
            )
            for index in table.get("GlobalSecondaryIndexes", [])
        }
        stream = table.get("StreamSpecification", {"StreamEnabled": False})
        assert inputs["streamEnabled"] is stream["StreamEnabled"]
        assert inputs.get("streamViewType") == stream.get("StreamViewType")
    assert len(deployed) == len(TABLES)


def index_shapes(indexes: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        index["name"]: (
            tuple((key["attributeName"], key["keyType"]) for key in index["keySchemas"]),
            index["projectionType"],
        )
        for index in indexes
    }


def test_queues_have_the_same_names_and_attributes(stack: Stack, local: LocalStack) -> None:
    deployed = by_name(stack, "aws:sqs/queue:Queue")
    local_urls = local.sqs.list_queues()["QueueUrls"]
    assert set(deployed) == {url.rsplit("/", 1)[-1] for url in local_urls}
    for spec in QUEUES:
        url = local.sqs.get_queue_url(QueueName=NAMING.queue(spec))["QueueUrl"]
        attributes = local.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])[
            "Attributes"
        ]
        inputs = deployed[NAMING.queue(spec)].inputs
        assert inputs["fifoQueue"] is (attributes.get("FifoQueue") == "true")
        assert inputs["visibilityTimeoutSeconds"] == int(attributes["VisibilityTimeout"])
        if spec.fifo:
            assert (
                str(inputs["contentBasedDeduplication"]).lower()
                == (attributes["ContentBasedDeduplication"])
            )
        if spec.dlq:
            local_redrive = json.loads(attributes["RedrivePolicy"])
            deployed_redrive = json.loads(inputs["redrivePolicy"])
            assert deployed_redrive["maxReceiveCount"] == int(local_redrive["maxReceiveCount"])
            assert (
                deployed_redrive["deadLetterTargetArn"].rsplit(":", 1)[-1]
                == local_redrive["deadLetterTargetArn"].rsplit(":", 1)[-1]
            )
        else:
            assert "RedrivePolicy" not in attributes and "redrivePolicy" not in inputs


def test_topics_and_subscriptions_have_the_same_filters_and_delivery(
    stack: Stack, local: LocalStack
) -> None:
    topics = by_name(stack, "aws:sns/topic:Topic")
    local_topics = {
        topic["TopicArn"].rsplit(":", 1)[-1]: topic["TopicArn"]
        for topic in local.sns.list_topics()["Topics"]
    }
    assert set(topics) == set(local_topics)
    for name, record in topics.items():
        attributes = local.sns.get_topic_attributes(TopicArn=local_topics[name])["Attributes"]
        assert record.inputs["fifoTopic"] is (attributes.get("FifoTopic") == "true")

    def shape(topic_arn: str, queue_arn: str, filter_policy: str, raw: object) -> tuple[Any, ...]:
        return (
            topic_arn.rsplit(":", 1)[-1],
            queue_arn.rsplit(":", 1)[-1],
            json.loads(filter_policy),
            str(raw).lower(),
        )

    deployed = sorted(
        shape(
            record.inputs["topic"],
            record.inputs["endpoint"],
            record.inputs["filterPolicy"],
            record.inputs["rawMessageDelivery"],
        )
        for record in stack.of_type("aws:sns/topicSubscription:TopicSubscription")
    )
    provisioned = []
    for subscription in local.sns.list_subscriptions()["Subscriptions"]:
        attributes = local.sns.get_subscription_attributes(
            SubscriptionArn=subscription["SubscriptionArn"]
        )["Attributes"]
        provisioned.append(
            shape(
                subscription["TopicArn"],
                subscription["Endpoint"],
                attributes["FilterPolicy"],
                attributes["RawMessageDelivery"],
            )
        )
    assert deployed == sorted(provisioned)
    assert all(protocol == "sqs" for protocol in _protocols(stack))


def _protocols(stack: Stack) -> list[str]:
    return [
        record.inputs["protocol"]
        for record in stack.of_type("aws:sns/topicSubscription:TopicSubscription")
    ]


def bucket_settings(stack: Stack, type_: str, bucket_name: str) -> dict[str, Any]:
    (record,) = [
        record
        for record in stack.of_type(type_)
        if stack.by_id(record.inputs["bucket"]).inputs["bucket"] == bucket_name
    ]
    return record.inputs


def test_buckets_have_the_same_cors_lifecycle_notifications_and_website(
    stack: Stack, local: LocalStack
) -> None:
    deployed = {record.inputs["bucket"] for record in stack.of_type("aws:s3/bucket:Bucket")}
    assert deployed == {bucket["Name"] for bucket in local.s3.list_buckets()["Buckets"]}
    for spec in BUCKETS:
        name = NAMING.bucket(spec)
        if spec.cors:
            local_rules = local.s3.get_bucket_cors(Bucket=name)["CORSRules"]
            rules = bucket_settings(
                stack, "aws:s3/bucketCorsConfiguration:BucketCorsConfiguration", name
            )["corsRules"]
            assert [
                (r["allowedMethods"], r["allowedHeaders"], r["exposeHeaders"], r["maxAgeSeconds"])
                for r in rules
            ] == [
                (r["AllowedMethods"], r["AllowedHeaders"], r["ExposeHeaders"], r["MaxAgeSeconds"])
                for r in local_rules
            ]
            # Locally "*" (the page's origin is not known); on AWS the site's origin only.
            assert [r["AllowedOrigins"] for r in local_rules] == [["*"]]
            assert [r["allowedOrigins"] for r in rules] == [[stack.outputs["siteUrl"]]]
        if spec.lifecycle:
            local_rules = local.s3.get_bucket_lifecycle_configuration(Bucket=name)["Rules"]
            rules = bucket_settings(
                stack, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", name
            )["rules"]
            assert [
                (
                    r["id"],
                    r["status"],
                    r["filter"]["prefix"],
                    r["abortIncompleteMultipartUpload"]["daysAfterInitiation"],
                )
                for r in rules
            ] == [
                (
                    r["ID"],
                    r["Status"],
                    r["Filter"]["Prefix"],
                    r["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"],
                )
                for r in local_rules
            ]
        if spec.notifications:
            local_targets = local.s3.get_bucket_notification_configuration(Bucket=name)[
                "LambdaFunctionConfigurations"
            ]
            targets = bucket_settings(stack, "aws:s3/bucketNotification:BucketNotification", name)[
                "lambdaFunctions"
            ]
            assert [
                (t["lambdaFunctionArn"].rsplit(":", 1)[-1], t["events"], t["filterPrefix"])
                for t in targets
            ] == [
                (
                    t["LambdaFunctionArn"].rsplit(":", 1)[-1],
                    t["Events"],
                    t["Filter"]["Key"]["FilterRules"][0]["Value"],
                )
                for t in local_targets
            ]
        if spec.website_index:
            website = local.s3.get_bucket_website(Bucket=name)
            deployed_website = bucket_settings(
                stack, "aws:s3/bucketWebsiteConfiguration:BucketWebsiteConfiguration", name
            )
            assert deployed_website["indexDocument"]["suffix"] == website["IndexDocument"]["Suffix"]


def test_the_user_pool_client_and_groups_have_the_same_settings(
    stack: Stack, local: LocalStack
) -> None:
    pool = local.cognito.describe_user_pool(UserPoolId=local.pool.pool_id)["UserPool"]
    (record,) = stack.of_type("aws:cognito/userPool:UserPool")
    inputs = record.inputs
    assert inputs["name"] == pool["Name"] == NAMING.user_pool(USER_POOL)
    local_policy = pool["Policies"]["PasswordPolicy"]
    assert inputs["passwordPolicy"] == {
        "minimumLength": local_policy["MinimumLength"],
        "requireUppercase": local_policy["RequireUppercase"],
        "requireLowercase": local_policy["RequireLowercase"],
        "requireNumbers": local_policy["RequireNumbers"],
        "requireSymbols": local_policy["RequireSymbols"],
        "temporaryPasswordValidityDays": local_policy["TemporaryPasswordValidityDays"],
    }
    assert inputs["autoVerifiedAttributes"] == pool["AutoVerifiedAttributes"]
    assert (
        inputs["adminCreateUserConfig"]["allowAdminCreateUserOnly"]
        is (pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"])
    )
    client = local.cognito.describe_user_pool_client(
        UserPoolId=local.pool.pool_id, ClientId=local.pool.client_id
    )["UserPoolClient"]
    (deployed_client,) = stack.of_type("aws:cognito/userPoolClient:UserPoolClient")
    assert deployed_client.inputs["name"] == client["ClientName"]
    assert sorted(deployed_client.inputs["explicitAuthFlows"]) == sorted(
        client["ExplicitAuthFlows"]
    )
    assert (
        deployed_client.inputs["idTokenValidity"],
        deployed_client.inputs["accessTokenValidity"],
        deployed_client.inputs["refreshTokenValidity"],
    ) == (client["IdTokenValidity"], client["AccessTokenValidity"], client["RefreshTokenValidity"])
    assert "ClientSecret" not in client and deployed_client.inputs["generateSecret"] is False
    local_groups = {
        group["GroupName"]: (group.get("Description"), group.get("Precedence"))
        for group in local.cognito.list_groups(UserPoolId=local.pool.pool_id)["Groups"]
    }
    deployed_groups = {
        record.inputs["name"]: (record.inputs["description"], record.inputs["precedence"])
        for record in stack.of_type("aws:cognito/userGroup:UserGroup")
    }
    assert deployed_groups == local_groups


# -- functions and their event-source mappings ------------------------------------------

FUNCTION = "aws:lambda/function:Function"
MAPPING = "aws:lambda/eventSourceMapping:EventSourceMapping"


@dataclass(frozen=True)
class NamedInvoker:
    """What the local mappings invoke, standing in for the runtime's container pool."""

    function: str

    def __call__(self, event: Any) -> Any:
        raise AssertionError("nothing is invoked: the mappings are only read")


def deployed_function(stack: Stack, arn: str) -> str:
    """The logical name of the function (or its alias) a mapping invokes."""
    physical = arn.split(":function:", 1)[1].split(":", 1)[0]
    (record,) = [r for r in stack.of_type(FUNCTION) if r.inputs["name"] == physical]
    return record.name


def test_event_source_mappings_pull_the_same_sources_into_the_same_functions(
    stack: Stack, local: LocalStack
) -> None:
    mappings = EventSourceMappings(
        sqs=local.sqs,
        dynamodb=local.dynamodb,
        streams=boto3.session.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
        ).client("dynamodbstreams"),
        naming=NAMING,
        invoker_for=NamedInvoker,
    )
    # The local stack runs one poller per unit of a mapping's concurrency.
    local_sqs: dict[tuple[str, str], tuple[int, int]] = {}
    local_streams = set()
    for poller in mappings.pollers:
        source: Any = poller.source
        if isinstance(source, SqsEventSource):
            key = (source.queue_url.rsplit("/", 1)[-1], source.invoke.function)
            _, pollers = local_sqs.get(key, (0, 0))
            local_sqs[key] = (source.batch_size, pollers + 1)
        else:
            assert isinstance(source, DynamoDBStreamEventSource)
            table = source.stream_arn.split(":table/", 1)[1].split("/", 1)[0]
            local_streams.add(
                (table, source.invoke.function, source.batch_size, source.starting_position)
            )

    deployed_sqs = {}
    deployed_streams = set()
    for record in stack.of_type(MAPPING):
        inputs = record.inputs
        function = deployed_function(stack, inputs["functionName"])
        if ":sqs:" in inputs["eventSourceArn"]:
            concurrency = inputs.get("scalingConfig", {}).get("maximumConcurrency")
            queue = inputs["eventSourceArn"].rsplit(":", 1)[-1]
            deployed_sqs[(queue, function)] = (inputs["batchSize"], concurrency)
        else:
            table = inputs["eventSourceArn"].split(":table/", 1)[1].split("/", 1)[0]
            deployed_streams.add((table, function, inputs["batchSize"], inputs["startingPosition"]))

    assert set(local_sqs) == set(deployed_sqs) and len(local_sqs) == len(CONSUMERS)
    for key, (batch_size, pollers) in local_sqs.items():
        deployed_batch, concurrency = deployed_sqs[key]
        assert batch_size == deployed_batch, key
        # Lambda's floor for a mapping's maximum concurrency is 2; below it the function's
        # reserved concurrency bounds the mapping, and the local stack runs one poller.
        assert pollers == (concurrency if concurrency is not None else 1), key
    assert local_streams == deployed_streams and len(local_streams) == len(STREAM_CONSUMERS)


def test_the_local_runtime_runs_each_function_as_it_is_deployed(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Nothing is started: provisioned containers would be spawned processes.
    monkeypatch.setattr(LambdaRuntime, "_provision", lambda self, pool: None)
    runtime = LambdaRuntime(FUNCTIONS, env={})
    try:
        pools = runtime._pools
    finally:
        runtime.shutdown()
    assert set(pools) == {record.name for record in stack.of_type(FUNCTION)}
    provisioned = {
        record.inputs["functionName"]: record.inputs["provisionedConcurrentExecutions"]
        for record in stack.of_type(
            "aws:lambda/provisionedConcurrencyConfig:ProvisionedConcurrencyConfig"
        )
    }
    for name, pool in pools.items():
        deployed = stack.one(FUNCTION, name).inputs
        assert pool.spec.handler == deployed["handler"], name
        assert pool.spec.timeout_seconds == deployed["timeout"], name
        assert pool.spec.memory_mb == deployed["memorySize"], name
        # The local runtime's container limit is Lambda's reserved concurrency.
        assert pool.limit == deployed["reservedConcurrentExecutions"], name
        assert pool.provisioned == provisioned.get(deployed["name"], 0), name
