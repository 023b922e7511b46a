"""A stream batch processed in order: after the first failure, nothing more is published.

Powertools' `BatchProcessor` goes on to the later records after a failure. For
the publisher that would let a stream's later commit reach subscribers before
the earlier one that failed (Lambda retries from the lowest reported sequence
number, but the later one is already out). So, as `SqsFifoPartialProcessor`
does for FIFO queues, the records after a failure are reported failed unread,
and the mapping retries them in order with the one that failed.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.batch.base import FailureResponse, SuccessResponse


class EarlierRecordFailed(Exception):
    """Not processed: an earlier record of this batch failed, so this one waits its turn."""


class InOrderStreamProcessor(BatchProcessor):
    """A DynamoDB stream batch processor that stops at the first failed record."""

    def __init__(self) -> None:
        # Reported, not raised, when all fail: the mapping learns where to resume.
        super().__init__(event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False)

    def _process_record(self, record: dict[str, Any]) -> SuccessResponse | FailureResponse:
        if self.fail_messages:
            waiting = EarlierRecordFailed("an earlier record of this batch failed")
            return self.failure_handler(
                record=self._to_batch_type(record, event_type=self.event_type, model=self.model),
                exception=(EarlierRecordFailed, waiting, None),
            )
        return super()._process_record(record)
