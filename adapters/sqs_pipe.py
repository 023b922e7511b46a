"""The pipes of the image pipeline: one standard SQS queue per filter."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipeline.filters import Job, Stage
from resources.definitions import (
    PHOTOS_ATTACH,
    PHOTOS_EXTRACT,
    PHOTOS_RENDER,
    PHOTOS_VALIDATE,
    Naming,
    QueueSpec,
)

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

STAGE_QUEUES: dict[Stage, QueueSpec] = {
    "validate": PHOTOS_VALIDATE,
    "extract": PHOTOS_EXTRACT,
    "render": PHOTOS_RENDER,
    "attach": PHOTOS_ATTACH,
}


def stage_of_queue(queue_name: str, naming: Naming) -> Stage | None:
    """The stage whose queue (or DLQ) has this physical name."""
    for stage, spec in STAGE_QUEUES.items():
        if queue_name in (naming.queue(spec), naming.dlq(spec)):
            return stage
    return None


class SqsPipe:
    """Sends a job to the queue of the filter that works it next (URLs found once, by name)."""

    def __init__(self, client: SQSClient, naming: Naming) -> None:
        self.client = client
        self.naming = naming
        self._urls: dict[Stage, str] = {}

    def url(self, stage: Stage) -> str:
        if stage not in self._urls:
            name = self.naming.queue(STAGE_QUEUES[stage])
            self._urls[stage] = self.client.get_queue_url(QueueName=name)["QueueUrl"]
        return self._urls[stage]

    def send(self, stage: Stage, job: Job) -> None:
        self.client.send_message(
            QueueUrl=self.url(stage),
            MessageBody=job.model_dump_json(),
            MessageAttributes={
                "photo_id": {"DataType": "String", "StringValue": str(job.photo_id)},
                "run": {"DataType": "String", "StringValue": job.run},
            },
        )
