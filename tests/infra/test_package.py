"""`make package`: the functions' archive is reproducible and holds what Lambda runs."""

from __future__ import annotations

import os
import re
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from infra_pulumi.config import FUNCTIONS_ARCHIVE
from infra_pulumi.package import (
    FIXED_TIME,
    LAYER_LOCK,
    LAYER_PLATFORM,
    LAYER_PYTHON,
    build_functions_archive,
    build_layer_archive,
    deployed_packages,
    runtime_dependencies,
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


def test_the_layer_installs_the_projects_runtime_dependencies() -> None:
    # The layer's build needs the network; what it installs is read from pyproject.
    dependencies = runtime_dependencies()
    assert any(requirement.startswith("pydantic") for requirement in dependencies)
    assert not any(
        requirement.startswith(("pulumi", "moto", "pytest")) for requirement in dependencies
    )


def locked() -> dict[str, tuple[str, list[str]]]:
    """The lock's pins: canonical name -> (version, hashes)."""
    pins: dict[str, tuple[str, list[str]]] = {}
    text = LAYER_LOCK.read_text().replace("\\\n", " ")
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        found = re.fullmatch(
            r"([A-Za-z0-9._-]+)==(\S+)((?:\s+--hash=sha256:[0-9a-f]{64})+)\s*", line
        )
        assert found, f"not an exact pin with hashes: {line!r}"
        name, version, hashes = found.groups()
        pins[canonicalize_name(name)] = (version, hashes.split())
    return pins


def test_every_pin_of_the_layers_lock_satisfies_pyprojects_ranges() -> None:
    pins = locked()
    for dependency in runtime_dependencies():
        requirement = Requirement(dependency)
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement.name} is not in the lock: run `make lock`"
        version, hashes = pins[name]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"the lock pins {requirement.name} {version}, outside pyproject's "
            f"{requirement.specifier}: run `make lock`"
        )
        assert hashes


def test_the_lock_is_made_for_the_layers_python_and_machine() -> None:
    # `make lock` compiles for the interpreter and platform the layer installs for.
    makefile = (LAYER_LOCK.parents[1] / "Makefile").read_text()
    recipe = makefile[makefile.index("\nlock:") :].split("\n\n", 1)[0]
    python = LAYER_PYTHON[LAYER_PYTHON.index("--python-version") + 1]
    assert f"--python-version {python}" in recipe
    machine = LAYER_PLATFORM[LAYER_PLATFORM.index("--platform") + 1].split("_", 1)[1]
    assert f"--python-platform {machine}-manylinux2014" in recipe
    assert "--generate-hashes" in recipe and "--only-binary :all:" in recipe
    assert "make lock" in LAYER_LOCK.read_text()


def test_the_layer_installs_exactly_the_lock_with_its_hashes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    commands: list[list[str]] = []

    def install(command: list[str], **options: Any) -> subprocess.CompletedProcess[str]:
        commands.append(command)
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(subprocess, "run", install)
    build_layer_archive(tmp_path)

    (command,) = commands
    assert command[command.index("--requirement") + 1] == str(LAYER_LOCK)
    assert {"--require-hashes", "--no-deps", "--only-binary=:all:"} <= set(command)
    assert command[command.index("--platform") + 1] == "manylinux2014_x86_64"
    assert command[command.index("--python-version") + 1] == "3.12"
    # Nothing but the lock: a bare requirement would bypass it.
    assert not [word for word in command if re.match(r"[A-Za-z].*[<>=]", word)]
