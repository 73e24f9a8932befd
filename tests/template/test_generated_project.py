"""Generated projects are complete and green: the exact file set, no Jinja left, and their own checks.

Coverage of the option space (documented in docs/generated-project.md):
- rendering: every PAIR of option values (a pairwise covering array over all six options, 16
  projects instead of the 432 of the full product) gets its exact file set and a Jinja-leftover scan;
- installing: the FULL product of serving × experiment_tracking × regulated (12 projects, issue 3's
  "done means"), with ci_provider, license and python_version rotated through them, is installed with
  uv and runs its own test suite, ruff, mypy and every pre-commit hook. Only Python 3.11 exists on the
  test machine, so installed projects use python_version 3.10 or 3.11; 3.12/3.13 are rendered only.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

import pytest
import tomllib
import yaml
from helpers import ProjectFactory, answers_of, files_of, generate, git, in_project
from manifest import expected_files
from matrix import INSTALLED, OPTIONS, PAIRWISE, combo_id

JINJA_LEFTOVER = re.compile(r"(?<!\$)\{\{|\{%|%\}")
"""Jinja syntax that survived rendering (`${{ }}` is GitHub Actions' own syntax, not Jinja)."""


def test_pairwise_covers_every_pair() -> None:
    assert len(PAIRWISE) <= 20
    for (a, values_a), (b, values_b) in itertools.combinations(OPTIONS.items(), 2):
        for va, vb in itertools.product(values_a, values_b):
            assert any(combo[a] == va and combo[b] == vb for combo in PAIRWISE), (a, va, b, vb)


@pytest.mark.parametrize("combo", PAIRWISE, ids=combo_id)
def test_exact_files_and_no_jinja_left(projects: ProjectFactory, combo: dict[str, Any]) -> None:
    project = projects.get(**combo)
    answers = answers_of(project)
    assert {key: answers[key] for key in combo} == combo
    assert files_of(project) == expected_files(answers)
    for name in files_of(project):
        text = (project / name).read_text(errors="replace")
        leftover = JINJA_LEFTOVER.search(text)
        assert leftover is None, f"{name}: Jinja syntax left at {text[leftover.start() - 40 : leftover.end() + 40]!r}"
        assert not JINJA_LEFTOVER.search(name), name


def test_defaults_need_no_answers(projects: ProjectFactory) -> None:
    answers = answers_of(projects.get())
    assert answers["project_name"] == "Tumour Triage"
    assert answers["package_name"] == "tumour_triage"
    assert answers["serving"] == "api"
    assert answers["ci_provider"] == "github"


def test_readme_starts_with_the_two_commands(projects: ProjectFactory) -> None:
    lines = (projects.get() / "README.md").read_text().splitlines()
    fence = lines.index("```bash")
    assert lines[fence + 1].startswith("python -m pip install uv && uv sync")
    assert lines[fence + 2].startswith("uv run pytest")
    assert fence < 5


@pytest.mark.slow
@pytest.mark.parametrize("combo", INSTALLED, ids=combo_id)
def test_generated_project_is_green(projects: ProjectFactory, combo: dict[str, Any]) -> None:
    """What a user does on day one: install, run the tests, the linters, the type checker, the hooks."""
    project = projects.installed(**combo)
    tests = in_project(project, "pytest", "-q", "-p", "no:cacheprovider")
    assert " passed" in tests.stdout
    assert " failed" not in tests.stdout
    in_project(project, "ruff", "check", "--no-cache", ".")
    in_project(project, "ruff", "format", "--no-cache", "--check", ".")
    in_project(project, "mypy")
    in_project(project, "pre-commit", "run", "--all-files", "--show-diff-on-failure")
    # The checks changed nothing: a fresh project already satisfies its own standard.
    assert git(project, "status", "--porcelain", "--untracked-files=no") == ""


def test_free_text_answers_are_escaped_everywhere(template_repo: Path, tmp_path: Path) -> None:
    """Quotes, backslashes and non-ASCII in free-text answers must not break any generated config file."""

    awkward = {
        "project_name": 'Ana\'s "Fraud" Lens',
        "description": 'Reads C:\\data files, "quoted" & <tagged>; ünïcode too',
        "team_name": 'The "A" Team \\ Ops',
        "owner_email": "o'brien@example.com",
    }
    project = generate(template_repo, tmp_path / "awkward", awkward, commit=False)
    metadata = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    assert metadata["description"] == awkward["description"]
    assert metadata["authors"] == [{"name": awkward["team_name"], "email": awkward["owner_email"]}]
    for name in files_of(project):
        if name.endswith((".yml", ".yaml")) and name != "mkdocs.yml":
            yaml.safe_load((project / name).read_text())
    site = yaml.load((project / "mkdocs.yml").read_text(), Loader=yaml.BaseLoader)  # has !!python tags
    assert awkward["project_name"] in site["site_name"]
