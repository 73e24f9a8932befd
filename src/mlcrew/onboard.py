"""`mlcrew onboard`: the onboarding session as a guided walkthrough in the terminal.

Engineers owe the rest of the team a clear way of working early, and a session that walks everyone
through it. This module runs that session from the project's own documents: the sections of
`docs/ways-of-working.md` and the role exercises of `docs/onboarding.md`, both rendered by the
template with the project's real paths and commands. Nothing here hard-codes the project's layout,
so a team that edits its documents changes its onboarding too.

The session checks the machine first (each failed check says exactly how to fix it), then asks the
participant to confirm each section or note a question, and ends by writing a dated record into
`docs/onboarding/` for the team to commit. Ctrl-C at any prompt leaves nothing behind: the record
is written in one step at the very end.
"""

from __future__ import annotations

import datetime
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlcrew.bootstrap import project_env
from mlcrew.console import Echo, is_interactive, wrap
from mlcrew.errors import MlcrewError
from mlcrew.project import Project, load_unversioned

ROLES: dict[str, str] = {
    "data-scientist": "Data scientist",
    "data-engineer": "Data engineer",
    "software-engineer": "Software engineer",
    "platform-engineer": "Platform engineer",
    "product-owner": "Product owner",
}
"""`--role` values and the `### ` headings of their exercises in docs/onboarding.md."""

WAYS_OF_WORKING = Path("docs/ways-of-working.md")
ONBOARDING_PAGE = Path("docs/onboarding.md")
RECORDS = Path("docs/onboarding")


@dataclass(frozen=True)
class Section:
    """One `## ` section of the Ways of Working: its summary, where it lives, the command to try."""

    title: str
    summary: str
    where: str | None
    command: str | None


@dataclass(frozen=True)
class Check:
    """The result of one machine or repository check; `fix` says exactly what to do when it failed."""

    name: str
    ok: bool
    detail: str
    fix: str | None = None


@dataclass
class Session:
    """What the participant said during the walkthrough, for the record."""

    who: str
    role: str
    confirmed: list[str] = field(default_factory=list)
    questions: list[tuple[str, str]] = field(default_factory=list)


# --- the project and its documents ------------------------------------------------------------


def load_project(path: Path) -> Project:
    """The project's answers (untrusted: the package name is checked before it is ever run)."""
    project = load_unversioned(path)
    project.package  # noqa: B018  (refused here, with the fix, if it is not a package name)
    if not (project.path / WAYS_OF_WORKING).is_file():
        raise MlcrewError(
            f"{project.path} has no {WAYS_OF_WORKING.as_posix()}",
            fix="restore it from git or bring it back with `mlcrew update`",
        )
    return project


_WHERE_TRY = re.compile(r"^\*\*In the repo:\*\*\s*(?P<where>.+?)\s*·\s*\*\*Try:\*\*\s*`(?P<command>[^`]+)`\s*$")


def plain(markdown: str) -> str:
    """Markdown inline markup made readable in a terminal: links keep their text, emphasis goes."""
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", markdown)
    return re.sub(r"\*\*|__", "", text).strip()


def split_sections(text: str, level: int = 2) -> list[tuple[str, str]]:
    """(heading, body) pairs for the headings of one level, in document order."""
    marker = "#" * level
    parts = re.split(rf"^{marker} +(.+?)\s*$", text, flags=re.MULTILINE)
    return [(title.strip(), body) for title, body in zip(parts[1::2], parts[2::2], strict=True)]


def parse_sections(text: str) -> list[Section]:
    """The Ways of Working sections: the first paragraph is the summary, then the where/try line."""
    sections = []
    for title, body in split_sections(text):
        paragraphs = [block.strip() for block in re.split(r"\n\s*\n", body) if block.strip()]
        summary = next(
            (p for p in paragraphs if not p.startswith(("**In the repo:**", "|", "-", "!!!", "```", "#"))), ""
        )
        where = command = None
        for line in body.splitlines():
            match = _WHERE_TRY.match(line.strip())
            if match:
                where, command = plain(match["where"]), match["command"]
                break
        sections.append(Section(title, plain(" ".join(summary.split())), where, command))
    return sections


def read_sections(project: Project) -> list[Section]:
    """The project's Ways of Working, or a one-line error when it has lost its sections."""
    sections = parse_sections((project.path / WAYS_OF_WORKING).read_text(encoding="utf-8"))
    if not sections:
        raise MlcrewError(
            f"{WAYS_OF_WORKING.as_posix()} has no '## ' sections to walk through",
            fix="restore it from git or with `mlcrew update`",
        )
    return sections


