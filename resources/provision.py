"""Create the resources of `resources.definitions` on an AWS-compatible endpoint.

Used by the local stack and the integration tests against moto's server; the
Pulumi program deploys the same definitions to AWS. Creating is idempotent.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from resources.definitions import QUEUES, TABLES, Naming, QueueSpec, TableSpec

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.literals import QueueAttributeNameType


def create_table(dynamodb: DynamoDBClient, spec: TableSpec, naming: Naming) -> str:
    name = naming.table(spec)
    keys: list[Any] = [{"AttributeName": spec.hash_key.name, "KeyType": "HASH"}]
    if spec.range_key:
        keys.append({"AttributeName": spec.range_key.name, "KeyType": "RANGE"})
    request: dict[str, Any] = {
        "TableName": name,
        "KeySchema": keys,
        "AttributeDefinitions": [
            {"AttributeName": key.name, "AttributeType": key.type} for key in spec.key_attributes
        ],
        "BillingMode": "PAY_PER_REQUEST",
    }
    if spec.indexes:
        request["GlobalSecondaryIndexes"] = [
            {
                "IndexName": index.name,
                "KeySchema": [
                    {"AttributeName": index.hash_key.name, "KeyType": "HASH"},
                    *(
                        [{"AttributeName": index.range_key.name, "KeyType": "RANGE"}]
                        if index.range_key
                        else []
                    ),
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
            for index in spec.indexes
        ]
    if spec.stream:
        request["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": spec.stream}
    try:
        dynamodb.create_table(**request)
    except dynamodb.exceptions.ResourceInUseException:
        return name
    if spec.ttl_attribute:
        dynamodb.update_time_to_live(
            TableName=name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": spec.ttl_attribute},
        )
    return name


def create_queue(sqs: SQSClient, spec: QueueSpec, naming: Naming) -> str:
    """Create the queue and its DLQ, wired by a redrive policy; return the queue URL."""
    fifo_attributes: dict[QueueAttributeNameType, str] = {"FifoQueue": "true"} if spec.fifo else {}
    dlq_url = sqs.create_queue(QueueName=naming.dlq(spec), Attributes=fifo_attributes)["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    attributes: dict[QueueAttributeNameType, str] = {
        **fifo_attributes,
        "VisibilityTimeout": str(spec.visibility_timeout_seconds),
        "RedrivePolicy": json.dumps(
            {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": spec.max_receive_count}
        ),
    }
    if spec.fifo:
        attributes["ContentBasedDeduplication"] = str(spec.content_based_deduplication).lower()
    return sqs.create_queue(QueueName=naming.queue(spec), Attributes=attributes)["QueueUrl"]


def provision(
    dynamodb: DynamoDBClient, sqs: SQSClient, naming: Naming | None = None
) -> dict[str, str]:
    """Create every table and queue; return logical name -> physical name or URL."""
    naming = naming or Naming()
    created = {spec.name: create_table(dynamodb, spec, naming) for spec in TABLES}
    created |= {spec.name: create_queue(sqs, spec, naming) for spec in QUEUES}
    return created
