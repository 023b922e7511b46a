"""CloudWatch: an alarm on every dead-letter queue, and every on-failure destination, that
holds a message."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from resources.definitions import Naming, QueueSpec

DEPTH_METRIC = "ApproximateNumberOfMessagesVisible"


@dataclass(frozen=True)
class AlarmsArgs:
    naming: Naming
    #: The queues whose DLQs are watched, by logical name, with their specs.
    queues: Sequence[QueueSpec]
    #: The DLQs by their queue's logical name (`CommandBus.dead_letter_queues`).
    dead_letter_queues: Mapping[str, aws.sqs.Queue]
    #: Stream mappings' on-failure destinations (`command_bus.failure_destinations`), and
    #: the queues by logical name (`CommandBus.queues`).
    failure_destinations: Sequence[QueueSpec] = ()
    failure_queues: Mapping[str, aws.sqs.Queue] = field(default_factory=dict)
    #: Where alarms notify (e.g. an SNS topic with an e-mail subscription); none by default.
    actions: Sequence[pulumi.Input[str]] = field(default_factory=tuple)


class Alarms(pulumi.ComponentResource):
    """A dead letter means work given up on: any message in a DLQ raises its alarm.

    So does a message in a stream mapping's on-failure destination: it describes a
    batch of event-store commits never published, which the read models missed.
    """

    alarms: dict[str, aws.cloudwatch.MetricAlarm]

    def __init__(
        self, name: str, args: AlarmsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("retake:infra:Alarms", name, None, opts)
        self.alarms = {}
        for spec in args.queues:
            if not spec.dlq:
                continue
            dlq_name = args.naming.dlq(spec)
            self.alarms[spec.name] = self._on_depth(
                f"{spec.name}-dlq-depth",
                dlq_name,
                f"{dlq_name} holds messages given up on after {spec.max_receive_count} "
                f"receives from {args.naming.queue(spec)}: see `retake dlq list` locally, "
                "or redrive them from the SQS console",
                args.dead_letter_queues[spec.name],
                args.actions,
            )
        for spec in args.failure_destinations:
            queue_name = args.naming.queue(spec)
            self.alarms[spec.name] = self._on_depth(
                f"{spec.name}-depth",
                queue_name,
                f"{queue_name} holds event-store stream batches the publisher gave up on: "
                "their commits never reached the read models. Fix the publisher, then "
                "rebuild the read models (README, Deploying to AWS, 'When an alarm fires')",
                args.failure_queues[spec.name],
                args.actions,
            )
        self.register_outputs({name: alarm.name for name, alarm in self.alarms.items()})

    def _on_depth(
        self,
        resource_name: str,
        queue_name: str,
        description: str,
        queue: aws.sqs.Queue,
        actions: Sequence[pulumi.Input[str]],
    ) -> aws.cloudwatch.MetricAlarm:
        """Raised by the first visible message in the queue."""
        return aws.cloudwatch.MetricAlarm(
            resource_name,
            name=f"{queue_name}-not-empty",
            alarm_description=description,
            namespace="AWS/SQS",
            metric_name=DEPTH_METRIC,
            dimensions={"QueueName": queue.name},
            statistic="Maximum",
            period=60,
            evaluation_periods=1,
            threshold=0,
            comparison_operator="GreaterThanThreshold",
            treat_missing_data="notBreaching",
            alarm_actions=list(actions),
            opts=pulumi.ResourceOptions(parent=self),
        )