def read_exercises(project: Project) -> dict[str, str]:
    """Role exercises from docs/onboarding.md (`### <Role>` under `## Role exercises`), by role key."""
    page = project.path / ONBOARDING_PAGE
    if not page.is_file():
        return {}
    exercises: dict[str, str] = {}
    for title, body in split_sections(page.read_text(encoding="utf-8")):
        if title.lower().startswith("role exercises"):
            for role_title, text in split_sections(body, level=3):
                for key, name in ROLES.items():
                    if role_title.lower() == name.lower():
                        exercises[key] = text.strip()
    return exercises


def exercise_text(exercises: dict[str, str], role: str) -> str:
    """The exercise for one role, or what to do when the team has not written one."""
    return exercises.get(role) or (
        f"{ONBOARDING_PAGE.as_posix()} has no exercise for the {ROLES[role].lower()} role: agree one with the "
        "team that touches the real repository, and add it there."
    )


# --- checks -----------------------------------------------------------------------------------


def venv_python(project: Path) -> Path:
    """The interpreter of the project's environment (`uv sync` creates it in .venv)."""
    if os.name == "nt":
        return project / ".venv" / "Scripts" / "python.exe"
    return project / ".venv" / "bin" / "python"


def _run(args: list[str], cwd: Path, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    """Run a check's command quietly; a missing program or a hang counts as a failure, not a crash."""
    try:
        return subprocess.run(
            args, cwd=cwd, env=project_env(), capture_output=True, text=True, timeout=timeout, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return subprocess.CompletedProcess(args, 127, "", str(error))


def _last_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = [line.strip() for line in (result.stdout + "\n" + result.stderr).splitlines() if line.strip()]
    return lines[-1][:200] if lines else f"exit code {result.returncode}"


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:2])


def check_python(project: Project) -> Check:
    """The project's Python (its environment's, else the one running mlcrew) meets python_version."""
    python = venv_python(project.path)
    if python.exists():
        result = _run([str(python), "-c", "import platform; print(platform.python_version())"], project.path)
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
    if not shutil.which("git"):
        return Check("git", False, "git is not installed", "install git (https://git-scm.com/downloads)")
    result = _run(["git", "rev-parse", "--is-inside-work-tree"], project.path)
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
    result = _run([str(python), "-c", f"import {project.package}"], project.path)
    if result.returncode != 0:
        return Check("environment", False, f"the package {project.package} is not installed in .venv", fix)
    return Check("environment", True, f".venv exists and has {project.package} installed")


def check_hooks(project: Project) -> Check:
    """The pre-commit hooks are installed, so lint and secret checks run on every commit."""
    result = _run(["git", "rev-parse", "--git-path", "hooks/pre-commit"], project.path)
    hook = project.path / result.stdout.strip() if result.returncode == 0 else project.path / ".git/hooks/pre-commit"
    if hook.is_file() and "pre-commit" in hook.read_text(encoding="utf-8", errors="replace"):
        return Check("pre-commit hooks", True, "installed: the hooks run on every commit")
    return Check(
        "pre-commit hooks",
        False,
        "not installed: commits skip the lint, notebook and secret checks",
        f"run `uv run pre-commit install` in {project.path}",
    )


def check_tests(project: Project, environment_ok: bool) -> Check:
    """The test suite is green on this machine."""
    if not environment_ok:
        return Check("test suite", False, "not run: the project environment is missing", "run `uv sync` first")
    result = _run([str(venv_python(project.path)), "-m", "pytest", "-q", "-p", "no:cacheprovider"], project.path)
    if result.returncode == 0:
        return Check("test suite", True, f"green ({_last_line(result)})")
    return Check(
        "test suite",
        False,
        f"failing ({_last_line(result)})",
        f"run `uv run pytest` in {project.path} and fix what it reports (on a fresh clone, tell the team)",
    )


def check_pipeline(project: Project, environment_ok: bool) -> Check:
    """The pipeline's smoke run trains, evaluates and registers a model on a small sample."""
    command = f"uv run python -m {project.package} pipeline --smoke"
    if not environment_ok:
        return Check("pipeline smoke run", False, "not run: the project environment is missing", "run `uv sync` first")
    result = _run([str(venv_python(project.path)), "-m", project.package, "pipeline", "--smoke"], project.path)
    if result.returncode == 0:
        return Check("pipeline smoke run", True, f"`{command}` passed")
    return Check(
        "pipeline smoke run",
        False,
        f"`{command}` failed ({_last_line(result)})",
        f"run `{command}` in {project.path} and read the error it prints",
    )


