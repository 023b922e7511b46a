"""Lambda entry: the publisher, fed by the event store's DynamoDB stream.

Each INSERT is one commit, published to the events topic, up to ten to a
request and never two of one stream in the same request. At the first refusal
publishing stops and that record and every later one are reported failed, so
the mapping retries from there in order; the FIFO topic drops what was already
published.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from adapters.dynamodb_event_store import commit_from_item
from fanout.stream_records import decode_image
from functions.bootstrap import in_lambda, publisher
from resources.keep_warm import is_keep_warm

logger = Logger(service="publisher")
metrics = Metrics(namespace="Retake", service="publisher")

if in_lambda():
    # The expensive part of a cold start (clients, caches) happens once, during init.
    publisher()


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if is_keep_warm(event):
        return {"warm": True}
    records = event.get("Records", [])
    inserts = []
    for position, record in enumerate(records):
        change = record["dynamodb"]
        if record.get("eventName") != "INSERT":
            # The store only ever inserts; anything else was done behind its back.
            logger.warning(
                "ignored a stream record that is not an INSERT",
                extra={"event_name": record.get("eventName"), "keys": change.get("Keys")},
            )
            continue
        inserts.append((position, commit_from_item(decode_image(change["NewImage"]))))
    try:
        published = publisher().publish_in_order([commit for _, commit in inserts])
    except Exception:
        logger.exception("publishing failed; the whole batch will be retried")
        published = 0
    metrics.add_metric(name="CommitsPublished", unit=MetricUnit.Count, value=published)
    if published == len(inserts):
        return {"batchItemFailures": []}
    first_failed = inserts[published][0]
    return {
        "batchItemFailures": [
            {"itemIdentifier": record["dynamodb"]["SequenceNumber"]}
            for record in records[first_failed:]
        ]
    }
