"""Lambda entry: pipeline-failures, which reads the four filters' DLQs.

A job that rests in a filter's DLQ has failed every try: its photo is marked
`processing_failed`, with a reason its owner can read.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from adapters.settings import Settings
from adapters.sqs_pipe import STAGE_QUEUES, stage_of_queue
from functions.bootstrap import in_lambda, pipeline
from pipeline import filters
from pipeline.filters import Job
from pipeline.handlers import logger, metrics
from resources.keep_warm import is_keep_warm

if in_lambda():
    # The expensive part of a cold start (clients, caches) happens once, during init.
    pipeline()

_failures = BatchProcessor(event_type=EventType.SQS)


def _give_up(record: SQSRecord) -> None:
    queue_name = record.event_source_arn.rsplit(":", 1)[-1]
    stage = stage_of_queue(queue_name, Settings.from_environment().naming)
    if stage is None:
        raise ValueError(f"{queue_name} is not a pipeline queue")
    job = Job.model_validate_json(record.body)
    filters.give_up(pipeline(), stage, job, STAGE_QUEUES[stage].max_receive_count)
    metrics.add_metric(name="PhotosFailed", unit=MetricUnit.Count, value=1)


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> Any:
    if is_keep_warm(event):
        return {"warm": True}
    return process_partial_response(
        event=event, record_handler=_give_up, processor=_failures, context=context
    )
