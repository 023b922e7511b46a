"""Lambda entry: the publisher, fed by the event store's DynamoDB stream.

Each INSERT is one commit, published to the events topic. A failure stops the
batch there and reports that record's sequence number, so the mapping retries
from it; the FIFO topic drops what was already published.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import (
    DynamoDBRecord,
    DynamoDBRecordEventName,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from adapters.bootstrap import publisher
from adapters.dynamodb_event_store import commit_from_item
from adapters.keep_warm import is_keep_warm
from fanout.in_order import InOrderStreamProcessor
from fanout.stream_records import decode_image

logger = Logger(service="publisher")
metrics = Metrics(namespace="Retake", service="publisher")
processor = InOrderStreamProcessor()


def record_handler(record: DynamoDBRecord) -> None:
    change = record.raw_event["dynamodb"]
    if record.event_name is not DynamoDBRecordEventName.INSERT:
        # The store only ever inserts; anything else was done behind its back.
        logger.warning(
            "ignored a stream record that is not an INSERT",
            extra={"event_name": record.raw_event.get("eventName"), "keys": change.get("Keys")},
        )
        return
    commit = commit_from_item(decode_image(change["NewImage"]))
    publisher().publish([commit])
    metrics.add_metric(name="CommitsPublished", unit=MetricUnit.Count, value=1)


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
