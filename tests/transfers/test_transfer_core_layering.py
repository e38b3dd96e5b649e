"""The shared transfer core sits below both transfer families: it imports neither, and the
customer family does not import the group family."""

import ast
from pathlib import Path

import capillary_emulator

PACKAGE = Path(capillary_emulator.__file__).parent


def imported_modules(folder: str) -> set[str]:
    found: set[str] = set()
    for path in (PACKAGE / folder).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
    return found


def test_core_imports_neither_family():
    modules = imported_modules("transfer_core")
    assert not {
        m
        for m in modules
        if m.startswith(("capillary_emulator.transfers", "capillary_emulator.groups"))
    }


def test_customer_family_does_not_import_the_group_family():
    modules = imported_modules("transfers")
    assert not {m for m in modules if m.startswith("capillary_emulator.groups")}


def test_group_family_does_not_import_the_customer_family():
    modules = imported_modules("groups")
    assert not {m for m in modules if m.startswith("capillary_emulator.transfers")}
