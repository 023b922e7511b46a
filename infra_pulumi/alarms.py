"""CloudWatch: an alarm on every dead-letter queue that holds a message."""

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
    #: Where alarms notify (e.g. an SNS topic with an e-mail subscription); none by default.
    actions: Sequence[pulumi.Input[str]] = field(default_factory=tuple)


class Alarms(pulumi.ComponentResource):
    """A dead letter means work given up on: any message in a DLQ raises its alarm."""

    alarms: dict[str, aws.cloudwatch.MetricAlarm]

    def __init__(
        self, name: str, args: AlarmsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("retake:infra:Alarms", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.alarms = {}
        for spec in args.queues:
            if not spec.dlq:
                continue
            dlq_name = args.naming.dlq(spec)
            self.alarms[spec.name] = aws.cloudwatch.MetricAlarm(
                f"{spec.name}-dlq-depth",
                name=f"{dlq_name}-not-empty",
                alarm_description=(
                    f"{dlq_name} holds messages given up on after {spec.max_receive_count} "
                    f"receives from {args.naming.queue(spec)}: see `retake dlq list` locally, "
                    "or redrive them from the SQS console"
                ),
                namespace="AWS/SQS",
                metric_name=DEPTH_METRIC,
                dimensions={"QueueName": args.dead_letter_queues[spec.name].name},
                statistic="Maximum",
                period=60,
                evaluation_periods=1,
                threshold=0,
                comparison_operator="GreaterThanThreshold",
                treat_missing_data="notBreaching",
                alarm_actions=list(args.actions),
                opts=child,
            )
        self.register_outputs({name: alarm.name for name, alarm in self.alarms.items()})
