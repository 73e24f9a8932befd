"""mlcrew's documentation: it builds strictly and documents every question and CLI option."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from helpers import ROOT, run

from mlcrew.cli import build_parser
from mlcrew.copier_yml import TemplateConfig


def test_docs_site_builds_strictly(tmp_path: Path) -> None:
    run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", tmp_path / "site"], ROOT)
    assert (tmp_path / "site" / "index.html").is_file()
    assert (tmp_path / "site" / "questions" / "index.html").is_file()


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
