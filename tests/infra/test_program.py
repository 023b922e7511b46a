"""What the Pulumi program deploys, read from what it registered with Pulumi's mocks."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from infra_pulumi.config import ConfigError, FunctionSettings, MissingArchive, StackConfig
from local_stack.proxy_event import is_public
from resources.definitions import (
    BUCKETS,
    CONSUMERS,
    EVENTS,
    FUNCTIONS,
    KEEP_WARM,
    PEOPLE,
    PEOPLE_FUNCTION,
    PEOPLE_TABLES,
    PHOTOS_BUCKET,
    PUBLIC_ROUTES,
    QUEUES,
    SITE_BUCKET,
    STREAM_CONSUMERS,
    TABLES,
    USER_POOL,
    WORKER,
    WRITE_TABLES,
    Naming,
)
from resources.keep_warm import is_keep_warm
from tests.infra.conftest import Recorded, Stack, run_program

NAMING = Naming()
COMPONENT_TYPES = {
    "retake:infra:EventStore",
    "retake:infra:CommandBus",
    "retake:infra:FanOut",
    "retake:infra:Functions",
    "retake:infra:Api",
    "retake:infra:Auth",
    "retake:infra:PhotoStorage",
    "retake:infra:StaticSite",
    "retake:infra:Schedules",
    "retake:infra:Alarms",
}
STACK_TYPE = "pulumi:pulumi:Stack"
FUNCTION = "aws:lambda/function:Function"
ALIAS = "aws:lambda/alias:Alias"
PROVISIONED = "aws:lambda/provisionedConcurrencyConfig:ProvisionedConcurrencyConfig"
MAPPING = "aws:lambda/eventSourceMapping:EventSourceMapping"


def queues_by_name(stack: Stack) -> dict[str, Recorded]:
    return {record.inputs["name"]: record for record in stack.of_type("aws:sqs/queue:Queue")}


FUNCTION_ARN = "arn:aws:lambda:eu-west-1:123456789012:function:"


def functions_by_arn(stack: Stack) -> dict[str, str]:
    """Function or alias ARN (as the mocks computed it) -> logical function name."""
    names = {record.inputs["name"]: record.name for record in stack.of_type(FUNCTION)}
    by_arn = {f"{FUNCTION_ARN}{name}": logical for name, logical in names.items()}
    for alias in stack.of_type(ALIAS):
        function = alias.inputs["functionName"]
        by_arn[f"{FUNCTION_ARN}{function}:{alias.inputs['name']}"] = names[function]
    return by_arn


def invoked_arn(stack: Stack, function: str) -> str:
    """What invoking a function targets: its alias if it has one, else the function itself."""
    name = stack.one(FUNCTION, function).inputs["name"]
    aliases = [a for a in stack.of_type(ALIAS) if a.inputs["functionName"] == name]
    return f"{FUNCTION_ARN}{name}" + "".join(f":{alias.inputs['name']}" for alias in aliases)


# -- components ------------------------------------------------------------------------


def test_there_is_one_component_per_concern_and_every_resource_belongs_to_one(
    stack: Stack,
) -> None:
    components = [record for record in stack.records if record.type.startswith("retake:")]
    assert {record.type for record in components} == COMPONENT_TYPES
    assert all(record.parent_type == STACK_TYPE for record in components)
    for record in stack.records:
        if record not in components:
            assert record.parent_type in COMPONENT_TYPES, f"{record.type} {record.name}"


def test_each_kind_of_resource_is_parented_to_the_component_of_its_concern(stack: Stack) -> None:
    expected = {
        "aws:dynamodb/table:Table": "retake:infra:EventStore",
        "aws:sqs/queue:Queue": "retake:infra:CommandBus",
        "aws:sns/topic:Topic": "retake:infra:FanOut",
        "aws:sns/topicSubscription:TopicSubscription": "retake:infra:FanOut",
        "aws:lambda/function:Function": "retake:infra:Functions",
        "aws:iam/role:Role": "retake:infra:Functions",
        "aws:lambda/eventSourceMapping:EventSourceMapping": "retake:infra:Functions",
        ALIAS: "retake:infra:Functions",
        PROVISIONED: "retake:infra:Functions",
        "aws:apigateway/method:Method": "retake:infra:Api",
        "aws:cognito/userPool:UserPool": "retake:infra:Auth",
        "aws:s3/bucketNotification:BucketNotification": "retake:infra:PhotoStorage",
        "aws:s3/bucketWebsiteConfiguration:BucketWebsiteConfiguration": "retake:infra:StaticSite",
        "aws:cloudwatch/eventRule:EventRule": "retake:infra:Schedules",
        "aws:cloudwatch/metricAlarm:MetricAlarm": "retake:infra:Alarms",
    }
    for type_, component in expected.items():
        records = stack.of_type(type_)
        assert records, type_
        assert {record.parent_type for record in records} == {component}, type_


# -- DynamoDB --------------------------------------------------------------------------


def test_every_table_is_on_demand_and_encrypted_at_rest(stack: Stack) -> None:
    tables = stack.of_type("aws:dynamodb/table:Table")
    assert sorted(record.inputs["name"] for record in tables) == sorted(
        NAMING.table(spec) for spec in TABLES
    )
    for record in tables:
        assert record.inputs["serverSideEncryption"] == {"enabled": True}
        assert record.inputs["billingMode"] == "PAY_PER_REQUEST"


def test_the_event_store_has_its_stream_recovery_and_deletion_protection(stack: Stack) -> None:
    events = stack.one("aws:dynamodb/table:Table", EVENTS.name).inputs
    assert events["streamEnabled"] is True
    assert events["streamViewType"] == EVENTS.stream
    assert events["pointInTimeRecovery"] == {"enabled": True}
    assert events["deletionProtectionEnabled"] is True


def test_only_what_cannot_be_rebuilt_is_protected_from_deletion(stack: Stack) -> None:
    # The people table holds what Cognito said of each person, which no event records.
    unrebuildable = WRITE_TABLES + PEOPLE_TABLES
    for spec in TABLES:
        table = stack.one("aws:dynamodb/table:Table", spec.name).inputs
        assert table["deletionProtectionEnabled"] is (spec in unrebuildable), spec.name
        assert table["pointInTimeRecovery"] == {"enabled": spec in unrebuildable}, spec.name


# -- SQS and alarms --------------------------------------------------------------------


def test_every_queue_with_a_dlq_redrives_to_it_and_the_dlq_matches_its_fifo_ness(
    stack: Stack,
) -> None:
    queues = queues_by_name(stack)
    for spec in QUEUES:
        queue = queues[NAMING.queue(spec)].inputs
        assert queue["fifoQueue"] is spec.fifo
        if not spec.dlq:
            assert "redrivePolicy" not in queue
            continue
        dlq = queues[NAMING.dlq(spec)].inputs
        assert dlq["fifoQueue"] is spec.fifo
        redrive = json.loads(queue["redrivePolicy"])
        assert redrive["deadLetterTargetArn"].endswith(f":{NAMING.dlq(spec)}")
        assert redrive["maxReceiveCount"] == spec.max_receive_count


def test_every_queue_but_the_publishers_failures_has_a_dlq(stack: Stack) -> None:
    without = [spec.name for spec in QUEUES if not spec.dlq]
    assert without == ["publisher-failures"]  # itself the stream mapping's dead letters
    assert len(stack.of_type("aws:sqs/queue:Queue")) == len(QUEUES) * 2 - len(without)


def test_every_dlq_has_an_alarm_on_its_depth(stack: Stack) -> None:
    alarms = {
        record.inputs["dimensions"]["QueueName"]: record.inputs
        for record in stack.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
    }
    # A stream mapping's on-failure destination holds dead letters too: commits never
    # published, so never projected.
    failure_destinations = {NAMING.queue(spec.on_failure) for spec in STREAM_CONSUMERS}
    assert failure_destinations == {"retake-publisher-failures"}
    assert set(alarms) == {NAMING.dlq(spec) for spec in QUEUES if spec.dlq} | failure_destinations
    for alarm in alarms.values():
        assert alarm["namespace"] == "AWS/SQS"
        assert alarm["metricName"] == "ApproximateNumberOfMessagesVisible"
        assert alarm["comparisonOperator"] == "GreaterThanThreshold"
        assert alarm["threshold"] == 0


def test_dead_letters_and_given_up_stream_batches_are_kept_two_weeks(stack: Stack) -> None:
    queues = queues_by_name(stack)
    two_weeks = 14 * 24 * 3600
    kept = {
        name
        for name, queue in queues.items()
        if queue.inputs.get("messageRetentionSeconds") == two_weeks
    }
    assert kept == {NAMING.dlq(spec) for spec in QUEUES if spec.dlq} | {
        NAMING.queue(spec.on_failure) for spec in STREAM_CONSUMERS
    }
    assert all(
        "messageRetentionSeconds" not in queue.inputs
        for name, queue in queues.items()
        if name not in kept
    )


def test_every_queue_and_topic_is_encrypted(stack: Stack) -> None:
    queues = stack.of_type("aws:sqs/queue:Queue")
    assert len(queues) == len(QUEUES) + sum(1 for spec in QUEUES if spec.dlq)
    for queue in queues:
        assert queue.inputs.get("sqsManagedSseEnabled") is True, queue.inputs["name"]
        assert "kmsMasterKeyId" not in queue.inputs  # SNS delivers to SQS-managed keys freely
    topics = stack.of_type("aws:sns/topic:Topic")
    assert topics
    for topic in topics:
        assert topic.inputs.get("kmsMasterKeyId") == "alias/aws/sns", topic.inputs["name"]


def test_queues_let_only_their_topics_send_to_them(stack: Stack) -> None:
    policies = stack.of_type("aws:sqs/queuePolicy:QueuePolicy")
    subscriptions = stack.of_type("aws:sns/topicSubscription:TopicSubscription")
    subscribed = {record.inputs["endpoint"] for record in subscriptions}
    allowed = {}
    for record in policies:
        (statement,) = json.loads(record.inputs["policy"])["Statement"]
        assert statement["Principal"] == {"Service": "sns.amazonaws.com"}
        assert statement["Action"] == "sqs:SendMessage"
        allowed[statement["Resource"]] = statement["Condition"]["ArnEquals"]["aws:SourceArn"]
    assert set(allowed) == subscribed
    for record in subscriptions:
        assert allowed[record.inputs["endpoint"]] == [record.inputs["topic"]]


# -- Lambda ----------------------------------------------------------------------------


def test_every_function_has_the_defined_handler_size_and_limits(stack: Stack) -> None:
    for spec in FUNCTIONS:
        function = stack.one("aws:lambda/function:Function", spec.name).inputs
        assert function["name"] == NAMING.function(spec)
        assert function["handler"] == spec.handler
        assert function["memorySize"] == spec.memory_mb
        assert function["timeout"] == spec.timeout_seconds
        assert function["reservedConcurrentExecutions"] == spec.reserved_concurrency
        assert function["runtime"] == "python3.12"
        assert len(function["layers"]) == 1


def test_every_function_reads_its_settings_from_the_environment(stack: Stack) -> None:
    queues = queues_by_name(stack)
    for spec in FUNCTIONS:
        variables = stack.one("aws:lambda/function:Function", spec.name).inputs["environment"][
            "variables"
        ]
        assert variables["RETAKE_NAME_PREFIX"] == "retake"
        assert variables["RETAKE_COMMANDS_HIGH_URL"].endswith("/retake-commands-high.fifo")
        assert variables["RETAKE_COMMANDS_LOW_URL"].endswith("/retake-commands-low.fifo")
        assert variables["RETAKE_EVENTS_TOPIC_ARN"].endswith(":retake-events.fifo")
        assert variables["RETAKE_API_ALLOWED_ORIGIN"] == stack.outputs["siteUrl"]
        assert variables["RETAKE_PHOTOS_BUCKET"] == NAMING.bucket(PHOTOS_BUCKET)
        assert variables["RETAKE_MAX_UPLOAD_BYTES"] == "26214400"
        assert variables["POWERTOOLS_SERVICE_NAME"] == spec.name
    assert "retake-commands-high.fifo" in queues


def test_each_function_logs_to_its_own_group_with_the_retention(stack: Stack) -> None:
    groups = {
        record.inputs["name"]: record.inputs
        for record in stack.of_type("aws:cloudwatch/logGroup:LogGroup")
    }
    for spec in FUNCTIONS:
        function = stack.one("aws:lambda/function:Function", spec.name).inputs
        group = f"/aws/lambda/{NAMING.function(spec)}"
        assert function["loggingConfig"]["logGroup"] == group
        assert groups[group]["retentionInDays"] == 30


def test_only_the_worker_is_published_with_an_alias_holding_its_provisioned_concurrency(
    stack: Stack,
) -> None:
    (alias,) = stack.of_type(ALIAS)
    (provisioned,) = stack.of_type(PROVISIONED)

    worker = stack.one(FUNCTION, WORKER.name).inputs
    assert worker["publish"] is True
    assert (alias.inputs["functionName"], alias.inputs["name"]) == (worker["name"], "live")
    assert alias.inputs["functionVersion"] == "1"  # the version the mocks published
    assert provisioned.inputs["functionName"] == worker["name"]
    assert provisioned.inputs["qualifier"] == "live"
    assert provisioned.inputs["provisionedConcurrentExecutions"] == 2
    assert WORKER.provisioned_concurrency == 2
    for spec in FUNCTIONS:
        if spec is not WORKER:
            assert spec.provisioned_concurrency == 0
            assert not stack.one(FUNCTION, spec.name).inputs.get("publish"), spec.name


def test_every_mapping_invokes_the_workers_alias_or_an_unaliased_function(stack: Stack) -> None:
    mappings = stack.of_type(MAPPING)
    functions = functions_by_arn(stack)
    worker_alias = f"{FUNCTION_ARN}{NAMING.function(WORKER)}:live"
    to_worker = [m.inputs for m in mappings if functions[m.inputs["functionName"]] == "worker"]

    assert len(to_worker) == sum(1 for consumer in CONSUMERS if consumer.function == "worker") == 2
    assert all(mapping["functionName"] == worker_alias for mapping in to_worker)
    for mapping in mappings:
        function = functions[mapping.inputs["functionName"]]
        assert mapping.inputs["functionName"] == invoked_arn(stack, function)
        if function != "worker":
            assert mapping.inputs["functionName"] == f"{FUNCTION_ARN}{NAMING.prefix}-{function}"


def sqs_mappings(stack: Stack) -> list[Recorded]:
    return [
        record
        for record in stack.of_type("aws:lambda/eventSourceMapping:EventSourceMapping")
        if ":sqs:" in record.inputs["eventSourceArn"]
    ]


def test_every_sqs_mapping_reports_batch_item_failures(stack: Stack) -> None:
    mappings = sqs_mappings(stack)
    assert len(mappings) == len(CONSUMERS)
    for record in mappings:
        assert record.inputs["functionResponseTypes"] == ["ReportBatchItemFailures"], record.name


def test_each_consumer_pulls_its_queue_with_the_defined_batching(stack: Stack) -> None:
    functions = functions_by_arn(stack)
    pulled = {}
    for record in sqs_mappings(stack):
        queue = record.inputs["eventSourceArn"].rsplit(":", 1)[-1]
        pulled[(queue, functions[record.inputs["functionName"]])] = record.inputs
    for consumer in CONSUMERS:
        queue = (NAMING.dlq if consumer.dead_letters else NAMING.queue)(consumer.queue)
        mapping = pulled[(queue, consumer.function)]
        assert mapping["batchSize"] == consumer.batch_size
        assert mapping.get("maximumBatchingWindowInSeconds", 0) == consumer.batching_window_seconds
        if consumer.max_concurrency >= 2:
            assert mapping["scalingConfig"] == {"maximumConcurrency": consumer.max_concurrency}
        else:  # Lambda's floor is 2: the function's reserved concurrency bounds it instead
            assert "scalingConfig" not in mapping


def test_the_pipeline_failures_function_reads_the_pipeline_dlqs(stack: Stack) -> None:
    functions = functions_by_arn(stack)
    sources = sorted(
        record.inputs["eventSourceArn"].rsplit(":", 1)[-1]
        for record in sqs_mappings(stack)
        if functions[record.inputs["functionName"]] == "pipeline-failures"
    )
    assert sources == sorted(
        NAMING.dlq(consumer.queue)
        for consumer in CONSUMERS
        if consumer.dead_letters and consumer.function == "pipeline-failures"
    )
    assert len(sources) == 4 and all(name.endswith("-dlq") for name in sources)


def test_the_projector_replays_the_projection_dlqs(stack: Stack) -> None:
    functions = functions_by_arn(stack)
    sources = sorted(
        record.inputs["eventSourceArn"].rsplit(":", 1)[-1]
        for record in sqs_mappings(stack)
        if functions[record.inputs["functionName"]] == "projector"
    )
    assert sources == sorted(
        ["retake-projections.fifo", "retake-projections-bulk.fifo",
         "retake-projections-dlq.fifo", "retake-projections-bulk-dlq.fifo"]
    )  # fmt: skip


def test_the_stream_mapping_bisects_retries_boundedly_and_parks_what_it_gives_up_on(
    stack: Stack,
) -> None:
    (spec,) = STREAM_CONSUMERS
    (mapping,) = [
        record.inputs
        for record in stack.of_type("aws:lambda/eventSourceMapping:EventSourceMapping")
        if "/stream/" in record.inputs["eventSourceArn"]
    ]
    assert mapping["eventSourceArn"].startswith(
        f"arn:aws:dynamodb:eu-west-1:123456789012:table/{NAMING.table(spec.table)}/stream/"
    )
    assert functions_by_arn(stack)[mapping["functionName"]] == spec.function
    assert mapping["bisectBatchOnFunctionError"] is True
    assert 0 <= mapping["maximumRetryAttempts"] == spec.maximum_retry_attempts <= 10
    assert mapping["startingPosition"] == spec.starting_position
    assert mapping["batchSize"] == spec.batch_size
    assert mapping["functionResponseTypes"] == ["ReportBatchItemFailures"]
    destination = mapping["destinationConfig"]["onFailure"]["destinationArn"]
    assert destination.endswith(f":{NAMING.queue(spec.on_failure)}")


def test_new_originals_are_pushed_to_ingest_which_s3_may_invoke(stack: Stack) -> None:
    (notification,) = stack.of_type("aws:s3/bucketNotification:BucketNotification")
    (target,) = notification.inputs["lambdaFunctions"]
    (spec,) = PHOTOS_BUCKET.notifications
    assert functions_by_arn(stack)[target["lambdaFunctionArn"]] == spec.function == "ingest"
    assert target["events"] == list(spec.events)
    assert target["filterPrefix"] == spec.prefix == "originals/"
    (permission,) = [
        record.inputs
        for record in stack.of_type("aws:lambda/permission:Permission")
        if record.inputs["principal"] == "s3.amazonaws.com"
    ]
    assert permission["function"] == NAMING.function(
        next(f for f in FUNCTIONS if f.name == "ingest")
    )
    assert permission["sourceArn"] == f"arn:aws:s3:::{NAMING.bucket(PHOTOS_BUCKET)}"
    assert permission["sourceAccount"] == "123456789012"


def test_keep_warm_pings_exactly_the_keep_warm_functions_at_the_defined_rate(
    stack: Stack,
) -> None:
    (rule,) = stack.of_type("aws:cloudwatch/eventRule:EventRule")
    assert rule.inputs["scheduleExpression"] == "rate(5 minutes)" and KEEP_WARM.rate_seconds == 300
    targets = stack.of_type("aws:cloudwatch/eventTarget:EventTarget")
    functions = functions_by_arn(stack)
    assert sorted(functions[target.inputs["arn"]] for target in targets) == sorted(
        spec.name for spec in FUNCTIONS if spec.keep_warm
    )
    assert all(is_keep_warm(json.loads(target.inputs["input"])) for target in targets)
    invokers = [
        record.inputs
        for record in stack.of_type("aws:lambda/permission:Permission")
        if record.inputs["principal"] == "events.amazonaws.com"
    ]
    assert len(invokers) == len(targets)
    # the worker is pinged where its mappings send commands: on its alias
    assert {target.inputs["arn"] for target in targets} == {
        invoked_arn(stack, spec.name) for spec in FUNCTIONS if spec.keep_warm
    }
    assert [p.get("qualifier") for p in invokers if p["function"] == "retake-worker"] == ["live"]
    assert all("qualifier" not in p for p in invokers if p["function"] != "retake-worker")


# -- API Gateway -----------------------------------------------------------------------


def resource_paths(stack: Stack) -> dict[str, str]:
    """API Gateway resource id -> its full path, rebuilt from the recorded parent ids."""
    resources = {
        record.id: record.inputs for record in stack.of_type("aws:apigateway/resource:Resource")
    }
    paths = {"root-resource": "/"}

    def path_of(resource_id: str) -> str:
        if resource_id not in paths:
            resource = resources[resource_id]
            paths[resource_id] = (
                path_of(resource["parentId"]).rstrip("/") + "/" + resource["pathPart"]
            )
        return paths[resource_id]

    for resource_id in resources:
        path_of(resource_id)
    return paths


def gateway_methods(stack: Stack) -> list[tuple[str, str, dict[str, object]]]:
    paths = resource_paths(stack)
    return [
        (record.inputs["httpMethod"], paths[record.inputs["resourceId"]], record.inputs)
        for record in stack.of_type("aws:apigateway/method:Method")
    ]


def test_every_method_but_the_public_routes_needs_a_cognito_token(stack: Stack) -> None:
    (authorizer,) = stack.of_type("aws:apigateway/authorizer:Authorizer")
    assert authorizer.inputs["type"] == "COGNITO_USER_POOLS"
    (pool,) = stack.of_type("aws:cognito/userPool:UserPool")
    assert (
        authorizer.inputs["providerArns"]
        == ["arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_pool"]
        and pool.name == USER_POOL.name
    )
    for method, path, inputs in gateway_methods(stack):
        public = method != "ANY" and is_public(method, path)
        if public:
            assert inputs["authorization"] == "NONE", (method, path)
            assert "authorizerId" not in inputs
        else:
            assert inputs["authorization"] == "COGNITO_USER_POOLS", (method, path)
            assert inputs["authorizerId"] == authorizer.id, (method, path)


def test_every_public_route_is_served_without_the_authorizer(stack: Stack) -> None:
    served = {(method, path): inputs for method, path, inputs in gateway_methods(stack)}
    for route in PUBLIC_ROUTES:
        assert served[(route.method, route.path)]["authorization"] == "NONE", route


def test_everything_else_reaches_the_api_function_behind_the_authorizer(stack: Stack) -> None:
    served = {(method, path): inputs for method, path, inputs in gateway_methods(stack)}
    for path in ("/", "/{proxy+}"):
        assert served[("ANY", path)]["authorization"] == "COGNITO_USER_POOLS"
    integrations = stack.of_type("aws:apigateway/integration:Integration")
    assert len(integrations) == len(served)
    api_arn = stack.one("aws:lambda/function:Function", "api").inputs["name"]
    for integration in integrations:
        assert integration.inputs["type"] == "AWS_PROXY"
        assert integration.inputs["uri"].endswith(f"function:{api_arn}/invocations")


def test_gateway_refusals_carry_the_sites_origin(stack: Stack) -> None:
    responses = {
        record.inputs["responseType"]: record.inputs
        for record in stack.of_type("aws:apigateway/response:Response")
    }
    assert {"UNAUTHORIZED", "DEFAULT_4XX", "DEFAULT_5XX"} <= set(responses)
    for response in responses.values():
        origin = response["responseParameters"][
            "gatewayresponse.header.Access-Control-Allow-Origin"
        ]
        assert origin == f"'{stack.outputs['siteUrl']}'"


def test_the_api_is_deployed_to_a_stage_whose_url_is_an_output(stack: Stack) -> None:
    (stage,) = stack.of_type("aws:apigateway/stage:Stage")
    (deployment,) = stack.of_type("aws:apigateway/deployment:Deployment")
    assert stage.inputs["deployment"] == deployment.id
    assert stack.outputs["apiUrl"].endswith(f"/{stage.inputs['stageName']}")


# -- Cognito ---------------------------------------------------------------------------


def test_the_user_pool_has_a_public_client_and_the_role_groups(stack: Stack) -> None:
    (client,) = stack.of_type("aws:cognito/userPoolClient:UserPoolClient")
    assert client.inputs["generateSecret"] is False
    assert client.inputs["explicitAuthFlows"] == list(USER_POOL.auth_flows)
    groups = {record.inputs["name"] for record in stack.of_type("aws:cognito/userGroup:UserGroup")}
    assert groups == {"auditors", "support"}
    (pool,) = stack.of_type("aws:cognito/userPool:UserPool")
    assert pool.inputs["adminCreateUserConfig"] == {"allowAdminCreateUserOnly": False}
    assert stack.outputs["userPoolId"] and stack.outputs["userPoolClientId"]


def test_the_user_pool_invokes_the_people_function_before_each_token_and_on_confirmation(
    stack: Stack,
) -> None:
    (pool,) = stack.of_type("aws:cognito/userPool:UserPool")
    assert USER_POOL.pre_token_generation == USER_POOL.post_confirmation == PEOPLE_FUNCTION.name
    people = invoked_arn(stack, PEOPLE_FUNCTION.name)
    # The flat `preTokenGeneration` is Cognito's V1 event, the one the function reads.
    assert pool.inputs["lambdaConfig"] == {
        "preTokenGeneration": people,
        "postConfirmation": people,
    }
    (permission,) = [
        record.inputs
        for record in stack.of_type("aws:lambda/permission:Permission")
        if record.inputs["principal"] == "cognito-idp.amazonaws.com"
    ]
    assert permission["action"] == "lambda:InvokeFunction"
    assert permission["function"] == NAMING.function(PEOPLE_FUNCTION)
    assert "qualifier" not in permission
    assert permission["sourceArn"] == (
        "arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_pool"
    )
    assert permission["sourceAccount"] == "123456789012"
    assert stack.by_id(pool.id).parent_type == "retake:infra:Auth"


def test_the_people_function_answers_within_cognitos_five_seconds(stack: Stack) -> None:
    function = stack.one(FUNCTION, PEOPLE_FUNCTION.name).inputs
    assert function["handler"] == "functions.people.handler"
    assert function["timeout"] == PEOPLE_FUNCTION.timeout_seconds <= 5
    assert PEOPLE_FUNCTION.keep_warm


def test_the_people_table_is_deployed_as_defined(stack: Stack) -> None:
    table = stack.one("aws:dynamodb/table:Table", PEOPLE.name).inputs
    assert table["name"] == NAMING.table(PEOPLE) == "retake-people"
    assert table["hashKey"] == PEOPLE.hash_key.name
    assert table.get("rangeKey") == (PEOPLE.range_key.name if PEOPLE.range_key else None)


# -- S3 --------------------------------------------------------------------------------


def bucket_settings(stack: Stack, type_: str, spec_name: str) -> dict[str, object]:
    bucket = stack.one("aws:s3/bucket:Bucket", spec_name)
    (settings,) = [
        record for record in stack.of_type(type_) if record.inputs["bucket"] == bucket.id
    ]
    return settings.inputs


def test_the_photo_bucket_is_private_encrypted_and_open_to_uploads_from_the_site_only(
    stack: Stack,
) -> None:
    access = bucket_settings(
        stack, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "photos"
    )
    flags = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    assert all(access[flag] is True for flag in flags)
    cors = bucket_settings(
        stack, "aws:s3/bucketCorsConfiguration:BucketCorsConfiguration", "photos"
    )
    (rule,) = cors["corsRules"]
    assert rule["allowedOrigins"] == [stack.outputs["siteUrl"]]
    assert rule["allowedMethods"] == list(PHOTOS_BUCKET.cors[0].allowed_methods)
    lifecycle = bucket_settings(
        stack, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "photos"
    )
    (expiry,) = lifecycle["rules"]
    assert expiry["abortIncompleteMultipartUpload"] == {"daysAfterInitiation": 1}


def test_no_lifecycle_rule_ever_expires_an_object_of_the_photo_bucket(stack: Stack) -> None:
    # Originals and renditions share their prefixes with those of registered photos, and
    # nothing marks an abandoned one: an expiry would delete photos people still have.
    lifecycle = bucket_settings(
        stack, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "photos"
    )
    rules: Any = lifecycle["rules"]
    assert rules and all("expiration" not in rule for rule in rules)
    assert all(rule.expire_days is None for rule in PHOTOS_BUCKET.lifecycle)


def test_every_bucket_is_encrypted_at_rest(stack: Stack) -> None:
    for spec in BUCKETS:
        encryption = bucket_settings(
            stack,
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            spec.name,
        )
        (rule,) = encryption["rules"]
        assert rule["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "AES256"


def test_the_site_bucket_serves_index_html_and_every_file_of_web(stack: Stack) -> None:
    website = bucket_settings(
        stack, "aws:s3/bucketWebsiteConfiguration:BucketWebsiteConfiguration", SITE_BUCKET.name
    )
    assert website["indexDocument"] == {"suffix": "index.html"}
    objects = {
        record.inputs["key"]: record.inputs
        for record in stack.of_type("aws:s3/bucketObjectv2:BucketObjectv2")
    }
    web = Path(__file__).resolve().parents[2] / "web"
    files = {path.relative_to(web).as_posix() for path in web.rglob("*") if path.is_file()}
    assert set(objects) == files | {"config.js"}
    assert objects["index.html"]["contentType"] == "text/html; charset=utf-8"
    assert all(
        objects[key]["contentType"].startswith("text/javascript")
        for key in objects
        if key.endswith(".js")
    )
    assert objects["style.css"]["contentType"].startswith("text/css")


def test_config_js_points_the_page_at_this_stack(stack: Stack) -> None:
    (config,) = [
        record.inputs
        for record in stack.of_type("aws:s3/bucketObjectv2:BucketObjectv2")
        if record.inputs["key"] == "config.js"
    ]
    script = config["content"]
    prefix, suffix = "window.RETAKE_CONFIG = Object.freeze(", ");\n"
    assert script.startswith(prefix) and script.endswith(suffix)
    page_config = json.loads(script[len(prefix) : -len(suffix)])
    assert page_config == {
        "apiUrl": stack.outputs["apiUrl"],
        "region": "eu-west-1",
        "userPoolId": stack.outputs["userPoolId"],
        "clientId": stack.outputs["userPoolClientId"],
        "cognitoEndpoint": "https://cognito-idp.eu-west-1.amazonaws.com/",
        "localConfirmation": False,
    }


def test_the_site_bucket_is_readable_by_anyone_and_nothing_more(stack: Stack) -> None:
    policy = bucket_settings(stack, "aws:s3/bucketPolicy:BucketPolicy", SITE_BUCKET.name)
    (statement,) = json.loads(str(policy["policy"]))["Statement"]
    assert statement["Action"] == "s3:GetObject"
    assert statement["Resource"] == f"arn:aws:s3:::{NAMING.bucket(SITE_BUCKET)}/*"


# -- configuration ---------------------------------------------------------------------


def test_the_stack_configuration_changes_sizes_names_and_switches(
    make_config: Callable[..., StackConfig],
) -> None:
    config = make_config(
        name_prefix="gallery",
        keep_warm=False,
        log_retention_days=7,
        max_upload_bytes=1_000_000,
        site_origin_override="https://photos.example.com/",
        function_overrides={"render": FunctionSettings(2048, 120, None)},
        bucket_names={"photos": "gallery-photos-8d2f"},
    )
    stack = run_program(config)
    render = stack.one("aws:lambda/function:Function", "render").inputs
    assert (render["name"], render["memorySize"], render["timeout"]) == (
        "gallery-render",
        2048,
        120,
    )
    assert render["reservedConcurrentExecutions"] == -1  # unreserved
    variables = render["environment"]["variables"]
    assert variables["RETAKE_API_ALLOWED_ORIGIN"] == "https://photos.example.com"
    assert variables["RETAKE_MAX_UPLOAD_BYTES"] == "1000000"
    assert variables["RETAKE_PHOTOS_BUCKET"] == "gallery-photos-8d2f"
    assert stack.one("aws:s3/bucket:Bucket", "photos").inputs["bucket"] == "gallery-photos-8d2f"
    assert not stack.of_type("aws:cloudwatch/eventRule:EventRule")
    assert not stack.of_type("aws:cloudwatch/eventTarget:EventTarget")
    assert {
        record.inputs["retentionInDays"]
        for record in stack.of_type("aws:cloudwatch/logGroup:LogGroup")
    } == {7}
    assert all(
        record.inputs["name"].startswith("gallery-")
        for record in stack.of_type("aws:sqs/queue:Queue")
    )


def test_concurrency_can_be_left_unreserved_for_small_accounts(
    make_config: Callable[..., StackConfig],
) -> None:
    config = make_config(reserve_concurrency=False)
    assert {config.function(spec).reserved_concurrency for spec in FUNCTIONS} == {None}
    assert (
        make_config().function(FUNCTIONS[0]).reserved_concurrency
        == FUNCTIONS[0].reserved_concurrency
    )


def test_provisioned_concurrency_is_a_per_function_setting(
    make_config: Callable[..., StackConfig],
) -> None:
    # given: none for the worker, one environment for the API
    config = make_config(
        function_overrides={
            "worker": FunctionSettings(256, 30, 4, provisioned_concurrency=0),
            "api": FunctionSettings(512, 30, 4, provisioned_concurrency=1),
        }
    )

    stack = run_program(config)

    (alias,) = stack.of_type(ALIAS)
    (provisioned,) = stack.of_type(PROVISIONED)
    assert alias.inputs["functionName"] == "retake-api"
    assert provisioned.inputs["provisionedConcurrentExecutions"] == 1
    assert not stack.one(FUNCTION, "worker").inputs.get("publish")
    functions = functions_by_arn(stack)
    to_worker = [
        m for m in stack.of_type(MAPPING) if functions[m.inputs["functionName"]] == "worker"
    ]
    assert {m.inputs["functionName"] for m in to_worker} == {f"{FUNCTION_ARN}retake-worker"}
    # API Gateway calls the API's alias, allowed to by a permission on the alias
    alias_arn = f"{FUNCTION_ARN}retake-api:live"
    integrations = stack.of_type("aws:apigateway/integration:Integration")
    assert integrations and all(
        i.inputs["uri"].endswith(f"/functions/{alias_arn}/invocations") for i in integrations
    )
    (permission,) = [
        record.inputs
        for record in stack.of_type("aws:lambda/permission:Permission")
        if record.inputs["principal"] == "apigateway.amazonaws.com"
    ]
    assert (permission["function"], permission["qualifier"]) == ("retake-api", "live")


def test_provisioned_concurrency_stays_when_concurrency_is_left_unreserved(
    make_config: Callable[..., StackConfig],
) -> None:
    config = make_config(reserve_concurrency=False)

    assert config.function(WORKER) == FunctionSettings(256, 30, None, provisioned_concurrency=2)


def test_the_stack_configuration_is_read_from_pulumis_keys(archives: Path) -> None:
    from pulumi.runtime.config import CONFIG, set_all_config

    saved = dict(CONFIG.get())
    set_all_config(
        {
            "aws:region": "eu-central-1",
            "retake:namePrefix": "gallery",
            "retake:keepWarm": "false",
            "retake:logRetentionDays": "14",
            "retake:functions": json.dumps(
                {
                    "render": {"memoryMb": 3008, "reservedConcurrency": None},
                    "worker": {"provisionedConcurrency": 1},
                }
            ),
            "retake:bucketNames": json.dumps({"photos": "gallery-photos-8d2f"}),
            "retake:archiveDir": str(archives),
        }
    )
    try:
        config = StackConfig.from_pulumi()
    finally:
        set_all_config(saved)
    assert (config.region, config.name_prefix, config.keep_warm) == (
        "eu-central-1",
        "gallery",
        False,
    )
    assert config.log_retention_days == 14
    render = next(spec for spec in FUNCTIONS if spec.name == "render")
    assert config.function(render) == FunctionSettings(3008, render.timeout_seconds, None)
    assert config.function(WORKER) == FunctionSettings(
        WORKER.memory_mb, WORKER.timeout_seconds, WORKER.reserved_concurrency, 1
    )
    assert config.naming.bucket(PHOTOS_BUCKET) == "gallery-photos-8d2f"
    assert config.site_origin == "http://gallery-site.s3-website.eu-central-1.amazonaws.com"


def test_a_missing_archive_names_make_package(tmp_path: Path) -> None:
    config = StackConfig(archive_dir=tmp_path)
    with pytest.raises(MissingArchive, match="make package"):
        config.require_archives()


@pytest.mark.parametrize(
    "changes, complaint",
    [
        ({"function_overrides": {"nope": FunctionSettings(128, 3, None)}}, "unknown functions"),
        ({"log_retention_days": 10}, "logRetentionDays"),
        ({"function_overrides": {"worker": FunctionSettings(256, 90, 4)}}, "visibility timeout"),
        (
            {"function_overrides": {"worker": FunctionSettings(256, 30, 1, 2)}},
            r"worker.provisionedConcurrency \(2\) exceeds its reservedConcurrency \(1\)",
        ),
        (
            {"function_overrides": {"api": FunctionSettings(512, 30, None, -1)}},
            "api.provisionedConcurrency must be 0 or more",
        ),
    ],
)
def test_a_configuration_that_cannot_deploy_is_refused_with_what_to_change(
    changes: dict[str, object], complaint: str
) -> None:
    with pytest.raises(ConfigError, match=complaint):
        StackConfig(**changes)  # type: ignore[arg-type]
