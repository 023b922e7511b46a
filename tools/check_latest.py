"""`make check-latest`: the newest releases pyproject allows, tried before users meet them.

    python -m tools.check_latest [--suite tests/integration ...] [--keep]

1. Resolves pyproject's ranges to their newest releases (`uv pip compile
   --upgrade`) and lists every package that would move from the lock.
2. Builds a scratch virtual environment from that resolution and runs the
   integration, e2e and browser suites in it.
3. If tests fail, names the culprits: for each moving package, an environment
   of the lock with only that package (and what it needs) moved runs a few of
   the failing tests again; a package whose move alone fails them is named,
   with its version and the failure.

Nothing here touches the project's own environment or its lock, and CI never
runs it: it reports, `make lock UPGRADE=...` moves the lock (README, "The lock").
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.markers import Marker

from infra_pulumi.lock import LOCK, Pin, read_lock

REPO_ROOT = LOCK.parent
SUITES = ("tests/integration", "tests/e2e", "tests/browser")
#: Failing tests run again per moving package, to find which move breaks them.
SAMPLED_FAILURES = 3
COMPILE = ("pip", "compile", "pyproject.toml", "--all-extras", "--universal")
COMPILE_OPTIONS = ("--python-version", "3.11", "--generate-hashes", "--quiet")


@dataclass(frozen=True)
class Move:
    """A package whose newest release in range differs from the lock's pin."""

    name: str
    locked: str | None
    newest: str | None

    def __str__(self) -> str:
        if self.locked is None:
            return f"{self.name} {self.newest} (new)"
        if self.newest is None:
            return f"{self.name} {self.locked} (no longer needed)"
        return f"{self.name} {self.locked} -> {self.newest}"


@dataclass(frozen=True)
class Failure:
    test: str
    message: str


def uv() -> str:
    found = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    if not found:
        raise SystemExit("check-latest: uv is not installed; run `make install` first")
    return found


def say(message: str) -> None:
    print(f"check-latest: {message}", flush=True)


def compile_lock(target: Path, upgrade: Sequence[str]) -> Path:
    """Resolve pyproject into `target`, starting from the lock's pins, moving `upgrade`."""
    shutil.copyfile(LOCK, target)
    command = [uv(), *COMPILE, *COMPILE_OPTIONS, *upgrade, "--output-file", str(target)]
    subprocess.run(command, cwd=REPO_ROOT, check=True)
    return target


def here(pins: Iterable[Pin]) -> dict[str, str]:
    """name -> version of the pins that apply to this machine's Python."""
    return {
        pin.name: pin.version for pin in pins if not pin.marker or Marker(pin.marker).evaluate()
    }


def moves(locked: dict[str, str], newest: dict[str, str]) -> list[Move]:
    names = sorted(set(locked) | set(newest))
    return [
        Move(name, locked.get(name), newest.get(name))
        for name in names
        if locked.get(name) != newest.get(name)
    ]


def environment(folder: Path, lock: Path) -> Path:
    """A virtual environment synced to `lock`, with the project installed beside it."""
    python = folder / "bin" / "python"
    if not python.exists():
        subprocess.run(
            [uv(), "venv", "--quiet", "--python", sys.executable, str(folder)], check=True
        )
    run = [uv(), "pip", "sync", "--quiet", "--python", str(python), "--require-hashes", str(lock)]
    subprocess.run(run, check=True)
    project = [uv(), "pip", "install", "--quiet", "--python", str(python), "--no-deps"]
    subprocess.run([*project, "--no-build-isolation", "-e", str(REPO_ROOT)], check=True)
    return python


