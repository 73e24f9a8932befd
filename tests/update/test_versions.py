"""Which version a project is on, read the way copier reads it: behind, current, ahead, untagged.

`mlcrew check` and `mlcrew update` must agree with `copier check-update` (copier's own notion of the
version gap) on every kind of `_commit` a project can record: a release tag, a commit after the
newest release, and a commit of a template that has no tag at all.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from helpers import answers_of, generate, git, make_template_repo, mlcrew, run
from releases import V1, V2, release_v2

from mlcrew.versions import version_of


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """v0.1.0, v0.2.0, then one more commit on main that is no release yet."""
    repo = release_v2(make_template_repo(tmp_path_factory.mktemp("versions") / "template"))
    readme = repo / "template" / "README.md.jinja"
    readme.write_text(readme.read_text() + "\nWork after the release.\n")
    git(repo, "commit", "--quiet", "-am", "work after v0.2.0")
    return repo


def project_at(template: Path, ref: str, dest: Path) -> Path:
    import copier

    copier.run_copy(str(template), dest, defaults=True, quiet=True, vcs_ref=ref, unsafe=True)
    git(dest, "init", "--quiet", "--initial-branch=main")
    git(dest, "add", "--all")
    git(dest, "commit", "--quiet", "-m", f"generated at {ref}")
    return dest


def copier_check_update(project: Path) -> dict[str, object]:
    result = run([sys.executable, "-m", "copier", "check-update", "--output-format", "json", project], project)
    loaded: dict[str, object] = json.loads(result.stdout)
    return loaded


def mlcrew_check(project: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    mlcrew("check", project, "--json")
    loaded: dict[str, object] = json.loads(capsys.readouterr().out)
    return loaded


@pytest.mark.parametrize(
    ("ref", "state", "behind"),
    [(V1, "behind", [V2]), (V2, "current", []), ("HEAD", "untagged", [])],
    ids=["behind", "current", "after-the-newest-release"],
)
def test_check_agrees_with_copier_check_update(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], ref: str, state: str, behind: list[str]
) -> None:
    project = project_at(template, ref, tmp_path / "product")
    ours = mlcrew_check(project, capsys)
    theirs = copier_check_update(project)
    assert ours["state"] == state
    assert ours["behind"] == behind
    assert bool(ours["behind"]) is theirs["update_available"]
    assert version_of(str(ours["latest"])) == version_of(str(theirs["latest_version"]))
    assert ours["current"] is not theirs["update_available"]


def test_a_project_on_an_untagged_commit_is_called_that(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = project_at(template, "HEAD", tmp_path / "product")
    recorded = answers_of(project)["_commit"]
    assert recorded.startswith(f"{V2}-1-g")
    assert mlcrew("check", project) == 0
    out = capsys.readouterr().out
    assert f"version: on an untagged template commit ({recorded}; after the newest release {V2})" in out
    assert "is the newest release" not in out


def test_update_ahead_of_the_newest_release_has_nothing_to_do(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = project_at(template, "HEAD", tmp_path / "product")
    head = git(project, "rev-parse", "HEAD")
    assert mlcrew("update", project, "--defaults") == 0
    out = capsys.readouterr().out
    assert "Nothing to update: the project is on v0.2.0-1-g" in out
    assert f"ahead of the newest release {V2}" in out
    assert git(project, "rev-parse", "HEAD") == head
    assert git(project, "status", "--porcelain") == ""


def test_a_template_with_no_tag_at_all(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A bare commit hash as `_commit`: copier calls it 0.0.0.postN; mlcrew says untagged, and agrees."""
    template = make_template_repo(tmp_path / "template", tag=None)
    project = generate(template, tmp_path / "product")
    ours = mlcrew_check(project, capsys)
    theirs = copier_check_update(project)
    assert ours["state"] == "untagged"
    assert ours["latest"] is None
    assert theirs["update_available"] is False
    assert ours["current"] is True
    mlcrew("check", project)
    assert "the template has no release yet" in capsys.readouterr().out


@pytest.mark.parametrize("commit", ["1234567", "0123456789abcdef0123", "abcdef1"])
def test_a_bare_commit_hash_is_never_a_release(commit: str) -> None:
    """copier records an untagged template's commit as its abbreviated hash; digits only must not read as 1234567.0."""
    from mlcrew.versions import is_release

    assert version_of(commit) is None
    assert not is_release(commit)
