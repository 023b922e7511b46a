"""Lambda entry: ingest, which starts the image pipeline, pushed by S3 and pulling requests.

S3 pushes each new original to it (an asynchronous invocation with S3's event
shape; keys arrive URL-encoded), and it pulls reprocessing requests from the
`photo-requests` queue, which the events topic fills with commits holding
`Photo.ReprocessingRequested`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote_plus
from uuid import UUID

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from fanout.messages import CommitMessage
from functions.bootstrap import in_lambda, pipeline
from pipeline import filters
from pipeline.handlers import logger, metrics
from resources.keep_warm import is_keep_warm

REPROCESSING = "Photo.ReprocessingRequested"

if in_lambda():
    # The expensive part of a cold start (clients, caches) happens once, during init.
    pipeline()

_requests = SqsFifoPartialProcessor()


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


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> Any:
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