def run_checks(project: Project, echo: Echo) -> list[Check]:
    """Every check in order, printed as it finishes; slow ones announce themselves first."""
    checks: list[Check] = []

    def report(check: Check) -> None:
        checks.append(check)
        echo(f"  [{'ok' if check.ok else 'FAIL'}] {check.name}: {check.detail}")
        if check.fix:
            echo(f"         fix: {check.fix}")

    echo("Checking the machine and the repository:")
    report(check_python(project))
    report(check_git(project))
    environment = check_environment(project)
    report(environment)
    report(check_hooks(project))
    echo("  ... running the test suite (uv run pytest)")
    report(check_tests(project, environment.ok))
    echo(f"  ... running the pipeline on a small sample (python -m {project.package} pipeline --smoke)")
    report(check_pipeline(project, environment.ok))
    return checks


# --- the plan, the walkthrough and the record ---------------------------------------------------


def show_section(section: Section, number: int, total: int, echo: Echo) -> None:
    """One section as the participant sees it: summary, where, and the command to try."""
    echo(f"\n[{number}/{total}] {section.title}")
    echo(wrap(section.summary or "(no summary)", indent="  "))
    echo(f"  In the repo: {section.where or '(not stated)'}")
    echo(f"  Try:         {section.command or '(not stated)'}")


def slug(name: str) -> str:
    """A file-name-safe form of a person's name."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "participant"


def record_path(project: Project, who: str, today: datetime.date) -> Path:
    """docs/onboarding/<date>-<name>.md; a second session on the same day never overwrites the first."""
    base = project.path / RECORDS / f"{today.isoformat()}-{slug(who)}"
    candidate, number = base.with_suffix(".md"), 2
    while candidate.exists():
        candidate, number = base.with_name(f"{base.name}-{number}").with_suffix(".md"), number + 1
    return candidate


def render_record(project: Project, session: Session, checks: list[Check], today: datetime.date) -> str:
    """The record the team commits: who, role, template version, what was covered, open questions."""
    failed = [check.name for check in checks if not check.ok]
    lines = [
        f"# Onboarding: {session.who}, {today.isoformat()}",
        "",
        f"- **Who:** {session.who}",
        f"- **Role:** {ROLES[session.role]}",
        f"- **Date:** {today.isoformat()}",
        f"- **Project:** {project.name}",
        f"- **Template version:** {project.template_version} (`_commit` in `.copier-answers.yml`)",
        f"- **Checks:** {len(checks) - len(failed)} of {len(checks)} passed"
        + (f" (failed: {', '.join(failed)})" if failed else ""),
        "",
        "## Ways of Working sections walked through",
        "",
        *[f"- {title}" for title in session.confirmed],
        "",
        "## Open questions",
        "",
    ]
    if session.questions:
        lines += [f"{number}. **{topic}:** {question}" for number, (topic, question) in enumerate(session.questions, 1)]
    else:
        lines.append("None.")
    lines += ["", "Answer these at the next stand-up and update `docs/ways-of-working.md` where they show a gap.", ""]
    return "\n".join(lines)


def write_record(path: Path, text: str) -> None:
    """Write the record in one step (temp file, then rename): an interruption leaves nothing partial."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=".onboarding-", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def print_plan(project: Project, role: str | None, checks: list[Check], echo: Echo) -> None:
    """--non-interactive: what the session covers, after the checks."""
    sections = read_sections(project)
    exercises = read_exercises(project)
    echo(f"\nThe onboarding plan for {project.name} (mlcrew template {project.template_version}):")
    echo(f"\n1. Checks: {sum(c.ok for c in checks)} of {len(checks)} pass (above).")
    echo(f"\n2. The Ways of Working ({WAYS_OF_WORKING.as_posix()}), {len(sections)} sections:")
    for number, section in enumerate(sections, 1):
        show_section(section, number, len(sections), echo)
    roles = [role] if role else list(ROLES)
    echo(f"\n3. Role exercise{'' if role else 's'} ({ONBOARDING_PAGE.as_posix()}):")
    for key in roles:
        echo(f"\n  {ROLES[key]} (--role {key}):")
        for line in exercise_text(exercises, key).splitlines():
            echo(f"    {line}" if line.strip() else "")
    echo(
        f"\n4. Open questions, and a record in {RECORDS.as_posix()}/<date>-<name>.md: run `mlcrew onboard` "
        "in a terminal for the interactive session."
    )


