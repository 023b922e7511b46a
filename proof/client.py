"""The API as the web page calls it: sign in through Cognito, then JSON over HTTP."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import boto3

REGION = "us-east-1"
PASSWORD = "Retake-demo-1"
HTTP_TIMEOUT_SECONDS = 60.0
#: The status of a request that got no HTTP answer at all.
NO_ANSWER = 0
FINAL = frozenset({"succeeded", "rejected", "failed"})


@dataclass(frozen=True)
class Reply:
    """An HTTP answer; an error status is an answer, not an exception."""

    status: int
    body: Any

    @property
    def command_ids(self) -> list[str]:
        """The commands a 201/202 accepted, in order."""
        if self.status not in (201, 202) or not isinstance(self.body, dict):
            return []
        ids = self.body.get("command_ids") or [self.body.get("command_id")]
        return [str(command_id) for command_id in ids if command_id]


def sign_in(endpoint: str, client_id: str, username: str, password: str = PASSWORD) -> str:
    """An ID token from Cognito's USER_PASSWORD_AUTH, as the web page gets one."""
    cognito = boto3.client(
        "cognito-idp",
        region_name=REGION,
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    result = cognito.initiate_auth(
        AuthFlow="USER_PASSWORD_AUTH",
        ClientId=client_id,
        AuthParameters={"USERNAME": username, "PASSWORD": password},
    )
    token: str = result["AuthenticationResult"]["IdToken"]
    return token


@dataclass(frozen=True)
class Api:
    """One signed-in person's view of the API."""

    base_url: str
    token: str
    #: Times to repeat a request that got no answer or a 502 (the API function did not
    #: start in time); for workloads that must stay deterministic on a busy machine.
    retries: int = 0

    def call(self, method: str, path: str, body: Any = None) -> Reply:
        """One request; repeated (up to `retries` times) under the same `Idempotency-Key`,
        so a repeat of a write that was acted on names the same commands."""
        key = str(uuid.uuid4()) if method != "GET" else None
        reply = self._call_once(method, path, body, key)
        for _ in range(self.retries):
            if reply.status not in (NO_ANSWER, 502):
                break
            time.sleep(1.0)
            reply = self._call_once(method, path, body, key)
        return reply

    def _call_once(self, method: str, path: str, body: Any, key: str | None) -> Reply:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"{self.base_url}{path}", data=data, method=method)
        request.add_header("Authorization", self.token)
        if key is not None:
            request.add_header("Idempotency-Key", key)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_SECONDS) as response:
                return Reply(response.status, _json(response.read()))
        except urllib.error.HTTPError as error:
            return Reply(error.code, _json(error.read()))
        except OSError as error:  # refused, reset or timed out: no answer, so not acknowledged
            return Reply(NO_ANSWER, str(error))

    def command(self, command_id: str) -> Mapping[str, Any] | None:
        reply = self.call("GET", f"/commands/{command_id}")
        return reply.body if reply.status == 200 and isinstance(reply.body, dict) else None

    def wait_projected(
        self, command_id: str, timeout: float = 120.0, every: float = 0.05
    ) -> Mapping[str, Any] | None:
        """Poll the command until it is final and projected (or rejected); None on timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            record = self.command(command_id)
            status = record.get("status") if record else None
            # A rejection has no events to project; a success is done once it is read back.
            done = status in FINAL and (
                status != "succeeded" or bool(record and record.get("projected"))
            )
            if record is not None and done:
                return record
            time.sleep(every)
        return None


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return raw.decode(errors="replace")
