"""The exact file set a generated project gets, per answer: one entry per generated file.

Each entry is (path, condition). The condition takes the answers and says whether the file exists;
`ALWAYS` for files every project gets. Paths use the default package name placeholder `{pkg}`.
When you add a file to template/, add it here: the test fails on any file not listed or missing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Answers = Mapping[str, Any]


def ALWAYS(_: Answers) -> bool:
    return True


MANIFEST: list[tuple[str, Callable[[Answers], bool]]] = [
    (".copier-answers.yml", ALWAYS),
    (".gitignore", ALWAYS),
    (".pre-commit-config.yaml", ALWAYS),
    ("README.md", ALWAYS),
    ("noxfile.py", ALWAYS),
    ("pyproject.toml", ALWAYS),
    ("LICENSE", lambda a: a["license"] != "proprietary"),
    ("src/{pkg}/__init__.py", ALWAYS),
    ("src/{pkg}/__main__.py", ALWAYS),
    ("src/{pkg}/py.typed", ALWAYS),
    ("tests/conftest.py", ALWAYS),
    ("tests/unit/test_version.py", ALWAYS),
]


def expected_files(answers: Answers) -> set[str]:
    """The files a project generated with `answers` must have, no more and no fewer."""
    return {path.format(pkg=answers["package_name"]) for path, applies in MANIFEST if applies(answers)}
