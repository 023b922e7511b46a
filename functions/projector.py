"""Lambda entry: the projector, fed in batches by the projection queues (SQS FIFO).

`projections` carries interactive commits and `projections-bulk` low-priority
ones. Each body is one CommitMessage, delivered raw from the events topic; its
group is the aggregate, so one aggregate's commits arrive in order within a
queue (across the two the projector skips and catches up). A body that is not a
commit fails its record (and, after the retries, rests in the DLQ).
"""

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
from pydantic import ValidationError

from fanout.messages import CommitMessage
from functions.bootstrap import in_lambda, projector
from resources.keep_warm import is_keep_warm

logger = Logger(service="projector")
metrics = Metrics(namespace="Retake", service="projector")
# One failed commit holds back only the later commits of its own aggregate.
processor = SqsFifoPartialProcessor(skip_group_on_error=True)

if in_lambda():
    # The expensive part of a cold start (clients, caches) happens once, during init.
    projector()


def record_handler(record: SQSRecord) -> None:
    try:
        message = CommitMessage.model_validate_json(record.body)
    except ValidationError:
        logger.exception("not a commit message", extra={"message_id": record.message_id})
        raise
    projected = projector().apply_message(message)
    logger.info(
        "commit projected" if projected.applied else "commit already projected",
        extra={"stream_id": projected.stream_id, "version": projected.version,
               "command_id": message.command_id},
    )  # fmt: skip
    name = "CommitsProjected" if projected.applied else "CommitsRepeated"
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)


@metrics.log_metrics
@logger.inject_lambda_context
def handler(
    event: dict[str, Any], context: LambdaContext
) -> PartialItemFailureResponse | dict[str, bool]:
    if is_keep_warm(event):
        return {"warm": True}
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
