"""The publisher's core: each commit becomes one message on the FIFO events topic.

The event store's stream is the outbox: a commit is published after it is
written, never instead of it. Publishing is at least once (a failed stream batch
is retried) and the topic makes it effectively once: a commit's deduplication id
is its stream and first version, so a republished commit is dropped by the
topic (within SNS's five-minute deduplication window). Each stream is its own
message group, so a subscriber sees a stream's commits in order.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

import boto3

from commands.event_store import Commit
from fanout.messages import CommitMessage

if TYPE_CHECKING:
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sns.type_defs import PublishBatchRequestEntryTypeDef

#: SNS accepts at most ten entries per PublishBatch.
MAX_BATCH = 10


class PublishFailed(Exception):
    """SNS refused some commits; the stream batch must be retried from the first of them."""

    def __init__(self, failures: Sequence[str], positions: Sequence[int] = ()) -> None:
        self.failures = tuple(failures)
        #: Positions in the refused request of the entries SNS refused.
        self.positions = tuple(positions)
        super().__init__(f"SNS refused {len(self.failures)} commit(s): {'; '.join(self.failures)}")


class Publisher:
    """Publishes commits to the events topic, ten to a request."""

    def __init__(self, topic_arn: str, client: SNSClient | None = None) -> None:
        self.topic_arn = topic_arn
        self._client = client
        self._client_lock = threading.Lock()

    @property
    def client(self) -> SNSClient:
        with self._client_lock:
            if self._client is None:
                self._client = boto3.client("sns")
            return self._client

    def publish(self, commits: Sequence[Commit]) -> None:
        """Publish each commit as one message; raise PublishFailed if any was refused.

        Batches go out in order and a refusal stops the later batches. Within one
        batch SNS may accept entries after a refused one; `publish_in_order` keeps
        each stream's order across a retry.
        """
        messages = [CommitMessage.of(commit) for commit in commits]
        for start in range(0, len(messages), MAX_BATCH):
            self._publish_batch(messages[start : start + MAX_BATCH])

    def publish_in_order(self, commits: Sequence[Commit]) -> int:
        """Publish commits keeping each stream's order; return how many leading ones went out.

        Each request carries at most ten commits and at most one per stream, so a
        refusal can never let a stream's later commit overtake an earlier one. On
        the first refusal publishing stops; the return value is the index of the
        first commit not known to be out (len(commits) when all went out). The
        caller retries from there, and the topic drops the repeats.
        """
        pending = list(enumerate(CommitMessage.of(commit) for commit in commits))
        while pending:
            batch: list[tuple[int, CommitMessage]] = []
            later: list[tuple[int, CommitMessage]] = []
            streams: set[str] = set()
            for index, message in pending:
                if len(batch) < MAX_BATCH and message.stream_id not in streams:
                    batch.append((index, message))
                    streams.add(message.stream_id)
                else:
                    later.append((index, message))
            try:
                self._publish_batch([message for _, message in batch])
            except PublishFailed as refusal:
                refused = [batch[position][0] for position in refusal.positions]
                return min([*refused, *(index for index, _ in later)])
            pending = later
        return len(commits)

    def _publish_batch(self, messages: Sequence[CommitMessage]) -> None:
        entries: list[PublishBatchRequestEntryTypeDef] = [
            {
                "Id": str(index),
                "Message": message.model_dump_json(),
                "MessageGroupId": message.stream_id,
                "MessageDeduplicationId": message.deduplication_id,
                "MessageAttributes": message.attributes(),
            }
            for index, message in enumerate(messages)
        ]
        response = self.client.publish_batch(
            TopicArn=self.topic_arn, PublishBatchRequestEntries=entries
        )
        failed = response.get("Failed", [])
        if failed:
            refused = sorted(failed, key=lambda entry: int(entry["Id"]))
            raise PublishFailed(
                [
                    f"{messages[int(entry['Id'])].deduplication_id}: "
                    f"{entry.get('Code', '?')} {entry.get('Message', '')}".rstrip()
                    for entry in refused
                ],
                [int(entry["Id"]) for entry in refused],
            )
