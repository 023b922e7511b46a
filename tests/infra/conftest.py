"""Run the Pulumi program against Pulumi's mocks and keep what it asked for.

`RecordingMocks` answers every resource with its inputs plus the outputs AWS
would compute (ARNs, URLs), and records each resource's type, name, inputs and
parent. The program runs once per configuration; tests read the records.
"""

from __future__ import annotations

import itertools
import json
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import pytest
from pulumi.runtime.mocks import MockCallArgs, MockMonitor, MockResourceArgs

from infra_pulumi.config import FUNCTIONS_ARCHIVE, LAYER_ARCHIVE, StackConfig
from infra_pulumi.program import deploy

REGION = "eu-west-1"
ACCOUNT = "123456789012"
STACK_URN_PREFIX = "urn:pulumi:test::retake::"


def pytest_configure(config: pytest.Config) -> None:
    # pulumi_aws warns, as it loads, of its own deprecated S3 classes, which Retake does not use.
    config.addinivalue_line("filterwarnings", "ignore::DeprecationWarning:pulumi_aws.*")


@dataclass
class Recorded:
    type: str
    name: str
    inputs: dict[str, Any]
    id: str
    urn: str = ""
    #: The parent's URN ("" for the stack itself).
    parent: str = ""

    @property
    def parent_type(self) -> str:
        """The parent's type token, e.g. `retake:infra:Functions` (or `pulumi:pulumi:Stack`)."""
        if not self.parent:
            return ""
        return self.parent.split("::")[2].split("$")[-1]

    @property
    def parent_name(self) -> str:
        return self.parent.split("::")[-1] if self.parent else ""


class RecordingMocks(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.records: dict[str, Recorded] = {}
        self._ids = itertools.count()

    def new_resource(self, args: MockResourceArgs) -> tuple[str, dict[str, Any]]:
        resource_id = f"{args.name}-{next(self._ids)}"
        self.records[resource_id] = Recorded(args.typ, args.name, dict(args.inputs), resource_id)
        return resource_id, {**args.inputs, **computed_outputs(args.typ, args.inputs, resource_id)}

    def call(self, args: MockCallArgs) -> dict[str, Any]:  # type: ignore[override]
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {
                "accountId": ACCOUNT,
                "arn": f"arn:aws:iam::{ACCOUNT}:user/deployer",
                "id": ACCOUNT,
                "userId": "AIDEXAMPLE",
            }
        raise AssertionError(f"the program made an unexpected call: {args.token}")


class RecordingMonitor(MockMonitor):
    """The mock monitor, noting each resource's URN and parent (mocks are not told them)."""

    def __init__(self, mocks: RecordingMocks) -> None:
        super().__init__(mocks)
        self.recording = mocks

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)
        record = self.recording.records.get(response.id)
        if record is not None:
            record.urn, record.parent = response.urn, request.parent
        return response


def computed_outputs(type_: str, inputs: dict[str, Any], resource_id: str) -> dict[str, Any]:
    """What AWS would add to a resource's inputs, in the provider's (camelCase) names."""
    name = str(inputs.get("name") or inputs.get("bucket") or resource_id)
    region_account = f"{REGION}:{ACCOUNT}"
    match type_:
        case "aws:dynamodb/table:Table":
            arn = f"arn:aws:dynamodb:{region_account}:table/{name}"
            stream = {"streamArn": f"{arn}/stream/2026-11-26T00:00:00.000"}
            return {"arn": arn, **(stream if inputs.get("streamEnabled") else {})}
        case "aws:sqs/queue:Queue":
            return {
                "arn": f"arn:aws:sqs:{region_account}:{name}",
                "url": f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{name}",
            }
        case "aws:sns/topic:Topic":
            return {"arn": f"arn:aws:sns:{region_account}:{name}"}
        case "aws:lambda/function:Function":
            arn = f"arn:aws:lambda:{region_account}:function:{name}"
            version = "1" if inputs.get("publish") else "$LATEST"
            return {
                "arn": arn,
                "invokeArn": invoke_arn(arn),
                "version": version,
                "qualifiedArn": f"{arn}:{version}",
            }
        case "aws:lambda/alias:Alias":
            arn = f"arn:aws:lambda:{region_account}:function:{inputs['functionName']}:{name}"
            return {"arn": arn, "invokeArn": invoke_arn(arn)}
        case "aws:lambda/layerVersion:LayerVersion":
            return {"arn": f"arn:aws:lambda:{region_account}:layer:{inputs['layerName']}:1"}
        case "aws:cloudwatch/logGroup:LogGroup":
            return {"arn": f"arn:aws:logs:{region_account}:log-group:{name}"}
        case "aws:iam/role:Role":
            return {"arn": f"arn:aws:iam::{ACCOUNT}:role/{name}"}
        case "aws:cognito/userPool:UserPool":
            return {"arn": f"arn:aws:cognito-idp:{region_account}:userpool/{REGION}_pool"}
        case "aws:apigateway/restApi:RestApi":
            return {
                "rootResourceId": "root-resource",
                "executionArn": f"arn:aws:execute-api:{region_account}:{resource_id}",
            }
        case "aws:apigateway/stage:Stage":
            stage = inputs["stageName"]
            return {
                "invokeUrl": f"https://{resource_id}.execute-api.{REGION}.amazonaws.com/{stage}"
            }
        case "aws:s3/bucket:Bucket":
            return {"arn": f"arn:aws:s3:::{name}", "bucket": name}
        case "aws:s3/bucketWebsiteConfiguration:BucketWebsiteConfiguration":
            return {"websiteEndpoint": f"{inputs['bucket']}.s3-website-{REGION}.amazonaws.com"}
        case "aws:cloudwatch/eventRule:EventRule":
            return {"arn": f"arn:aws:events:{region_account}:rule/{name}"}
    return {}


