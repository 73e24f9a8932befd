"""mlcrew's documentation: it builds strictly and documents every question and CLI option."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import ROOT

from mlcrew.cli import build_parser
from mlcrew.copier_yml import TemplateConfig


def nox_docs_env() -> dict[str, str]:
    """The environment `nox -s docs` builds with: DOCS_ENV in noxfile.py, passed to the build command.

    Read from the source (the test environment has no nox to import the noxfile with), and only when
    the `docs` session really passes it, so that the test builds exactly as `nox -s docs` does.
    """
    tree = ast.parse((ROOT / "noxfile.py").read_text(encoding="utf-8"))
    assigned = next(
        node.value
        for node in tree.body
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "DOCS_ENV" for t in node.targets)
    )
    session = next(node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == "docs")
    passed = [
        keyword.value
        for call in ast.walk(session)
        if isinstance(call, ast.Call) and ast.unparse(call.func) == "session.run" and "mkdocs" in ast.unparse(call)
        for keyword in call.keywords
        if keyword.arg == "env"
    ]
    assert [ast.unparse(value) for value in passed] == ["DOCS_ENV"], "nox -s docs must build with DOCS_ENV"
    env: dict[str, str] = ast.literal_eval(assigned)
    return env


def test_docs_site_builds_strictly_and_quietly(tmp_path: Path) -> None:
    """As `nox -s docs` builds it: strict, and without the theme's end-of-life notice on every build."""
    env = {key: value for key, value in os.environ.items() if key != "NO_MKDOCS_2_WARNING"}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        env={**env, **nox_docs_env()},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "site" / "index.html").is_file()
    assert (tmp_path / "site" / "questions" / "index.html").is_file()
    output = result.stdout + result.stderr
    assert "end of life" not in output.lower(), output
    assert "zensical" not in output.lower(), output


def test_mkdocs_yml_says_where_the_site_moves() -> None:
    """The theme reaches end of life in May 2027: the plan is written next to the theme setting."""
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    before_theme = config.split("\ntheme:")[0]
    assert "Zensical" in before_theme
    assert "2027" in before_theme


@pytest.mark.parametrize("name", TemplateConfig.parse((ROOT / "copier.yml").read_text()).asked)
def test_every_asked_question_is_documented(name: str) -> None:
    assert f"| `{name}` |" in (ROOT / "docs" / "questions.md").read_text()


def test_every_cli_option_is_documented() -> None:
    cli_doc = (ROOT / "docs" / "cli.md").read_text()
    parser = build_parser()
    for command in subcommands(parser):
        subparser = parser._subparsers._group_actions[0].choices[command]  # type: ignore[union-attr]
        section = cli_doc.split(f"## `mlcrew {command}")[1].split("\n## ")[0]
        for action in subparser._actions:
            for option in action.option_strings:
                if option.startswith("--") and option != "--help":
                    assert option in section, (command, option)


def subcommands(parser: object) -> list[str]:
    return list(parser._subparsers._group_actions[0].choices)  # type: ignore[attr-defined]


def test_readme_test_command_is_what_ci_runs() -> None:
    readme = (ROOT / "README.md").read_text().splitlines()
    test_command = next(line for line in readme if line.startswith("python -m pip install uv nox"))
    assert test_command in (ROOT / ".ci" / "run").read_text().splitlines()
