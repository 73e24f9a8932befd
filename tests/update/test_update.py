"""`mlcrew update`: a real second release of the template applied to real projects with real edits.

The template repo holds two tags: v0.1.0 (this working tree's template) and v0.2.0 (releases.py: two
standard files edited, a file added with a new question, a file renamed with its `git mv`
migration). Projects are generated at v0.1.0 with plain copier, edited and committed like a team
would, then updated with the CLI in-process.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pexpect
import pytest
from helpers import answers_of, files_of, files_with_markers, generate, git, make_template_repo, mlcrew, run
from releases import (
    ADDED,
    GITIGNORE_LINE,
    MERGED,
    MOVED,
    NOTES,
    NOTES_V1,
    QUESTION,
    README_LINE,
    RENAMED,
    TEAM_LINE,
    TEAM_OWNED,
    V1,
    V2,
    edited_project_at_v1,
    release_v2,
    renamed_in_v2,
)

from mlcrew.copier_yml import Migration, TemplateConfig
from mlcrew.template import BUNDLE_ENV_VAR, CANONICAL_URL, build_bundle
from mlcrew.update_report import restore_command

OWN_CODE = '"""Our own churn features: not the template\'s business."""\n\nWINDOW_DAYS = 28\n'
FAR_EDIT = "# ours: notes we keep out of git\nlocal-notes/\n"
NEAR_EDIT = "Our team's line at the end of the README.\n"
RENAMED_EDIT = "\n\ndef our_helper() -> int:\n    return 42\n"
TEAM_OWNED_EDIT = "\nWe also decided to review every template update in pairs.\n"


@dataclass(frozen=True)
class Releases:
    repo: Path
    """The template repo, tagged v0.1.0 and v0.2.0."""
    pristine: Path
    """A default project generated at v0.1.0, committed, untouched."""
    edited: Path
    """The same project with the team's edits committed."""
    deleted: str
    """The optional file the team deleted."""


def copy(project: Path, dest: Path) -> Path:
    """Projects from the fixture are shared: tests work on a copy (with its .git)."""
    return Path(shutil.copytree(project, dest, symlinks=True))


def make_team_edits(project: Path) -> str:
    """Edit a project the way a team does, commit, and return the optional file that was deleted."""
    package = answers_of(project)["package_name"]
    (project / "src" / package / "churn_features.py").write_text(OWN_CODE)
    gitignore = project / ".gitignore"
    gitignore.write_text(FAR_EDIT + gitignore.read_text())  # far from the template's appended line
    readme = project / "README.md"
    readme.write_text(readme.read_text() + NEAR_EDIT)  # exactly where the template appends its line
    renamed = project / RENAMED[0]
    renamed.write_text(renamed.read_text() + RENAMED_EDIT)
    owned = project / TEAM_OWNED
    owned.write_text(owned.read_text() + TEAM_OWNED_EDIT)
    deleted = next(
        name for name in ("docs/runbook.md", "docs/testing.md", f"src/{package}/py.typed") if (project / name).exists()
    )
    (project / deleted).unlink()
    git(project, "add", "--all")
    git(project, "commit", "--quiet", "-m", "Our edits")
    return deleted


@pytest.fixture(scope="module")
def releases(tmp_path_factory: pytest.TempPathFactory) -> Releases:
    root = tmp_path_factory.mktemp("releases")
    repo = make_template_repo(root / "template", tag=V1)
    pristine = generate(repo, root / "pristine")
    edited = copy(pristine, root / "edited")
    deleted = make_team_edits(edited)
    release_v2(repo)
    return Releases(repo, pristine, edited, deleted)


def snapshot(project: Path) -> tuple[dict[str, bytes], str, str]:
    """Everything a refused update must leave alone: files, status and HEAD."""
    files = {name: (project / name).read_bytes() for name in files_of(project)}
    return files, git(project, "status", "--porcelain"), git(project, "rev-parse", "HEAD")


def assert_same_project(updated: Path, fresh: Path, template: Path) -> None:
    """An updated project equals a fresh one, except team-owned files, which an update never overwrites."""
    team_owned = TemplateConfig.parse((template / "copier.yml").read_text()).team_owned()
    assert files_of(updated) == files_of(fresh)
    for name in files_of(fresh) - {".copier-answers.yml"}:
        if not team_owned(name):
            assert (updated / name).read_bytes() == (fresh / name).read_bytes(), name


