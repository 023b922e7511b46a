"""The layers, held by their imports: the core never climbs to the edges or the entries.

`domain/` is at the bottom (a ruff rule keeps boto3 out of it), the write core
(`commands/`), the read side (`projections/`), the fan-out (`fanout/`) and the
image pipeline (`pipeline/`) above it. None of them imports the adapters, the
composition root or the Lambda entry modules in `functions/`; the Pulumi
program imports nothing of the local stack.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from resources.definitions import FUNCTIONS

ROOT = Path(__file__).resolve().parents[2]
CORE = ("domain", "commands", "projections", "pipeline", "fanout")


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def imports_of(package: str) -> dict[str, set[str]]:
    return {
        str(path.relative_to(ROOT)): imported_modules(path)
        for path in sorted((ROOT / package).rglob("*.py"))
    }


def reaching(imports: dict[str, set[str]], *banned: str) -> list[str]:
    return [
        f"{module} imports {name}"
        for module, names in imports.items()
        for name in sorted(names)
        if any(name == b or name.startswith(f"{b}.") for b in banned)
    ]


@pytest.mark.parametrize("package", CORE)
def test_the_core_imports_no_adapter_composition_root_or_entry_module(package: str) -> None:
    assert reaching(imports_of(package), "adapters", "functions") == []


def test_the_pulumi_program_imports_nothing_of_the_local_stack() -> None:
    assert reaching(imports_of("infra_pulumi"), "local_stack") == []


def test_the_check_sees_an_import_inside_a_function(tmp_path: Path) -> None:
    module = tmp_path / "late.py"
    module.write_text("def main():\n    from functions.bootstrap import write_side\n")
    assert reaching({"late.py": imported_modules(module)}, "functions") == [
        "late.py imports functions.bootstrap",
        "late.py imports functions.bootstrap.write_side",
    ]


def test_every_deployed_function_has_its_own_entry_module_in_functions() -> None:
    entries = {spec.name: spec.handler for spec in FUNCTIONS}
    for name, handler in entries.items():
        module, _, attribute = handler.rpartition(".")
        assert module == f"functions.{name.replace('-', '_')}", (name, handler)
        assert attribute == "handler", (name, handler)
        assert (ROOT / f"{module.replace('.', '/')}.py").is_file(), handler
    modules = {p.stem for p in (ROOT / "functions").glob("*.py")} - {"__init__"}
    helpers = {"bootstrap", "faults"}
    assert modules - helpers == {name.replace("-", "_") for name in entries}
