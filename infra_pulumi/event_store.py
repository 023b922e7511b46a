"""DynamoDB: the event store with its stream, the command log and the read models."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from resources.definitions import PEOPLE_TABLES, TABLES, WRITE_TABLES, Naming, TableSpec


@dataclass(frozen=True)
class EventStoreArgs:
    naming: Naming
    tables: Sequence[TableSpec] = TABLES
    #: What cannot be rebuilt (the events, their snapshots, the command log, and the people
    #: Cognito described, whom no event records): point-in-time recovery, and deletion
    #: protection when `deletion_protection` is on. The other read models are made again
    #: from the events by a rebuild.
    protected: Sequence[TableSpec] = WRITE_TABLES + PEOPLE_TABLES
    deletion_protection: bool = True


class EventStore(pulumi.ComponentResource):
    """Every table, on-demand and encrypted at rest, keyed as the definitions say."""

    tables: dict[str, aws.dynamodb.Table]

    def __init__(
        self, name: str, args: EventStoreArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("retake:infra:EventStore", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.tables = {
            spec.name: table(spec, args, spec in args.protected, child) for spec in args.tables
        }
        self.register_outputs({name: table.name for name, table in self.tables.items()})


def table(
    spec: TableSpec, args: EventStoreArgs, protected: bool, opts: pulumi.ResourceOptions
) -> aws.dynamodb.Table:
    return aws.dynamodb.Table(
        spec.name,
        name=args.naming.table(spec),
        billing_mode="PAY_PER_REQUEST",
        hash_key=spec.hash_key.name,
        range_key=spec.range_key.name if spec.range_key else None,
        attributes=[
            aws.dynamodb.TableAttributeArgs(name=key.name, type=key.type)
            for key in spec.key_attributes
        ],
        global_secondary_indexes=[
            aws.dynamodb.TableGlobalSecondaryIndexArgs(
                name=index.name,
                projection_type="ALL",
                key_schemas=[
                    aws.dynamodb.TableGlobalSecondaryIndexKeySchemaArgs(
                        attribute_name=index.hash_key.name, key_type="HASH"
                    ),
                    *(
                        [
                            aws.dynamodb.TableGlobalSecondaryIndexKeySchemaArgs(
                                attribute_name=index.range_key.name, key_type="RANGE"
                            )
                        ]
                        if index.range_key
                        else []
                    ),
                ],
            )
            for index in spec.indexes
        ],
        stream_enabled=spec.stream is not None,
        stream_view_type=spec.stream,
        ttl=(
            aws.dynamodb.TableTtlArgs(attribute_name=spec.ttl_attribute, enabled=True)
            if spec.ttl_attribute
            else None
        ),
        server_side_encryption=aws.dynamodb.TableServerSideEncryptionArgs(enabled=True),
        point_in_time_recovery=aws.dynamodb.TablePointInTimeRecoveryArgs(enabled=protected),
        deletion_protection_enabled=protected and args.deletion_protection,
        opts=opts,
    )
