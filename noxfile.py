"""mlcrew's own sessions: `nox -s lint tests` is what CI runs (README.md, .ci/run); the tests build the docs.

Environments come from the dependency groups in pyproject.toml, installed by uv. Generated projects
in the tests share uv's package cache, so the option matrix installs in seconds per project.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import nox

nox.options.default_venv_backend = "uv"
nox.options.sessions = ["lint", "tests"]
nox.needs_version = ">=2025.2.9"
os.environ.setdefault("UV_PYTHON_DOWNLOADS", "never")

ROOT = Path(__file__).parent

DOCS_ENV = {"NO_MKDOCS_2_WARNING": "1"}
"""Material for MkDocs (9.8 here) prints an end-of-life notice on every build; this is the theme's own
off switch. The plan for after May 2027 is in mkdocs.yml (Zensical); tests/docs/test_docs.py builds with this."""


def install(session: nox.Session, *groups: str) -> None:
    """Install mlcrew (editable) and the given dependency groups into the session's environment."""
    args = ["uv", "sync", "--no-default-groups", *(f"--group={group}" for group in groups)]
    session.run_install(*args, env={"UV_PROJECT_ENVIRONMENT": session.virtualenv.location})


@nox.session
def lint(session: nox.Session) -> None:
    """ruff (lint and format) and mypy over the CLI."""
    install(session, "lint")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy")


@nox.session
def docs(session: nox.Session) -> None:
    """Build the documentation site strictly (a broken link or missing page fails)."""
    install(session, "docs")
    session.run("mkdocs", "build", "--strict", "--site-dir", str(ROOT / "site"), env=DOCS_ENV)


@nox.session
def bench(session: nox.Session) -> None:
    """The benchmark (benchmarks/run.py): a table and JSON in benchmarks/results/; options after `--`.

    Not a default session: everything takes 30-60 minutes on 2 cores, e.g. `nox -s bench -- --only startup,create`;
    `-- --anchors DIR` (or $MLCREW_BENCH_ANCHORS) adds the other templates (docs/performance.md).
    """
    install(session)
    session.run("python", "benchmarks/run.py", *session.posargs)


@nox.session
def tests(session: nox.Session) -> None:
    """The full suite: real copier, real git, generated projects installed and checked.

    Runs on both cores; pass pytest options after `--`, e.g. `nox -s tests -- -m "not slow"`.
    """
    install(session, "test")
    session.run("pytest", "-n", "2", "--durations=15", *session.posargs)


@nox.session
@nox.parametrize(
    "option",
    [
        "defaults",
        "serving=batch",
        "serving=none",
        "experiment_tracking=mlflow",
        "regulated=true",
        "ci_provider=gitlab",
        "ci_provider=none",
    ],
)
def project(session: nox.Session, option: str) -> None:
    """Generate one project into build/projects/<option> and run its own default nox sessions.

    For looking at what a team receives, e.g. `nox -s "project(option='serving=batch')"`.
    """
    install(session)
    dest = ROOT / "build" / "projects" / option.replace("=", "-")
    shutil.rmtree(dest, ignore_errors=True)
    data = [] if option == "defaults" else ["--data", option]
    session.run("mlcrew", "new", str(dest), "--defaults", "--template", str(ROOT), "--vcs-ref", "HEAD", *data)
    with session.chdir(dest):
        session.run("uv", "run", "nox", external=True)
