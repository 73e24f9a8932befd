"""`mlcrew adopt` on repositories shaped like the ones teams have, then a real second release merged in.

For each shape (tests/support/existing_repos.py): adopt with the answers read from the repository;
nothing of theirs changes, byte for byte; the added files are exactly what copier renders for the
recorded answers at the recorded release; then the template releases v0.2.0 (releases.py) and both
`mlcrew update` and plain `copier update` merge it into the team's files, keeping every line of theirs.
"""

from __future__ import annotations

import contextlib
import io
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import copier
import pytest
from existing_repos import EXPECTED, SHAPES
from helpers import answers_of, files_of, git, make_template_repo, mlcrew, run
from releases import ADDED, GITIGNORE_LINE, QUESTION, README_LINE, RENAMED, V1, V2, release_v2

V2_CHANGES = {"README.md", ".gitignore", RENAMED[0]}
"""The files release v0.2.0 changes (a line added to two, one renamed)."""


@dataclass(frozen=True)
class Adoption:
    template: Path
    repo: Path
    before: dict[str, bytes]
    """Every tracked file of the repository before adopting."""
    out: str


def tracked(repo: Path) -> dict[str, bytes]:
    names = [name for name in git(repo, "ls-files", "-z").split("\0") if name]
    return {name: (repo / name).read_bytes() for name in names}


