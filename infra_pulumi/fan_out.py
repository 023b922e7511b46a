"""SNS: the events topic and its raw, filtered subscriptions, one SQS queue per subscriber."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra_pulumi.policies import POLICY_VERSION
from resources.definitions import SUBSCRIPTIONS, TOPICS, Naming, SubscriptionSpec, TopicSpec

#: SNS's AWS-managed key. Its key policy lets every principal of the account use it
#: through SNS, so the publisher's role needs no KMS grant; SNS decrypts a message
#: before delivering it to a queue, and the queues use SQS-managed keys, so the
#: subscriptions need none either. (AWS services that publish, such as CloudWatch
#: alarms or S3 notifications, cannot use a topic with this key; none publishes here.)
TOPIC_KEY = "alias/aws/sns"


@dataclass(frozen=True)
class FanOutArgs:
    naming: Naming
    #: The subscribed queues by logical name (`CommandBus.queues`).
    queues: Mapping[str, aws.sqs.Queue]
    topics: Sequence[TopicSpec] = TOPICS
    subscriptions: Sequence[SubscriptionSpec] = SUBSCRIPTIONS


class FanOut(pulumi.ComponentResource):
    """Topics, subscriptions, and the queue policies that let each topic deliver.

    FIFO topics deduplicate by the id the publisher gives each commit, never by
    content (as `resources.provision.create_topic` sets them up locally). Messages
    are encrypted at rest with `TOPIC_KEY`.
    """

    topics: dict[str, aws.sns.Topic]
    subscriptions: list[aws.sns.TopicSubscription]

    def __init__(
        self, name: str, args: FanOutArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("retake:infra:FanOut", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.topics = {
            spec.name: aws.sns.Topic(
                spec.name,
                name=args.naming.topic(spec),
                fifo_topic=spec.fifo,
                content_based_deduplication=False if spec.fifo else None,
                kms_master_key_id=TOPIC_KEY,
                opts=child,
            )
            for spec in args.topics
        }
        policies = []
        for queue_name in sorted({spec.queue.name for spec in args.subscriptions}):
            senders = [
                self.topics[spec.topic.name].arn
                for spec in args.subscriptions
                if spec.queue.name == queue_name
            ]
            queue = args.queues[queue_name]
            policies.append(
                aws.sqs.QueuePolicy(
                    f"{queue_name}-from-topics",
                    queue_url=queue.url,
                    policy=pulumi.Output.json_dumps(topic_delivery_policy(queue.arn, senders)),
                    opts=child,
                )
            )
        self.subscriptions = [
            aws.sns.TopicSubscription(
                f"{spec.topic.name}-to-{spec.queue.name}",
                topic=self.topics[spec.topic.name].arn,
                protocol="sqs",
                endpoint=args.queues[spec.queue.name].arn,
                raw_message_delivery=spec.raw_message_delivery,
                filter_policy=json.dumps(spec.filter_policy, sort_keys=True),
                filter_policy_scope="MessageAttributes",
                # A message published before the queue lets the topic send would be lost.
                opts=pulumi.ResourceOptions(parent=self, depends_on=policies),
            )
            for spec in args.subscriptions
        ]
        self.register_outputs({name: topic.arn for name, topic in self.topics.items()})


def topic_delivery_policy(
    queue_arn: pulumi.Input[str], topic_arns: Sequence[pulumi.Input[str]]
) -> dict[str, object]:
    """A queue policy letting SNS send to the queue, for these topics only."""
    return {
        "Version": POLICY_VERSION,
        "Statement": [
            {
                "Sid": "TopicsMaySend",
                "Effect": "Allow",
                "Principal": {"Service": "sns.amazonaws.com"},
                "Action": "sqs:SendMessage",
                "Resource": queue_arn,
                "Condition": {"ArnEquals": {"aws:SourceArn": list(topic_arns)}},
            }
        ],
    }
