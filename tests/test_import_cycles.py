"""No import cycle between the project's modules, read from the source by grimp (see
docs/access.md, "How the import cycles are checked").

grimp reads every `import` statement, those inside functions too: an import put in a function
to dodge a cycle at load time is still a dependency both ways, and is reported here.
"""

from __future__ import annotations

import grimp
import pytest

PACKAGES = ("mutualis", "provisioning", "ldap_sync", "nextcloud_bridge", "wagtail_site_factory",
            "convocation", "signature", "actes", "mail_service", "portal", "workspace", "ged")
# mutualis/cli.py imports every package's cli.py; the packages share mutualis/cli_support.py.
CLI = "mutualis.cli"


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph(*PACKAGES, cache_dir=None)


def strongly_connected(graph: grimp.ImportGraph) -> list[list[str]]:
    """The groups of modules that import each other, directly or not (the strongly connected
    components of more than one module): a module's group is what it imports and what
    imports it at once."""
    seen: set[str] = set()
    groups = []
    for module in sorted(graph.modules):
        if module in seen:
            continue
        group = (graph.find_upstream_modules(module)
                 & graph.find_downstream_modules(module)) | {module}
        seen |= group
        if len(group) > 1:
            groups.append(sorted(group))
    return groups


def describe(graph: grimp.ImportGraph, group: list[str]) -> str:
    """One cycle through the group's first module, each import with its line."""
    start = group[0]
    following = sorted(graph.find_modules_directly_imported_by(start) & set(group))[0]
    chain = (start, *graph.find_shortest_chain(importer=following, imported=start))
    steps = []
    for importer, imported in zip(chain, chain[1:], strict=False):
        line = graph.get_import_details(importer=importer, imported=imported)[0]
        steps.append(f"  {importer} -> {imported} (line {line['line_number']}: "
                     f"{line['line_contents']})")
    return f"{', '.join(group)}:\n" + "\n".join(steps)


def test_no_cycle_between_modules(graph):
    cycles = [describe(graph, group) for group in strongly_connected(graph)]
    assert not cycles, "modules that import each other:\n" + "\n".join(cycles)


def test_the_cycle_finder_finds_a_cycle():
    graph = grimp.ImportGraph()
    for module in ("pkg", "pkg.a", "pkg.b", "pkg.c"):
        graph.add_module(module)
    graph.add_import(importer="pkg.a", imported="pkg.b", line_number=3, line_contents="import b")
    graph.add_import(importer="pkg.b", imported="pkg.a", line_number=9, line_contents="import a")
    graph.add_import(importer="pkg.c", imported="pkg.a", line_number=1, line_contents="import a")
    assert strongly_connected(graph) == [["pkg.a", "pkg.b"]]
    assert describe(graph, ["pkg.a", "pkg.b"]) == (
        "pkg.a, pkg.b:\n  pkg.a -> pkg.b (line 3: import b)\n  pkg.b -> pkg.a (line 9: import a)")


def test_acts_build_on_convocation_not_the_other_way(graph):
    # The acts app records the délibérations of sittings; convocation tells it what it put
    # online through a signal (convocation.signals).
    back = graph.find_shortest_chain(importer="convocation", imported="actes", as_packages=True)
    assert back is None, f"convocation reaches actes: {' -> '.join(back)}"
    assert graph.chain_exists(importer="actes", imported="convocation", as_packages=True)


def test_no_package_imports_the_command_line(graph):
    importers = graph.find_modules_that_directly_import(CLI)
    assert not importers, f"{', '.join(sorted(importers))} import {CLI}: use mutualis.cli_support"
    assert graph.find_modules_directly_imported_by("mutualis.cli_support") == set()