def invoke_arn(function_arn: str) -> str:
    """The ARN API Gateway calls a function (or an alias: a qualified ARN) by."""
    return (
        f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{function_arn}/invocations"
    )


@dataclass
class Stack:
    """What one run of the program registered."""

    records: list[Recorded]
    outputs: dict[str, Any] = field(default_factory=dict)

    def of_type(self, type_: str) -> list[Recorded]:
        return [record for record in self.records if record.type == type_]

    def one(self, type_: str, name: str) -> Recorded:
        found = [record for record in self.of_type(type_) if record.name == name]
        assert len(found) == 1, f"{len(found)} resources {type_} named {name!r}"
        return found[0]

    def by_id(self, resource_id: str) -> Recorded:
        return next(record for record in self.records if record.id == resource_id)

    def policy_of(self, function: str) -> dict[str, Any]:
        """The policy document of a function's role, as deployed."""
        role = self.one("aws:iam/role:Role", f"{function}-role")
        policies = [
            record
            for record in self.of_type("aws:iam/rolePolicy:RolePolicy")
            if record.inputs["role"] == role.id
        ]
        assert len(policies) == 1
        document: dict[str, Any] = json.loads(policies[0].inputs["policy"])
        return document


def run_program(config: StackConfig) -> Stack:
    """Run `deploy(config)` under the mocks; every registration and output resolved."""
    mocks = RecordingMocks()
    pulumi.runtime.set_mocks(
        mocks, project="retake", stack="test", preview=False, monitor=RecordingMonitor(mocks)
    )
    outputs: dict[str, Any] = {}

    @pulumi.runtime.test  # type: ignore[misc]
    def program() -> pulumi.Output[Any]:
        exported = deploy(config).outputs(config)
        return pulumi.Output.all(**exported).apply(outputs.update)

    program()
    return Stack(list(mocks.records.values()), outputs)


def tiny_archives(folder: Path) -> Path:
    """Stand-ins for `make package`'s archives: the program only hashes and points at them."""
    folder.mkdir(parents=True, exist_ok=True)
    members = {FUNCTIONS_ARCHIVE: "api/__init__.py", LAYER_ARCHIVE: "python/pydantic/__init__.py"}
    for archive_name, member in members.items():
        with zipfile.ZipFile(folder / archive_name, "w") as archive:
            archive.writestr(member, "")
    return folder


@pytest.fixture(scope="session")
def archives(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_archives(tmp_path_factory.mktemp("dist"))


@pytest.fixture(scope="session")
def make_config(archives: Path) -> Callable[..., StackConfig]:
    def make(**changes: Any) -> StackConfig:
        return StackConfig(**{"region": REGION, "archive_dir": archives, **changes})

    return make


@pytest.fixture(scope="session")
def stack(make_config: Callable[..., StackConfig]) -> Iterator[Stack]:
    """The program with the defaults: what an empty stack configuration deploys."""
    yield run_program(make_config())
