"""Onboarding's checks of the machine and the repository, run so that they never change the project.

A newcomer runs `mlcrew onboard` in the team's real repository, where `artifacts/registry/` may hold
the model that serving serves and `artifacts/reports/` the plots the model card shows. Onboarding
used to run the test suite and the pipeline's smoke run right there, and every run registered one
more model trained on a sample. Now both run in **scratch copies of the working tree** (what git
tracks plus untracked, not-ignored files), with the project's own environment and the copy's code
first on the path. Whatever a template version writes (the registry, reports, `mlruns/`, a docs
build) lands in the copy and is deleted with it. This needs nothing from the template, so projects
of every template version, 0.1.0 included, keep their artefacts byte-identical.

The two slow checks run side by side (two cores: about the time of the slower one). Each check that
fails says exactly what to do; a failing test suite names its failing tests and the command that
reruns just them. Findings that do not stop a session (uncommitted changes, placeholders) are
warnings: shown with their fix, not counted as failures.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from mlcrew import git
from mlcrew.bootstrap import project_env
from mlcrew.console import Echo, wrap
from mlcrew.errors import MlcrewError
from mlcrew.project import Project

SLOW_TIMEOUT = 900.0
"""Seconds the test suite or the smoke run may take before it counts as failed (a hang is a failure)."""

SHOWN = 3
"""How many failing tests, changed files or placeholders a check names before it says "and N more"."""

INPUTS_GIT_IGNORES = (".env",)
"""Git-ignored files that are inputs, not outputs: the smoke run reads a local `.env` like the real one."""

NOT_COPIED = ("__pycache__", "*.pyc", ".git", ".venv", ".nox", "artifacts", "mlruns", "site", ".*_cache")
"""Outside a git repository: what a scratch copy leaves out (environments, caches and outputs)."""

_FAILED = re.compile(r"^(?:FAILED|ERROR) (?P<test>.+?)(?: - .*)?$")


@dataclass(frozen=True)
class Check:
    """The result of one check; `fix` says exactly what to do when it did not pass.

    A check that is not `blocking` is a warning: it is shown with its fix but never fails onboarding
    (a newcomer with an uncommitted edit still gets the walkthrough).
    """

    name: str
    ok: bool
    detail: str
    fix: str | None = None
    blocking: bool = True

    @property
    def failed(self) -> bool:
        return not self.ok and self.blocking

    @property
    def status(self) -> str:
        return "ok" if self.ok else "FAIL" if self.blocking else "warn"


CHECKS = ("Python", "git", "environment", "pre-commit hooks", "working tree", "test suite", "pipeline smoke run")
"""Every check, in the order they are printed (docs/onboarding-session.md shows them)."""


def venv_python(project: Path) -> Path:
    """The interpreter of the project's environment (`uv sync` creates it in .venv)."""
    if os.name == "nt":
        return project / ".venv" / "Scripts" / "python.exe"
    return project / ".venv" / "bin" / "python"


def check_env(code: Path | None = None) -> dict[str, str]:
    """The environment for a check's command: no foreign venv, no bytecode written into the project.

    `code`, a scratch copy's `src/`, goes first on the path, so its tests import the copy's code.
    """
    env = {**project_env(), "PYTHONDONTWRITEBYTECODE": "1", "GIT_OPTIONAL_LOCKS": "0"}
    if code is not None and code.is_dir():
        env["PYTHONPATH"] = str(code)
    return env


def run(args: list[str], cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run a quick check's command quietly; a missing program or a hang counts as a failure, not a crash."""
    try:
        return subprocess.run(
            args, cwd=cwd, env=check_env(), capture_output=True, text=True, errors="replace", timeout=timeout
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return subprocess.CompletedProcess(args, 127, "", str(error))


def git_run(project: Path, *args: str) -> subprocess.CompletedProcess[str] | None:
    """`git ARGS` in the project without optional locks (no index refresh), or None when git is missing."""
    if shutil.which("git") is None:
        return None
    return git.run("--no-optional-locks", *args, cwd=project, check=False, timeout=60)


def last_line(result: subprocess.CompletedProcess[str]) -> str:
    """The line a command ends with (pytest's summary, a traceback's error), for a one-line detail."""
    lines = [line.strip() for line in (result.stdout + "\n" + result.stderr).splitlines() if line.strip()]
    return lines[-1][:200] if lines else f"exit code {result.returncode}"


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:2])


