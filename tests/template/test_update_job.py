"""The generated template-update job's logic (ci/template_update.py), run the way CI runs it.

The script runs against local template repos with real releases: v0.1.0 is this working tree's
template, and v0.2.0 (releases.py) edits the README and .gitignore, adds a file and a question, and
renames tests/conftest.py with a `git mv` migration, so every update needs --trust. Each project
is generated at v0.1.0 with plain copier, the team's edits are committed, and the project's own
copy of the script runs with this environment's copier. Each test then checks what CI would push
and send: the branch, its single commit (with the conflict markers when there are conflicts), that
nothing else is committed, the key=value outputs and the request body. It also checks what the
script refuses: a dirty tree, a body inside the repository, and hostile values in
.copier-answers.yml, which must never reach git or a shell.
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import copier
import pytest
import yaml
from helpers import ProjectFactory, answers_of, generate, git, make_template_repo, run
from releases import ADDED, README_LINE, RENAMED, V1, V2, release_v2

COPIER = Path(sys.executable).parent / "copier"
SCRIPT = Path("ci") / "template_update.py"
BRANCH = f"template-update/{V2}"
TEAM_CONFIG_LINE = "# ours: a team note in the base configuration\n"
TEAM_RENAMED_LINE = "\n\ndef our_fixture_helper() -> int:\n    return 7\n"
TEAM_README_LINE = "Our team's own last line of the README.\n"


@dataclass(frozen=True)
class Templates:
    repo: Path
    """The template repo, tagged v0.1.0 and v0.2.0."""
    at_v1: Path
    """A default project generated at v0.1.0, committed, untouched (tests work on copies)."""
    at_v2: Path
    """A default project generated at v0.2.0 (the newest release)."""


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Templates:
    root = tmp_path_factory.mktemp("update-job")
    repo = make_template_repo(root / "template", tag=V1)
    at_v1 = generate(repo, root / "at-v1")
    release_v2(repo)
    at_v2 = root / "at-v2"
    copier.run_copy(str(repo), at_v2, defaults=True, quiet=True, unsafe=False, vcs_ref=V2)
    git(at_v2, "init", "--quiet", "--initial-branch=main")
    git(at_v2, "add", "--all")
    git(at_v2, "commit", "--quiet", "-m", "generated")
    return Templates(repo, at_v1, at_v2)


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str
    body: Path
    outputs: Path

    def output(self) -> dict[str, str]:
        lines = self.outputs.read_text().splitlines() if self.outputs.exists() else []
        return dict(line.split("=", 1) for line in lines)


def project_copy(source: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(source, tmp_path / "project", symlinks=True))


def team_edits(project: Path, *, conflicting: bool) -> None:
    """Commit a team's edits: a config note far from any template change; when `conflicting`, also a
    README line exactly where v0.2.0 appends its own, and a helper in the file v0.2.0 renames (copier
    replays a renamed file's edits as a conflict in the new path: the migration keeps them visible).
    """
    config = project / "configs" / "base.yaml"
    config.write_text(TEAM_CONFIG_LINE + config.read_text())
    if conflicting:
        readme = project / "README.md"
        readme.write_text(readme.read_text() + TEAM_README_LINE)
        renamed = project / RENAMED[0]
        renamed.write_text(renamed.read_text() + TEAM_RENAMED_LINE)
    git(project, "add", "--all")
    git(project, "commit", "--quiet", "-m", "Our edits")


def run_job(project: Path, tmp_path: Path, forge: str = "github", body: Path | None = None) -> Run:
    """What the CI step runs, with this environment's copier instead of `uvx copier==X`."""
    body = body or tmp_path / "scratch" / "body.md"
    outputs = tmp_path / "scratch" / "outputs"
    outputs.parent.mkdir(exist_ok=True)
    args = [sys.executable, SCRIPT, "--forge", forge, "--body", body, "--outputs", outputs, "--copier", COPIER]
    result = run(args, project, check=False)
    return Run(result.returncode, result.stdout, result.stderr, body, outputs)


def committed_files(project: Path) -> set[str]:
    """The files the update commit touches (added, changed, deleted, both sides of a rename)."""
    return set(git(project, "diff", "--name-only", "--no-renames", "HEAD~1", "HEAD").split())


# The files the clean update from v0.1.0 to v0.2.0 changes, and nothing else.
UPDATED = {".copier-answers.yml", ".gitignore", "README.md", ADDED, *RENAMED}


def test_clean_update_commits_on_its_branch_and_asks_for_a_pull_request(templates: Templates, tmp_path: Path) -> None:
    project = project_copy(templates.at_v1, tmp_path)
    team_edits(project, conflicting=False)
    main = git(project, "rev-parse", "HEAD").strip()

    job = run_job(project, tmp_path)

    assert job.code == 0, job.stderr
    assert f"on branch {BRANCH}: open a pull request" in job.stdout
    assert git(project, "branch", "--show-current").strip() == BRANCH
    assert git(project, "rev-parse", "main").strip() == main, "the default branch never moves"
    assert git(project, "rev-list", "--count", "main..HEAD").strip() == "1"
    assert git(project, "status", "--porcelain", "--untracked-files=all") == "", "nothing left uncommitted"
    assert committed_files(project) == UPDATED, "only the update is committed: no body, no outputs, no scratch"
    assert answers_of(project)["_commit"] == V2
    # --trust let the release's `git mv` migration run (without it copier exits 4 on every run).
    assert not (project / RENAMED[0]).exists()
    assert (project / RENAMED[1]).exists()
    assert (project / "configs" / "base.yaml").read_text().startswith(TEAM_CONFIG_LINE)
    assert job.output() == {
        "result": "clean",
        "old": V1,
        "new": V2,
        "branch": BRANCH,
        "draft": "false",
        "title": f"Update to the template release {V2}",
    }
    body = job.body.read_text()
    assert f"from the template release `{V1}` to `{V2}`" in body
    assert "merged cleanly" in body
    assert "Conflicts to resolve" not in body
    # The template's CHANGELOG section of v0.2.0, read from the template at that tag.
    assert "### 0.2.0" in body
    assert f"New `{ADDED}` and a new question" in body
    assert "## 0.1.0" not in body and "### 0.1.0" not in body, "only the sections after the old version"
    assert "--trust" in body


def test_conflicts_are_committed_with_markers_for_a_draft_merge_request(templates: Templates, tmp_path: Path) -> None:
    project = project_copy(templates.at_v1, tmp_path)
    team_edits(project, conflicting=True)

    job = run_job(project, tmp_path, forge="gitlab")

    assert job.code == 0, job.stderr
    assert "open a DRAFT merge request" in job.stdout
    assert git(project, "branch", "--show-current").strip() == BRANCH
    assert git(project, "rev-list", "--count", "main..HEAD").strip() == "1"
    assert git(project, "status", "--porcelain", "--untracked-files=all") == ""
    assert committed_files(project) == UPDATED
    readme = git(project, "show", "HEAD:README.md")
    assert "<<<<<<< before updating" in readme
    assert TEAM_README_LINE.strip() in readme
    assert README_LINE.strip() in readme
    assert ">>>>>>> after updating" in readme
    # The team's helper followed the renamed file (the `git mv` migration, run thanks to --trust).
    renamed = git(project, "show", f"HEAD:{RENAMED[1]}")
    assert TEAM_RENAMED_LINE.strip() in renamed
    assert "<<<<<<< before updating" in renamed
    assert f"- README.md\n- {RENAMED[1]}" in git(project, "log", "-1", "--format=%B")
    assert job.output()["result"] == "conflicts"
    assert job.output()["draft"] == "true"
    assert job.output()["title"] == f"Update to the template release {V2} (2 conflicts to resolve)"
    body = job.body.read_text()
    conflicts = body.split("## Conflicts to resolve", 1)[1].split("## What changed", 1)[0]
    listed = [line for line in conflicts.splitlines() if line.startswith("- ")]
    assert listed == ["- `README.md`", f"- `{RENAMED[1]}`"]
    assert f"git switch {BRANCH}" in conflicts
    assert "this merge request stays a draft" in body
    assert "**Mark as ready**" in body
    assert "### 0.2.0" in body


def test_already_current_makes_no_branch_and_writes_no_body(templates: Templates, tmp_path: Path) -> None:
    project = project_copy(templates.at_v2, tmp_path)
    head = git(project, "rev-parse", "HEAD").strip()

    job = run_job(project, tmp_path)

    assert job.code == 0, job.stderr
    assert f"Already on the newest template release ({V2})" in job.stdout
    assert git(project, "branch", "--format=%(refname:short)").split() == ["main"]
    assert git(project, "rev-parse", "HEAD").strip() == head
    assert git(project, "status", "--porcelain", "--untracked-files=all") == ""
    assert job.output()["result"] == "current"
    assert job.output()["branch"] == ""
    assert not job.body.exists()


HOSTILE = [
    ("_src_path", "--upload-pack=touch pwned;: .git"),
    ("_src_path", "-uhttps://example.invalid/x.git"),
    ("_src_path", "ext::sh -c touch% pwned"),
    ("_src_path", "https://example.invalid/t.git --upload-pack=touch pwned"),
    ("_commit", "--upload-pack=touch pwned"),
    ("_commit", "v0.1.0 ; touch pwned"),
    ("_commit", "$(touch pwned)"),
]


@pytest.mark.parametrize(("key", "value"), HOSTILE, ids=[f"{k}:{v}" for k, v in HOSTILE])
def test_hostile_answers_never_reach_git_or_a_shell(templates: Templates, tmp_path: Path, key: str, value: str) -> None:
    project = project_copy(templates.at_v1, tmp_path)
    answers = project / ".copier-answers.yml"
    lines = [f"{key}: {value!r}" if line.startswith(f"{key}:") else line for line in answers.read_text().splitlines()]
    answers.write_text("\n".join(lines) + "\n")
    git(project, "commit", "--quiet", "--all", "-m", "A pull request that edits the answers")
    head = git(project, "rev-parse", "HEAD").strip()

    job = run_job(project, tmp_path)

    assert job.code == 2
    assert job.stderr.startswith(f"template_update: .copier-answers.yml records {key}: ")
    assert len(job.stderr.strip().splitlines()) == 1 and "Traceback" not in job.stderr
    assert not list(tmp_path.rglob("pwned")), "a recorded value ran a command"
    assert git(project, "rev-parse", "HEAD").strip() == head
    assert git(project, "branch", "--format=%(refname:short)").split() == ["main"]
    assert git(project, "status", "--porcelain", "--untracked-files=all") == ""


def test_dirty_tree_and_a_body_inside_the_repository_are_refused(templates: Templates, tmp_path: Path) -> None:
    project = project_copy(templates.at_v1, tmp_path)
    inside = run_job(project, tmp_path, body=project / "body.md")
    assert inside.code == 2
    assert "is inside the repository" in inside.stderr
    assert not (project / "body.md").exists()

    (project / "notes.txt").write_text("work in progress\n")
    dirty = run_job(project, tmp_path)
    assert dirty.code == 2
    assert "uncommitted or untracked files" in dirty.stderr
    assert (project / "notes.txt").read_text() == "work in progress\n", "the user's file is untouched"
    assert answers_of(project)["_commit"] == V1, "copier never ran"
    assert git(project, "branch", "--format=%(refname:short)").split() == ["main"]


def test_the_ci_jobs_call_the_script_and_keep_tokens_away_from_it(projects: ProjectFactory) -> None:
    """GitHub and GitLab run the same script, push without force, and open a draft on conflicts."""
    workflow = yaml.safe_load(
        (projects.get(ci_provider="github") / ".github" / "workflows" / "template-update.yml").read_text()
    )
    update, push = workflow["jobs"]["update"]["steps"][2:]
    assert "python3 ci/template_update.py --forge github" in update["run"]
    assert "env" not in update, "no token while copier and the template's migrations run"
    assert push["if"] == "steps.update.outputs.result != 'current'"
    assert "gh pr create --draft" in push["run"] and '[ "$DRAFT" = "true" ]' in push["run"]
    assert "--force" not in push["run"] and "git ls-remote --heads origin" in push["run"]

    job = yaml.safe_load((projects.get(ci_provider="gitlab") / ".gitlab-ci.yml").read_text())["template-update"]
    script = "\n".join(job["script"])
    assert job["cache"] == [], "restored caches would make the checkout dirty"
    assert "env -u TEMPLATE_UPDATE_TOKEN python3 ci/template_update.py --forge gitlab" in script
    assert 'title="Draft: $title"' in script
    assert "--force" not in script
    assert "TEMPLATE_UPDATE_TOKEN}@" not in script, "the token never sits in a URL"
    assert "mr-description" not in script and '--body "$scratch/body.md"' in script
