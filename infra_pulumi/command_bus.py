"""SQS: every queue of the definitions, each with its dead-letter queue."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from resources.definitions import QUEUES, STREAM_CONSUMERS, Naming, QueueSpec

#: SQS's longest retention: a dead letter waits two weeks for someone to look.
DEAD_LETTER_RETENTION_SECONDS = 14 * 24 * 3600


def failure_destinations() -> tuple[QueueSpec, ...]:
    """Queues a stream mapping sends what it gives up on to: dead letters by another name."""
    return tuple(dict.fromkeys(spec.on_failure for spec in STREAM_CONSUMERS))


@dataclass(frozen=True)
class CommandBusArgs:
    naming: Naming
    queues: Sequence[QueueSpec] = QUEUES
    #: Queues kept as long as a DLQ (`failure_destinations`).
    kept_as_dead_letters: Sequence[QueueSpec] = field(default_factory=failure_destinations)


class CommandBus(pulumi.ComponentResource):
    """The command queues and every other queue work travels through, with their DLQs.

    A DLQ has its queue's FIFO-ness (SQS requires it) and visibility timeout, so
    a function consuming dead letters has as long as the queue's own consumer.
    Both are encrypted with SQS-managed keys, which SNS can deliver to. A stream
    mapping's on-failure destination is kept as long as a DLQ: it is one.
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
                message_retention_seconds=(
                    DEAD_LETTER_RETENTION_SECONDS if spec in args.kept_as_dead_letters else None
                ),
                redrive_policy=redrive,
                sqs_managed_sse_enabled=True,
                opts=child,
            )
        self.register_outputs({name: queue.url for name, queue in self.queues.items()})