def more(items: list[str], shown: int = SHOWN) -> str:
    """The first few items, and how many more there are."""
    text = ", ".join(items[:shown])
    return text + (f" and {len(items) - shown} more" if len(items) > shown else "")


# --- quick checks ---------------------------------------------------------------------------------


def check_python(project: Project) -> Check:
    """The project's Python (its environment's, else the one running mlcrew) meets python_version."""
    python = venv_python(project.path)
    if python.exists():
        result = run([str(python), "-c", "import platform; print(platform.python_version())"], project.path)
        found = result.stdout.strip() if result.returncode == 0 else ""
    else:
        found = ".".join(str(part) for part in sys.version_info[:3])
    needed = project.python_version
    if found and _version_tuple(found) >= _version_tuple(needed):
        return Check("Python", True, f"Python {found} (the project needs {needed} or newer)")
    return Check(
        "Python",
        False,
        f"Python {found or 'not runnable'} found, the project needs {needed} or newer",
        f"install Python {needed} or newer (e.g. `uv python install {needed}`), then run `uv sync` in {project.path}",
    )


def check_git(project: Project) -> Check:
    """git is installed and the project is a repository (reviews, hooks and updates need both)."""
    result = git_run(project.path, "rev-parse", "--is-inside-work-tree")
    if result is None:
        return Check("git", False, "git is not installed", "install git (https://git-scm.com/downloads)")
    if result.returncode != 0 or result.stdout.strip() != "true":
        return Check(
            "git",
            False,
            "the project is not a git repository",
            f"run `git init && git add -A && git commit -m 'Create the project'` in {project.path}",
        )
    return Check("git", True, "git is installed and the project is a repository")


def check_environment(project: Project) -> Check:
    """`uv sync` has created .venv and installed the project into it."""
    python = venv_python(project.path)
    fix = f"run `uv sync` in {project.path} (it creates .venv and installs the project and the team's tools)"
    if not shutil.which("uv"):
        return Check("environment", False, "uv is not installed", f"run `python -m pip install uv`, then {fix}")
    if not python.exists():
        return Check("environment", False, "no project environment (.venv is missing)", fix)
    result = run([str(python), "-c", f"import {project.package}"], project.path)
    if result.returncode != 0:
        return Check("environment", False, f"the package {project.package} is not installed in .venv", fix)
    return Check("environment", True, f".venv exists and has {project.package} installed")


def check_hooks(project: Project) -> Check:
    """The pre-commit hooks are installed, so lint and secret checks run on every commit."""
    result = git_run(project.path, "rev-parse", "--git-path", "hooks/pre-commit")
    found = result is not None and result.returncode == 0
    hook = project.path / (result.stdout.strip() if found and result else ".git/hooks/pre-commit")
    if hook.is_file() and "pre-commit" in hook.read_text(encoding="utf-8", errors="replace"):
        return Check("pre-commit hooks", True, "installed: the hooks run on every commit")
    return Check(
        "pre-commit hooks",
        False,
        "not installed: commits skip the lint, notebook and secret checks",
        f"run `uv run pre-commit install` in {project.path}",
    )


def check_working_tree(project: Project) -> Check:
    """Uncommitted changes and untracked files: the checks ran on them, but the team and CI do not see them."""
    result = git_run(project.path, "status", "--porcelain=v1", "-z", "--untracked-files=all")
    if result is None or result.returncode != 0:
        return Check("working tree", False, "not checked: the project is not a git repository", blocking=False)
    entries = [entry for entry in result.stdout.split("\0") if len(entry) > 3]
    untracked = [entry[3:] for entry in entries if entry.startswith("??")]
    changed = [entry[3:] for entry in entries if not entry.startswith("??")]
    if not entries:
        return Check("working tree", True, "clean: everything is committed")
    parts = []
    if changed:
        parts.append(f"{len(changed)} uncommitted change(s): {more(changed)}")
    if untracked:
        parts.append(f"{len(untracked)} untracked file(s): {more(untracked)}")
    return Check(
        "working tree",
        False,
        "; ".join(parts),
        "commit what belongs to the project (`git add PATH && git commit`), or set it aside with "
        "`git stash --include-untracked`: the checks below ran on it, the team's CI will not",
        blocking=False,
    )


