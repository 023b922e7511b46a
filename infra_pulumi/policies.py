"""IAM policy documents built from the access matrix (`permissions.py`) and deployed ARNs.

Documents are Python data serialised by `Output.json_dumps`, never JSON text.
Every resource is named exactly, with three kinds of suffix where AWS has no
name to give: a log group's streams (`:*`), a table's streams for
`ListStreams` (`/stream/*`), and the objects under a key prefix (`originals/*`).
Listing a bucket is limited to a prefix by a condition.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi

from infra_pulumi.permissions import LIST_BUCKET, LIST_STREAMS, WRITE_LOGS, Access
from resources.definitions import Naming

POLICY_VERSION = "2012-10-17"

Document = dict[str, Any]


@dataclass(frozen=True)
class Arns:
    """The deployed ARNs a policy names, by the definitions' logical names."""

    naming: Naming
    tables: Mapping[str, pulumi.Output[str]]
    streams: Mapping[str, pulumi.Output[str]]
    queues: Mapping[str, pulumi.Output[str]]
    dead_letter_queues: Mapping[str, pulumi.Output[str]]
    topics: Mapping[str, pulumi.Output[str]]


def lambda_trust_policy() -> Document:
    """Lets the Lambda service assume a function's role."""
    return {
        "Version": POLICY_VERSION,
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }


def function_policy(
    access: Access, arns: Arns, log_group_arn: pulumi.Input[str]
) -> pulumi.Output[str]:
    """A function's policy document: its access, plus writing to its own log group."""
    return pulumi.Output.json_dumps(
        {"Version": POLICY_VERSION, "Statement": statements(access, arns, log_group_arn)}
    )


def statements(
    access: Access, arns: Arns, log_group_arn: pulumi.Input[str]
) -> list[dict[str, Any]]:
    """One Allow statement per resource; a resource named twice gets the union of actions."""
    grants: dict[str, tuple[set[str], list[Any]]] = {}

    def allow(sid: str, actions: tuple[str, ...], resources: list[Any]) -> None:
        granted, _ = grants.setdefault(sid, (set(), resources))
        granted.update(actions)

    for table in access.tables:
        arn = arns.tables[table.table.name]
        resources: list[Any] = [arn]
        if table.indexes:
            resources += [
                pulumi.Output.concat(arn, "/index/", index.name) for index in table.table.indexes
            ]
        sid = _sid("Table", table.table.name, "Indexes" if len(resources) > 1 else "")
        allow(sid, table.actions, resources)
    for queue in access.queues:
        if queue.dead_letters:
            dlq = arns.dead_letter_queues[queue.queue.name]
            allow(_sid("DeadLetters", queue.queue.name), queue.actions, [dlq])
        else:
            allow(_sid("Queue", queue.queue.name), queue.actions, [arns.queues[queue.queue.name]])
    for stream in access.streams:
        allow(_sid("Stream", stream.table.name), stream.actions, [arns.streams[stream.table.name]])
        allow(
            _sid("ListStreams", stream.table.name),
            LIST_STREAMS,
            [pulumi.Output.concat(arns.tables[stream.table.name], "/stream/*")],
        )
    for topic in access.topics:
        allow(_sid("Topic", topic.topic.name), topic.actions, [arns.topics[topic.topic.name]])
    for objects in access.objects:
        bucket = arns.naming.bucket(objects.bucket)
        allow(
            _sid("Objects", objects.bucket.name, objects.prefix),
            objects.actions,
            [f"arn:aws:s3:::{bucket}/{objects.prefix}*"],
        )
    allow("Logs", WRITE_LOGS, [pulumi.Output.concat(log_group_arn, ":*")])
    built: list[dict[str, Any]] = [
        {"Sid": sid, "Effect": "Allow", "Action": sorted(actions), "Resource": resources}
        for sid, (actions, resources) in grants.items()
    ]
    for listing in access.listings:
        built.append(
            {
                "Sid": _sid("List", listing.bucket.name, listing.prefix),
                "Effect": "Allow",
                "Action": list(LIST_BUCKET),
                "Resource": [f"arn:aws:s3:::{arns.naming.bucket(listing.bucket)}"],
                "Condition": {"StringLike": {"s3:prefix": [f"{listing.prefix}*"]}},
            }
        )
    return built


def _sid(*words: str) -> str:
    """A statement id (letters and digits only) from resource names like `commands-high`."""
    parts = [part for word in words for part in word.replace("/", "-").split("-") if part]
    return "".join(part[:1].upper() + part[1:] for part in parts)
