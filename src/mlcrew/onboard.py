"""`mlcrew onboard`: the onboarding session as a guided walkthrough in the terminal.

Engineers owe the rest of the team a clear way of working early, and a session that walks everyone
through it. This module runs that session from the project's own documents: the sections of
`docs/ways-of-working.md` and the role exercises of `docs/onboarding.md`, both rendered by the
template with the project's real paths and commands. Nothing here hard-codes the project's layout,
so a team that edits its documents changes its onboarding too.

The session checks the machine first (onboard_checks: each failed check says exactly how to fix
it, and nothing in the project changes), points out the placeholders the team has not replaced,
then asks the participant to confirm each section or note a question, and ends by writing a dated
record into `docs/onboarding/` for the team to commit. Ctrl-C at any prompt leaves nothing behind:
the record is written in one step at the very end.

What the documents say is shown for a terminal: Markdown links become paths that open from where
the participant stands (the documents' links are relative to docs/), and prose wraps at words.
"""

from __future__ import annotations

import datetime
import os
import re
import shlex
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlcrew.console import Echo, is_interactive, wrap
from mlcrew.errors import MlcrewError
from mlcrew.onboard_checks import Check, git_run, report_placeholders, run_checks
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


_LINK = re.compile(r"\[([^\]]+)\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_ITEM = re.compile(r"^(\d+[.)]|[-*+])\s+(.*)$")


def shown_path(path: Path, here: Path | None = None) -> str:
    """`path` as the participant can open it from where they stand (their current directory)."""
    try:
        return os.path.relpath(path, here or Path.cwd())
    except ValueError:  # another drive (Windows): the absolute path still opens
        return str(path)


def link_target(target: str, page: Path, here: Path | None = None) -> str | None:
    """Where a link in `page` points: a URL as it is, a file as a path that opens from `here`.

    Links in docs/ are relative to docs/ (`[runbook](runbook.md)`): printed raw they open nothing from
    the repository root. A link to a section of the same page (`#quality-gates`) has no path to show.
    """
    if _SCHEME.match(target):
        return target
    name = target.split("#", 1)[0]
    if not name:
        return None
    return shown_path(Path(os.path.normpath(page.parent / name)), here)


def plain(markdown: str, page: Path | None = None, here: Path | None = None) -> str:
    """Markdown inline markup made readable in a terminal: links keep their text, emphasis goes.

    Given the `page` the text comes from, each link also shows where it points, as `text (path)`.
    """

    def link(match: re.Match[str]) -> str:
        target = link_target(match[2], page, here) if page is not None else None
        return f"{match[1]} ({target})" if target else match[1]

    text = _LINK.sub(link, markdown)
    return re.sub(r"\*\*|__", "", text).strip()


def terminal_lines(markdown: str, indent: str = "", page: Path | None = None, here: Path | None = None) -> list[str]:
    """Markdown blocks for the terminal: paragraphs and list items reflowed and wrapped at words to the
    terminal width (a list item's next lines under its text), code blocks verbatim, links as paths."""
    lines: list[str] = []
    block: list[str] = []
    marker = ""
    fenced = False

    def flush() -> None:
        nonlocal block, marker
        if block:
            text = plain(" ".join(block), page, here)
            lines.extend(wrap(text, indent=indent + marker, subsequent=indent + " " * len(marker)).splitlines())
        block, marker = [], ""

    for raw in markdown.splitlines():
        stripped = raw.strip()
        if stripped.startswith(("```", "~~~")) or fenced:
            flush()
            if stripped.startswith(("```", "~~~")):
                fenced = not fenced
            else:
                lines.append(indent + "    " + raw.rstrip())
            continue
        item = _ITEM.match(stripped)
        if not stripped or item:
            flush()
        if not stripped:
            if lines and lines[-1]:
                lines.append("")
        elif item:
            marker, block = f"{item[1]} ", [item[2]]
        else:
            block.append(stripped.lstrip("#").strip() if stripped.startswith("#") else stripped)
    flush()
    while lines and not lines[-1]:
        lines.pop()
    return lines


def split_sections(text: str, level: int = 2) -> list[tuple[str, str]]:
    """(heading, body) pairs for the headings of one level, in document order."""
    marker = "#" * level
    parts = re.split(rf"^{marker} +(.+?)\s*$", text, flags=re.MULTILINE)
    return [(title.strip(), body) for title, body in zip(parts[1::2], parts[2::2], strict=True)]


def parse_sections(text: str, page: Path | None = None, here: Path | None = None) -> list[Section]:
    """The Ways of Working sections: the first paragraph is the summary, then the where/try line.

    With the `page` the text comes from, links show paths that open from `here` (see `plain`).
    """
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
                where, command = plain(match["where"], page, here), match["command"]
                break
        sections.append(Section(title, plain(" ".join(summary.split()), page, here), where, command))
    return sections


def read_sections(project: Project) -> list[Section]:
    """The project's Ways of Working, or a one-line error when it has lost its sections."""
    page = project.path / WAYS_OF_WORKING
    sections = parse_sections(page.read_text(encoding="utf-8"), page)
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


def show_exercise(project: Project, exercises: dict[str, str], role: str, echo: Echo, indent: str = "  ") -> None:
    """One role's exercise as terminal text: wrapped at words, its links as paths that open from here."""
    page = project.path / ONBOARDING_PAGE
    for line in terminal_lines(exercise_text(exercises, role), indent=indent, page=page):
        echo(line)


# --- the plan, the walkthrough and the record ---------------------------------------------------