# --- the slow checks, in scratch copies -----------------------------------------------------------


def copy_working_tree(project: Path, dest: Path) -> None:
    """Make `dest` a copy of the project's working tree as git sees it, with the project's history.

    The copy is a `git clone --shared` (no objects copied, nothing written to the project) with the
    working tree's files on top, tracked and untracked but not ignored: the tests see the same
    `git status` and `git log` as in the project. Ignored outputs (artifacts/, mlruns/, .venv/) stay
    behind, which keeps the copy small and the project's artefacts out of reach. Outside a
    repository, everything but `NOT_COPIED` is copied.
    """
    listed = git_run(project, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    if listed is None or listed.returncode != 0:
        shutil.copytree(project, dest, symlinks=True, ignore=shutil.ignore_patterns(*NOT_COPIED))
        return
    cloned = git_run(project, "clone", "--quiet", "--shared", "--no-checkout", "--", str(project), str(dest))
    dest.mkdir(parents=True, exist_ok=True)
    names = {name for name in listed.stdout.split("\0") if name}
    names.update(name for name in INPUTS_GIT_IGNORES if (project / name).is_file())
    for name in sorted(names):
        source, target = project / name, dest / name
        if source.is_symlink() or source.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target, follow_symlinks=False)
    if cloned is not None and cloned.returncode == 0:
        git_run(dest, "reset", "--quiet")  # the index as HEAD has it, so `git status` shows the project's changes


class ScratchRun:
    """A command started in a fresh scratch copy of the project; `result` waits, `close` stops and deletes.

    Output goes to a file in the scratch directory, not a pipe, so two runs side by side never stall
    on a full pipe buffer.
    """

    def __init__(self, project: Project, args: list[str]) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="mlcrew-onboard-")
        self.root = Path(self._tmp.name) / project.path.name
        self._log = Path(self._tmp.name) / "output.txt"
        self.args = args
        try:
            copy_working_tree(project.path, self.root)
            with self._log.open("w", encoding="utf-8") as log:
                self.process: subprocess.Popen[bytes] | None = subprocess.Popen(
                    args, cwd=self.root, env=check_env(self.root / "src"), stdout=log, stderr=subprocess.STDOUT
                )
        except OSError as error:
            self.process = None
            self._log.write_text(str(error), encoding="utf-8")

    def result(self, timeout: float = SLOW_TIMEOUT) -> subprocess.CompletedProcess[str]:
        """Wait for the command; a hang past `timeout` is stopped and reported as a failure."""
        code = 127
        if self.process is not None:
            try:
                code = self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                return subprocess.CompletedProcess(self.args, 124, "", f"no result after {timeout:.0f} s")
        return subprocess.CompletedProcess(self.args, code, self._log.read_text(encoding="utf-8", errors="replace"), "")

    def close(self) -> None:
        """Stop the command if it still runs (Ctrl-C, an error), then delete the copy."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._tmp.cleanup()


@contextmanager
def scratch_run(project: Project, args: list[str], start: bool = True) -> Iterator[ScratchRun | None]:
    """A `ScratchRun` for the duration (None when `start` is false: its check cannot run)."""
    if not start:
        yield None
        return
    started = ScratchRun(project, args)
    try:
        yield started
    finally:
        started.close()


def failing_tests(output: str) -> list[str]:
    """The node ids pytest's short summary names as FAILED or ERROR, in its order, once each."""
    found: list[str] = []
    for line in output.splitlines():
        match = _FAILED.match(line.strip())
        if match and match["test"] not in found:
            found.append(match["test"])
    return found


def tests_check(project: Project, started: ScratchRun | None) -> Check:
    """The test suite's result: green, or the failing tests by name and the command to rerun them."""
    if started is None:
        return Check("test suite", False, "not run: the project environment is missing", "run `uv sync` first")
    result = started.result()
    if result.returncode == 0:
        return Check("test suite", True, f"green ({last_line(result)})")
    failing = failing_tests(result.stdout)
    if not failing:
        return Check(
            "test suite",
            False,
            f"failing ({last_line(result)})",
            f"run `uv run pytest` in {project.path} and fix what it reports (on a fresh clone, tell the team)",
        )
    rerun = shlex.join(["uv", "run", "pytest", *failing[:SHOWN]])
    return Check(
        "test suite",
        False,
        f"failing ({last_line(result)}): {more(failing)}",
        f"rerun {'just them' if len(failing) <= SHOWN else f'the first {SHOWN}'} with `{rerun}` in {project.path} "
        "and fix what they report (on a fresh clone, tell the team)",
    )


