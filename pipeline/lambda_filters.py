"""Lambda entries of the image pipeline: ingest (push and pull), four filters, and the DLQ reader.

- `ingest` is invoked two ways. S3 pushes each new original to it (an
  asynchronous invocation with S3's event shape; keys arrive URL-encoded), and
  it pulls reprocessing requests from the `photo-requests` queue, which the
  events topic fills with commits holding `Photo.ReprocessingRequested`.
- `validate`, `extract`, `render` and `attach` each work one queue, in batches
  with partial failures: a job that fails is retried alone.
- `failures` reads the four DLQs and marks each photo `processing_failed`.

Each function builds its context once per container, during init when in Lambda.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import unquote_plus
from uuid import UUID

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    SqsFifoPartialProcessor,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from adapters.bootstrap import in_lambda, pipeline
from adapters.keep_warm import is_keep_warm
from adapters.settings import Settings
from adapters.sqs_pipe import STAGE_QUEUES, stage_of_queue
from fanout.messages import CommitMessage
from pipeline import filters
from pipeline.filters import Job, Stage

logger = Logger(service="pipeline")
metrics = Metrics(namespace="Retake", service="pipeline")
REPROCESSING = "Photo.ReprocessingRequested"

if in_lambda():
    pipeline()


# -- ingest: push (S3) and pull (reprocessing requests) ----------------------------------


def _ingest_upload(record: dict[str, Any]) -> None:
    s3 = record["s3"]
    key = unquote_plus(s3["object"]["key"])
    write = filters.write_id(
        str(s3["object"].get("eTag", "")),
        str(s3["object"].get("sequencer", "")),
        str(record.get("eventTime", "")),
    )
    job = filters.start_upload(pipeline(), key, write)
    if job is not None:
        metrics.add_metric(name="UploadsIngested", unit=MetricUnit.Count, value=1)


def _ingest_request(record: SQSRecord) -> None:
    message = CommitMessage.model_validate_json(record.body)
    for event in message.events:
        if event.type == REPROCESSING:
            run = f"reprocess-{message.command_id}"
            filters.start_reprocessing(pipeline(), UUID(message.stream_id), run)


_requests = SqsFifoPartialProcessor()


@metrics.log_metrics
@logger.inject_lambda_context
def ingest(event: dict[str, Any], context: LambdaContext) -> Any:
    if is_keep_warm(event):
        return {"warm": True}
    records = event.get("Records", [])
    if records and records[0].get("eventSource") == "aws:s3":
        # Push: a failure raises, and the asynchronous invocation is retried whole.
        for record in records:
            if str(record.get("eventName", "")).startswith("ObjectCreated"):
                _ingest_upload(record)
        return {"ingested": len(records)}
    return process_partial_response(
        event=event, record_handler=_ingest_request, processor=_requests, context=context
    )


# -- the four filters ---------------------------------------------------------------------


def _filter_entry(stage: Stage) -> Any:
    processor = BatchProcessor(event_type=EventType.SQS)

    def work(record: SQSRecord) -> None:
        job = Job.model_validate_json(record.body)
        started = time.perf_counter()
        filters.run_filter(pipeline(), stage, job)
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
    def handler(event: dict[str, Any], context: LambdaContext) -> Any:
        if is_keep_warm(event):
            return {"warm": True}
        return process_partial_response(
            event=event, record_handler=work, processor=processor, context=context
        )

    handler.__name__ = stage
    return handler


validate = _filter_entry("validate")
extract = _filter_entry("extract")
render = _filter_entry("render")
attach = _filter_entry("attach")


# -- the DLQs -----------------------------------------------------------------------------

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
def failures(event: dict[str, Any], context: LambdaContext) -> Any:
    if is_keep_warm(event):
        return {"warm": True}
    return process_partial_response(
        event=event, record_handler=_give_up, processor=_failures, context=context
    )
