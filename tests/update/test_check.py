"""`mlcrew check`: the drift report against a fresh render of the project's own template version."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import ProjectFactory, git, mlcrew

from mlcrew.check import compare


@pytest.fixture
def project(projects: ProjectFactory, tmp_path: Path) -> Path:
    """A copy of the shared default project (generated from the working tree's template, v0.1.0)."""
    return Path(shutil.copytree(projects.get(), tmp_path / "product", symlinks=True))


def report(project: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    code = mlcrew("check", project, "--json")
    return code, json.loads(capsys.readouterr().out)


def test_a_fresh_project_is_current_and_compliant(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, result = report(project, capsys)
    assert code == 0, result
    assert result["current"] is True
    assert result["compliant"] is True
    assert result["findings"] == []
    assert result["behind"] == []
    assert result["version"] == result["latest"] == "v0.1.0"
    assert mlcrew("check", project) == 0
    assert "OK: current, compliant" in capsys.readouterr().out


def test_customisation_is_not_drift(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Teams edit their README and add dependencies: updates keep that, so check does not flag it."""
    (project / "README.md").write_text((project / "README.md").read_text() + "\nOur notes.\n")
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace("dependencies = [", 'dependencies = [\n    "rich>=13",', 1))
    code, result = report(project, capsys)
    assert code == 0, result
    assert {"README.md", "pyproject.toml"} <= set(result["customised"])


def _remove_hook(project: Path, hook: str) -> None:
    path = project / ".pre-commit-config.yaml"
    config = yaml.safe_load(path.read_text())
    for repo in config["repos"]:
        repo["hooks"] = [item for item in repo["hooks"] if item["id"] != hook]
    path.write_text(yaml.safe_dump(config, sort_keys=False))


def _drop_session(project: Path, session: str) -> None:
    path = project / "noxfile.py"
    path.write_text(path.read_text().replace(f"@nox.session\ndef {session}(", f"def _{session}(", 1))


def _drop_heading(project: Path, heading: str) -> None:
    path = project / "docs" / "ways-of-working.md"
    text = path.read_text()
    assert f"\n## {heading}\n" in text
    path.write_text(text.replace(f"\n## {heading}\n", f"\n{heading}\n"))


def _loosen_mypy(project: Path) -> None:
    path = project / "pyproject.toml"
    path.write_text(re.sub(r"(?m)^strict = true\n", "", path.read_text(), count=1))


@pytest.mark.parametrize(
    ("drift", "kind", "path", "message"),
    [
        (lambda p: _remove_hook(p, "check-merge-conflict"), "hooks-removed", ".pre-commit-config.yaml", "check-merge"),
        (lambda p: _drop_session(p, "typecheck"), "sessions-removed", "noxfile.py", "typecheck"),
        (lambda p: _drop_heading(p, "Definition of done"), "ways-of-working", "docs/ways-of-working.md", "Definition"),
        (lambda p: (p / "noxfile.py").unlink(), "deleted", "noxfile.py", "the standard requires it"),
        (_loosen_mypy, "tool-config", "pyproject.toml", "mypy strict"),
    ],
    ids=[
        "pre-commit-hook-removed",
        "nox-session-removed",
        "wow-section-missing",
        "owned-file-deleted",
        "mypy-loosened",
    ],
)
def test_drift_is_reported(
    project: Path, capsys: pytest.CaptureFixture[str], drift: Any, kind: str, path: str, message: str
) -> None:
    drift(project)
    code, result = report(project, capsys)
    assert code == 1
    assert result["compliant"] is False
    assert result["current"] is True
    [finding] = result["findings"]
    assert finding["kind"] == kind
    assert finding["path"] == path
    assert message in finding["message"]
    assert mlcrew("check", project) == 1
    out = capsys.readouterr().out
    assert f"{path}: " in out
    assert "NOT OK: current, drifted" in out


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda text: text.replace("serving: api", "serving: gpu"), "invalid answer: serving='gpu' is not one of"),
        (lambda text: text + "colour: blue\n", "answers to no question: colour"),
        (lambda text: text.replace("regulated: false", "regulated: false  # we might be"), "edited by hand"),
    ],
    ids=["invalid", "unknown-key", "comment"],
)
def test_hand_edited_answers_file(project: Path, capsys: pytest.CaptureFixture[str], edit: Any, message: str) -> None:
    answers = project / ".copier-answers.yml"
    answers.write_text(edit(answers.read_text()))
    code, result = report(project, capsys)
    assert code == 1
    assert any(f["kind"] == "answers-file" and message in f["message"] for f in result["findings"]), result


def test_ci_guard_rails_removed() -> None:
    """CI jobs and stages (GitHub and GitLab), and the logging module, compared piece by piece."""
    workflow = b"on: push\njobs:\n  test: {runs-on: x, steps: []}\n  evaluate: {runs-on: x, steps: []}\n"
    mine = b"on: push\njobs:\n  test: {runs-on: x, steps: []}\n  extra: {runs-on: x, steps: []}\n"
    [finding] = compare(".github/workflows/ci.yml", workflow, mine)
    assert (finding.kind, finding.message) == ("jobs-removed", "CI jobs removed: evaluate")
    assert compare(".github/workflows/ci.yml", workflow, workflow + b"# note\n") == []

    gitlab = b"stages: [test, evaluate, deploy]\ntest: {stage: test}\nevaluate: {stage: evaluate}\n"
    mine = b"stages: [test, deploy]\ntest: {stage: test}\n"
    findings = {f.kind: f.message for f in compare(".gitlab-ci.yml", gitlab, mine)}
    assert findings == {"stages-removed": "CI stages removed: evaluate", "jobs-removed": "CI jobs removed: evaluate"}

    [finding] = compare("src/pkg/logs.py", b"import logging\n", b"print\n")
    assert finding.kind == "diverged"


def test_not_a_project(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    git(tmp_path, "init", "--quiet")
    assert mlcrew("check", tmp_path) == 2
    assert "has no .copier-answers.yml" in capsys.readouterr().err


# --- what a reviewer sees: conflict markers, hand-edited answers, placeholders ----------------------


CONFLICT = "<<<<<<< before updating\nours\n=======\ntheirs\n>>>>>>> after updating\n"


@pytest.mark.parametrize("how", ["untracked", "uncommitted", "committed-no-verify"])
def test_conflict_markers_anywhere_are_not_compliant(
    project: Path, capsys: pytest.CaptureFixture[str], how: str
) -> None:
    """Markers a bot committed with --no-verify, or left in a file git does not track yet, are drift."""
    if how == "untracked":
        (project / "notes").mkdir()
        (project / "notes" / "merge.md").write_text("# Notes\n\n" + CONFLICT)
        expected = ("notes/merge.md", 3)
    else:
        readme = project / "README.md"
        readme.write_text(readme.read_text() + CONFLICT)
        expected = ("README.md", len(readme.read_text().splitlines()) - 4)
        if how == "committed-no-verify":
            git(project, "commit", "--quiet", "--no-verify", "-am", "update with conflicts")
    code, result = report(project, capsys)
    assert code == 1
    markers = [(f["path"], f["line"]) for f in result["findings"] if f["kind"] == "conflict-markers"]
    assert markers == [expected, (expected[0], expected[1] + 4)]
    assert mlcrew("check", project) == 1
    assert f"{expected[0]}:{expected[1]}: conflict marker <<<<<<< left" in capsys.readouterr().out


def test_a_markdown_setext_heading_is_not_a_conflict(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "NOTES.md").write_text("Title\n=======\n\ntext\n")
    code, result = report(project, capsys)
    assert code == 0, result


@pytest.mark.parametrize("committed", [True, False], ids=["committed-alone", "uncommitted"])
def test_a_valid_hand_edit_of_an_answer_is_reported(
    project: Path, capsys: pytest.CaptureFixture[str], committed: bool
) -> None:
    """`serving: api` -> `batch` is a valid answer, but copier never wrote it: the files still serve an API."""
    answers = project / ".copier-answers.yml"
    answers.write_text(answers.read_text().replace("serving: api", "serving: batch"))
    if committed:
        git(project, "commit", "--quiet", "-am", "switch to batch")
    code, result = report(project, capsys)
    assert code == 1
    [finding] = [f for f in result["findings"] if f["kind"] == "answers-file" and "serving" in f["message"]]
    assert "serving: 'api' -> 'batch'" in finding["message"]
    assert ("changed by hand in commit" if committed else "uncommitted hand edit") in finding["message"]
    assert "copier update --vcs-ref :current:" in finding["message"]


def test_an_answer_changed_with_its_files_is_not_a_hand_edit(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The same answer change committed together with other files (as copier's re-answer does) is no finding."""
    answers = project / ".copier-answers.yml"
    text = answers.read_text()
    old = next(line for line in text.splitlines() if line.startswith("description:"))
    answers.write_text(text.replace(old, "description: Ranks claims for review."))
    readme = project / "README.md"
    readme.write_text(readme.read_text().replace(old.split(": ", 1)[1], "Ranks claims for review."))
    git(project, "commit", "--quiet", "-am", "Re-answer the description")
    _, result = report(project, capsys)
    assert not [f for f in result["findings"] if f["kind"] == "answers-file"], result


def test_placeholders_are_pointed_out_but_are_not_drift(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, result = report(project, capsys)
    assert code == 0
    assert any(p.startswith("description is still the template's placeholder") for p in result["placeholders"])
    assert any("CODEOWNERS still names placeholder owners (@org/" in p for p in result["placeholders"])
    mlcrew("check", project)
    assert "to make your own: description is still" in capsys.readouterr().out


def test_check_piped_into_head_ends_quietly(project: Path) -> None:
    """`mlcrew check | head -1`: the reader leaves early; no BrokenPipe traceback, nothing on stderr."""
    result = subprocess.run(
        f"{shlex.quote(sys.executable)} -m mlcrew check --json {shlex.quote(str(project))} | head -1",
        shell=True,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.stdout == "{\n"
    assert result.stderr == ""
