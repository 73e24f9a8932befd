"""Values from a project or a user never become git options or code: one test per entry point.

`.copier-answers.yml` can come from anyone's pull request, and `mlcrew check` / `update` / `onboard`
run in CI on pull requests. A hostile value must be refused with one line, and nothing may run: each
payload would create a file named PWNED if git (or Python) executed it.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest
from helpers import ProjectFactory, git, mlcrew, run

PAYLOADS = {
    "upload-pack": "--upload-pack=touch PWNED;: ://",
    "config-option": "-c core.sshCommand=touch PWNED",
    "ext-transport": "ext::sh -c touch% PWNED",
    "newline": "https://example.invalid/x.git\n--upload-pack=touch PWNED",
}


def pwned(root: Path) -> list[Path]:
    return [*root.rglob("PWNED"), *Path.cwd().glob("PWNED")]


@pytest.fixture
def project(projects: ProjectFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return Path(shutil.copytree(projects.get(), tmp_path / "product", symlinks=True))


def set_answer(project: Path, key: str, value: str, commit: bool = True) -> None:
    import yaml

    path = project / ".copier-answers.yml"
    answers = yaml.safe_load(path.read_text())
    answers[key] = value
    path.write_text(yaml.safe_dump(answers, sort_keys=False))
    if commit:
        git(project, "commit", "--quiet", "-am", f"hostile {key}")


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
@pytest.mark.parametrize("command", ["check", "update", "update --dry-run"])
def test_a_hostile_src_path_runs_nothing(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], payload: str, command: str
) -> None:
    set_answer(project, "_src_path", payload)
    assert mlcrew(*command.split(), project, *(["--defaults"] if command.startswith("update") else [])) == 2
    err = capsys.readouterr().err
    assert err.startswith("mlcrew: error: _src_path ")
    assert "is not a template location" in err
    assert err.count("\n") == 1
    assert pwned(tmp_path) == []


@pytest.mark.parametrize("command", ["check", "update"])
def test_a_hostile_commit_runs_nothing(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    set_answer(project, "_commit", "--output=PWNED")
    assert mlcrew(command, project) == 2
    err = capsys.readouterr().err
    assert "_commit '--output=PWNED' is not a tag, branch or commit name" in err
    assert pwned(tmp_path) == []


def test_a_hostile_package_name_is_never_run_by_onboarding(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    set_answer(project, "package_name", "os; open('PWNED', 'w')")
    assert mlcrew("onboard", project, "--non-interactive") == 2
    assert "package_name \"os; open('PWNED', 'w')\" in .copier-answers.yml is not a Python package name" in (
        capsys.readouterr().err
    )
    assert pwned(tmp_path) == []


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_new_refuses_a_template_that_is_an_option(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], payload: str
) -> None:
    monkeypatch.chdir(tmp_path)
    assert mlcrew("new", tmp_path / "p", "--defaults", "--template", payload) == 2
    assert capsys.readouterr().err.count("\n") == 1
    assert not (tmp_path / "p").exists()
    assert pwned(tmp_path) == []


def test_new_refuses_a_vcs_ref_that_is_an_option(
    template_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    code = mlcrew("new", tmp_path / "p", "--defaults", "--template", template_repo, "--vcs-ref=--output=PWNED")
    assert code == 2
    assert "--vcs-ref '--output=PWNED' is not a tag, branch or commit name" in capsys.readouterr().err
    assert not (tmp_path / "p").exists()
    assert pwned(tmp_path) == []


def test_the_console_script_refuses_too(project: Path, tmp_path: Path) -> None:
    """The same through the installed entry point, as CI runs it (no traceback, exit 2)."""
    set_answer(project, "_src_path", PAYLOADS["upload-pack"])
    result = run([sys.executable, "-m", "mlcrew", "check", project], tmp_path, check=False, env=dict(os.environ))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert pwned(tmp_path) == []


@pytest.mark.parametrize("command", ["check", "update --dry-run", "fleet"])
def test_a_checkout_whose_git_config_runs_a_command_runs_nothing(project: Path, tmp_path: Path, command: str) -> None:
    """A checkout handed over from elsewhere: its `.git/config` asks `git status` to run a command."""
    git(project, "config", "core.fsmonitor", f"touch {tmp_path / 'PWNED'}; false")
    mlcrew(*command.split(), project)
    assert pwned(tmp_path) == []
