"""A scenario's result, its one-line summary, and RELIABILITY.md made from the results."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Outcome:
    """What a scenario found: its figures, and every invariant it saw broken."""

    scenario: str
    figures: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    #: The command that produced it, e.g. "python -m proof --short chaos".
    command: str = ""
    date: str = ""
    cores: int = 0

    @property
    def passed(self) -> bool:
        return not self.violations

    @property
    def result(self) -> str:
        return "PASS" if self.passed else "FAIL"

    def figure(self, text: str) -> None:
        self.figures.append(text)

    def violated(self, problems: list[str]) -> None:
        self.violations.extend(problems)

    def line(self) -> str:
        figures = ", ".join(self.figures)
        return f"proof: {self.scenario} = {self.result} ({figures})"

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> Outcome:
        data: dict[str, Any] = json.loads(text)
        return cls(**data)


HEADER = """# Reliability

Figures from `make proof` (the full sizes) or `python -m proof --short` (the sizes CI
runs), written by `proof/__main__.py`: never edited by hand. Each scenario runs in a
fresh process against its own local stack, over HTTP, signed in through Cognito as the
stack's demo accounts; what each one checks is in [proof/scenarios/](proof/scenarios/)
and in the README's "Reliability" section. The command column says which sizes made
each row (`--short`: the CI sizes). A failed check is reported as it is.

| scenario | result | figures | date | cores | command |
|---|---|---|---|---|---|
"""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(outcomes: list[Outcome]) -> str:
    """RELIABILITY.md: the table, then what broke and the notes, scenario by scenario."""
    rows = [
        f"| `{o.scenario}` | {'PASS' if o.passed else '**FAIL**'} | {_cell(', '.join(o.figures))} "
        f"| {o.date} | {o.cores} | `{o.command}` |"
        for o in outcomes
    ]
    sections = []
    for outcome in outcomes:
        lines = [f"### {outcome.scenario}", ""]
        lines += [f"- violated: {_cell(v)}" for v in outcome.violations]
        lines += [f"- {_cell(note)}" for note in outcome.notes]
        lines += [f"- took {outcome.seconds:.0f} s"]
        sections.append("\n".join(lines))
    return HEADER + "\n".join(rows) + "\n\n## Notes\n\n" + "\n\n".join(sections) + "\n"


def merge(previous: list[Outcome], latest: list[Outcome], order: list[str]) -> list[Outcome]:
    """The latest outcome of each scenario, the earlier one where it did not run this time."""
    by_name = {o.scenario: o for o in previous} | {o.scenario: o for o in latest}
    return [by_name[name] for name in order if name in by_name]


def write(path: Path, results: Path, outcomes: list[Outcome]) -> None:
    results.write_text(json.dumps([asdict(o) for o in outcomes], indent=2) + "\n")
    path.write_text(render(outcomes))


def load(results: Path) -> list[Outcome]:
    if not results.exists():
        return []
    return [Outcome(**data) for data in json.loads(results.read_text())]
