"""Real parts for the tests: template repos in temp dirs, real copier, real git, real installs.

Every generated project installs with uv from one shared package cache (uv's default cache, or
UV_CACHE_DIR when set), so the option matrix costs seconds per project, not minutes.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
"""The mlcrew checkout under test."""

IDENTITY = {
    "GIT_AUTHOR_NAME": "Test Author",
    "GIT_AUTHOR_EMAIL": "author@example.com",
    "GIT_COMMITTER_NAME": "Test Author",
    "GIT_COMMITTER_EMAIL": "author@example.com",
}
"""CI's machine has no git identity: the repos the tests create get this one."""

TEMPLATE_FILES = ("copier.yml", "template", "CHANGELOG.md")
"""What a template repo holds (the rest of mlcrew is the CLI, docs and tests)."""


def run(
    args: Sequence[str | Path], cwd: Path, *, env: Mapping[str, str] | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run a command; on an unexpected failure, fail with its output so the test log explains it."""
    result = subprocess.run(
        [str(arg) for arg in args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"{' '.join(map(str, args))} exited {result.returncode} in {cwd}\n"
            f"--- stdout ---\n{result.stdout[-6000:]}\n--- stderr ---\n{result.stderr[-6000:]}"
        )
    return result


def git(repo: Path, *args: str) -> str:
    """Run git with the test identity and return stdout."""
    return run(["git", *args], repo, env=IDENTITY).stdout


def commit_all(repo: Path, message: str, *, tag: str | None = None) -> None:
    """Stage everything and commit (hooks skipped, as a bot commits), then tag the commit if asked.

    A repo without git yet is initialised on branch main first.
    """
    if not (repo / ".git").exists():
        git(repo, "init", "--quiet", "--initial-branch=main")
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "--no-verify", "-m", message)
    if tag:
        git(repo, "tag", tag)


def tiny_template(root: Path, questions: str, files: Mapping[str, str], *, tag: str = "v1.0.0") -> Path:
    """A minimal copier template that is not mlcrew's: `questions` (copier.yml), `files` under template/.

    It records its answers file as copier's docs show, and is committed and released as `tag`.
    """
    (root / "template").mkdir(parents=True)
    (root / "copier.yml").write_text("_subdirectory: template\n" + questions)
    (root / "template" / "{{ _copier_conf.answers_file }}.jinja").write_text("{{ _copier_answers | to_nice_yaml }}")
    for name, text in files.items():
        (root / "template" / name).write_text(text)
    commit_all(root, f"template {tag}", tag=tag)
    return root


def make_template_repo(dest: Path, tag: str | None = "v0.1.0") -> Path:
    """The working tree's template (uncommitted edits included) as a new git repo, released as `tag`.

    Its CHANGELOG.md has one dated section for `tag` (mlcrew's own changelog holds every real release,
    which would make the bundle tag them all at this one commit).
    """
    dest.mkdir(parents=True)
    for name in TEMPLATE_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, dest / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        elif source.exists():
            shutil.copy2(source, dest / name)
    version = (tag or "v0.1.0").lstrip("v")
    (dest / "CHANGELOG.md").write_text(
        f"# Changelog\n\n## {version} - 2026-01-01\n\nThe standard as it is in the working tree.\n"
    )
    commit_all(dest, "template", tag=tag)
    return dest


def released_clone(dest: Path) -> Path:
    """A clone of mlcrew's own history with every release tagged, as the wheel's bundle has them.

    Made from the bundle the build hook ships (template.build_bundle), so the tags are the ones derived
    from CHANGELOG.md's history, whether or not this checkout has any tags.
    """
    from mlcrew.template import build_bundle

    bundle = build_bundle(ROOT, dest.with_name(dest.name + ".bundle"))
    run(["git", "clone", "--quiet", bundle, dest], dest.parent)
    return dest


def generate(template: Path, dest: Path, answers: Mapping[str, Any] | None = None, commit: bool = True) -> Path:
    """Generate a project with plain copier's public API (no --trust) and commit it like a user."""
    import copier

    copier.run_copy(
        str(template), dest, data=dict(answers or {}), defaults=True, quiet=True, unsafe=False, vcs_ref="HEAD"
    )
    if commit:
        commit_all(dest, "generated")
    return dest


def answers_of(project: Path) -> dict[str, Any]:
    """The project's recorded answers."""
    loaded: dict[str, Any] = yaml.safe_load((project / ".copier-answers.yml").read_text())
    return loaded


def files_of(project: Path) -> set[str]:
    """Every file in the project (relative, POSIX), outside .git and tool caches."""
    skip = {".git", ".venv", ".nox", ".pytest_cache", ".mypy_cache", ".ruff_cache", "__pycache__", "artifacts"}
    return {
        path.relative_to(project).as_posix()
        for path in project.rglob("*")
        if path.is_file() and not skip.intersection(path.relative_to(project).parts)
    }


def files_with_markers(project: Path) -> set[str]:
    """Files of the project with a conflict marker at the start of a line."""
    return {
        name
        for name in files_of(project)
        if any(
            line.startswith(("<<<<<<< ", ">>>>>>> "))
            for line in (project / name).read_text(errors="replace").splitlines()
        )
    }


def fingerprint(project: Path) -> dict[str, str]:
    """Every file of the project outside .git and .venv (artefacts, caches, ignored files included) by hash."""
    return {
        path.relative_to(project).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(project.rglob("*"))
        if path.is_file() and not {".git", ".venv"}.intersection(path.relative_to(project).parts)
    }


def flat(text: str) -> str:
    """Printed output with its wrapping undone: what a reader sees, whatever the terminal's width."""
    return " ".join(text.split())


def install(project: Path) -> None:
    """`uv sync`: the generated README's set-up command, with the shared uv cache."""
    run(["uv", "sync", "--quiet"], project, env={"UV_PYTHON_DOWNLOADS": "never"})


def in_project(project: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run a command inside the project's environment, as `uv run` does for a user."""
    return run(["uv", "run", "--no-sync", *args], project, env={"UV_PYTHON_DOWNLOADS": "never"}, check=check)


def mlcrew(*args: str | Path) -> int:
    """Run the `mlcrew` command in-process, as the console script does (exit code returned)."""
    from mlcrew.cli import main

    return main([str(arg) for arg in args])


class ProjectFactory:
    """Generated projects, made once per test session and shared between test modules.

    `get(answers)` generates (plain copier) and commits; `installed(answers)` also runs `uv sync`.
    Tests must treat these projects as read-only: copy one (shutil.copytree) before changing it.
    """

    def __init__(self, template: Path, root: Path) -> None:
        self.template = template
        self.root = root
        self._made: dict[tuple[tuple[str, object], ...], Path] = {}
        self._installed: set[Path] = set()

    def get(self, **answers: object) -> Path:
        key = tuple(sorted(answers.items()))
        if key not in self._made:
            name = "-".join(f"{k}={v}" for k, v in key) or "defaults"
            self._made[key] = generate(self.template, self.root / name.replace("/", "_"), answers)
        return self._made[key]

    def installed(self, **answers: object) -> Path:
        project = self.get(**answers)
        if project not in self._installed:
            install(project)
            self._installed.add(project)
        return project
