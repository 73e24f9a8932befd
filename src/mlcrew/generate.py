"""`mlcrew new`: answer the questions, render with copier, and make the first commit.

The first commit matters: `copier update` needs a clean, committed tree, so a project that starts
committed can take its first update without anyone remembering a step.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlcrew import source as sources
from mlcrew import yamlio
from mlcrew.errors import MlcrewError
from mlcrew.questions import Prompt, answer_questions

ANSWERS_FILE = ".copier-answers.yml"


@dataclass(frozen=True)
class Created:
    """What `create_project` made, for the CLI to report."""

    path: Path
    answers: dict[str, Any]
    template_version: str
    committed: bool
    identity_note: str | None = None


def check_destination(dest: Path) -> None:
    """Refuse to write into anything but a new or empty directory: nothing may be overwritten."""
    if dest.exists() and not dest.is_dir():
        raise MlcrewError(f"{dest} exists and is a file: choose a new directory for the project")
    if dest.is_dir() and any(dest.iterdir()):
        raise MlcrewError(f"{dest} exists and is not empty: choose a new directory (mlcrew never overwrites files)")
    parent = dest.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise MlcrewError(f"{parent} is a file, so {dest} cannot be created: choose another directory")
    if not os.access(parent, os.W_OK):
        raise MlcrewError(f"{parent} is not writable, so {dest} cannot be created: choose another directory")


def create_project(
    dest: Path,
    *,
    template: str | None = None,
    vcs_ref: str | None = None,
    data: dict[str, Any] | None = None,
    ask: Prompt | None = None,
    git: bool = True,
) -> Created:
    """Create a project in `dest` and, unless `git=False`, commit it as the first commit.

    `ask=None` means non-interactive: unanswered questions take their defaults.
    """
    dest = dest.expanduser().resolve()
    check_destination(dest)
    sources.require_git()
    src = sources.resolve(template)
    data = dict(data or {})
    if data or ask is not None:
        copier_yml, vcs_ref = read_copier_yml(src, vcs_ref)
        answers = answer_questions(copier_yml, data, ask)
    else:
        answers = {}  # --defaults and no --data: copier's own defaults, no second read of copier.yml
    created_dir = not dest.exists()
    try:
        _render(src, dest, answers, vcs_ref)
    except BaseException:
        if created_dir:
            import shutil

            shutil.rmtree(dest, ignore_errors=True)
        raise
    recorded = yamlio.safe_load((dest / ANSWERS_FILE).read_text(encoding="utf-8"))
    note = None
    if git:
        note = commit_all(dest, f"Create the project from the mlcrew template {recorded['_commit']}", recorded)
    return Created(dest, recorded, str(recorded["_commit"]), committed=git, identity_note=note)


def read_copier_yml(src: sources.TemplateSource, vcs_ref: str | None) -> tuple[str, str | None]:
    """The template's questions at `vcs_ref` (default: the newest release, as copier picks) and that ref."""
    from mlcrew import upstream  # imports this module: loaded here, not at the top

    with upstream.template_clone(src) as repo:
        ref = vcs_ref or repo.latest()
        text = repo.show(ref or "HEAD", "copier.yml")
    if text is None:
        raise MlcrewError(
            f"the template has no copier.yml at {ref or 'HEAD'}: "
            "check --vcs-ref (a tag, branch or commit of the template)"
        )
    return text, ref


def _render(src: sources.TemplateSource, dest: Path, answers: dict[str, Any], vcs_ref: str | None) -> None:
    """Run copier's public API with every answer as data, so copier never prompts."""
    import copier

    hint = ", or omit --template to use the bundled template" if src.bundle is None else ""
    with sources.git_environment(src.env), sources.copier_errors("cannot create the project", src, vcs_ref, hint):
        copier.run_copy(
            src.url,
            dest,
            data=answers,
            vcs_ref=vcs_ref,
            defaults=True,
            quiet=True,
            unsafe=False,
            settings=copier.Settings(),
        )


def git_identity(repo: Path) -> tuple[str | None, str | None]:
    """The committer name and email git would use here, or None for each that is unset.

    One `git config` call for both keys (creating a project spawns few processes of its own).
    """
    import subprocess

    argv = ["git", "config", "--get-regexp", r"^user\.(name|email)$"]
    result = subprocess.run(argv, cwd=repo, capture_output=True, text=True, check=False)
    found: dict[str, str] = {}
    for line in result.stdout.splitlines():
        key, _, value = line.partition(" ")
        found[key.lower()] = value.strip()  # the last value wins, as in `git config --get`
    return found.get("user.name") or None, found.get("user.email") or None


def commit_all(repo: Path, message: str, answers: dict[str, Any], paths: Sequence[str] = ("--all",)) -> str | None:
    """`git init` (branch main) and commit `paths` (everything by default); returns a note if an identity was lent.

    On a machine with no git identity the commit is made as the owning team (from the answers), so
    the first commit never fails with git's "Please tell me who you are"; the note says how to set
    a personal identity.
    """
    if not (repo / ".git").exists():
        sources.git("init", "--quiet", "--initial-branch=main", cwd=repo)
    sources.git("add", *paths, cwd=repo)
    name, email = git_identity(repo)
    identity: list[str] = []
    note = None
    if not name or not email:
        fallback_name = name or str(answers.get("team_name") or "mlcrew")
        fallback_email = email or str(answers.get("owner_email") or "mlcrew@localhost")
        identity = ["-c", f"user.name={fallback_name}", "-c", f"user.email={fallback_email}"]
        note = (
            f"git has no user identity on this machine, so the first commit is by "
            f"'{fallback_name} <{fallback_email}>'. Set yours with: "
            'git config --global user.name "Your Name" && git config --global user.email you@example.com'
        )
    sources.git(*identity, "commit", "--quiet", "--no-verify", "-m", message, cwd=repo)
    return note
