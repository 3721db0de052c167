"""Shared fixtures come through the root conftest's pytest_plugins: no conftest imports
another conftest, no module imports the conftest of another package, and only the root
conftest declares plugins (pytest refuses them in any other conftest)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted((ROOT / "tests").rglob("*.py")) + sorted((ROOT / "benchmarks").rglob("*.py"))


def conftest_imports(path: Path) -> list[str]:
    """The conftest modules `path` imports, as written (".conftest", "tests.x.conftest")."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            names = [f"{module}.{a.name}" if node.module else module + a.name
                     for a in node.names]
            found += [m for m in [module, *names] if m.split(".")[-1] == "conftest"]
        elif isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.split(".")[-1] == "conftest"]
    return sorted(set(found))


def test_no_conftest_imports_another():
    imports = {str(p.relative_to(ROOT)): conftest_imports(p)
               for p in SOURCES if p.name == "conftest.py"}
    assert {path: found for path, found in imports.items() if found} == {}


def test_no_module_imports_the_conftest_of_another_package():
    foreign = {}
    for path in SOURCES:
        if path.name == "conftest.py":
            continue
        # a test module may still read helpers from its own package's conftest
        others = [m for m in conftest_imports(path) if m != ".conftest"]
        if others:
            foreign[str(path.relative_to(ROOT))] = others
    assert foreign == {}


def test_only_the_root_conftest_declares_plugins():
    declaring = [str(p.relative_to(ROOT)) for p in SOURCES
                 if p.name == "conftest.py" and "pytest_plugins" in p.read_text()]
    assert declaring == ["tests/conftest.py"]


def test_the_check_sees_a_conftest_import(tmp_path):
    sample = tmp_path / "conftest.py"
    sample.write_text("from tests.convocation.conftest import pdf\nfrom . import conftest\n")
    assert conftest_imports(sample) == [".conftest", "tests.convocation.conftest"]
