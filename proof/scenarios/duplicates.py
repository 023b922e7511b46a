"""Duplicates: every SQS message delivered twice ends in the same state as single delivery.

The same deterministic workload (seeded users, each action waiting for its
command to be final before the next, so timing cannot change the outcome)
runs on two fresh stacks: one as usual, one with
`StackConfig.duplicate_deliveries` (test-only fault injection: every SQS
batch is handed to its function twice, the second time with a receive count
one higher, as SQS's at-least-once delivery may). Checks: both stacks pass
the shared checks; the read models, every stream's commits (versions and
event types) and every command's outcome are equal once ids and timestamps
are replaced by stable names.
"""

from __future__ import annotations

import dataclasses
import random
from typing import Any

from proof import invariants
from proof.checks import check_everything
from proof.client import Api
from proof.report import Outcome
from proof.stack import ProofStack, gallery_users, running_stack
from proof.workload import GalleryUser, Tally, run_users

#: The command queues' pollers (`commands-high-1`, `commands-low-1`, ...).
COMMANDS_PREFIX = "commands-"

#: Keys whose values differ from run to run whatever happens (instants, share tokens).
RUN_SPECIFIC = frozenset({"created_at", "updated_at", "album_joined_at", "share_token", "token"})


def _state(stack: ProofStack, users: list[GalleryUser]) -> dict[str, Any]:
    names: dict[str, str] = {}
    for user in users:
        names |= user.names()
    names |= {str(a["sub"]): str(a["username"]) for a in stack.info.accounts}
    records = {record.command_id: record for record in stack.command_records()}
    streams: dict[str, list[Any]] = {}
    for commit in sorted(stack.commits(), key=lambda c: (c.stream_id, c.first_version)):
        streams.setdefault(commit.stream_id, []).append(
            [
                commit.first_version,
                getattr(records.get(commit.command_id), "type", None),
                [event.stored.topic for event in commit.events],
            ]
        )
    # An outcome names the command's type and, when refused, why: a difference says what.
    described = {
        command_id: " ".join(
            [record.type, record.status, *([record.error.code] if record.error else [])]
        )
        for command_id, record in records.items()
    }
    outcomes = {user.name: [described.get(c) for c in user.history] for user in users}
    state = {
        "read_models": stack.read_models().dump(),
        "streams": {names.get(stream, stream): commits for stream, commits in streams.items()},
        "outcomes": outcomes,
    }
    return dict(invariants.normalised(state, names, RUN_SPECIFIC))


def retrying(api: Api) -> Api:
    """The API, repeating a request the busy machine left unanswered, so runs stay alike.

    A repeat carries the first try's `Idempotency-Key`: should the first have been acted
    on, the repeat names the same commands (the check on unacknowledged commands holds
    the API to that)."""
    return dataclasses.replace(api, retries=5)


def _one_run(
    prefix: str, user_count: int, commands_each: int, doubled: bool
) -> tuple[dict[str, Any], list[str], int, tuple[int, int]]:
    """The normalised final state, violations, commands, and the command queues' (batches
    received, worker invocations) of one run."""
    names = gallery_users(user_count)
    with running_stack(names, prefix=prefix, duplicate_deliveries=doubled) as stack:
        tally = Tally()
        users = [
            GalleryUser(name, retrying(stack.api(name)), random.Random(index), tally, wait=True)
            for index, name in enumerate(names)
        ]
        errors = run_users(users, commands_each)
        findings = check_everything(stack, tally.accepted, drain_timeout=300.0)
        findings.violations += invariants.unacknowledged_commands(tally.accepted, findings.records)
        state = _state(stack, users)
        deliveries = stack.sqs_deliveries(COMMANDS_PREFIX)
    violations = [f"a simulated user failed: {error!r}" for error in errors]
    unanswered = sum(n for status, n in tally.statuses.items() if status in (0, 502))
    if unanswered:
        violations.append(f"{unanswered} request(s) got no answer: the two runs are not comparable")
    label = "double" if doubled else "single"
    violations += [f"{label} delivery: {v}" for v in findings.violations]
    return state, violations, len(tally.accepted), deliveries


def run(short: bool) -> Outcome:
    user_count, commands_each = (3, 12) if short else (5, 60)
    outcome = Outcome("duplicates")
    single, single_problems, commands, single_calls = _one_run(
        "single", user_count, commands_each, doubled=False
    )
    double, double_problems, double_commands, double_calls = _one_run(
        "double", user_count, commands_each, doubled=True
    )
    outcome.violated(single_problems + double_problems)
    for part in ("outcomes", "streams", "read_models"):
        outcome.violated(invariants.states_differ(single[part], double[part], part))
    # Batching differs between the runs, so each run is checked against its own batches.
    for label, (batches, calls), per_batch in (
        ("single", single_calls, 1),
        ("double", double_calls, 2),
    ):
        if not batches or calls != per_batch * batches:
            outcome.violated(
                [f"{label} delivery: {calls} worker invocations for {batches} batches "
                 f"received, not {per_batch} each"]
            )  # fmt: skip
    same = not any("differs" in v for v in outcome.violations)
    outcome.figure(f"{commands} commands, each delivered twice")
    outcome.figure(
        f"worker invoked {double_calls[1]} times for {double_calls[0]} batches "
        f"vs {single_calls[1]} for {single_calls[0]}"
    )
    outcome.figure(f"final state equal: {'yes' if same else 'no'}")
    outcome.notes += [
        f"{user_count} users x {commands_each} commands, the same seeds on both stacks "
        f"({commands} and {double_commands} commands accepted)",
        "compared: every read-model row, every stream's commits (first version, event types) "
        "and every command's status, with ids named by the workload and instants dropped",
    ]
    return outcome
