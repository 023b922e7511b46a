"""Provisioning on moto: topics and subscriptions as the definitions say, DLQs only where wanted."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from adapters.s3_photos import s3_client
from resources.definitions import (
    EVENTS_TOPIC,
    PHOTOS_BUCKET,
    PUBLISHER_FAILURES,
    QUEUES,
    SITE_BUCKET,
    SUBSCRIPTIONS,
)
from resources.provision import provision, provision_buckets
from tests.integration.conftest import REGION

if TYPE_CHECKING:
    from tests.integration.conftest import AwsContext


def test_the_events_topic_is_fifo_and_deduplicates_by_explicit_id(aws: AwsContext) -> None:
    topic_arn = aws.topic_arns[EVENTS_TOPIC.name]

    attributes = aws.sns.get_topic_attributes(TopicArn=topic_arn)["Attributes"]

    assert topic_arn.endswith(":test-events.fifo")
    assert attributes["FifoTopic"] == "true"
    assert attributes["ContentBasedDeduplication"] == "false"


def test_each_subscription_is_raw_and_filtered_as_defined(aws: AwsContext) -> None:
    topic_arn = aws.topic_arns[EVENTS_TOPIC.name]
    subscriptions = aws.sns.list_subscriptions_by_topic(TopicArn=topic_arn)["Subscriptions"]

    assert len(subscriptions) == len(SUBSCRIPTIONS)
    for spec in SUBSCRIPTIONS:
        queue_url = aws.queue_urls[spec.queue.name]
        queue_arn = aws.sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        [subscription] = [s for s in subscriptions if s["Endpoint"] == queue_arn]
        assert subscription["Protocol"] == "sqs"
        attributes = aws.sns.get_subscription_attributes(
            SubscriptionArn=subscription["SubscriptionArn"]
        )["Attributes"]
        assert attributes["RawMessageDelivery"] == "true"
        assert json.loads(attributes["FilterPolicy"]) == spec.filter_policy


def test_a_queue_without_a_dlq_has_no_redrive_policy(aws: AwsContext) -> None:
    attributes = aws.sqs.get_queue_attributes(
        QueueUrl=aws.queue_urls[PUBLISHER_FAILURES.name], AttributeNames=["All"]
    )["Attributes"]

    assert "RedrivePolicy" not in attributes
    queue_names = [url.rsplit("/", 1)[-1] for url in aws.sqs.list_queues()["QueueUrls"]]
    assert aws.naming.dlq(PUBLISHER_FAILURES) not in queue_names
    assert all(aws.naming.dlq(spec) in queue_names for spec in QUEUES if spec.dlq)


def test_provisioning_twice_changes_nothing(aws: AwsContext) -> None:
    before = aws.sns.list_subscriptions()["Subscriptions"]

    again = provision(aws.dynamodb, aws.sqs, aws.naming, sns=aws.sns)

    assert again[EVENTS_TOPIC.name] == aws.topic_arns[EVENTS_TOPIC.name]
    assert len(aws.sns.list_subscriptions()["Subscriptions"]) == len(before)
    assert len(aws.sns.list_topics()["Topics"]) == 1


def test_buckets_get_their_cors_lifecycle_notifications_and_website(aws: AwsContext) -> None:
    s3 = s3_client(REGION)

    names = provision_buckets(s3, aws.naming, REGION)
    provision_buckets(s3, aws.naming, REGION)  # idempotent

    photos, site = names[PHOTOS_BUCKET.name], names[SITE_BUCKET.name]
    [rule] = s3.get_bucket_cors(Bucket=photos)["CORSRules"]
    assert set(rule["AllowedMethods"]) == {"GET", "POST", "HEAD"}
    [lifecycle] = s3.get_bucket_lifecycle_configuration(Bucket=photos)["Rules"]
    assert lifecycle["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"] == 1
    [push] = s3.get_bucket_notification_configuration(Bucket=photos)["LambdaFunctionConfigurations"]
    assert push["LambdaFunctionArn"].endswith(f":function:{aws.naming.prefix}-ingest")
    [prefix] = push["Filter"]["Key"]["FilterRules"]
    assert (prefix["Name"].lower(), prefix["Value"]) == ("prefix", "originals/")
    assert s3.get_bucket_website(Bucket=site)["IndexDocument"]["Suffix"] == "index.html"