class Prompts:
    """The questions of the session (questionary, imported only when a session is interactive).

    `unsafe_ask` lets Ctrl-C raise KeyboardInterrupt, which the CLI turns into a clean exit.
    """

    def __init__(self) -> None:
        import questionary

        self.q: Any = questionary

    def name(self, default: str) -> str:
        answer = self.q.text(
            "Your name (for the session record):",
            default=default,
            validate=lambda text: bool(text.strip()) or "Please enter a name",
        ).unsafe_ask()
        return str(answer).strip()

    def role(self) -> str:
        choices = [self.q.Choice(title=title, value=key) for key, title in ROLES.items()]
        return str(self.q.select("Your role in the team:", choices=choices).unsafe_ask())

    def proceed_despite_failures(self) -> bool:
        return bool(self.q.confirm("Some checks failed (fixes above). Continue the walkthrough anyway?").unsafe_ask())

    def understood(self, what: str) -> bool:
        choices = [
            self.q.Choice(title="Clear, next", value=True),
            self.q.Choice(title="I have a question or a note", value=False),
        ]
        return bool(self.q.select(f"{what}:", choices=choices).unsafe_ask())

    def question(self) -> str:
        answer = self.q.text(
            "Your question or note:", validate=lambda text: bool(text.strip()) or "Type it, or Ctrl-C to stop"
        ).unsafe_ask()
        return str(answer).strip()

    def anything_else(self) -> str:
        return str(self.q.text("Anything else to note for the team? (Enter for no)").unsafe_ask()).strip()


def git_user_name(project: Path) -> str:
    """The participant's likely name: git's user.name, if set."""
    result = _run(["git", "config", "--get", "user.name"], project, timeout=30)
    return result.stdout.strip() if result.returncode == 0 else ""


def interactive(project: Project, role: str | None, echo: Echo, today: datetime.date | None = None) -> int:
    """The full session: who, checks, sections, exercise, open questions, record."""
    prompts = Prompts()
    sections = read_sections(project)
    exercises = read_exercises(project)
    echo(f"Onboarding to {project.name} (mlcrew template {project.template_version}).")
    echo("Ctrl-C stops at any time; nothing is written until the end.\n")
    session = Session(who=prompts.name(git_user_name(project.path)), role=role or prompts.role())
    checks = run_checks(project, echo)
    if not all(check.ok for check in checks) and not prompts.proceed_despite_failures():
        echo("Stopped: fix the failed checks and run `mlcrew onboard` again. Nothing was written.")
        return 1
    echo(f"\nThe Ways of Working ({WAYS_OF_WORKING.as_posix()}), one section at a time:")
    for number, section in enumerate(sections, 1):
        show_section(section, number, len(sections), echo)
        if not prompts.understood(section.title):
            session.questions.append((section.title, prompts.question()))
        session.confirmed.append(section.title)
    echo(f"\nYour exercise as {ROLES[session.role].lower()} ({ONBOARDING_PAGE.as_posix()}):\n")
    for line in exercise_text(exercises, session.role).splitlines():
        echo(f"  {line}" if line.strip() else "")
    if not prompts.understood("The exercise"):
        session.questions.append((f"Exercise ({ROLES[session.role].lower()})", prompts.question()))
    extra = prompts.anything_else()
    if extra:
        session.questions.append(("Other", extra))
    today = today or datetime.date.today()
    echo("\nOpen questions:" if session.questions else "\nNo open questions.")
    for topic, question in session.questions:
        echo(f"  - {topic}: {question}")
    path = record_path(project, session.who, today)
    write_record(path, render_record(project, session, checks, today))
    relative = path.relative_to(project.path).as_posix()
    echo(f"\nWrote {relative}. Commit it for the team:")
    echo(f"  git add {relative} && git commit -m 'Onboarding record: {session.who}'")
    return 0


def onboard(path: Path, *, role: str | None, non_interactive: bool, echo: Echo) -> int:
    """`mlcrew onboard`: 0 when every check passed (or the session completed), 1 otherwise."""
    if role is not None and role not in ROLES:
        raise MlcrewError(f"unknown role {role!r}", fix=f"choose one of {', '.join(ROLES)}", where="--role")
    project = load_project(path)
    if non_interactive:
        read_sections(project)  # a broken document is an error before the slow checks
        checks = run_checks(project, echo)
        print_plan(project, role, checks, echo)
        failed = [check for check in checks if not check.ok]
        if failed:
            echo(f"\n{len(failed)} check(s) failed: {', '.join(c.name for c in failed)}. Fix them as shown above.")
            return 1
        return 0
    if not is_interactive():
        raise MlcrewError(
            "no terminal for the walkthrough",
            fix="run `mlcrew onboard` in a terminal, or pass --non-interactive for the checks and the plan",
        )
    return interactive(project, role, echo)
