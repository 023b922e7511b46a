"""The one lock (`requirements.lock`): every dependency pinned with its wheels' hashes.

`make lock` writes it with `uv pip compile --universal --generate-hashes` from
all of pyproject's dependencies and extras, so one file holds the versions for
this machine's Python and for Lambda's Python 3.12 alike (a package that
differs by Python version appears once per version, with its marker). `make
install` syncs the virtual environment to it exactly, and the Lambda layer is
installed from the part of it that `[project].dependencies` needs, so tests
run the wheels Lambda deploys.

uv annotates each pin with the packages that need it (`# via boto3`); those
annotations are the dependency graph the layer's part is read from.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from infra_pulumi.config import REPO_ROOT

LOCK = REPO_ROOT / "requirements.lock"
PYPROJECT = REPO_ROOT / "pyproject.toml"
#: How uv names the project itself among the packages that need a pin.
PROJECT_ORIGIN = "retake (pyproject.toml)"

_PIN = re.compile(
    r"^(?P<name>[A-Za-z0-9._-]+)==(?P<version>[^\s;\\]+)\s*(?:;\s*(?P<marker>[^\\]+?))?\s*\\?$"
)
_NAME = re.compile(r"^[A-Za-z0-9._-]+")


def canonical(name: str) -> str:
    """A distribution name as PEP 503 compares it (`Pillow` and `pillow` are one)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(requirement: str) -> str:
    """The distribution a requirement string names: `moto[server]>=5.2` is `moto`."""
    found = _NAME.match(requirement.strip())
    if not found:
        raise ValueError(f"not a requirement: {requirement!r}")
    return canonical(found.group(0))


@dataclass(frozen=True)
class Pin:
    """One locked package: its version, where it applies, its hashes and who needs it."""

    name: str
    version: str
    marker: str | None
    hashes: tuple[str, ...]
    needed_by: tuple[str, ...]

    def requirement_lines(self) -> list[str]:
        """The pin as pip reads it, hashes included."""
        head = f"{self.name}=={self.version}" + (f" ; {self.marker}" if self.marker else "")
        return [
            head + " \\",
            *(f"    --hash={h} \\" for h in self.hashes[:-1]),
            f"    --hash={self.hashes[-1]}",
        ]


def read_lock(path: Path = LOCK) -> list[Pin]:
    """Every pin of the lock, in the lock's order."""
    pins: list[Pin] = []
    current: dict[str, object] | None = None
    hashes: list[str] = []
    needed_by: list[str] = []

    def close() -> None:
        if current is not None:
            pins.append(Pin(hashes=tuple(hashes), needed_by=tuple(needed_by), **current))  # type: ignore[arg-type]

    for line in path.read_text().splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if not line[0].isspace() and not line.startswith("#"):
            close()
            found = _PIN.match(line)
            if not found:
                raise ValueError(f"{path.name}: not a pin: {line!r}")
            marker = found.group("marker")
            current = {
                "name": canonical(found.group("name")),
                "version": found.group("version"),
                "marker": marker.strip() if marker else None,
            }
            hashes, needed_by = [], []
        elif current is not None and stripped.startswith("--hash="):
            hashes.append(stripped.removeprefix("--hash=").rstrip(" \\"))
        elif current is not None and stripped.startswith("#"):
            origin = stripped.lstrip("#").strip().removeprefix("via").strip()
            if origin:
                needed_by.append(origin if origin == PROJECT_ORIGIN else canonical(origin))
    close()
    return pins


def runtime_requirements(pyproject: Path = PYPROJECT) -> list[str]:
    """`[project].dependencies`: what Lambda's layer must hold."""
    return list(tomllib.loads(pyproject.read_text())["project"]["dependencies"])


def all_requirements(pyproject: Path = PYPROJECT) -> list[str]:
    """Every requirement pyproject names, its extras' included (self-references left out)."""
    project = tomllib.loads(pyproject.read_text())["project"]
    listed = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        listed += [req for req in extra if requirement_name(req) != canonical(project["name"])]
    return listed


def closure(pins: Iterable[Pin], roots: Iterable[str]) -> list[Pin]:
    """The pins `roots` need, directly or through each other, read off the annotations."""
    pins = list(pins)
    wanted = {requirement_name(root) for root in roots}
    grew = True
    while grew:
        grew = False
        for pin in pins:
            if pin.name not in wanted and any(origin in wanted for origin in pin.needed_by):
                wanted.add(pin.name)
                grew = True
    return [pin for pin in pins if pin.name in wanted]


def layer_pins(path: Path = LOCK, pyproject: Path = PYPROJECT) -> list[Pin]:
    """The lock's pins that the runtime dependencies need: the Lambda layer's contents."""
    return closure(read_lock(path), runtime_requirements(pyproject))


def write_requirements(pins: Iterable[Pin], target: Path) -> Path:
    """A requirements file pip installs with `--require-hashes --no-deps`."""
    lines = [line for pin in pins for line in pin.requirement_lines()]
    target.write_text("\n".join(lines) + "\n")
    return target
