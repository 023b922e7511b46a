"""`make package`: the functions' archive is reproducible and holds what Lambda runs."""

from __future__ import annotations

import os
import re
import subprocess
import zipfile
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from infra_pulumi.config import FUNCTIONS_ARCHIVE
from infra_pulumi.lock import (
    LOCK,
    Pin,
    all_requirements,
    read_lock,
    requirement_name,
    runtime_requirements,
)
from infra_pulumi.package import (
    FIXED_TIME,
    build_functions_archive,
    build_layer_archive,
    deployed_packages,
    lambda_pins,
)
from resources.definitions import FUNCTIONS


def make_sources(root: Path, mtime: int, mode: int) -> None:
    """A small project tree, with bytecode caches that must stay out of the archive."""
    for name, text in {
        "gallery/__init__.py": "",
        "gallery/handler.py": "def handler(event, context):\n    return event\n",
        "gallery/data/schema.json": "{}\n",
        "gallery/__pycache__/handler.cpython-311.pyc": "bytecode",
        "gallery/stale.pyc": "bytecode",
        "other/module.py": "VALUE = 1\n",
    }.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        path.chmod(mode)
        os.utime(path, (mtime, mtime))


def test_two_builds_of_the_same_sources_are_byte_identical(tmp_path: Path) -> None:
    # given the same sources, checked out at different times with different permissions
    make_sources(tmp_path / "one", mtime=1_000_000_000, mode=0o600)
    make_sources(tmp_path / "two", mtime=1_700_000_000, mode=0o755)
    # when each is packaged
    first = build_functions_archive(tmp_path / "out-1", tmp_path / "one", ["other", "gallery"])
    second = build_functions_archive(tmp_path / "out-2", tmp_path / "two", ["gallery", "other"])
    # then the archives are the same bytes
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as archive:
        entries = archive.infolist()
    names = [entry.filename for entry in entries]
    assert (
        names
        == sorted(names)
        == [
            "gallery/__init__.py",
            "gallery/data/schema.json",
            "gallery/handler.py",
            "other/module.py",
        ]
    )
    assert {entry.date_time for entry in entries} == {FIXED_TIME}
    assert {entry.external_attr >> 16 for entry in entries} == {0o100644}


def test_a_changed_source_changes_the_archive(tmp_path: Path) -> None:
    make_sources(tmp_path / "src", mtime=1_000_000_000, mode=0o644)
    before = build_functions_archive(tmp_path / "a", tmp_path / "src", ["gallery"]).read_bytes()
    (tmp_path / "src/gallery/handler.py").write_text("def handler(event, context):\n    pass\n")
    after = build_functions_archive(tmp_path / "b", tmp_path / "src", ["gallery"]).read_bytes()
    assert before != after


def test_the_projects_archive_holds_every_handler_and_nothing_that_does_not_run_in_lambda(
    tmp_path: Path,
) -> None:
    first = build_functions_archive(tmp_path / "one")
    second = build_functions_archive(tmp_path / "two")
    assert first.name == FUNCTIONS_ARCHIVE
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as archive:
        names = set(archive.namelist())
    top_level = {name.split("/", 1)[0] for name in names}
    assert top_level == set(deployed_packages())
    assert {"domain", "commands", "adapters", "resources", "api", "pipeline"} <= top_level
    assert not top_level & {"tests", "bench", "local_stack", "infra_pulumi", "web"}
    assert not any("__pycache__" in name or name.endswith(".pyc") for name in names)
    for spec in FUNCTIONS:
        module = spec.handler.rsplit(".", 1)[0]
        assert f"{module.replace('.', '/')}.py" in names, spec.handler


def test_the_layer_holds_the_runtime_dependencies_and_what_they_need_nothing_else() -> None:
    names = {pin.name for pin in lambda_pins()}
    assert {"pydantic", "pydantic-core", "boto3", "botocore", "aws-lambda-powertools"} <= names
    assert {"eventsourcing", "pillow", "s3transfer", "jmespath"} <= names
    assert not names & {"moto", "pulumi", "pytest", "flask", "playwright", "matplotlib"}
    for requirement in runtime_requirements():
        assert requirement_name(requirement) in names, requirement