def test_update_applies_the_release_and_keeps_every_team_edit(
    releases: Releases, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = copy(releases.edited, tmp_path / "product")
    package = answers_of(project)["package_name"]

    assert mlcrew("check", project, "--json") == 1
    before = json.loads(capsys.readouterr().out)
    assert before["behind"] == [V2]
    assert before["current"] is False

    started = time.monotonic()
    code = mlcrew("update", project, "--defaults", "--trust")
    elapsed = time.monotonic() - started
    out = capsys.readouterr().out
    assert code == 1, out  # the near edit conflicts
    print(f"mlcrew update {V1} -> {V2} took {elapsed:.1f}s")

    # The CHANGELOG of the window is shown first, and only the window.
    assert "## 0.2.0" in out
    assert "## 0.1.0" not in out
    assert "needs `--trust`" in out

    # The template's changes arrived.
    answers = answers_of(project)
    assert answers["_commit"] == V2
    assert answers[QUESTION] is True  # new question, default taken
    assert "Changes need an owner's review: True" in (project / ADDED).read_text()
    # Every team edit is kept.
    assert (project / "src" / package / "churn_features.py").read_text() == OWN_CODE
    gitignore = (project / ".gitignore").read_text()
    assert gitignore.startswith(FAR_EDIT)
    assert gitignore.endswith(GITIGNORE_LINE)
    assert not (project / releases.deleted).exists()
    # A team-owned file (_skip_if_exists) is never overwritten: the team's copy wins, without a conflict.
    assert (project / TEAM_OWNED).read_text() == (releases.edited / TEAM_OWNED).read_text()
    # The rename is followed: the old file is gone and the team's edit is at the new path.
    old, new = RENAMED
    assert not (project / old).exists()
    assert "def our_helper() -> int:" in (project / new).read_text()
    # The near edit is a reported conflict with both sides; nothing else has markers or .rej files.
    readme = (project / "README.md").read_text()
    assert NEAR_EDIT.strip() in readme
    assert README_LINE.strip() in readme
    assert "<<<<<<< before updating" in readme
    assert files_with_markers(project) == {"README.md"}  # the renamed file merged: its edit is no conflict
    assert (project / new).read_text() == (releases.edited / old).read_text()
    assert not [name for name in files_of(project) if name.endswith(".rej")]
    assert "UU README.md" in git(project, "status", "--porcelain")
    assert "README.md (line " in out
    assert "yours is between `<<<<<<< before updating` and `=======`" in out
    assert f"renamed  {old} -> {new}  (your edits were carried over)" in out
    assert "1 file(s) conflict" in out
    assert f"new question {QUESTION} answered: True" in out
    head = git(project, "rev-parse", "HEAD").strip()
    assert f"git reset --hard {head} && git clean -fd" in out

    # The team resolves the conflicts and commits: the project is then current and compliant.
    for name in ("README.md",):
        path = project / name
        kept = [
            line for line in path.read_text().splitlines() if not line.startswith(("<<<<<<<", "=======", ">>>>>>>"))
        ]
        path.write_text("\n".join(kept) + "\n")
    git(project, "add", "--all")
    git(project, "commit", "--quiet", "-m", f"Update to {V2}")
    assert mlcrew("check", project) == 0, capsys.readouterr().out


def test_conflicts_as_rej_files(releases: Releases, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """With --conflict rej the .rej file holds the TEAM's hunks: the summary must say so, never "drop them"."""
    project = copy(releases.edited, tmp_path / "product")
    assert mlcrew("update", project, "--defaults", "--trust", "--conflict", "rej") == 1
    out = capsys.readouterr().out
    rejects = {name for name in files_of(project) if name.endswith(".rej")}
    assert rejects == {"README.md.rej"}
    assert NEAR_EDIT.strip() in (project / "README.md.rej").read_text()  # the team's line, waiting to be re-applied
    assert NEAR_EDIT.strip() not in (project / "README.md").read_text()
    assert "README.md.rej holds YOUR team's changes to it that did not apply" in out
    assert "re-apply them by hand" in out
    assert "drop them" not in out
    head = git(project, "rev-parse", "HEAD").strip()
    assert f"`git show {head}:README.md`" in out
    assert not files_with_markers(project)


def test_default_project_updates_cleanly_and_matches_a_fresh_release(
    releases: Releases, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """HEAD~ -> HEAD on a temp repo: an untouched project becomes exactly what the new release generates."""
    project = copy(releases.pristine, tmp_path / "product")
    assert mlcrew("update", project, "--defaults", "--trust") == 0
    assert "No conflicts." in capsys.readouterr().out
    fresh = generate(releases.repo, tmp_path / "fresh", commit=False)
    assert_same_project(project, fresh, releases.repo)
    assert {k: v for k, v in answers_of(project).items() if k != "_src_path"} == {
        k: v for k, v in answers_of(fresh).items() if k != "_src_path"
    }


def test_new_question_is_asked_by_copier(releases: Releases, tmp_path: Path) -> None:
    """In a terminal, copier's own prompt asks only the question the release added."""
    project = copy(releases.pristine, tmp_path / "product")
    child = pexpect.spawn(
        sys.executable,
        ["-m", "mlcrew", "update", str(project), "--trust"],
        env=dict(os.environ),
        encoding="utf-8",
        timeout=120,
        dimensions=(40, 120),
    )
    try:
        child.expect("need an owner's review")
        child.sendline("n")
        child.expect("No conflicts")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0, child.before
    assert answers_of(project)[QUESTION] is False
    assert "Changes need an owner's review: False" in (project / ADDED).read_text()


def test_new_question_answered_with_data(
    releases: Releases, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = copy(releases.pristine, tmp_path / "product")
    assert mlcrew("update", project, "--trust", "--data", f"{QUESTION}=false") == 0
    assert answers_of(project)[QUESTION] is False
    assert f"new question {QUESTION} answered: False" in capsys.readouterr().out


def test_new_question_without_a_terminal_needs_defaults(
    releases: Releases, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = copy(releases.pristine, tmp_path / "product")
    before = snapshot(project)
    assert mlcrew("update", project, "--trust") == 2
    err = capsys.readouterr().err
    assert err.startswith(f"mlcrew: error: {V2} asks new question(s) ({QUESTION}) and there is no terminal")
    assert "pass --defaults" in err
    assert snapshot(project) == before


def test_dry_run_predicts_the_real_run_and_touches_nothing(
    releases: Releases, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The dry run rehearses the real update: the files and conflicts it names are exactly the real run's."""
    project = copy(releases.edited, tmp_path / "product")
    (project / "README.md").write_text("uncommitted work\n")  # a dirty tree: the dry run works and keeps it
    before = snapshot(project)
    assert mlcrew("update", project, "--dry-run", "--defaults") == 0
    rehearsed = capsys.readouterr().out
    assert snapshot(project) == before
    assert "## 0.2.0" in rehearsed
    assert f"would be added    {ADDED}" in rehearsed
    assert f"would be renamed  {RENAMED[0]} -> {RENAMED[1]}  (your edits were carried over)" in rehearsed
    assert "1 file(s) would conflict" in rehearsed
    assert "README.md (line " in rehearsed
    assert "Nothing was changed." in rehearsed

    git(project, "checkout", "--", "README.md")
    assert mlcrew("update", project, "--defaults", "--trust") == 1
    real = capsys.readouterr().out

    def summary(out: str) -> list[str]:
        lines = out.split("Dry run: the real update")[-1].split("Updated from")[-1].splitlines()
        return sorted(
            line.replace("would be ", "").replace("would conflict", "conflict")
            for line in lines
            if line.startswith("  ")
        )

    assert summary(rehearsed) == summary(real)


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        ("modify", "uncommitted or untracked file(s) (e.g. README.md): commit them or run `git stash -u`"),
        ("untrack", "uncommitted or untracked file(s) (e.g. notes.txt)"),
        ("answers", ".copier-answers.yml has uncommitted changes"),
        ("no-answers", "has no .copier-answers.yml"),
        ("untracked-answers", ".copier-answers.yml is not committed"),
        ("no-git", "is not a git repository: run `git init"),
    ],
)
def test_preflight_refuses_and_changes_nothing(
    releases: Releases, tmp_path: Path, capsys: pytest.CaptureFixture[str], spoil: str, message: str
) -> None:
    project = copy(releases.edited, tmp_path / "product")
    if spoil == "modify":
        (project / "README.md").write_text("work in progress\n")
    elif spoil == "untrack":
        (project / "notes.txt").write_text("draft\n")
    elif spoil == "answers":
        answers = project / ".copier-answers.yml"
        answers.write_text(answers.read_text() + "# a note\n")
    elif spoil == "no-answers":
        git(project, "rm", "--quiet", ".copier-answers.yml")
        git(project, "commit", "--quiet", "-m", "drop answers")
    elif spoil == "untracked-answers":
        git(project, "rm", "--quiet", "--cached", ".copier-answers.yml")
        git(project, "commit", "--quiet", "-m", "untrack answers")
    elif spoil == "no-git":
        shutil.rmtree(project / ".git")
    files = {name: (project / name).read_bytes() for name in files_of(project)}
    status = "" if spoil == "no-git" else git(project, "status", "--porcelain")
    assert mlcrew("update", project, "--defaults", "--trust") == 2
    captured = capsys.readouterr()
    assert message in captured.err
    assert len(captured.err.strip().splitlines()) == 1
    assert "Traceback" not in captured.err
    assert {name: (project / name).read_bytes() for name in files_of(project)} == files
    if spoil != "no-git":
        assert git(project, "status", "--porcelain") == status


def test_migration_needs_trust(releases: Releases, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = copy(releases.edited, tmp_path / "product")
    before = snapshot(project)
    assert mlcrew("update", project, "--defaults") == 2
    captured = capsys.readouterr()
    assert f"migration: git mv -k {RENAMED[0]} {RENAMED[1]}" in captured.out
    assert "re-run with --trust" in captured.err
    assert snapshot(project) == before


def test_unknown_version_and_already_current(
    releases: Releases, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = copy(releases.pristine, tmp_path / "product")
    assert mlcrew("update", project, "--defaults", "--vcs-ref", "v9.9.9") == 2
    assert "has no version 'v9.9.9'" in capsys.readouterr().err
    assert mlcrew("update", project, "--defaults", "--vcs-ref", V1) == 0
    assert f"Already at {V1}" in capsys.readouterr().out


def test_bundled_template_updates_offline(
    releases: Releases, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A project made from the bundle records the canonical URL; the update reaches it offline."""
    bundle = build_bundle(releases.repo, tmp_path / "bundle" / "template.bundle")
    monkeypatch.setenv(BUNDLE_ENV_VAR, str(bundle))
    monkeypatch.setenv("GIT_ALLOW_PROTOCOL", "file")  # no network transport at all
    project = tmp_path / "product"
    assert mlcrew("new", project, "--defaults", "--vcs-ref", V1) == 0
    assert answers_of(project)["_src_path"] == CANONICAL_URL
    capsys.readouterr()

    assert mlcrew("check", project) == 1
    assert f"1 release(s) behind: {V2}" in capsys.readouterr().out

    assert mlcrew("update", project, "--defaults", "--trust") == 0
    out = capsys.readouterr().out
    assert f"The template at {CANONICAL_URL} is unreachable: using the bundled template {bundle}" in out
    answers = answers_of(project)
    assert answers["_commit"] == V2
    assert answers["_src_path"] == CANONICAL_URL
    assert (project / ADDED).is_file()
    assert (project / RENAMED[1]).is_file()

    git(project, "add", "--all")
    git(project, "commit", "--quiet", "-m", f"Update to {V2}")
    assert mlcrew("check", project) == 0
    assert "OK: current, compliant" in capsys.readouterr().out


@pytest.fixture(scope="module")
def failing_release(releases: Releases, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the template with a v0.3.0 whose migrations stop the update half-way."""
    repo = Path(shutil.copytree(releases.repo, tmp_path_factory.mktemp("failing") / "template"))
    copier_yml = repo / "copier.yml"
    interrupt = f"[{sys.executable}, -c, 'import os, signal; os.kill(os.getppid(), signal.SIGINT)']"
    copier_yml.write_text(
        copier_yml.read_text()
        + f"""  - version: v0.3.0
    when: "{{{{ _stage == 'before' and (_copier_conf.dst_path | string).endswith('do-sigint') }}}}"
    command: {interrupt}
  - version: v0.3.0
    when: "{{{{ _stage == 'before' and (_copier_conf.dst_path | string).endswith('do-fail') }}}}"
    command: [git, this-is-not-a-git-command]
"""
    )
    git(repo, "commit", "--quiet", "-am", "v0.3.0")
    git(repo, "tag", "v0.3.0")
    return repo


@pytest.mark.parametrize("how", ["interrupt", "crash"])
def test_interrupted_update_prints_the_command_that_restores(
    releases: Releases, failing_release: Path, tmp_path: Path, how: str
) -> None:
    """Ctrl-C (a real SIGINT) or a failure half-way: the printed command restores the project exactly."""
    project = copy(releases.edited, tmp_path / ("do-sigint" if how == "interrupt" else "do-fail"))
    answers = project / ".copier-answers.yml"
    answers.write_text(answers.read_text().replace(str(releases.repo), str(failing_release)))
    git(project, "commit", "--quiet", "-am", "Use the failing template")
    before = snapshot(project)
    result = run([sys.executable, "-m", "mlcrew", "update", project, "--defaults", "--trust"], tmp_path, check=False)
    assert result.returncode == (130 if how == "interrupt" else 3), result.stderr
    assert "Traceback" not in result.stderr
    head = before[2].strip()
    restore = restore_command(head)
    assert f"cd {project} && {restore}" in result.stderr
    assert snapshot(project) != before  # the migration's `git mv` ran before the stop
    subprocess.run(restore, shell=True, cwd=project, check=True)
    assert snapshot(project) == before


def test_project_in_a_monorepo_reports_paths_relative_to_the_project(
    releases: Releases, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A project in a subdirectory of a bigger repository: git speaks from the repo root, the summary must not."""
    mono = tmp_path / "mono"
    mono.mkdir()
    git(mono, "init", "--quiet", "--initial-branch=main")
    (mono / "other-service.txt").write_text("not ours\n")
    project = mono / "product"
    shutil.copytree(releases.edited, project, ignore=shutil.ignore_patterns(".git"))
    git(mono, "add", "--all")
    git(mono, "commit", "--quiet", "-m", "monorepo")
    assert mlcrew("update", project, "--defaults", "--trust", "--conflict", "rej") == 1
    out = capsys.readouterr().out
    assert "README.md.rej holds YOUR team's changes" in out
    assert "product/" not in out  # every path is relative to the project, as the user sees it
    assert (project / "README.md.rej").is_file()
    assert (mono / "other-service.txt").read_text() == "not ours\n"


def test_a_file_the_team_edited_and_the_release_removes_is_named_with_its_restore_command(
    releases: Releases, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Copier deletes files the new version lacks, edited or not: the summary must say whose work went."""
    repo = Path(shutil.copytree(releases.repo, tmp_path / "template"))
    git(repo, "rm", "--quiet", "template/docs/testing.md.jinja", "template/docs/logging.md.jinja")
    git(repo, "commit", "--quiet", "-m", "v0.3.0: two pages go")
    git(repo, "tag", "v0.3.0")
    project = copy(releases.pristine, tmp_path / "product")
    answers = project / ".copier-answers.yml"
    answers.write_text(answers.read_text().replace(str(releases.repo), str(repo)))
    ours = "\nOur team's own testing notes.\n"
    (project / "docs" / "testing.md").write_text((project / "docs" / "testing.md").read_text() + ours)
    git(project, "commit", "--quiet", "-am", "Our notes; another template source")
    head = git(project, "rev-parse", "HEAD").strip()
    assert mlcrew("update", project, "--defaults", "--trust", "--vcs-ref", "v0.3.0") == 0
    out = capsys.readouterr().out
    assert not (project / "docs" / "testing.md").exists()
    assert (
        f"your changes to docs/testing.md were removed with it: see them with `git show {head}:docs/testing.md`" in out
    )
    assert "your changes to docs/logging.md" not in out  # untouched by the team: just removed
    assert "removed  docs/logging.md" in out
    assert ours.strip() in git(project, "show", f"{head}:docs/testing.md")


@pytest.mark.parametrize("team_owned", [False, True], ids=["standard-file", "team-owned"])
def test_a_renamed_file_keeps_the_teams_edits_and_a_team_owned_one_keeps_its_text(
    tmp_path: Path, team_owned: bool
) -> None:
    """A standard file merges three ways at its new path; one the team owns there (`_skip_if_exists`)
    follows the rename and stays exactly as the team wrote it, as copier leaves every team-owned file."""
    template = renamed_in_v2(tmp_path / "template", team_owned=team_owned)
    project = edited_project_at_v1(template, tmp_path / "project")
    assert mlcrew("update", project, "--defaults", "--trust") == 0
    assert not (project / NOTES).exists()
    assert (project / MOVED).read_text() == (NOTES_V1 + TEAM_LINE if team_owned else MERGED)
    assert files_with_markers(project) == set()
    assert not [name for name in files_of(project) if name.endswith(".rej")]


@pytest.mark.parametrize(
    "command",
    [
        "git mv -k notes.md ../outside.md",
        "git mv -k /etc/hosts notes.md",
        "git mv -k notes.md docs/../../outside.md",
        "git mv -k notes.md :(top)outside.md",
        "git mv -k notes.md ..\\outside.md",
    ],
)
def test_a_migration_moving_a_file_out_of_the_project_is_no_rename_mlcrew_merges(command: str) -> None:
    """mlcrew reads and writes both paths of a rename: a template's path must stay inside the project."""
    assert Migration(command, when="{{ _stage == 'before' }}").move is None
    inside = Migration(["git", "mv", "-k", "tests/conftest.py", "tests/fixtures_shared.py"])
    assert inside.move == ("tests/conftest.py", "tests/fixtures_shared.py")
