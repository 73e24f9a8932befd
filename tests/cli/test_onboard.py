"""`mlcrew onboard`: the checks say exactly how to fix what is missing, the walkthrough follows the
project's own Ways of Working, and the session ends in a committed-ready record (or in nothing).

The interactive path runs in a real pseudo-terminal with pexpect: questionary's prompts are driven
with the keys a person would press.
"""

from __future__ import annotations

import datetime
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import ROOT, ProjectFactory, run
from matrix import INSTALLED

from mlcrew.cli import ROLES as CLI_ROLES
from mlcrew.cli import build_parser
from mlcrew.onboard import ROLES, load_project, parse_sections, read_exercises, record_path
from mlcrew.project import Project

MLCREW = [sys.executable, "-m", "mlcrew"]


def onboard(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return run([*MLCREW, "onboard", *args], cwd or ROOT, check=False)


# --- without an installed project ----------------------------------------------------------------


def test_sections_and_exercises_come_from_the_rendered_documents(projects: ProjectFactory) -> None:
    project = load_project(projects.get())
    sections = parse_sections((project.path / "docs" / "ways-of-working.md").read_text())
    assert len(sections) >= 18
    for section in sections:
        assert section.summary, section.title
        assert section.where, section.title
        assert section.command, section.title
    quality = next(s for s in sections if s.title == "Quality gates")
    assert "thresholds.yaml" in quality.where  # type: ignore[operator]
    assert read_exercises(project).keys() == ROLES.keys()
    assert f"src/{project.package}/" in read_exercises(project)["data-scientist"]


def test_cli_roles_are_the_onboarding_roles() -> None:
    subparser = build_parser()._subparsers._group_actions[0].choices["onboard"]  # type: ignore[union-attr]
    role = next(action for action in subparser._actions if "--role" in action.option_strings)
    assert list(role.choices) == list(ROLES) == list(CLI_ROLES)


def test_cli_does_not_import_questionary_at_start_up() -> None:
    code = "import sys, mlcrew.cli; assert 'questionary' not in sys.modules and 'mlcrew.onboard' not in sys.modules"
    run([sys.executable, "-c", code], ROOT)


def test_not_a_project_is_a_one_line_error(tmp_path: Path) -> None:
    result = onboard(tmp_path, "--non-interactive")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "no .copier-answers.yml" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_role_is_refused(projects: ProjectFactory) -> None:
    result = onboard(projects.get(), "--role", "wizard", "--non-interactive")
    assert result.returncode == 2
    assert "invalid choice: 'wizard'" in result.stderr


def test_without_a_terminal_it_asks_for_non_interactive(projects: ProjectFactory) -> None:
    result = onboard(projects.get())
    assert result.returncode == 2
    assert "pass --non-interactive" in result.stderr


def test_same_day_records_never_overwrite(tmp_path: Path) -> None:
    project = Project(tmp_path, {"project_name": "P", "package_name": "p", "_commit": "v0.1.0"})
    today = datetime.date(2026, 1, 2)
    first = record_path(project, "Ada Lovelace", today)
    assert first == tmp_path / "docs" / "onboarding" / "2026-01-02-ada-lovelace.md"
    first.parent.mkdir(parents=True)
    first.write_text("x")
    assert record_path(project, "Ada Lovelace", today).name == "2026-01-02-ada-lovelace-2.md"


# --- on a set-up project ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def set_up_project(projects: ProjectFactory, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of an installed project, set up as a newcomer would: `uv sync`, hooks installed."""
    source = projects.installed(**INSTALLED[0])
    project = tmp_path_factory.mktemp("onboard") / "project"
    shutil.copytree(source, project, ignore=shutil.ignore_patterns(".venv", "artifacts", ".pytest_cache"))
    run(["uv", "sync", "--quiet"], project)
    run(["uv", "run", "--no-sync", "pre-commit", "install"], project)
    return project


@pytest.fixture
def without_hooks(set_up_project: Path) -> Iterator[Path]:
    hook = set_up_project / ".git" / "hooks" / "pre-commit"
    parked = hook.with_name("pre-commit.parked")
    hook.rename(parked)
    try:
        yield set_up_project
    finally:
        parked.rename(hook)


@pytest.mark.slow
def test_non_interactive_passes_on_a_set_up_project(set_up_project: Path) -> None:
    result = onboard("--non-interactive", "--role", "product-owner", cwd=set_up_project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "[FAIL]" not in result.stdout
    for check in ("Python", "git", "environment", "pre-commit hooks", "test suite", "pipeline smoke run"):
        assert f"[ok] {check}:" in result.stdout
    assert "Quality gates" in result.stdout  # the plan walks the Ways of Working
    assert "Product owner (--role product-owner)" in result.stdout
    assert not list((set_up_project / "docs" / "onboarding").glob("2*.md")), "the plan writes no record"


@pytest.mark.slow
def test_non_interactive_fails_with_the_fix_when_hooks_are_missing(without_hooks: Path) -> None:
    result = onboard(without_hooks, "--non-interactive")
    assert result.returncode == 1
    assert "[FAIL] pre-commit hooks: not installed" in result.stdout
    assert f"fix: run `uv run pre-commit install` in {without_hooks}" in result.stdout
    assert "1 check(s) failed: pre-commit hooks" in result.stdout


def spawn(project: Path, *args: str) -> object:
    pexpect = pytest.importorskip("pexpect")
    env = {**os.environ, "PROMPT_TOOLKIT_NO_CPR": "1", "TERM": "xterm"}
    return pexpect.spawn(
        sys.executable,
        ["-m", "mlcrew", "onboard", str(project), *args],
        cwd=str(project),
        env=env,
        encoding="utf-8",
        timeout=300,
        dimensions=(40, 120),
    )


@pytest.mark.slow
def test_interactive_session_end_to_end(set_up_project: Path) -> None:
    import pexpect

    sections = parse_sections((set_up_project / "docs" / "ways-of-working.md").read_text())
    before = set(set_up_project.joinpath("docs", "onboarding").iterdir())
    child = spawn(set_up_project, "--role", "data-scientist")
    assert isinstance(child, pexpect.spawn)
    try:
        child.expect("Your name")
        child.send("\x15Ada Lovelace\r")  # Ctrl-U clears git's user.name offered as the default
        child.expect(r"\[ok\] pipeline smoke run")
        for number, section in enumerate(sections, 1):
            child.expect_exact(f"[{number}/{len(sections)}] {section.title}")
            child.expect_exact("Use arrow keys")
            if section.title == "Quality gates":
                child.send("\x1b[B\r")  # down to "I have a question or a note"
                child.expect_exact("Your question or note")
                child.send("Who may lower a threshold?\r")
            else:
                child.send("\r")
        child.expect_exact("Your exercise as data scientist")
        child.expect_exact("notebooks/")
        child.expect_exact("Use arrow keys")
        child.send("\r")
        child.expect_exact("Anything else to note")
        child.send("First pairing slot on Tuesday\r")
        child.expect_exact("Open questions:")
        child.expect(r"Wrote (docs/onboarding/\S+\.md)")
        written = child.match.group(1)
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0
    record = set_up_project / written
    assert set(set_up_project.joinpath("docs", "onboarding").iterdir()) - before == {record}
    text = record.read_text()
    answers = load_project(set_up_project)
    assert record.name == f"{datetime.date.today().isoformat()}-ada-lovelace.md"
    assert "- **Who:** Ada Lovelace" in text
    assert "- **Role:** Data scientist" in text
    assert f"- **Template version:** {answers.template_version}" in text
    assert "1. **Quality gates:** Who may lower a threshold?" in text
    assert "2. **Other:** First pairing slot on Tuesday" in text
    assert "- **Checks:** 6 of 6 passed" in text
    record.unlink()


@pytest.mark.slow
def test_ctrl_c_exits_cleanly_and_writes_nothing(set_up_project: Path) -> None:
    import pexpect

    before = set(set_up_project.joinpath("docs", "onboarding").iterdir())
    child = spawn(set_up_project)
    assert isinstance(child, pexpect.spawn)
    try:
        child.expect("Your name")
        child.send("\x15Grace\r")
        child.expect("Your role in the team")
        child.sendintr()
        child.expect_exact("cancelled; nothing was written")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 130
    assert "Traceback" not in (child.before or "")
    assert set(set_up_project.joinpath("docs", "onboarding").iterdir()) == before