def test_every_requirement_of_pyproject_is_pinned_in_the_lock_within_its_range() -> None:
    pins: dict[str, list[Pin]] = {}
    for pin in read_lock():
        pins.setdefault(pin.name, []).append(pin)
    for requirement_text in all_requirements():
        requirement = Requirement(requirement_text)
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement.name} is not in the lock: run `make lock`"
        for pin in pins[name]:
            assert requirement.specifier.contains(pin.version, prereleases=True), (
                f"the lock pins {requirement.name} {pin.version}, outside pyproject's "
                f"{requirement.specifier}: run `make lock`"
            )
            assert pin.hashes and all(h.startswith("sha256:") for h in pin.hashes)
    assert "make lock" in LOCK.read_text().splitlines()[1]


def test_the_tests_run_the_versions_the_layer_deploys() -> None:
    # `make install` syncs this environment to the same lock the layer is built from.
    for pin in lambda_pins():
        assert metadata.version(pin.name) == pin.version, pin.name


def test_make_install_syncs_the_environment_to_the_lock_exactly() -> None:
    makefile = (LOCK.parent / "Makefile").read_text()
    recipe = makefile[makefile.index("\n$(STAMP):") :].split("\n\n", 1)[0]
    assert "$(LOCK)" in recipe.splitlines()[1]
    assert "pip sync" in recipe and "--require-hashes $(LOCK)" in recipe
    assert "--no-deps" in recipe  # the project itself, nothing beside the lock


def test_the_layer_installs_exactly_the_locks_pins_with_their_hashes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    commands: list[list[str]] = []
    requirements: list[str] = []

    def install(command: list[str], **options: Any) -> subprocess.CompletedProcess[str]:
        commands.append(command)
        requirements.append(Path(command[command.index("--requirement") + 1]).read_text())
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(subprocess, "run", install)
    build_layer_archive(tmp_path)

    (command,) = commands
    assert {"--require-hashes", "--no-deps", "--only-binary=:all:"} <= set(command)
    assert "manylinux2014_x86_64" in command and "manylinux_2_34_x86_64" in command
    assert "manylinux_2_35_x86_64" not in command  # newer than Lambda's glibc
    assert command[command.index("--python-version") + 1] == "3.12"
    # Nothing but the lock's pins: a bare requirement would bypass it.
    assert not [word for word in command if re.match(r"[A-Za-z].*[<>=]", word)]
    installed = requirements[0].replace("\\\n", " ")
    for pin in lambda_pins():
        line = next(line for line in installed.splitlines() if line.startswith(f"{pin.name}=="))
        assert line.split()[0] == f"{pin.name}=={pin.version}"
        assert sorted(word.removeprefix("--hash=") for word in line.split()[1:]) == sorted(
            pin.hashes
        )
    assert len(installed.splitlines()) == len(lambda_pins())


def test_a_pin_for_another_python_stays_out_of_the_layer(tmp_path: Path) -> None:
    lock = tmp_path / "requirements.lock"
    lock.write_text(
        "# This file was autogenerated by uv via the following command:\n#    make lock\n"
        "pydantic==2.0 \\\n    --hash=sha256:aa\n    # via retake (pyproject.toml)\n"
        "typing-extensions==4.0 ; python_full_version < '3.12' \\\n"
        "    --hash=sha256:bb\n    # via pydantic\n"
        "typing-extensions==4.1 ; python_full_version >= '3.12' \\\n"
        "    --hash=sha256:cc\n    # via pydantic\n"
        "moto==5.0 \\\n    --hash=sha256:dd\n    # via retake (pyproject.toml)\n"
    )
    pins = lambda_pins(lock)
    assert [(pin.name, pin.version) for pin in pins] == [
        ("pydantic", "2.0"),
        ("typing-extensions", "4.1"),
    ]
