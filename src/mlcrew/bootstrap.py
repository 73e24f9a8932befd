"""`mlcrew new --setup`: the project's environment, its pre-commit hooks, and one green test run.

These are post-generation steps. They live in the CLI, not in copier `_tasks`, so the template never
needs `--trust`, and they run only when asked.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

from mlcrew.console import Echo
from mlcrew.errors import MlcrewError

FOREIGN_ENVIRONMENT = ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT", "PYTHONPATH")
"""Variables that point at *another* environment (an activated venv, a nox session): a command run for
the project must not see them, or `uv sync` would install the project into (and prune) that one."""


def project_env() -> dict[str, str]:
    """The environment for commands run inside a generated project."""
    return {key: value for key, value in os.environ.items() if key not in FOREIGN_ENVIRONMENT}


def uv_command() -> list[str]:
    """How to call uv: on PATH, or as the `uv` package of this Python."""
    found = shutil.which("uv")
    if found:
        return [found]
    if importlib.util.find_spec("uv") is not None:
        return [sys.executable, "-m", "uv"]
    raise MlcrewError("uv is not installed", fix="run `python -m pip install uv`, then retry with --setup")


def setup_steps(*, hooks: bool) -> list[tuple[str, list[str]]]:
    """The steps, in order: what each does and its uv arguments (run inside the project)."""
    steps = [("create the environment and install the project", ["sync"])]
    if hooks:
        steps.append(("install the pre-commit hooks", ["run", "pre-commit", "install"]))
    steps.append(("run the test suite once", ["run", "pytest", "-q"]))
    return steps


def set_up(project: Path, *, hooks: bool, echo: Echo) -> None:
    """Run every step, showing progress; stop at the first failure with the command to re-run."""
    uv = uv_command()
    steps = setup_steps(hooks=hooks)
    for number, (what, args) in enumerate(steps, start=1):
        shown = " ".join(["uv", *args])
        echo(f"[{number}/{len(steps)}] {what}: {shown}")
        result = subprocess.run([*uv, *args], cwd=project, env=project_env(), check=False)
        if result.returncode != 0:
            raise MlcrewError(
                f"set-up step '{what}' failed (exit {result.returncode})",
                fix=f"fix the problem above, then run `{shown}` in {project}",
            )