def pipeline_command(project: Project) -> str:
    return f"uv run python -m {project.package} pipeline --smoke"


def pipeline_check(project: Project, started: ScratchRun | None) -> Check:
    """The smoke run's result: it trained, evaluated and registered a model (in the scratch copy)."""
    command = pipeline_command(project)
    if started is None:
        return Check("pipeline smoke run", False, "not run: the project environment is missing", "run `uv sync` first")
    result = started.result()
    if result.returncode == 0:
        return Check("pipeline smoke run", True, f"`{command}` passed (in a scratch copy: artifacts/ untouched)")
    return Check(
        "pipeline smoke run",
        False,
        f"`{command}` failed ({last_line(result)})",
        f"run `{command}` in {project.path} and read the error it prints",
    )


def report_line(check: Check, echo: Echo) -> None:
    """One check as the participant sees it, wrapped at words; the fix on its own line."""
    echo(wrap(f"{check.name}: {check.detail}", indent=f"  [{check.status}] ", subsequent=" " * 9))
    if check.fix and not check.ok:
        echo(wrap(check.fix, indent="         fix: ", subsequent=" " * 14))


def run_checks(project: Project, echo: Echo) -> list[Check]:
    """Every check in `CHECKS` order, printed as it finishes; the slow two run side by side."""
    checks: list[Check] = []

    def report(check: Check) -> None:
        checks.append(check)
        report_line(check, echo)

    echo("Checking the machine and the repository:")
    report(check_python(project))
    report(check_git(project))
    environment = check_environment(project)
    report(environment)
    report(check_hooks(project))
    report(check_working_tree(project))
    python = str(venv_python(project.path))
    echo(
        wrap(
            f"... running the test suite (uv run pytest) and the pipeline on a small sample "
            f"({pipeline_command(project)}) side by side, in scratch copies: the project's files and artifacts/ "
            "stay as they are",
            indent="  ",
            subsequent="      ",
        )
    )
    with ExitStack() as stack:
        tests = stack.enter_context(
            scratch_run(project, [python, "-m", "pytest", "-q", "-rfE", "-p", "no:cacheprovider"], environment.ok)
        )
        smoke = stack.enter_context(
            scratch_run(project, [python, "-m", project.package, "pipeline", "--smoke"], environment.ok)
        )
        report(tests_check(project, tests))
        report(pipeline_check(project, smoke))
    return checks


def find_placeholders(project: Project) -> tuple[list[str], str | None]:
    """What the team has not made its own yet (`check.placeholders`), or why it could not be looked at.

    The placeholders are defined by the template at the project's version, so this needs a clone of
    the template (the bundled one when the recorded URL is unreachable). A template that cannot be
    reached is said in one line, and onboarding goes on.
    """
    from mlcrew.check import Standard, placeholders

    try:
        with Standard(lambda note: None) as standard:
            src = standard.source(project.src_path)
            repo = standard.repo(src)
            if repo.commit(project.commit) is None:
                return [], f"the template at {src.description} lacks the project's version {project.commit}"
            return placeholders(project, repo.config(project.commit)), None
    except MlcrewError as error:
        return [], str(error)


def report_placeholders(project: Project, echo: Echo) -> list[str]:
    """Point out the placeholders still in place, with how to replace them; never a failure."""
    found, problem = find_placeholders(project)
    if problem:
        echo(wrap(f"placeholders: not checked ({problem})", indent="  [note] ", subsequent=" " * 9))
        return []
    if found:
        echo("\nTo make your own (the template's placeholders, still in place):")
        for placeholder in found:
            echo(wrap(placeholder, indent="  - ", subsequent="    "))
        echo(
            wrap(
                "fix: edit CODEOWNERS; change an answer with `copier update --vcs-ref :current: -d KEY=VALUE` "
                "and commit",
                indent="  ",
                subsequent="       ",
            )
        )
    return found
