"""The docs site builds strictly: a broken link or a missing page fails here, not in CI.

The build is a process of its own, started by conftest's `docs_build` fixture when the session
starts, so it runs beside the other tests; this test, ordered last, waits for its verdict.
"""

from __future__ import annotations

import importlib.util
from typing import Any

import pytest


@pytest.mark.skipif(
    importlib.util.find_spec("mkdocs") is None,
    reason="mkdocs is not installed: `uv sync --group docs` (or `uv run nox -s docs`)",
)
def test_docs_build_strictly(docs_build: Any) -> None:
    assert docs_build is not None
    code = docs_build.process.wait(timeout=600)
    assert code == 0, docs_build.log.read_text(encoding="utf-8")[-4000:]
    assert (docs_build.site / "ways-of-working" / "index.html").is_file()
