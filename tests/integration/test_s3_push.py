"""S3 pushes ObjectCreated to a function: an asynchronous invocation, S3's event shape."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from urllib.parse import unquote_plus

import boto3
import pytest
from moto.s3 import notifications

from local_stack.runtime import LambdaRuntime
from local_stack.s3_push import S3PushDelivery, function_name_resolver
from resources.definitions import FunctionSpec
from tests.integration.conftest import REGION, AwsContext

RECORD = FunctionSpec("record", "tests.integration.lambdas.record.handler", reserved_concurrency=1)
ARN = "arn:aws:lambda:us-east-1:123456789012:function:test-record"


def recorded(path: Path, count: int, timeout: float = 30.0) -> list[dict[str, object]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and len(lines := path.read_text().splitlines()) >= count:
            return [json.loads(line) for line in lines]
        time.sleep(0.05)
    raise AssertionError(f"fewer than {count} events reached the function")


def test_an_upload_is_pushed_to_its_function_with_the_s3_event_shape(
    aws: AwsContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: a bucket that notifies the function of new originals only
    monkeypatch.setattr(notifications, "_invoke_awslambda", notifications._invoke_awslambda)
    record_path = tmp_path / "events.jsonl"
    env = {**{k: v for k, v in os.environ.items() if k.startswith("AWS_")},
           "RETAKE_TEST_RECORD_PATH": str(record_path)}  # fmt: skip
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="photos")
    s3.put_bucket_notification_configuration(
        Bucket="photos",
        NotificationConfiguration={
            "LambdaFunctionConfigurations": [
                {
                    "LambdaFunctionArn": ARN,
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "originals/"}]}},
                }
            ]
        },
    )
    with LambdaRuntime([RECORD], env, log=lambda _: None) as runtime:
        delivery = S3PushDelivery(runtime.invoke, function_name_resolver("test", {"record"}))
        delivery.install()
        # when: two uploads, one outside the prefix
        s3.put_object(Bucket="photos", Key="originals/alice/IMG 1.jpg", Body=b"jpeg bytes")
        s3.put_object(Bucket="photos", Key="renditions/alice/thumb.jpg", Body=b"x")
        # then: the function was invoked once, by S3, with S3's event
        [event] = recorded(record_path, 1)
        time.sleep(0.5)
        assert len(record_path.read_text().splitlines()) == 1
        delivery.shutdown()
    [record] = event["Records"]
    assert record["eventSource"] == "aws:s3"
    assert record["eventName"].startswith("ObjectCreated:")
    assert record["s3"]["bucket"]["name"] == "photos"
    # URL-encoded, as on AWS (moto encodes "/" too): consumers decode with unquote_plus.
    key = record["s3"]["object"]["key"]
    assert " " not in key
    assert unquote_plus(key) == "originals/alice/IMG 1.jpg"
    assert record["s3"]["object"]["size"] == len(b"jpeg bytes")


def test_a_notification_for_a_function_that_is_not_ours_is_dropped() -> None:
    resolve = function_name_resolver("retake", {"worker"})
    assert resolve("arn:aws:lambda:us-east-1:1:function:retake-worker") == "worker"
    assert resolve("arn:aws:lambda:us-east-1:1:function:retake-worker:live") == "worker"
    assert resolve("arn:aws:lambda:us-east-1:1:function:other-thing") is None