def adopt(repo: Path, *args: str | Path) -> tuple[int, str, str]:
    """Run `mlcrew adopt` in-process, returning (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = mlcrew("adopt", repo, *args)
    return code, out.getvalue(), err.getvalue()


def render(template: Path, answers: dict[str, object], dest: Path) -> dict[str, bytes]:
    """What plain copier generates for these answers at v0.1.0 (the reference for the added files)."""
    data = {key: value for key, value in answers.items() if not key.startswith("_")}
    copier.run_copy(str(template), dest, data=data, defaults=True, quiet=True, vcs_ref=V1)
    return {name: (dest / name).read_bytes() for name in files_of(dest)}


def adopt_and_commit(shape: str, tmp_path: Path) -> Adoption:
    template = make_template_repo(tmp_path / "template", tag=V1)
    repo = SHAPES[shape](tmp_path / shape)
    before = tracked(repo)
    code, out, err = adopt(repo, "--defaults", "--template", template)
    assert code == 0, err
    commit = out.strip().splitlines()[-1].strip()
    assert commit.startswith(f"cd {repo} && git commit -m"), out
    subprocess.run(commit, shell=True, check=True, capture_output=True)  # the printed command, as a user pastes it
    return Adoption(template, repo, before, out)


def assert_theirs_kept(before: dict[str, bytes], repo: Path, *, except_for: set[str] = frozenset()) -> None:
    for name, content in before.items():
        if name not in except_for:
            assert (repo / name).read_bytes() == content, f"{name} changed"


def assert_lines_kept(old: bytes, new: bytes, name: str) -> None:
    """Every line the team had is still in the file (merged, or on their side of a conflict)."""
    have = set(new.decode().splitlines())
    missing = [line for line in old.decode().splitlines() if line.strip() and line not in have]
    assert not missing, f"{name} lost the team's lines {missing}"


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_adopt_then_merge_the_next_release(shape: str, tmp_path: Path) -> None:
    adoption = adopt_and_commit(shape, tmp_path)
    repo, before = adoption.repo, adoption.before

    # Nothing of theirs changed, byte for byte, and it is all still tracked.
    assert_theirs_kept(before, repo)
    assert set(before) <= set(tracked(repo))

    # The answers read from the repository are recorded, with the release the added files came from.
    answers = answers_of(repo)
    assert answers["_commit"] == V1
    assert answers["_src_path"] == str(adoption.template)
    for key, value in EXPECTED[shape].items():
        assert answers[key] == value, (key, answers[key])

    # The added files are exactly copier's render of the recorded answers at that release.
    standard = render(adoption.template, answers, tmp_path / "standard")
    added = set(tracked(repo)) - set(before) - {".copier-answers.yml"}
    assert added == set(standard) - set(before) - {".copier-answers.yml"}
    for name in added:
        assert (repo / name).read_bytes() == standard[name], name
    assert (repo / ".copier-answers.yml").read_bytes() == standard[".copier-answers.yml"]
    kept = sorted(set(standard) & set(before))
    for name in kept:
        assert f"  = {name}: " in adoption.out
    assert "Review first:" in adoption.out
    assert not git(repo, "status", "--porcelain")

    # A new release: `mlcrew update` merges it into their files.
    release_v2(adoption.template)
    by_mlcrew = Path(shutil.copytree(repo, tmp_path / "by-mlcrew", symlinks=True))
    code = mlcrew("update", by_mlcrew, "--defaults", "--trust")
    assert code in (0, 1)
    by_copier = Path(shutil.copytree(repo, tmp_path / "by-copier", symlinks=True))
    run([sys.executable, "-m", "copier", "update", "--trust", "--defaults", "--conflict", "inline"], by_copier)

    for updated in (by_mlcrew, by_copier):
        assert answers_of(updated)["_commit"] == V2
        assert answers_of(updated)[QUESTION] is True
        assert (updated / ADDED).is_file()
        # What v0.2.0 does not touch is still theirs exactly; what it touches keeps every line of theirs.
        assert_theirs_kept(before, updated, except_for=V2_CHANGES)
        for name in V2_CHANGES & set(before):
            moved = RENAMED[1] if name == RENAMED[0] else name
            assert_lines_kept(before[name], (updated / moved).read_bytes(), f"{updated.name}: {name}")
        # ...and the release's own changes arrived in them.
        assert README_LINE.strip() in (updated / "README.md").read_text()
        assert all(line in (updated / ".gitignore").read_text() for line in GITIGNORE_LINE.splitlines())
        # Files adopt added carry no edits: the release applies to them cleanly (no markers).
        for name in added - V2_CHANGES:
            if (updated / name).is_file():
                lines = (updated / name).read_text(errors="replace").splitlines()
                assert not any(line.startswith("<<<<<<< ") for line in lines), name
    assert files_of(by_mlcrew) == files_of(by_copier)


def test_added_files_merge_cleanly_and_kept_files_are_the_teams_edits(tmp_path: Path) -> None:
    """The FastAPI service lacks .gitignore and has its own README: v0.2.0 lands cleanly in the first, and
    in the second only as a conflict between the team's text and the standard's (nothing overwritten)."""
    adoption = adopt_and_commit("fastapi-service", tmp_path)
    release_v2(adoption.template)
    repo = adoption.repo
    assert mlcrew("update", repo, "--defaults", "--trust") == 1
    fresh = tmp_path / "fresh"
    copier.run_copy(str(adoption.template), fresh, data=answers_of(repo), defaults=True, quiet=True, vcs_ref=V2)
    assert (repo / ".gitignore").read_bytes() == (fresh / ".gitignore").read_bytes()  # added at v1: clean update
    readme = (repo / "README.md").read_text()
    ours = readme.split("<<<<<<< before updating")[1].split("=======")[0]
    assert "Scores card payments for the fraud team." in ours
    assert README_LINE.strip() in readme.split("=======")[1]
    assert (repo / "Dockerfile").read_bytes() == adoption.before["Dockerfile"]  # v0.2.0 leaves it: still theirs
    status = git(repo, "status", "--porcelain")
    assert "UU README.md" in status


def test_kept_files_list_the_standards_guard_rails_they_lack(tmp_path: Path) -> None:
    template = make_template_repo(tmp_path / "template", tag=V1)
    repo = SHAPES["pyproject-readme-tests"](tmp_path / "repo")
    code, out, _ = adopt(repo, "--defaults", "--template", template, "--dry-run")
    assert code == 0
    flat = " ".join(out.split())
    assert "  = .gitlab-ci.yml: yours 8 lines, the standard's" in out
    assert "lacks the standard's CI stages: build, lint, production, scheduled, staging" in flat
    assert "lacks the standard's tool configuration: mypy strict; ruff rules B, E, F," in flat  # theirs has none
    review = " ".join(out.split("Review first:")[1].split())
    assert "1. .gitlab-ci.yml (yours): the standard's CI runs on your next push: read its jobs first; lacks " in review
    assert "note: requires-python" not in out  # >=3.11 is a version the standard supports


def test_dry_run_changes_nothing(tmp_path: Path) -> None:
    template = make_template_repo(tmp_path / "template", tag=V1)
    repo = SHAPES["kedro"](tmp_path / "repo")
    (repo / "scratch.txt").write_text("work in progress\n")  # a dry run works on a dirty tree
    state = (files_of(repo), git(repo, "status", "--porcelain"), git(repo, "ls-files", "-s"), git(repo, "log"))
    contents = {name: (repo / name).read_bytes() for name in files_of(repo)}
    code, out, _ = adopt(repo, "--defaults", "--template", template, "--dry-run")
    assert code == 0
    assert (files_of(repo), git(repo, "status", "--porcelain"), git(repo, "ls-files", "-s"), git(repo, "log")) == state
    assert {name: (repo / name).read_bytes() for name in files_of(repo)} == contents
    flat = " ".join(out.split())
    assert "Would add" in out
    assert "  + .github/: " in out
    assert "  = README.md: " in out
    assert "requires-python >=3.9 also allows older Pythons than the standard supports: 3.10 recorded" in flat
    assert "the real run refuses until they are committed" in flat
    assert "Dry run: nothing was changed." in out


def test_data_overrides_what_the_repository_says(tmp_path: Path) -> None:
    template = make_template_repo(tmp_path / "template", tag=V1)
    repo = SHAPES["fastapi-service"](tmp_path / "repo")
    code, out, _ = adopt(repo, "--defaults", "--template", template, "--data", "serving=batch", "-d", "team_name=Fraud")
    assert code == 0
    answers = answers_of(repo)
    assert (answers["serving"], answers["team_name"]) == ("batch", "Fraud")
    assert "(--data)" in out
    assert not (repo / "src" / "app" / "api.py").exists()  # the batch standard has no API module


def test_show_prints_the_standards_version(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    template = make_template_repo(tmp_path / "template", tag=V1)
    repo = SHAPES["fastapi-service"](tmp_path / "repo")
    assert mlcrew("adopt", repo, "--show", "Dockerfile", "--template", template) == 0
    before = capsysbinary.readouterr().out
    assert before != (repo / "Dockerfile").read_bytes()
    assert b"fraud-scoring-api" in before or b"app" in before
    assert mlcrew("adopt", repo, "--defaults", "--template", template) == 0
    capsysbinary.readouterr()
    git(repo, "commit", "--quiet", "-m", "adopt")
    assert mlcrew("adopt", repo, "--show", "./Dockerfile") == 0  # once adopted: the recorded template and answers
    assert capsysbinary.readouterr().out == before
    assert mlcrew("adopt", repo, "--show", "no/such/file") == 2
    assert b"the standard has no no/such/file" in capsysbinary.readouterr().err


@pytest.mark.parametrize(
    ("prepare", "message"),
    [
        (lambda repo: (repo / "notes.txt").write_text("draft\n"), "uncommitted or untracked file(s) (e.g. notes.txt)"),
        (lambda repo: (repo / "README.md").write_text("changed\n"), "uncommitted or untracked file(s)"),
    ],
    ids=["untracked", "modified"],
)
def test_refuses_a_dirty_tree(tmp_path: Path, template_repo: Path, prepare: object, message: str) -> None:
    repo = SHAPES["fastapi-service"](tmp_path / "repo")
    prepare(repo)  # type: ignore[operator]
    files = {name: (repo / name).read_bytes() for name in files_of(repo)}
    code, _, err = adopt(repo, "--defaults", "--template", template_repo)
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert {name: (repo / name).read_bytes() for name in files_of(repo)} == files
    assert not (repo / ".copier-answers.yml").exists()


def test_refuses_a_generated_or_adopted_repository(
    tmp_path: Path, template_repo: Path, projects: object, capsys: pytest.CaptureFixture[str]
) -> None:
    generated = Path(shutil.copytree(projects.get(), tmp_path / "generated", symlinks=True))  # type: ignore[attr-defined]
    assert mlcrew("adopt", generated, "--defaults", "--template", template_repo) == 2
    err = capsys.readouterr().err
    assert "already has .copier-answers.yml" in err
    assert "mlcrew update" in err

    git(generated, "rm", "--quiet", ".copier-answers.yml")
    git(generated, "commit", "--quiet", "-m", "We do not need this file")
    assert mlcrew("adopt", generated, "--defaults", "--template", template_repo) == 2
    err = capsys.readouterr().err
    assert "was generated from a template" in err
    assert "git checkout" in err
    assert "-- .copier-answers.yml" in err


def test_refuses_a_package_it_cannot_find_or_choose(tmp_path: Path, template_repo: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "README.md").write_text("# Notebooks only\n")
    (repo / "analysis.ipynb").write_text("{}\n")
    git(repo, "init", "--quiet")
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "-m", "notebooks")
    code, _, err = adopt(repo, "--defaults", "--template", template_repo)
    assert code == 2
    assert "cannot find the repository's Python package" in err
    assert "--data package_name=NAME" in err

    for name in ("scoring", "training"):
        (repo / "src" / name).mkdir(parents=True)
        (repo / "src" / name / "__init__.py").write_text("")
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "-m", "two packages")
    code, _, err = adopt(repo, "--defaults", "--template", template_repo)
    assert code == 2
    assert "several packages (scoring, training)" in err
    assert "--data package_name=scoring" in err

    code, _, err = adopt(repo, "--defaults", "--template", template_repo, "--data", "package_name=json")
    assert code == 2  # copier's own validator refuses a name that shadows the standard library
    assert "it hides Python's own json module" in err
    assert not (repo / ".copier-answers.yml").exists()

    assert adopt(repo, "--defaults", "--template", template_repo, "--data", "package_name=scoring")[0] == 0
    assert answers_of(repo)["package_name"] == "scoring"


def test_refuses_what_is_not_a_repository(tmp_path: Path, template_repo: Path) -> None:
    code, _, err = adopt(tmp_path, "--defaults", "--template", template_repo)
    assert code == 2
    assert "is not a git repository" in err
    git(tmp_path, "init", "--quiet")
    code, _, err = adopt(tmp_path, "--defaults", "--template", template_repo)
    assert code == 2
    assert "no commits yet" in err


def test_text_from_the_repository_stays_text(tmp_path: Path, template_repo: Path) -> None:
    """Hostile metadata: an option-looking name, Jinja in the README title, a symlink out of the repository."""
    repo = tmp_path / "repo"
    outside = tmp_path / "outside.toml"
    outside.write_text('[project]\nname = "stolen-name"\n')
    (repo / "src" / "pkg").mkdir(parents=True)
    (repo / "src" / "pkg" / "__init__.py").write_text("")
    (repo / "pyproject.toml").symlink_to(outside)
    title = "{% if true %}Injected{% endif %} {{ 6 + 7 }} --upload-pack=touch pwned"
    (repo / "README.md").write_text(f"# {title}\n")
    (repo / ".gitlab-ci.yml").write_text("stages: [test]\n")
    git(repo, "init", "--quiet")
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "-m", "hostile")
    code, _, err = adopt(repo, "--defaults", "--template", template_repo)
    assert code == 0, err
    answers = answers_of(repo)
    assert answers["project_name"] == title[:60].strip()  # recorded as text (cut to copier.yml's limit), never rendered
    assert answers["project_slug"] != "stolen-name"  # the symlink out of the repository was not followed
    assert title[:60].strip() in (repo / "mkdocs.yml").read_text()
    assert "Injected 13" not in (repo / "mkdocs.yml").read_text()
    assert not list(tmp_path.rglob("pwned"))


def test_interactive_adopt_asks_with_the_repositorys_answers_as_defaults(tmp_path: Path, template_repo: Path) -> None:
    import os

    import pexpect

    repo = SHAPES["fastapi-service"](tmp_path / "repo")
    child = pexpect.spawn(
        sys.executable,
        ["-m", "mlcrew", "adopt", str(repo), "--template", str(template_repo)],
        env=dict(os.environ),
        encoding="utf-8",
        timeout=120,
        dimensions=(40, 160),
    )
    try:
        child.expect("What the repository says")
        child.expect(r"python_version +3\.12 +\(Dockerfile: FROM python:3\.12\)")
        child.expect("Human-readable name of the ML product")
        child.expect("Fraud scoring API")
        child.sendline("")
        while child.expect(["Commit them:", "\U0001f3a4"]) == 1:  # copier's prompt mark: accept every default
            child.sendline("")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0, child.before
    answers = answers_of(repo)
    assert (answers["project_name"], answers["package_name"], answers["serving"]) == ("Fraud scoring API", "app", "api")
