"""SQS: every queue of the definitions, each with its dead-letter queue."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from resources.definitions import QUEUES, Naming, QueueSpec

#: SQS's longest retention: a dead letter waits two weeks for someone to look.
DEAD_LETTER_RETENTION_SECONDS = 14 * 24 * 3600


@dataclass(frozen=True)
class CommandBusArgs:
    naming: Naming
    queues: Sequence[QueueSpec] = QUEUES


class CommandBus(pulumi.ComponentResource):
    """The command queues and every other queue work travels through, with their DLQs.

    A DLQ has its queue's FIFO-ness (SQS requires it) and visibility timeout, so
    a function consuming dead letters has as long as the queue's own consumer.
    Both are encrypted with SQS-managed keys, which SNS can deliver to.
    """

    queues: dict[str, aws.sqs.Queue]
    dead_letter_queues: dict[str, aws.sqs.Queue]

    def __init__(
        self, name: str, args: CommandBusArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("retake:infra:CommandBus", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.queues = {}
        self.dead_letter_queues = {}
        for spec in args.queues:
            redrive: pulumi.Output[str] | None = None
            if spec.dlq:
                dlq = aws.sqs.Queue(
                    f"{spec.name}-dlq",
                    name=args.naming.dlq(spec),
                    fifo_queue=spec.fifo,
                    visibility_timeout_seconds=spec.visibility_timeout_seconds,
                    message_retention_seconds=DEAD_LETTER_RETENTION_SECONDS,
                    sqs_managed_sse_enabled=True,
                    opts=child,
                )
                self.dead_letter_queues[spec.name] = dlq
                redrive = pulumi.Output.json_dumps(
                    {"deadLetterTargetArn": dlq.arn, "maxReceiveCount": spec.max_receive_count}
                )
            self.queues[spec.name] = aws.sqs.Queue(
                spec.name,
                name=args.naming.queue(spec),
                fifo_queue=spec.fifo,
                content_based_deduplication=spec.content_based_deduplication if spec.fifo else None,
                visibility_timeout_seconds=spec.visibility_timeout_seconds,
                redrive_policy=redrive,
                sqs_managed_sse_enabled=True,
                opts=child,
            )
        self.register_outputs({name: queue.url for name, queue in self.queues.items()})
