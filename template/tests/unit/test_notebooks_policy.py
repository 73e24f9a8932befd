"""Notebooks are for exploration: src/ never imports from notebooks/, no outputs are committed."""

from __future__ import annotations

import ast
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
    return modules


def test_src_never_imports_notebooks() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "src").rglob("*.py")
        if any(name.split(".")[0] == "notebooks" for name in imported_modules(path))
    ]
    assert not offenders, f"src/ must not depend on notebooks/: {offenders}"


def test_notebooks_have_no_outputs() -> None:
    for notebook in (ROOT / "notebooks").rglob("*.ipynb"):
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        for cell in cells:
            assert not cell.get("outputs"), f"{notebook.name}: strip outputs (nbstripout)"
            assert cell.get("execution_count") is None, f"{notebook.name}: strip execution counts"