def show_section(section: Section, number: int, total: int, echo: Echo) -> None:
    """One section as the participant sees it: summary, where, and the command to try."""
    echo(f"\n[{number}/{total}] {section.title}")
    echo(wrap(section.summary or "(no summary)", indent="  "))
    echo(wrap(section.where or "(not stated)", indent="  In the repo: ", subsequent=" " * 15))
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
    failed = [check.name for check in checks if check.failed]
    warned = [check.name for check in checks if not check.ok and not check.blocking]
    lines = [
        f"# Onboarding: {session.who}, {today.isoformat()}",
        "",
        f"- **Who:** {session.who}",
        f"- **Role:** {ROLES[session.role]}",
        f"- **Date:** {today.isoformat()}",
        f"- **Project:** {project.name}",
        f"- **Template version:** {project.template_version} (`_commit` in `.copier-answers.yml`)",
        f"- **Checks:** {len(checks) - len(failed)} of {len(checks)} passed"
        + (f" (failed: {', '.join(failed)})" if failed else "")
        + (f" (warnings: {', '.join(warned)})" if warned else ""),
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
    page = project.path / ONBOARDING_PAGE
    echo(f"\n2. The Ways of Working ({shown_path(project.path / WAYS_OF_WORKING)}), {len(sections)} sections:")
    for number, section in enumerate(sections, 1):
        show_section(section, number, len(sections), echo)
    roles = [role] if role else list(ROLES)
    echo(f"\n3. Role exercise{'' if role else 's'} ({shown_path(page)}){paths_note(project)}:")
    for key in roles:
        echo(f"\n  {ROLES[key]} (--role {key}):")
        show_exercise(project, exercises, key, echo, indent="    ")
    records = shown_path(project.path / RECORDS)
    echo("")
    echo(
        wrap(
            f"4. Open questions, and a record in {records}/<date>-<name>.md: run `mlcrew onboard` in a terminal "
            "for the interactive session."
        )
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
    result = git_run(project, "config", "--get", "user.name")
    return result.stdout.strip() if result is not None and result.returncode == 0 else ""


def paths_note(project: Project) -> str:
    """Paths in the documents' `code` are relative to the project root: say so when the user is elsewhere."""
    if Path.cwd().resolve() == project.path.resolve():
        return ""
    return f"; paths in `code` are relative to {shown_path(project.path)}"


def commit_command(project: Project, record: Path, who: str) -> str:
    """The command that commits the record, runnable from where the user stands."""
    command = shlex.join(["git", "add", record.relative_to(project.path).as_posix()])
    command += " && " + shlex.join(["git", "commit", "-m", f"Onboarding record: {who}"])
    if Path.cwd().resolve() != project.path.resolve():
        command = f"cd {shlex.quote(shown_path(project.path))} && {command}"
    return command


def interactive(project: Project, role: str | None, echo: Echo, today: datetime.date | None = None) -> int:
    """The full session: who, checks, sections, exercise, open questions, record."""
    prompts = Prompts()
    sections = read_sections(project)
    exercises = read_exercises(project)
    echo(f"Onboarding to {project.name} (mlcrew template {project.template_version}).")
    echo("Ctrl-C stops at any time; nothing is written until the end.\n")
    session = Session(who=prompts.name(git_user_name(project.path)), role=role or prompts.role())
    checks = run_checks(project, echo)
    report_placeholders(project, echo)
    if any(check.failed for check in checks) and not prompts.proceed_despite_failures():
        echo("Stopped: fix the failed checks and run `mlcrew onboard` again. Nothing was written.")
        return 1
    echo(f"\nThe Ways of Working ({shown_path(project.path / WAYS_OF_WORKING)}), one section at a time:")
    for number, section in enumerate(sections, 1):
        show_section(section, number, len(sections), echo)
        if not prompts.understood(section.title):
            session.questions.append((section.title, prompts.question()))
        session.confirmed.append(section.title)
    where = shown_path(project.path / ONBOARDING_PAGE)
    echo(f"\nYour exercise as {ROLES[session.role].lower()} ({where}){paths_note(project)}:\n")
    show_exercise(project, exercises, session.role, echo)
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
    echo(f"\nWrote {shown_path(path)}. Commit it for the team:")
    echo(f"  {commit_command(project, path, session.who)}")
    return 0


def onboard(path: Path, *, role: str | None, non_interactive: bool, echo: Echo) -> int:
    """`mlcrew onboard`: 0 when every check passed (or the session completed), 1 otherwise."""
    if role is not None and role not in ROLES:
        raise MlcrewError(f"unknown role {role!r}", fix=f"choose one of {', '.join(ROLES)}", where="--role")
    project = load_project(path)
    if non_interactive:
        read_sections(project)  # a broken document is an error before the slow checks
        checks = run_checks(project, echo)
        report_placeholders(project, echo)
        print_plan(project, role, checks, echo)
        failed = [check for check in checks if check.failed]
        if failed:
            echo(f"\n{len(failed)} check(s) failed: {', '.join(c.name for c in failed)}. Fix them as shown above.")
            return 1
        return 0
    if not is_interactive():
        raise MlcrewError(
            "no terminal for the walkthrough",
            fix="run `mlcrew onboard` in a terminal, or pass --non-interactive for the checks and the plan",
        )
    try:
        return interactive(project, role, echo)
    except KeyboardInterrupt:
        # The record is written in one step at the end, and the checks' scratch copies are gone.
        raise MlcrewError("cancelled; nothing was written", exit_code=130) from None
