"""`pulumi up` runs infra_pulumi/__main__.py as a script: it must work unchanged."""

from __future__ import annotations

import runpy
from collections.abc import Iterator
from pathlib import Path

import pulumi
import pytest
from pulumi.runtime.config import CONFIG, set_all_config

from infra_pulumi.config import MissingArchive
from resources.definitions import FUNCTIONS
from tests.infra.conftest import RecordingMocks, RecordingMonitor

PROGRAM = Path(__file__).resolve().parents[2] / "infra_pulumi"


@pytest.fixture
def stack_config() -> Iterator[dict[str, str]]:
    saved = dict(CONFIG.get())
    config = {"aws:region": "eu-west-1"}
    yield config
    set_all_config(saved)


def run_as_pulumi_does(config: dict[str, str]) -> RecordingMocks:
    mocks = RecordingMocks()
    pulumi.runtime.set_mocks(
        mocks, project="retake", stack="dev", preview=False, monitor=RecordingMonitor(mocks)
    )
    set_all_config(config)

    @pulumi.runtime.test  # type: ignore[misc]
    def program() -> None:
        runpy.run_path(str(PROGRAM), run_name="__main__")

    program()
    return mocks


def test_the_program_folder_runs_as_a_script_with_the_stacks_configuration(
    stack_config: dict[str, str], archives: Path
) -> None:
    assert (PROGRAM / "Pulumi.yaml").is_file() and (PROGRAM / "__main__.py").is_file()
    stack_config |= {"retake:archiveDir": str(archives), "retake:namePrefix": "gallery"}
    mocks = run_as_pulumi_does(stack_config)
    functions = [r for r in mocks.records.values() if r.type == "aws:lambda/function:Function"]
    assert sorted(r.inputs["name"] for r in functions) == sorted(
        f"gallery-{spec.name}" for spec in FUNCTIONS
    )


def test_without_the_archives_the_program_says_to_run_make_package(
    stack_config: dict[str, str], tmp_path: Path
) -> None:
    stack_config |= {"retake:archiveDir": str(tmp_path)}
    with pytest.raises(MissingArchive, match="run `make package`"):
        run_as_pulumi_does(stack_config)
