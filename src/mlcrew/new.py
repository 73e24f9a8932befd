"""`mlcrew new`: copier creates the project (asking its own questions), then mlcrew makes the first commit.

The first commit matters: `copier update` needs a clean, committed tree, so a project that starts
committed can take its first update without anyone remembering a step.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlcrew import answers as answering
from mlcrew import copier_calls, git, template
from mlcrew.errors import MlcrewError
from mlcrew.project import read_answers


@dataclass(frozen=True)
class Created:
    """What `create` made, for the CLI to report."""

    path: Path
    answers: dict[str, Any]
    template_version: str
    committed: bool
    identity_note: str | None = None

    @property
    def name(self) -> str:
        return str(self.answers.get("project_name") or self.path.name)


def check_destination(dest: Path) -> None:
    """Refuse to write into anything but a new or empty directory: nothing may be overwritten."""
    if dest.exists() and not dest.is_dir():
        raise MlcrewError(f"{dest} exists and is a file", fix="choose a new directory for the project")
    if dest.is_dir() and any(dest.iterdir()):
        raise MlcrewError(
            f"{dest} exists and is not empty",
            fix="choose a new directory (mlcrew never overwrites files; for an existing repository: mlcrew adopt)",
        )
    parent = dest.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise MlcrewError(f"{parent} is a file, so {dest} cannot be created", fix="choose another directory")
    if not os.access(parent, os.W_OK):
        raise MlcrewError(f"{parent} is not writable, so {dest} cannot be created", fix="choose another directory")


def create(
    dest: Path,
    *,
    template_src: str | None = None,
    vcs_ref: str | None = None,
    data: dict[str, Any] | None = None,
    defaults: bool = True,
    git_init: bool = True,
) -> Created:
    """Create a project in `dest` and, unless `git_init=False`, commit it as the first commit.

    Copier asks every question `data` does not answer (its own prompts), or takes the defaults.
    """
    dest = dest.expanduser().resolve()
    check_destination(dest)
    git.require()
    if vcs_ref is not None:
        git.safe_ref(vcs_ref, "--vcs-ref")
    src = template.for_new(template_src)
    data = dict(data or {})
    if data:  # refuse unknown keys and lenient booleans before copier writes anything
        with template.clone(src) as repo:
            ref = vcs_ref or repo.latest() or "HEAD"
            if repo.commit(ref) is None:
                raise MlcrewError(
                    f"the template has no version {ref!r}", fix="check --vcs-ref (a tag, branch or commit)"
                )
            data = answering.checked(repo.config(ref), data)
    created_dir = not dest.exists()
    try:
        copier_calls.copy(src, dest, data=data, vcs_ref=vcs_ref, defaults=defaults)
    except BaseException as error:
        if created_dir:
            shutil.rmtree(dest, ignore_errors=True)
        if isinstance(error, KeyboardInterrupt):
            raise MlcrewError("cancelled; nothing was written", exit_code=130) from None
        raise
    recorded = read_answers(dest)
    version = str(recorded.get("_commit") or "unknown")
    if not git_init:
        return Created(dest, recorded, version, committed=False)
    note = first_commit(dest, f"Create the project from the mlcrew template {version}", recorded)
    return Created(dest, recorded, version, committed=True, identity_note=note)


def first_commit(repo: Path, message: str, recorded: dict[str, Any]) -> str | None:
    """`git init` and the first commit; an interruption or a failure says exactly what is left."""
    try:
        return commit_all(repo, message, recorded)
    except (MlcrewError, KeyboardInterrupt) as error:
        interrupted = isinstance(error, KeyboardInterrupt)
        raise MlcrewError(
            f"the project was created in {repo}, but the first commit "
            + ("was interrupted" if interrupted else f"failed ({error})"),
            fix=f"finish it yourself: cd {repo} && git add -A && git commit -m 'Create the project' "
            f"(or delete {repo} and run mlcrew new again)",
            exit_code=130 if interrupted else 2,
        ) from None


def commit_all(repo: Path, message: str, recorded: dict[str, Any], paths: Sequence[str] = ("--all",)) -> str | None:
    """`git init` (branch main) and commit `paths`; returns a note when an identity was lent.

    On a machine with no git identity the commit is made as the owning team (from the answers), so
    the first commit never fails with git's "Please tell me who you are"; the note says how to set
    a personal identity. Hooks do not run (`--no-verify`): the project's own hooks are not installed
    yet, and a global hook must not turn a fresh project into a half-made one.
    """
    if not (repo / ".git").exists():
        git.output("init", "--quiet", "--initial-branch=main", cwd=repo)
    git.output("add", *paths, cwd=repo)
    name, email = git.identity(repo)
    identity: list[str] = []
    note = None
    if not name or not email:
        fallback_name = name or one_line(recorded.get("team_name")) or "mlcrew"
        fallback_email = email or one_line(recorded.get("owner_email")) or "mlcrew@localhost"
        identity = ["-c", f"user.name={fallback_name}", "-c", f"user.email={fallback_email}"]
        note = (
            f"git has no user identity on this machine, so the first commit is by "
            f"'{fallback_name} <{fallback_email}>'. Set yours with: "
            'git config --global user.name "Your Name" && git config --global user.email you@example.com'
        )
    git.output(*identity, "commit", "--quiet", "--no-verify", "-m", message, cwd=repo)
    return note


def one_line(value: object) -> str:
    """An answer made safe for a git config value: one line, no angle brackets."""
    return " ".join(str(value or "").replace("<", "").replace(">", "").split())[:100]
