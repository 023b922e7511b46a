"""Lambda: one function per definition, its role, log group and event-source mappings.

A function with provisioned concurrency is published as a version on every
change, with an alias (`live`) on that version and the provisioned concurrency
on the alias. Provisioned environments serve only invocations of the alias, so
everything that invokes such a function (its event-source mappings, and any
schedule, notification or API integration) targets the alias: see `Invocable`.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_aws as aws

from adapters.settings import (
    API_ALLOWED_ORIGIN,
    COMMANDS_HIGH_URL,
    COMMANDS_LOW_URL,
    EVENTS_TOPIC_ARN,
    MAX_UPLOAD_BYTES,
    NAME_PREFIX,
    PHOTOS_BUCKET_NAME,
)
from infra_pulumi.config import StackConfig
from infra_pulumi.permissions import access_for
from infra_pulumi.policies import Arns, function_policy, lambda_trust_policy
from resources.definitions import (
    COMMANDS_HIGH,
    COMMANDS_LOW,
    CONSUMERS,
    EVENTS_TOPIC,
    FUNCTIONS,
    PHOTOS_BUCKET,
    STREAM_CONSUMERS,
    ConsumerSpec,
    FunctionSpec,
    StreamConsumerSpec,
)

#: The layer is built for this runtime (`make package`: CPython 3.12, manylinux x86_64).
RUNTIME = "python3.12"
ARCHITECTURE = "x86_64"
#: Lambda's lower bound for an SQS mapping's maximum concurrency.
MIN_MAPPING_CONCURRENCY = 2
METRICS_NAMESPACE = "Retake"
#: The alias that carries a function's provisioned concurrency.
ALIAS_NAME = "live"


@dataclass(frozen=True)
class Invocable:
    """What other services invoke: the function, or its alias when it has one."""

    function: aws.lambda_.Function
    alias: aws.lambda_.Alias | None = None

    @property
    def arn(self) -> pulumi.Output[str]:
        return self.alias.arn if self.alias else self.function.arn

    @property
    def invoke_arn(self) -> pulumi.Output[str]:
        """The ARN API Gateway's integrations call."""
        return self.alias.invoke_arn if self.alias else self.function.invoke_arn

    @property
    def name(self) -> pulumi.Output[str]:
        """The function's name (a permission on the alias names it with `qualifier`)."""
        return self.function.name

    @property
    def qualifier(self) -> pulumi.Output[str] | None:
        return self.alias.name if self.alias else None


@dataclass(frozen=True)
class FunctionsArgs:
    config: StackConfig
    arns: Arns
    queues: Mapping[str, aws.sqs.Queue]
    dead_letter_queues: Mapping[str, aws.sqs.Queue]
    tables: Mapping[str, aws.dynamodb.Table]
    topics: Mapping[str, aws.sns.Topic]
    functions: Sequence[FunctionSpec] = FUNCTIONS
    consumers: Sequence[ConsumerSpec] = CONSUMERS
    stream_consumers: Sequence[StreamConsumerSpec] = STREAM_CONSUMERS


