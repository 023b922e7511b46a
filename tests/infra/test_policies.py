"""Least privilege, checked on the policy documents the program deploys (not only the data)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from infra_pulumi.permissions import CONSUME, access_for
from resources.definitions import (
    COMMAND_LOG,
    COMMANDS_HIGH,
    COMMANDS_LOW,
    CONSUMERS,
    EVENTS,
    EVENTS_TOPIC,
    FUNCTIONS,
    PEOPLE,
    PEOPLE_FUNCTION,
    PHOTOS_BUCKET,
    PUBLISHER_FAILURES,
    QUEUES,
    READ_TABLES,
    SHARE_VIEWS,
    SNAPSHOTS,
    TAG_VIEWS,
    Naming,
    TableSpec,
)
from tests.infra.conftest import Stack

NAMING = Naming()
TABLE_ARN = "arn:aws:dynamodb:eu-west-1:123456789012:table/"
QUEUE_ARN = "arn:aws:sqs:eu-west-1:123456789012:"
FUNCTION_NAMES = [spec.name for spec in FUNCTIONS]
WRITES = {
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
}

Grant = tuple[str, str]


def grants(document: dict[str, Any]) -> set[Grant]:
    """Every (action, resource) pair a policy document allows."""
    pairs = set()
    for statement in document["Statement"]:
        assert statement["Effect"] == "Allow"
        actions = statement["Action"]
        resources = statement["Resource"]
        for action in [actions] if isinstance(actions, str) else actions:
            for resource in [resources] if isinstance(resources, str) else resources:
                pairs.add((action, resource))
    return pairs


def on_table(pairs: set[Grant], table: TableSpec) -> set[str]:
    """The actions granted on a table or any of its indexes and streams."""
    arn = TABLE_ARN + NAMING.table(table)
    return {
        action for action, resource in pairs if resource == arn or resource.startswith(arn + "/")
    }


def queue_arn(name: str) -> str:
    return QUEUE_ARN + name


@pytest.fixture(scope="module")
def policies(stack: Stack) -> dict[str, set[Grant]]:
    return {name: grants(stack.policy_of(name)) for name in FUNCTION_NAMES}


def test_each_function_has_its_own_role_that_only_lambda_may_assume(stack: Stack) -> None:
    roles = stack.of_type("aws:iam/role:Role")
    assert sorted(role.name for role in roles) == sorted(f"{name}-role" for name in FUNCTION_NAMES)
    for function in stack.of_type("aws:lambda/function:Function"):
        role = stack.one("aws:iam/role:Role", f"{function.name}-role")
        assert function.inputs["role"].endswith(f":role/{role.inputs['name']}")
    for role in roles:
        (statement,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
        assert statement["Principal"] == {"Service": "lambda.amazonaws.com"}


@pytest.mark.parametrize("function", FUNCTION_NAMES)
def test_no_policy_has_a_wildcard_action(policies: dict[str, set[Grant]], function: str) -> None:
    for action, _ in policies[function]:
        assert "*" not in action and re.fullmatch(r"[a-z0-9-]+:[A-Za-z]+", action), action


@pytest.mark.parametrize("function", FUNCTION_NAMES)
def test_no_policy_has_a_wildcard_resource_where_the_name_is_known(
    policies: dict[str, set[Grant]], function: str
) -> None:
    log_group = f"/aws/lambda/{NAMING.function(next(f for f in FUNCTIONS if f.name == function))}"
    bucket = NAMING.bucket(PHOTOS_BUCKET)
    table_names = "|".join(re.escape(NAMING.table(spec)) for spec in (EVENTS,))
    # Where AWS has no name to give: a log group's streams, the objects under a known
    # prefix, and ListStreams on a known table's streams (as AWS documents it).
    allowed = [
        (r"logs:(CreateLogStream|PutLogEvents)", rf"arn:aws:logs:[^*]+:log-group:{log_group}:\*"),
        (r"s3:(GetObject|PutObject)", rf"arn:aws:s3:::{bucket}/(originals|renditions)/\*"),
        (r"dynamodb:ListStreams", rf"{TABLE_ARN}({table_names})/stream/\*"),
    ]
    for action, resource in policies[function]:
        assert resource != "*"
        if "*" in resource:
            assert any(
                re.fullmatch(actions, action) and re.fullmatch(pattern, resource)
                for actions, pattern in allowed
            ), (action, resource)


def test_the_worker_cannot_touch_the_read_models(policies: dict[str, set[Grant]]) -> None:
    worker = policies["worker"]
    for table in READ_TABLES:
        assert on_table(worker, table) == set(), table.name
    assert {"dynamodb:PutItem"} <= on_table(worker, EVENTS)
    assert {"dynamodb:PutItem", "dynamodb:UpdateItem"} <= on_table(worker, COMMAND_LOG)


def test_the_projector_cannot_append_events(policies: dict[str, set[Grant]]) -> None:
    projector = policies["projector"]
    for table in (EVENTS, SNAPSHOTS):
        assert on_table(projector, table) == {"dynamodb:GetItem", "dynamodb:Query"}
    assert on_table(projector, COMMAND_LOG) == set()
    derived = {TAG_VIEWS.name, SHARE_VIEWS.name}
    for table in READ_TABLES:
        writes = {"dynamodb:GetItem", "dynamodb:PutItem"}
        expected = writes | {"dynamodb:DeleteItem"} if table.name in derived else writes
        assert on_table(projector, table) == expected, table.name


def test_the_projector_deletes_only_the_derived_rows_it_removes(
    policies: dict[str, set[Grant]],
) -> None:
    # A removed tag or share link is deleted (`ReadModels.put_tags`, `put_shares`);
    # album and photo views are never deleted, only marked.
    deletes = {
        table.name
        for table in READ_TABLES
        if "dynamodb:DeleteItem" in on_table(policies["projector"], table)
    }
    assert deletes == {TAG_VIEWS.name, SHARE_VIEWS.name}
    # Elsewhere only the people table's term rows are deleted, when a person's terms change.
    people = TABLE_ARN + NAMING.table(PEOPLE)
    for function, pairs in policies.items():
        if function != "projector":
            deleted = {resource for action, resource in pairs if action == "dynamodb:DeleteItem"}
            assert deleted <= {people}, function
    assert {
        function for function, pairs in policies.items() if ("dynamodb:DeleteItem", people) in pairs
    } == {"projector", PEOPLE_FUNCTION.name}


def test_the_people_function_may_only_change_people(policies: dict[str, set[Grant]]) -> None:
    # Cognito's trigger reads a person consistently and writes them back with their terms.
    pairs = policies[PEOPLE_FUNCTION.name]
    people = TABLE_ARN + NAMING.table(PEOPLE)
    log_group = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/retake-people"
    assert {(action, resource) for action, resource in pairs if resource == people} == {
        ("dynamodb:GetItem", people),
        ("dynamodb:PutItem", people),
        ("dynamodb:DeleteItem", people),
    }
    # Besides its own log streams, nothing: no queue, topic, bucket or other table.
    assert {resource for _, resource in pairs} == {people, f"{log_group}:*"}


def test_only_the_people_function_and_the_projector_write_people(
    policies: dict[str, set[Grant]],
) -> None:
    writers = {function for function, pairs in policies.items() if on_table(pairs, PEOPLE) & WRITES}
    assert writers == {"projector", PEOPLE_FUNCTION.name}
    assert on_table(policies["projector"], PEOPLE) == {
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:DeleteItem",
    }
    # The API reads people (one, a batch of actors, a search) and never writes them.
    assert on_table(policies["api"], PEOPLE) == {
        "dynamodb:GetItem",
        "dynamodb:Query",
        "dynamodb:BatchGetItem",
    }


def test_only_the_worker_appends_to_the_event_store(policies: dict[str, set[Grant]]) -> None:
    for function, pairs in policies.items():
        for table in (EVENTS, SNAPSHOTS):
            if function != "worker":
                assert on_table(pairs, table) & WRITES == set(), (function, table.name)


def test_only_the_projector_writes_the_read_models(policies: dict[str, set[Grant]]) -> None:
    for function, pairs in policies.items():
        for table in READ_TABLES:
            if function != "projector":
                assert on_table(pairs, table) & WRITES == set(), (function, table.name)


def test_the_api_sends_commands_reads_views_and_queries_history_and_nothing_more(
    policies: dict[str, set[Grant]],
) -> None:
    api = policies["api"]
    sent_to = {resource for action, resource in api if action == "sqs:SendMessage"}
    assert sent_to == {
        queue_arn(NAMING.queue(COMMANDS_HIGH)),
        queue_arn(NAMING.queue(COMMANDS_LOW)),
    }
    for table in READ_TABLES:
        assert on_table(api, table) == {
            "dynamodb:GetItem",
            "dynamodb:Query",
            "dynamodb:BatchGetItem",
        }
    # History and time travel query the store; verifying every chain scans it.
    assert on_table(api, EVENTS) == {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan"}
    assert on_table(api, SNAPSHOTS) == {"dynamodb:GetItem", "dynamodb:Query"}
    # Submitting records the command `accepted`; status and audit search read the log.
    assert on_table(api, COMMAND_LOG) == {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem"}
    services = {action.split(":")[0] for action, _ in api}
    assert services == {"dynamodb", "sqs", "s3", "logs"}
    assert not any(action.startswith("sqs:Receive") for action, _ in api)


def test_every_consumer_may_consume_exactly_what_its_mappings_pull(
    policies: dict[str, set[Grant]],
) -> None:
    for spec in FUNCTIONS:
        consumed = {
            resource for action, resource in policies[spec.name] if action == "sqs:ReceiveMessage"
        }
        expected = {
            queue_arn((NAMING.dlq if c.dead_letters else NAMING.queue)(c.queue))
            for c in CONSUMERS
            if c.function == spec.name
        }
        assert consumed == expected, spec.name
        for resource in consumed:
            assert {action for action, r in policies[spec.name] if r == resource} >= set(CONSUME)


def test_the_publisher_reads_the_stream_publishes_and_parks_failures(
    policies: dict[str, set[Grant]],
) -> None:
    publisher = policies["publisher"]
    stream = {action for action, resource in publisher if "/stream/" in resource}
    assert stream == {
        "dynamodb:DescribeStream",
        "dynamodb:GetRecords",
        "dynamodb:GetShardIterator",
        "dynamodb:ListStreams",
    }
    topic = f"arn:aws:sns:eu-west-1:123456789012:{NAMING.topic(EVENTS_TOPIC)}"
    assert ("sns:Publish", topic) in publisher
    assert ("sqs:SendMessage", queue_arn(NAMING.queue(PUBLISHER_FAILURES))) in publisher
    tables = {action for action, resource in publisher if resource.startswith(TABLE_ARN)}
    assert tables == stream  # the stream, never the table's items


@pytest.mark.parametrize("function", FUNCTION_NAMES)
def test_each_deployed_policy_is_exactly_the_access_matrix(
    policies: dict[str, set[Grant]], function: str
) -> None:
    access = access_for(function)
    expected: set[Grant] = set()
    for table in access.tables:
        arn = TABLE_ARN + NAMING.table(table.table)
        arns = [arn] + (
            [f"{arn}/index/{i.name}" for i in table.table.indexes] if table.indexes else []
        )
        expected |= {(action, resource) for action in table.actions for resource in arns}
    for queue in access.queues:
        name = (NAMING.dlq if queue.dead_letters else NAMING.queue)(queue.queue)
        expected |= {(action, queue_arn(name)) for action in queue.actions}
    for topic in access.topics:
        arn = f"arn:aws:sns:eu-west-1:123456789012:{NAMING.topic(topic.topic)}"
        expected |= {(action, arn) for action in topic.actions}
    for objects in access.objects:
        arn = f"arn:aws:s3:::{NAMING.bucket(objects.bucket)}/{objects.prefix}*"
        expected |= {(action, arn) for action in objects.actions}
    for listing in access.listings:
        expected.add(("s3:ListBucket", f"arn:aws:s3:::{NAMING.bucket(listing.bucket)}"))
    deployed = {
        (action, resource)
        for action, resource in policies[function]
        if not action.startswith("logs:") and "/stream/" not in resource
    }
    assert deployed == expected


def test_listing_the_photo_bucket_is_limited_to_the_originals(stack: Stack) -> None:
    for function in FUNCTION_NAMES:
        for statement in stack.policy_of(function)["Statement"]:
            if "s3:ListBucket" in statement["Action"]:
                assert function == "ingest"
                assert statement["Action"] == ["s3:ListBucket"]
                assert statement["Condition"] == {"StringLike": {"s3:prefix": ["originals/*"]}}
            else:
                assert "Condition" not in statement


def test_pipeline_steps_send_only_to_the_next_pipe(policies: dict[str, set[Grant]]) -> None:
    queue_names = {NAMING.queue(spec): spec.name for spec in QUEUES}
    sends = {
        function: sorted(
            queue_names[resource.removeprefix(QUEUE_ARN)]
            for action, resource in pairs
            if action == "sqs:SendMessage"
        )
        for function, pairs in policies.items()
    }
    assert sends["ingest"] == ["commands-high", "photos-validate"]
    assert sends["validate"] == ["commands-high", "photos-extract"]
    assert sends["extract"] == ["photos-render"]
    assert sends["render"] == ["photos-attach"]
    assert sends["attach"] == ["commands-high"]
    assert sends["pipeline-failures"] == ["commands-high"]
    assert sends["worker"] == [] and sends["projector"] == []
