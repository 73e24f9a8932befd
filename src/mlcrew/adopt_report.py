"""What `mlcrew adopt` did (or, in a dry run, would do), printed in the order a reviewer reads it.

Only printing lives here (adopt.py decides and writes): the answers with where each came from, the
files added, the files kept and how each differs from the standard, what to review first, and the
commands that come next.
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

from mlcrew.adopt_plan import Plan
from mlcrew.check_rules import PLACEHOLDER_QUESTIONS
from mlcrew.console import Echo, wrap
from mlcrew.project import ANSWERS_FILE

REVIEW_FIRST = (
    (".github/workflows/", "the standard's CI runs on your next push: read its jobs first"),
    (".gitlab-ci.yml", "the standard's CI runs on your next push: read its jobs first"),
    (".pre-commit-config.yaml", "its hooks lint every commit (yours too) once `uv run pre-commit install` ran"),
    ("pyproject.toml", "the standard's modules and tests need its dependencies and tool settings"),
    ("configs/", "the dev / staging / prod settings the standard's code reads"),
    ("Dockerfile", "the image the standard's CI builds and deploys"),
)
"""What to look at first, in this order: what runs on the next push or commit, then what the code reads."""


def grouped(names: list[str]) -> list[str]:
    """Paths as wrapped lines, one per top-level directory (`+ docs/: index.md, runbook.md, ...`)."""
    groups: dict[str, list[str]] = {}
    for name in names:
        head, sep, rest = name.partition("/")
        key, member = (head + sep, rest) if sep else ("", name)
        groups.setdefault(key, []).append(member)
    return [
        wrap(", ".join(members), f"  + {head}: " if head else "  + ", "      ")
        for head, members in sorted(groups.items())
    ]


def source_of(name: str, value: Any, plan: Plan, *, asked: bool) -> str:
    """Where a recorded answer came from, for the user to judge it."""
    if name in plan.given:
        return "--data"
    if name in plan.inferred.answers and plan.inferred.answers[name] == value:
        return plan.inferred.evidence[name]
    return "your answer" if asked else "the template's default"


def review_first(plan: Plan) -> list[str]:
    """What to look at before committing: what runs on the next push or commit, then what the code reads;
    for a file of the team's, the standard's guard rails it lacks (what `mlcrew check` will report)."""
    rails = {item.path: item.rails for item in plan.differs if item.rails}
    items = []
    touched = plan.added + [item.path for item in plan.differs]
    for prefix, why in REVIEW_FIRST:
        names = [name for name in touched if name == prefix or (prefix.endswith("/") and name.startswith(prefix))]
        if names:
            state = "added" if names[0] in plan.added else "yours"
            shown = ", ".join(names[:3]) + (", ..." if len(names) > 3 else "")
            lacks = [f"lacks {rail}" for name in names for rail in rails.pop(name, ())]
            items.append("; ".join([f"{shown} ({state}): {why}", *lacks]))
    items += [f"{name} (yours): lacks {'; '.join(lacking)}" for name, lacking in rails.items()]
    package = plan.recorded.get("package_name")
    where = plan.inferred.package_dir
    if where and package and where != f"src/{package}/":
        items.append(
            f"your package is in {where} and the standard's modules were added in src/{package}/: move yours "
            f"there (`git mv`) so the project has one package"
        )
    return items


def show_command(plan: Plan, *, dry_run: bool) -> str:
    """The one command that prints the standard's version of a kept file.

    Once adopted, the answers file says which template, version and answers; before (a dry run), the
    command repeats this run's `--template` and `--data`.
    """
    words = ["mlcrew", "adopt"]
    if Path.cwd().resolve() != plan.root:
        words.append(str(plan.root))
    words += ["--show", "FILE"]
    if dry_run:
        words += ["--template", plan.src.url] if plan.src.bundle is None else []
        for key, value in plan.given.items():
            words += ["--data", f"{key}={value}"]
    return " ".join(word if word == "FILE" else shlex.quote(word) for word in words)


def report(plan: Plan, echo: Echo, *, dry_run: bool, asked: bool) -> None:
    """Everything adopting does (or, dry run, would do), in the order a reviewer reads it."""
    echo(f"Adopting {plan.root}: the mlcrew standard {plan.version} from {plan.src.description}.")
    answers(plan, echo, asked=asked)
    files(plan, echo, dry_run=dry_run)
    review = review_first(plan)
    if review:
        echo("\nReview first:")
        for number, line in enumerate(review, 1):
            echo(wrap(line, f"  {number}. ", "     "))
    would = "would " if dry_run else ""
    echo(
        f"\n{ANSWERS_FILE} {would}record{'' if dry_run else 's'} the standard {plan.version}: the next "
        "`mlcrew update` (or `copier update`) merges later releases into your files, three-way, and "
        "`mlcrew check` lists what the standard still misses."
    )


def answers(plan: Plan, echo: Echo, *, asked: bool) -> None:
    """Each recorded answer with where it came from, notes on them, and the placeholders left."""
    echo("\nAnswers (recorded in .copier-answers.yml):")
    for name, value in plan.recorded.items():
        if not name.startswith("_"):
            echo(f"  {name:<20} {value!s:<28} ({source_of(name, value, plan, asked=asked)})")
    for note in plan.inferred.notes + plan.notes:
        echo(wrap(note, "  note: ", "    "))
    placeholders = [
        name
        for name in PLACEHOLDER_QUESTIONS
        if name in plan.recorded and source_of(name, plan.recorded[name], plan, asked=asked) == "the template's default"
    ]
    if placeholders:
        echo(
            wrap(
                f"{', '.join(placeholders)} still hold the template's placeholders: pass --data KEY=VALUE (once "
                "adopted: `copier update --vcs-ref :current: --data KEY=VALUE`)",
                "  to make your own: ",
                "    ",
            )
        )


def files(plan: Plan, echo: Echo, *, dry_run: bool) -> None:
    """What is added, what is kept and how it differs, and what could not be added."""
    echo(f"\n{'Would add' if dry_run else 'Added'} {len(plan.added)} file(s) the repository lacked:")
    for line in grouped(plan.added):
        echo(line)
    if plan.ignored:
        echo(
            wrap(
                f"your .gitignore ignores {', '.join(plan.ignored)}: staged anyway, so updates follow them",
                "  note: ",
                "    ",
            )
        )
    echo(f"\nKept {len(plan.differs)} file(s) of yours exactly as they are; each differs from the standard's:")
    for item in plan.differs:
        echo(f"  = {item.path}: {item.summary}")
        for rail in item.rails:
            echo(wrap(f"lacks the standard's {rail}", "      ", "        "))
    if plan.differs:
        echo(f"  The standard's version of one: {show_command(plan, dry_run=dry_run)}")
    echo(f"Your other {plan.own} file(s) are not part of the standard: untouched.")
    if plan.same:
        echo(f"\nAlready as the standard has them: {', '.join(plan.same)}")
    for name, why in plan.blocked:
        echo(f"  not added: {name} ({why}); updates will treat it as deleted by you")
    for name in plan.untracked:
        echo(f"  note: {name} is kept but git ignores it, so updates treat the standard's as deleted by you")


def commit_command(root: Path, version: str) -> str:
    command = f"git commit -m {shlex.quote(f'Adopt the mlcrew standard {version}')}"
    here = Path.cwd().resolve()
    return command if here == root.resolve() else f"cd {shlex.quote(str(root))} && {command}"
