"""`make package`: the functions' archive and the dependencies layer, byte for byte reproducible.

    python -m infra_pulumi.package [--out dist] [--functions-only]

The functions' archive holds the project's own packages (pyproject's package
list, without what never runs in Lambda). The layer holds the runtime
dependencies (pyproject's `[project].dependencies`) as wheels for Lambda's
Python 3.12 on x86_64, under `python/` as Lambda expects: exactly the versions
and wheels that the project's one lock (`requirements.lock`, refreshed by `make
lock`) pins for them, the same the tests run, installed with `--require-hashes`. Entries are sorted,
dated 1980-01-01 and given fixed permissions, and bytecode is left out, so two
builds of the same sources are identical and Pulumi redeploys only on change.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from packaging.markers import Marker

from infra_pulumi.config import FUNCTIONS_ARCHIVE, LAYER_ARCHIVE, REPO_ROOT
from infra_pulumi.lock import LOCK, Pin, layer_pins, write_requirements

#: Packages of the repository that never run in Lambda.
NOT_DEPLOYED = frozenset({"tests", "bench", "local_stack", "infra_pulumi", "proof", "tools"})
FIXED_TIME = (1980, 1, 1, 0, 0, 0)
FILE_MODE = 0o644
#: Lambda's runtime and machine, which the layer's wheels are chosen for: python3.12 runs
#: on Amazon Linux 2023 (glibc 2.34), so a wheel built for glibc 2.34 or older loads there.
LAYER_PLATFORM = (
    *("--platform", "manylinux_2_34_x86_64"),
    *("--platform", "manylinux_2_28_x86_64"),
    *("--platform", "manylinux2014_x86_64"),
    *("--implementation", "cp"),
)
LAYER_PYTHON = ("--python-version", "3.12", "--only-binary=:all:")
#: The lock pins every dependency of a dependency too, and a hash must match each file.
LAYER_FROM_LOCK = ("--require-hashes", "--no-deps")
#: The environment markers of the lock's pins are read in: Lambda's python3.12 on x86_64.
LAMBDA_ENVIRONMENT = {
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
    "platform_machine": "x86_64",
    "platform_system": "Linux",
    "sys_platform": "linux",
    "os_name": "posix",
    "python_version": "3.12",
    "python_full_version": "3.12.0",
    "implementation_version": "3.12.0",
}


def deployed_packages(pyproject: Path = REPO_ROOT / "pyproject.toml") -> list[str]:
    """The top-level packages pyproject lists (`include = ["domain*", ...]`), minus the rest."""
    found = tomllib.loads(pyproject.read_text())["tool"]["setuptools"]["packages"]["find"]
    names = {pattern.rstrip("*").rstrip(".") for pattern in found["include"]}
    return sorted(names - NOT_DEPLOYED)


def source_files(root: Path, packages: Iterable[str]) -> list[tuple[str, Path]]:
    """(archive name, file) of every file of the packages, bytecode and caches left out."""
    files = []
    for package in packages:
        for path in (root / package).rglob("*"):
            if path.is_file() and _wanted(path.relative_to(root)):
                files.append((path.relative_to(root).as_posix(), path))
    return sorted(files)


def write_archive(target: Path, files: Iterable[tuple[str, Path]]) -> Path:
    """A zip of `files` that depends only on their names and contents."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, path in sorted(files):
            entry = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            entry.external_attr = (0o100000 | FILE_MODE) << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.create_system = 3  # Unix, whatever machine builds it
            archive.writestr(entry, path.read_bytes(), compresslevel=9)
    partial.replace(target)
    return target


def build_functions_archive(
    out: Path, root: Path = REPO_ROOT, packages: Sequence[str] | None = None
) -> Path:
    packages = deployed_packages(root / "pyproject.toml") if packages is None else packages
    return write_archive(out / FUNCTIONS_ARCHIVE, source_files(root, packages))


def lambda_pins(lock: Path = LOCK) -> list[Pin]:
    """The lock's pins for the runtime dependencies that apply on Lambda's Python."""
    return [
        pin
        for pin in layer_pins(lock)
        if pin.marker is None or Marker(pin.marker).evaluate(LAMBDA_ENVIRONMENT)
    ]


def build_layer_archive(out: Path, lock: Path = LOCK) -> Path:
    """Install the locked dependencies for Lambda into a scratch folder and zip it (network)."""
    with (
        tempfile.TemporaryDirectory(prefix="retake-layer-") as scratch,
        tempfile.TemporaryDirectory(prefix="retake-layer-pins-") as pins,
    ):
        requirements = write_requirements(lambda_pins(lock), Path(pins) / "layer.txt")
        target = Path(scratch) / "python"
        pip = [sys.executable, "-m", "pip", "install", "--quiet", "--no-compile"]
        pip += ["--disable-pip-version-check", "--target", str(target)]
        pip += [*LAYER_PLATFORM, *LAYER_PYTHON, *LAYER_FROM_LOCK]
        pip += ["--requirement", str(requirements)]
        subprocess.run(pip, check=True)
        files = [
            (path.relative_to(scratch).as_posix(), path)
            for path in Path(scratch).rglob("*")
            if path.is_file() and _wanted(path.relative_to(scratch))
        ]
        return write_archive(out / LAYER_ARCHIVE, files)


def _wanted(relative: Path) -> bool:
    return "__pycache__" not in relative.parts and relative.suffix not in {".pyc", ".pyo"}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra_pulumi.package", description=__doc__)
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "dist")
    parser.add_argument(
        "--functions-only", action="store_true", help="skip the layer (it needs the network)"
    )
    args = parser.parse_args(argv)
    built = [build_functions_archive(args.out)]
    if not args.functions_only:
        built.append(build_layer_archive(args.out))
    for archive in built:
        print(f"built {archive} ({archive.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
