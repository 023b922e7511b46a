"""The invariants the scenarios check, as pure functions: each returns the violations it finds.

They read plain data (command records, commits, read-model dumps,
verification reports), so a unit test can plant a violation and see it named.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from commands.command_log import CommandRecord
from commands.event_store import Commit, VerificationReport

FINAL_STATUSES = frozenset({"succeeded", "rejected", "failed"})
#: How many examples a violation names before it just counts.
EXAMPLES = 3


def _examples(items: Sequence[str]) -> str:
    shown = ", ".join(items[:EXAMPLES])
    return shown + (f" and {len(items) - EXAMPLES} more" if len(items) > EXAMPLES else "")


def missing_commands(acknowledged: Iterable[str], records: Iterable[CommandRecord]) -> list[str]:
    """Every command the API acknowledged (201/202) is in the command log."""
    known = {record.command_id for record in records}
    lost = sorted(set(acknowledged) - known)
    return (
        [f"{len(lost)} acknowledged command(s) missing from the command log: {_examples(lost)}"]
        if lost
        else []
    )


def unacknowledged_commands(
    acknowledged: Iterable[str], records: Iterable[CommandRecord]
) -> list[str]:
    """Every command in the log is one a client saw acknowledged (none came from a retry)."""
    mine = set(acknowledged)
    extra = sorted(f"{r.type} {r.command_id}" for r in records if r.command_id not in mine)
    if not extra:
        return []
    return [
        f"{len(extra)} command(s) in the log that no answer acknowledged (a repeated request "
        f"made a second command): {_examples(extra)}"
    ]


def unfinished_commands(acknowledged: Iterable[str], records: Iterable[CommandRecord]) -> list[str]:
    """Every acknowledged command that is in the log has a final status."""
    status = {record.command_id: record.status for record in records}
    stuck = sorted(c for c in set(acknowledged) if c in status and status[c] not in FINAL_STATUSES)
    if not stuck:
        return []
    return [f"{len(stuck)} command(s) without a final status: {_examples(stuck)}"]


def double_effects(commits: Iterable[Commit]) -> list[str]:
    """No command has two commits on one stream (two effects)."""
    counted = Counter((commit.stream_id, commit.command_id) for commit in commits)
    doubled = sorted(
        f"{command} on {stream} x{n}" for (stream, command), n in counted.items() if n > 1
    )
    if not doubled:
        return []
    return [
        f"{len(doubled)} command(s) with more than one commit on a stream: {_examples(doubled)}"
    ]


def effects_match_outcomes(
    records: Iterable[CommandRecord], commits: Iterable[Commit]
) -> list[str]:
    """Commits belong to succeeded commands, and each succeeded command's events exist."""
    by_id = {record.command_id: record for record in records}
    committed = {(c.stream_id, c.first_version, c.last_version): c.command_id for c in commits}
    orphans = sorted(
        {c for c in committed.values() if by_id.get(c) is None or by_id[c].status != "succeeded"}
    )
    phantom = sorted(
        record.command_id
        for record in by_id.values()
        if record.status == "succeeded"
        and any(
            committed.get((ref.stream_id, ref.first_version, ref.last_version)) != record.command_id
            for ref in record.events
        )
    )
    problems = []
    if orphans:
        problems.append(
            f"{len(orphans)} command(s) with commits but no success recorded: {_examples(orphans)}"
        )
    if phantom:
        problems.append(
            f"{len(phantom)} succeeded command(s) whose recorded events are not their commits: "
            f"{_examples(phantom)}"
        )
    return problems


def read_models_differ(
    live: Mapping[str, list[dict[str, Any]]], rebuilt: Mapping[str, list[dict[str, Any]]]
) -> list[str]:
    """The live read models equal a rebuild from the event store, table by table."""
    problems = []
    for table in sorted(set(live) | set(rebuilt)):
        ours, theirs = live.get(table, []), rebuilt.get(table, [])
        if ours == theirs:
            continue
        only_live = [row for row in ours if row not in theirs]
        only_rebuilt = [row for row in theirs if row not in ours]
        problems.append(
            f"read model {table} differs from a rebuild: {len(ours)} rows live, "
            f"{len(theirs)} rebuilt, {len(only_live)} only live, {len(only_rebuilt)} only rebuilt"
            + (f" (e.g. live {only_live[0]})" if only_live else "")
        )
    return problems


def broken_chains(report: VerificationReport) -> list[str]:
    """Every hash chain verifies."""
    return [
        f"hash chain broken: stream {b.stream_id} version {b.version}: {b.reason}"
        for b in report.breaks
    ]


def states_differ(single: Any, doubled: Any, label: str) -> list[str]:
    """Two normalised states are equal; otherwise name the first place they differ."""
    where = _first_difference(single, doubled, label)
    return [f"{where} differs between single and double delivery"] if where else []


def _first_difference(a: Any, b: Any, path: str) -> str | None:
    if type(a) is not type(b):
        return path
    if isinstance(a, dict):
        for key in sorted(set(a) | set(b), key=str):
            if key not in a or key not in b:
                return f"{path}.{key}"
            found = _first_difference(a[key], b[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{path} (length {len(a)} vs {len(b)})"
        for index, (x, y) in enumerate(zip(a, b, strict=True)):
            found = _first_difference(x, y, f"{path}[{index}]")
            if found:
                return found
        return None
    return None if a == b else f"{path} ({a!r} vs {b!r})"


def normalised(value: Any, names: Mapping[str, str], dropped: frozenset[str]) -> Any:
    """`value` with ids replaced by stable names and run-specific keys (timestamps) dropped."""
    if isinstance(value, dict):
        return {
            names.get(key, key): normalised(inner, names, dropped)
            for key, inner in value.items()
            if key not in dropped
        }
    if isinstance(value, list):
        items = [normalised(inner, names, dropped) for inner in value]
        # Rows of a table have no order; a photo's tags do.
        return sorted(items, key=repr) if all(isinstance(i, dict) for i in items) else items
    if isinstance(value, str):
        for real, name in names.items():
            if real in value:
                value = value.replace(real, name)
        return value
    return value