def run_tests(
    python: Path, tests: Sequence[str], report: Path, quiet: bool = False
) -> list[Failure]:
    """Run pytest on `tests` in the environment of `python`; the failures and errors."""
    command = [str(python), "-m", "pytest", *tests, "-p", "no:cacheprovider"]
    command += ["--junitxml", str(report), "-q" if not quiet else "-qq", "--no-header"]
    output = subprocess.DEVNULL if quiet else None
    subprocess.run(command, cwd=REPO_ROOT, stdout=output, stderr=output, check=False)
    if not report.exists():
        return [Failure(" ".join(tests), "pytest produced no report (it could not start)")]
    return failures(report)


def failures(report: Path) -> list[Failure]:
    found = []
    for case in ElementTree.parse(report).getroot().iter("testcase"):
        problem = case.find("failure")
        if problem is None:
            problem = case.find("error")
        if problem is None:
            continue
        path = case.get("classname", "").replace(".", "/")
        test = f"{path}.py::{case.get('name')}"
        found.append(Failure(test, first_line(problem.get("message") or problem.text or "")))
    return found


def first_line(message: str) -> str:
    line = next((line.strip() for line in message.splitlines() if line.strip()), "")
    return line if len(line) <= 200 else line[:197] + "..."


def culprits(
    scratch: Path, candidates: Sequence[Move], failed: Sequence[Failure]
) -> list[tuple[Move, list[Failure]]]:
    """The moves that fail some of `failed` on their own, each with what it failed."""
    sample = list({f.test.split("::")[0]: f for f in failed}.values())[:SAMPLED_FAILURES]
    tests = [failure.test for failure in sample]
    say(f"finding which move breaks {len(tests)} of the {len(failed)} failing tests")
    named = []
    unexplained = set(tests)
    for index, move in enumerate(candidates, start=1):
        if move.newest is None:
            continue
        say(f"[{index}/{len(candidates)}] {move} alone")
        alone = compile_lock(scratch / "one.lock", ["--upgrade-package", move.name])
        python = environment(scratch / "one", alone)
        broke = run_tests(python, tests, scratch / "one.xml", quiet=True)
        (scratch / "one.xml").unlink(missing_ok=True)
        if broke:
            named.append((move, broke))
            unexplained -= {failure.test for failure in broke}
            if not unexplained:
                break
    return named


def check(suites: Sequence[str], scratch: Path) -> int:
    started = time.monotonic()
    say("resolving the newest releases pyproject allows")
    newest_lock = compile_lock(scratch / "latest.lock", ["--upgrade"])
    moving = moves(here(read_lock(LOCK)), here(read_lock(newest_lock)))
    if not moving:
        say("the lock already holds the newest release of every package in range")
        return 0
    say(f"{len(moving)} packages would move: " + ", ".join(str(m) for m in moving))
    say("building the scratch environment")
    python = environment(scratch / "latest", newest_lock)
    say(f"running {' '.join(suites)} on the newest releases")
    failed = run_tests(python, suites, scratch / "latest.xml")
    minutes = (time.monotonic() - started) / 60
    if not failed:
        say(f"every test passed on the newest releases ({minutes:.0f} min)")
        say("move the lock with `make lock UPGRADE=all`, then `make test`, and commit it")
        return 0
    say(f"{len(failed)} tests failed on the newest releases")
    for failure in failed:
        print(f"  {failure.test}: {failure.message}")
    named = culprits(scratch, moving, failed)
    print()
    if not named:
        say("no single move breaks them on its own: they need two or more moves together")
    for move, broke in named:
        say(f"{move} breaks {len(broke)} of them on its own:")
        for failure in broke:
            print(f"  {failure.test}: {failure.message}")
    say("keep the lock where it is (or `make lock UPGRADE=<package>` for the moves that pass)")
    return 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.check_latest", description=__doc__)
    parser.add_argument("--suite", action="append", dest="suites", help="a test folder or file")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    args = parser.parse_args(argv)
    scratch = Path(tempfile.mkdtemp(prefix="retake-latest-"))
    try:
        return check(args.suites or SUITES, scratch)
    finally:
        if args.keep:
            say(f"scratch environment kept in {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
