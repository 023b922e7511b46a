"""Who may do what, over HTTP: every role against every operation of the served document.

The expectations are those of the in-process table
(`tests/functional/test_api_access.py`), here asked of the running stack, with
real Cognito tokens through the gateway's check: another user's ids answer 404
(never 403, so nothing is revealed), auditors never write (403), anonymous
callers get 401 everywhere but the public paths. A documented operation with no
row in the table fails the run, so a new route cannot go unchecked.

Writes run against a scratch world and reads against an untouched one, and the
owner goes last in each row: the API answers a write at once (202) and the
worker applies it later, so a deletion must not change a later row's answer.
The only rows whose answer depends on what ran before are `/me/undo` and
`/me/redo` (whether the caller has anything to undo or redo, which the fuzzing
may have given them): there the table accepts either 202 or 409, and still
insists on 401 for anonymous callers and 403 for auditors.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from typing import Any

import pytest

from tests.e2e.conftest import Reply, RunningStack, http
from tests.functional.test_api_access import TABLE
from tests.security.conftest import World, build_world

#: Roles in the order of the in-process table's expectations.
TABLE_ROLES = ("anonymous", "owner", "other", "auditor", "support")
#: The owner last: their writes are the ones that change the world.
ORDER = ("anonymous", "other", "auditor", "support", "owner")
_PLACEHOLDERS = {"{album}": "{album_id}", "{photo}": "{photo_id}", "{command}": "{command_id}"}
_METHODS = ("get", "put", "post", "delete", "patch")
#: Answers that depend on the caller's own earlier commands.
DEPENDS_ON_HISTORY = {("POST", "/me/undo"), ("POST", "/me/redo"), ("GET", "/me/undo"),
                      ("GET", "/me/redo")}  # fmt: skip
#: Undo and redo by id: the write world's earlier rows may have changed what the target
#: changed, and the API then refuses at once (409 `undo_conflict`) what it let through.
REVERSALS = {("POST", "/commands/{command}/undo"), ("POST", "/commands/{command}/redo")}


def _status(method: str, path: str, reply: Reply) -> int:
    """The answer as the table states it: an early undo conflict passed every access check."""
    conflict = reply.status == 409 and json.loads(reply.text)["error"]["code"] == "undo_conflict"
    return 202 if (method, path) in REVERSALS and conflict else reply.status


def template(path: str) -> str:
    """The document's path template for a row of the table (`/photos/{photo}/tags/sea`)."""
    for ours, documented in _PLACEHOLDERS.items():
        path = path.replace(ours, documented)
    return re.sub(r"/tags/[^/{]+$", "/tags/{tag}", path)


def is_write(method: str, path: str) -> bool:
    return method != "GET" and path != "/audit/verify"


ROWS = [
    (number, method, path, request, dict(zip(TABLE_ROLES, statuses, strict=True)))
    for number, (method, path, request, statuses) in enumerate(TABLE)
]


@pytest.fixture(scope="module")
def worlds(stack: RunningStack) -> dict[str, World]:
    """One world to read, one to write: Alice's, built twice."""
    return {"read": build_world(stack), "write": build_world(stack)}


def _fill(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, list):
        return [_fill(item, ids) for item in value]
    if isinstance(value, dict):
        return {key: _fill(item, ids) for key, item in value.items()}
    return value


def _call(stack: RunningStack, method: str, path: str, token: str | None, request: Any) -> Reply:
    query = request.get("query")
    url = f"{stack.api_url}{path}" + (f"?{urllib.parse.urlencode(query)}" if query else "")
    return http(method, url, token, request.get("body"))


def test_every_documented_operation_has_a_row(stack: RunningStack) -> None:
    document = http("GET", f"{stack.api_url}/openapi.json").body
    documented = {
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in _METHODS
        if method in item
    }
    covered = {(method, template(path)) for _, method, path, _, _ in ROWS}
    assert documented - covered == set(), "operations with no row in the access table"


@pytest.mark.parametrize(
    ("number", "method", "path", "request_", "expected"),
    ROWS,
    ids=[f"#{number} {method} {path}" for number, method, path, _, _ in ROWS],
)
def test_every_role_gets_the_answer_the_access_table_gives(
    stack: RunningStack,
    worlds: dict[str, World],
    tokens: dict[str, str | None],
    number: int,
    method: str,
    path: str,
    request_: dict[str, Any],
    expected: dict[str, int],
) -> None:
    world = worlds["write" if is_write(method, path) else "read"]
    ids = {**world.ids(), "alice": stack.sub("alice")}
    request = _fill({**request_, "query": {
        name: ("{alice}" if value == "alice" else value)
        for name, value in request_.get("query", {}).items()
    }}, ids)  # fmt: skip
    answers: dict[str, Reply] = {}
    for role in ORDER:
        answers[role] = _call(stack, method, _fill(path, ids), tokens[role], request)
    got = {role: _status(method, path, answers[role]) for role in TABLE_ROLES}
    if (method, path) in DEPENDS_ON_HISTORY:
        assert (got["anonymous"], got["auditor"]) == (401, 403), got
        answered = {200 if method == "GET" else 202, 409}
        assert {got["owner"], got["other"], got["support"]} <= answered, got
    else:
        assert got == expected, {role: answers[role].text[:200] for role in TABLE_ROLES}
    for role, reply in answers.items():
        if reply.status >= 400:
            assert reply.headers.get("Content-Type", "").startswith("application/json"), role
            error = json.loads(reply.text)["error"]
            assert error["code"] and error["message"], (role, reply.text)
