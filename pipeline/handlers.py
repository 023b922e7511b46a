"""The four filters' Lambda handler, one per stage, built by each filter's entry module.

`validate`, `extract`, `render` and `attach` each work one queue, in batches
with partial failures: a job that fails is retried alone. The entry modules in
`functions/` hand in their stage and how to reach the pipeline's context.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from pipeline import filters
from pipeline.filters import Job, PipelineContext, Stage
from resources.keep_warm import is_keep_warm

logger = Logger(service="pipeline")
metrics = Metrics(namespace="Retake", service="pipeline")

Handler = Callable[[dict[str, Any], LambdaContext], Any]


def filter_handler(stage: Stage, context: Callable[[], PipelineContext]) -> Handler:
    """The handler of one filter's function: each job of the batch through `stage`."""
    processor = BatchProcessor(event_type=EventType.SQS)

    def work(record: SQSRecord) -> None:
        job = Job.model_validate_json(record.body)
        started = time.perf_counter()
        filters.run_filter(context(), stage, job)
        elapsed = (time.perf_counter() - started) * 1000
        logger.info(
            "filter done",
            extra={"stage": stage, "photo_id": str(job.photo_id), "run": job.run,
                   "elapsed_ms": round(elapsed, 1)},
        )  # fmt: skip
        metrics.add_metric(name=f"{stage.capitalize()}Ms", unit=MetricUnit.Milliseconds,
                           value=elapsed)  # fmt: skip

    @metrics.log_metrics
    @logger.inject_lambda_context
    def handler(event: dict[str, Any], lambda_context: LambdaContext) -> Any:
        if is_keep_warm(event):
            return {"warm": True}
        return process_partial_response(
            event=event, record_handler=work, processor=processor, context=lambda_context
        )

    handler.__name__ = stage
    return handler