class Functions(pulumi.ComponentResource):
    """Every function from the one archive and the dependencies layer; pull mappings too.

    Each function has its own role, allowed exactly what `permissions.access_for`
    lists, and its own log group with the configured retention.
    """

    functions: dict[str, aws.lambda_.Function]
    #: Aliases, and their provisioned concurrency, of the functions that have it.
    aliases: dict[str, aws.lambda_.Alias]
    provisioned: dict[str, aws.lambda_.ProvisionedConcurrencyConfig]
    #: What to invoke, per function: its alias where it has one.
    invocables: dict[str, Invocable]
    roles: dict[str, aws.iam.Role]
    policies: dict[str, aws.iam.RolePolicy]
    mappings: list[aws.lambda_.EventSourceMapping]

    def __init__(
        self, name: str, args: FunctionsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("retake:infra:Functions", name, None, opts)
        config = args.config
        naming = config.naming
        layer = aws.lambda_.LayerVersion(
            "dependencies",
            layer_name=f"{naming.prefix}-dependencies",
            description="Retake's runtime dependencies (pyproject's [project].dependencies)",
            code=pulumi.FileArchive(str(config.layer_archive)),
            source_code_hash=archive_hash(config.layer_archive),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
            opts=pulumi.ResourceOptions(parent=self),
        )
        code_hash = archive_hash(config.functions_archive)
        environment = self._environment(args)
        self.functions, self.roles, self.policies = {}, {}, {}
        self.aliases, self.provisioned = {}, {}
        for spec in args.functions:
            self.functions[spec.name] = self._function(spec, args, layer, code_hash, environment)
            provisioned = config.function(spec).provisioned_concurrency
            if provisioned:
                self._provision(spec, provisioned)
        self.invocables = {
            name: Invocable(function, self.aliases.get(name))
            for name, function in self.functions.items()
        }
        self.mappings = [self._queue_mapping(consumer, args) for consumer in args.consumers]
        self.mappings += [self._stream_mapping(spec, args) for spec in args.stream_consumers]
        self.register_outputs({name: function.arn for name, function in self.functions.items()})

    def _function(
        self,
        spec: FunctionSpec,
        args: FunctionsArgs,
        layer: aws.lambda_.LayerVersion,
        code_hash: str,
        environment: dict[str, pulumi.Input[str]],
    ) -> aws.lambda_.Function:
        """The function, its role with its one policy, and its log group."""
        config = args.config
        settings = config.function(spec)
        function_name = config.naming.function(spec)
        child = pulumi.ResourceOptions(parent=self)
        role = aws.iam.Role(
            f"{spec.name}-role",
            name=f"{function_name}-function",
            description=f"Runs {function_name}: {spec.purpose}"[:1000],
            assume_role_policy=json.dumps(lambda_trust_policy()),
            opts=child,
        )
        logs = aws.cloudwatch.LogGroup(
            f"{spec.name}-logs",
            name=f"/aws/lambda/{function_name}",
            retention_in_days=config.log_retention_days,
            opts=child,
        )
        policy = aws.iam.RolePolicy(
            f"{spec.name}-access",
            name="access",
            role=role.id,
            policy=function_policy(access_for(spec.name), args.arns, logs.arn),
            opts=child,
        )
        self.roles[spec.name], self.policies[spec.name] = role, policy
        return aws.lambda_.Function(
            spec.name,
            name=function_name,
            description=spec.purpose[:256],
            role=role.arn,
            runtime=RUNTIME,
            architectures=[ARCHITECTURE],
            handler=spec.handler,
            code=pulumi.FileArchive(str(config.functions_archive)),
            source_code_hash=code_hash,
            layers=[layer.arn],
            memory_size=settings.memory_mb,
            timeout=settings.timeout_seconds,
            # A version per change, for the alias that carries provisioned concurrency.
            publish=settings.provisioned_concurrency > 0,
            # -1: unreserved, drawing on the account's shared pool.
            reserved_concurrent_executions=(
                -1 if settings.reserved_concurrency is None else settings.reserved_concurrency
            ),
            environment=aws.lambda_.FunctionEnvironmentArgs(
                variables={**environment, "POWERTOOLS_SERVICE_NAME": spec.name}
            ),
            logging_config=aws.lambda_.FunctionLoggingConfigArgs(
                log_format="Text", log_group=logs.name
            ),
            # The log group first, or Lambda creates it without the retention.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[logs, policy]),
        )

    def _provision(self, spec: FunctionSpec, environments: int) -> None:
        """The alias on the latest version, with `environments` kept initialised on it."""
        function = self.functions[spec.name]
        alias = aws.lambda_.Alias(
            f"{spec.name}-{ALIAS_NAME}",
            name=ALIAS_NAME,
            description=f"The published version, with {environments} provisioned environments",
            function_name=function.name,
            function_version=function.version,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.aliases[spec.name] = alias
        self.provisioned[spec.name] = aws.lambda_.ProvisionedConcurrencyConfig(
            f"{spec.name}-provisioned",
            function_name=function.name,
            qualifier=alias.name,
            provisioned_concurrent_executions=environments,
            opts=pulumi.ResourceOptions(parent=self),
        )

    @staticmethod
    def _environment(args: FunctionsArgs) -> dict[str, pulumi.Input[str]]:
        """What every function reads (`adapters.settings`), pointing at this deployment."""
        config = args.config
        return {
            NAME_PREFIX: config.name_prefix,
            COMMANDS_HIGH_URL: args.queues[COMMANDS_HIGH.name].url,
            COMMANDS_LOW_URL: args.queues[COMMANDS_LOW.name].url,
            EVENTS_TOPIC_ARN: args.topics[EVENTS_TOPIC.name].arn,
            API_ALLOWED_ORIGIN: config.site_origin,
            PHOTOS_BUCKET_NAME: config.naming.bucket(PHOTOS_BUCKET),
            MAX_UPLOAD_BYTES: str(config.max_upload_bytes),
            "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
        }

    def _queue_mapping(
        self, consumer: ConsumerSpec, args: FunctionsArgs
    ) -> aws.lambda_.EventSourceMapping:
        """Pull from a queue (or its DLQ), reporting which records of a batch failed."""
        source = (args.dead_letter_queues if consumer.dead_letters else args.queues)[
            consumer.queue.name
        ]
        suffix = "-dlq" if consumer.dead_letters else ""
        return aws.lambda_.EventSourceMapping(
            f"{consumer.queue.name}{suffix}-to-{consumer.function}",
            event_source_arn=source.arn,
            function_name=self.invocables[consumer.function].arn,
            batch_size=consumer.batch_size,
            maximum_batching_window_in_seconds=consumer.batching_window_seconds or None,
            function_response_types=["ReportBatchItemFailures"],
            # Below Lambda's minimum of 2, the function's reserved concurrency is the bound.
            scaling_config=(
                aws.lambda_.EventSourceMappingScalingConfigArgs(
                    maximum_concurrency=consumer.max_concurrency
                )
                if consumer.max_concurrency >= MIN_MAPPING_CONCURRENCY
                else None
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.policies[consumer.function]]),
        )

    def _stream_mapping(
        self, spec: StreamConsumerSpec, args: FunctionsArgs
    ) -> aws.lambda_.EventSourceMapping:
        """Pull a table's stream: halve a failing batch, retry boundedly, then park it."""
        return aws.lambda_.EventSourceMapping(
            f"{spec.table.name}-stream-to-{spec.function}",
            event_source_arn=args.tables[spec.table.name].stream_arn,
            function_name=self.invocables[spec.function].arn,
            starting_position=spec.starting_position,
            batch_size=spec.batch_size,
            bisect_batch_on_function_error=spec.bisect_batch_on_function_error,
            maximum_retry_attempts=spec.maximum_retry_attempts,
            function_response_types=["ReportBatchItemFailures"],
            destination_config=aws.lambda_.EventSourceMappingDestinationConfigArgs(
                on_failure=aws.lambda_.EventSourceMappingDestinationConfigOnFailureArgs(
                    destination_arn=args.queues[spec.on_failure.name].arn
                )
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.policies[spec.function]]),
        )


def archive_hash(path: Path) -> str:
    """Lambda's form of an archive's digest (base64 SHA-256): a new archive redeploys."""
    return base64.b64encode(hashlib.sha256(path.read_bytes()).digest()).decode()
