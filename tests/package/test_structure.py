"""The package's shape as docs/architecture.md promises it: no import cycle, every module on the map.

Imports are read from the source (ast), lazy ones inside functions and `TYPE_CHECKING` ones included:
a cycle hidden behind either still makes the modules impossible to understand one at a time.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from helpers import ROOT

PACKAGE = ROOT / "src" / "mlcrew"


def imports_of(path: Path) -> set[str]:
    """The mlcrew modules a module imports, anywhere in its source."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "mlcrew":
            if node.module == "mlcrew":  # `from mlcrew import git, versions`
                found.update(alias.name for alias in node.names if (PACKAGE / f"{alias.name}.py").exists())
            else:
                found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[1] for a in node.names if a.name.startswith("mlcrew."))
    return found - {path.stem}


def modules() -> dict[str, set[str]]:
    return {path.stem: imports_of(path) for path in sorted(PACKAGE.glob("*.py"))}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle in the import graph as a path (first == last), or None."""
    state: dict[str, str] = {}

    def visit(name: str, trail: list[str]) -> list[str] | None:
        state[name] = "open"
        for target in sorted(graph.get(name, ())):
            if state.get(target) == "open":
                return [*trail[trail.index(target) :], target] if target in trail else [name, target]
            if target not in state and (cycle := visit(target, [*trail, target])):
                return cycle
        state[name] = "done"
        return None

    for name in sorted(graph):
        if name not in state and (cycle := visit(name, [name])):
            return cycle
    return None


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_no_import_cycle_even_behind_type_checking_or_inside_functions() -> None:
    graph = modules()
    assert "update_report" in graph["update"]  # the reader sees real imports (a broken reader finds nothing)
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph) or [])


def test_every_module_is_on_the_architecture_map_with_its_job() -> None:
    page = (ROOT / "docs" / "architecture.md").read_text()
    on_map = set(re.findall(r"^\| `(\w+)\.py` \| \S", page, flags=re.MULTILINE))
    shipped = set(modules()) - {"__init__", "__main__"}
    assert shipped - on_map == set(), "modules missing from docs/architecture.md"
    assert on_map - shipped == set(), "docs/architecture.md lists modules that no longer exist"


def test_every_module_says_its_job_in_its_first_line() -> None:
    for path in PACKAGE.glob("*.py"):
        docstring = ast.get_docstring(ast.parse(path.read_text()))
        assert docstring, f"{path.name} has no docstring"
        assert len(docstring.splitlines()[0]) > 20, path.name
