"""Lambda entry: the command worker, fed by SQS FIFO in batches with partial failures."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import (
    SqsFifoPartialProcessor,
    process_partial_response,
)
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from commands.consumer import (
    REDRIVEN_ATTRIBUTE,
    CommandMessage,
    mark_last_receives,
    process_message,
    suspects_last,
)
from functions.bootstrap import in_lambda, write_side
from functions.faults import crash_if_marked
from resources.keep_warm import is_keep_warm

logger = Logger(service="worker")
metrics = Metrics(namespace="Retake", service="worker")

if in_lambda():
    # The expensive part of a cold start (clients, caches) happens once, during init.
    write_side()
# One failed message holds back only the later messages of its own group (aggregate).
processor = SqsFifoPartialProcessor(skip_group_on_error=True)


class _Telemetry:
    def outcome(self, command_id: str, actor_id: str, command_type: str, status: str) -> None:
        logger.info(
            f"command {status}",
            extra={"command_id": command_id, "actor": actor_id, "command_type": command_type},
        )
        metrics.add_metric(name=f"Commands{status.capitalize()}", unit=MetricUnit.Count, value=1)


def command_message(record: SQSRecord) -> CommandMessage:
    attributes = record.attributes
    return CommandMessage(
        message_id=record.message_id,
        body=record.body,
        receive_count=int(attributes.approximate_receive_count or 1),
        deduplication_id=attributes.message_deduplication_id,
        redriven=REDRIVEN_ATTRIBUTE in (record.message_attributes or {}),
    )


def record_handler(record: SQSRecord) -> None:
    crash_if_marked(record.body)  # test-only fault injection (functions/faults.py); off unless set
    process_message(write_side().service, command_message(record), _Telemetry())


@metrics.log_metrics
@logger.inject_lambda_context
def handler(
    event: dict[str, Any], context: LambdaContext
) -> PartialItemFailureResponse | dict[str, bool]:
    if is_keep_warm(event):
        return {"warm": True}
    records = event.get("Records", [])
    mark_last_receives(write_side().service, [command_message(SQSRecord(r)) for r in records])
    return process_partial_response(
        event={**event, "Records": suspects_last(records)},
        record_handler=record_handler,
        processor=processor,
        context=context,
    )
