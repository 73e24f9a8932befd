"""The `mlcrew` command: a thin argparse layer over plain functions that tests call directly.

Start-up stays fast because nothing heavy is imported here: each command imports its module (and
copier, jinja, questionary) only when it runs. Errors are formatted here, in one line, from the
fields of `MlcrewError`.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from mlcrew import __version__
from mlcrew.console import echo
from mlcrew.errors import MlcrewError

if TYPE_CHECKING:
    from mlcrew.new import Created

ROLES = ("data-scientist", "data-engineer", "software-engineer", "platform-engineer", "product-owner")
"""`mlcrew onboard --role` values (onboard.ROLES has their headings; a test keeps the two equal)."""


def cmd_new(args: argparse.Namespace) -> int:
    """Create a project, commit it, optionally set it up, and print the next steps."""
    from mlcrew import answers, new
    from mlcrew.console import is_interactive

    data = answers.parse(args.data, args.data_file)
    if not args.defaults and not is_interactive():
        raise MlcrewError("no terminal to ask the questions in", fix="pass --defaults (and --data KEY=VALUE to answer)")
    created = new.create(
        Path(args.dest),
        template_src=args.template,
        vcs_ref=args.vcs_ref,
        data=data,
        defaults=args.defaults,
        git_init=not args.no_git,
    )
    echo(f"Created {created.name} in {created.path} (mlcrew template {created.template_version}).")
    if created.committed:
        echo("Committed everything as the first commit on branch main.")
    if created.identity_note:
        echo(f"Note: {created.identity_note}")
    if args.setup:
        set_up(created)
    echo("\nNext steps:")
    steps = next_steps(args.dest, created.committed, args.setup)
    width = max(len(command) for command, _ in steps)
    for command, why in steps:
        echo(f"  {command:<{width}}  # {why}")
    return 0


def set_up(created: Created) -> None:
    """`--setup`: environment, hooks, one test run, and `uv.lock` committed (CI installs exactly it)."""
    from mlcrew import bootstrap, new

    try:
        bootstrap.set_up(created.path, hooks=created.committed, echo=echo)
    except KeyboardInterrupt:
        raise MlcrewError(
            f"set-up cancelled; the project is in {created.path}", fix="finish with `uv sync` there", exit_code=130
        ) from None
    if created.committed and (created.path / "uv.lock").is_file():
        new.commit_all(created.path, "Lock the dependencies (uv.lock)", created.answers, paths=["uv.lock"])
    if created.committed:
        echo(
            "Set up: the environment is ready, the pre-commit hooks are installed, the tests pass, and uv.lock is "
            "committed."
        )
    else:
        echo("Set up: the environment is ready and the tests pass (no git repository: no hooks, nothing committed).")


def next_steps(dest: str, committed: bool, setup: bool) -> list[tuple[str, str]]:
    """What the user runs next, as (command, why): after them, every `mlcrew onboard` check passes.

    Without --setup the hooks and the lock file are the user's steps (onboarding fails on missing
    hooks and flags an untracked uv.lock). A project made with --no-git gets no git command at all:
    the user keeps it out of git on purpose (it goes into another repository, or later).
    """
    steps = [(f"cd {shlex.quote(dest)}", "the new project")]
    if not setup:
        steps.append(("python -m pip install uv && uv sync", "set up the environment"))
        if committed:
            steps.append(("uv run pre-commit install", "lint and secret checks on every commit"))
            steps.append(("git add uv.lock && git commit -m 'Lock the dependencies'", "CI installs exactly these"))
    steps.append(("uv run pytest", "run the tests"))
    if not committed:
        steps.append(("uv run pre-commit install", "once the project is in a git repository"))
    steps.append(("mlcrew onboard", "the onboarding walkthrough (docs/ways-of-working.md)"))
    return steps


def cmd_update(args: argparse.Namespace) -> int:
    """Update a project to a newer release of the standard (see update.py)."""
    from mlcrew import answers, update
    from mlcrew.console import is_interactive

    return update.update(
        Path(args.path),
        vcs_ref=args.vcs_ref,
        dry_run=args.dry_run,
        conflict=args.conflict,
        defaults=args.defaults,
        data=answers.parse(args.data, None),
        trust=args.trust,
        interactive=is_interactive(),
        echo=echo,
    )


def cmd_check(args: argparse.Namespace) -> int:
    """Report drift from the standard; exit 1 unless compliant and current (see check.py)."""
    import json

    from mlcrew.check import check

    report = check(Path(args.path))
    echo(json.dumps(report.to_json(), indent=2) if args.json else report.human())
    return report.exit_code


def cmd_adopt(args: argparse.Namespace) -> int:
    """Bring an existing repository under the standard, or print the standard's version of a file (adopt.py)."""
    from mlcrew import adopt, answers
    from mlcrew.console import is_interactive

    data = answers.parse(args.data, args.data_file)
    if args.show:
        content = adopt.show(Path(args.path), args.show, template_src=args.template, data=data)
        sys.stdout.buffer.write(content)
        sys.stdout.flush()
        return 0
    return adopt.adopt(
        Path(args.path),
        template_src=args.template,
        data=data,
        defaults=args.defaults,
        dry_run=args.dry_run,
        interactive=is_interactive(),
        echo=echo,
    )


def cmd_fleet(args: argparse.Namespace) -> int:
    """One table for many projects: release, versions behind, drift, conflicts, open update branch (fleet.py)."""
    from mlcrew import fleet, fleet_report
    from mlcrew.console import echo_err

    members = fleet.members(args.members, args.from_file)
    rows = fleet.survey(members, echo=echo_err)
    if args.json:
        echo(fleet_report.to_json(rows))
    elif args.markdown:
        echo(fleet_report.markdown(rows))
    else:
        echo(fleet_report.table(rows))
    return fleet.exit_code(rows)


def cmd_onboard(args: argparse.Namespace) -> int:
    """The onboarding walkthrough; exit 1 when a check failed (see onboard.py)."""
    from mlcrew.onboard import onboard

    return onboard(Path(args.path), role=args.role, non_interactive=args.non_interactive, echo=echo)


def _data_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data", "-d", action="append", default=[], metavar="KEY=VALUE", help="answer a question (repeatable)"
    )


def build_parser() -> argparse.ArgumentParser:
    """The command line, kept in one place so `--help` documents itself."""
    parser = argparse.ArgumentParser(
        prog="mlcrew",
        description="Create and keep current cross-functional ML product repositories (a Copier template).",
        epilog="Plain copier works too: copier copy / copier update. Docs: see docs/ in the mlcrew repository.",
    )
    parser.add_argument("--version", action="version", version=f"mlcrew {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    new = commands.add_parser(
        "new",
        help="create a project from the template",
        description="Create an ML product repository (copier asks the template's questions), commit it, and "
        "print the next steps.",
    )
    new.add_argument("dest", metavar="DEST", help="directory to create (must be new or empty)")
    new.add_argument("--defaults", action="store_true", help="do not prompt: unanswered questions take their default")
    _data_option(new)
    new.add_argument("--data-file", metavar="FILE", help="YAML file of answers (--data wins)")
    new.add_argument(
        "--template",
        metavar="SRC",
        help="another copier source: a local path or git URL (default: the bundled template)",
    )
    new.add_argument("--vcs-ref", metavar="REF", help="template version: a tag, branch or commit (default: newest tag)")
    new.add_argument("--no-git", action="store_true", help="do not run git init and the first commit")
    new.add_argument(
        "--setup", action="store_true", help="also create the environment, install hooks and run the tests"
    )
    new.set_defaults(handler=cmd_new)

    update = commands.add_parser(
        "update",
        help="update a project to a newer release of the standard",
        description="Show what the new release changes, apply it with copier's three-way merge, and summarise.",
    )
    update.add_argument("path", metavar="PATH", nargs="?", default=".", help="the project (default: .)")
    update.add_argument("--vcs-ref", metavar="REF", help="target version: tag, branch or commit (default: newest tag)")
    update.add_argument(
        "--dry-run", action="store_true", help="rehearse the update in a scratch clone and show what it would do"
    )
    update.add_argument(
        "--conflict",
        choices=["inline", "rej"],
        default="inline",
        help="conflicts as inline markers (default) or as .rej files",
    )
    update.add_argument("--defaults", action="store_true", help="do not prompt: new questions take their default")
    _data_option(update)
    update.add_argument("--trust", action="store_true", help="allow the template's migrations (git mv renames)")
    update.set_defaults(handler=cmd_update)

    check = commands.add_parser(
        "check",
        help="report drift from the standard (exit 1 unless compliant and current)",
        description="Compare the project with its template version and the newest release; for people and CI.",
    )
    check.add_argument("path", metavar="PATH", nargs="?", default=".", help="the project (default: .)")
    check.add_argument("--json", action="store_true", help="machine-readable output")
    check.set_defaults(handler=cmd_check)

    adopt = commands.add_parser(
        "adopt",
        help="bring an existing repository under the standard (adds what it lacks, keeps what it has)",
        description="Render the newest release with answers read from the repository, add the files it lacks, "
        "keep every file it has byte for byte, and record the release so later updates merge into your files.",
    )
    adopt.add_argument("path", metavar="PATH", nargs="?", default=".", help="the repository (default: .)")
    adopt.add_argument("--defaults", action="store_true", help="do not prompt: take what the repository says")
    _data_option(adopt)
    adopt.add_argument("--data-file", metavar="FILE", help="YAML file of answers (--data wins)")
    adopt.add_argument("--dry-run", action="store_true", help="show what adopting would add and keep; change nothing")
    adopt.add_argument(
        "--template", metavar="SRC", help="another copier source: a local path or git URL (default: the bundled one)"
    )
    adopt.add_argument(
        "--show", metavar="FILE", help="print the standard's version of FILE for this repository and exit"
    )
    adopt.set_defaults(handler=cmd_adopt)

    fleet = commands.add_parser(
        "fleet",
        help="one table for many projects: release, behind, drift, conflicts, open update branch",
        description="Check many projects (local checkouts or git URLs, read without a full clone) against the "
        "standard; exit 0 only when every one is current and compliant.",
    )
    fleet.add_argument("members", metavar="PATH|URL", nargs="*", help="a project's checkout or git URL")
    fleet.add_argument(
        "--from", dest="from_file", metavar="FILE", help="read members from FILE, one per line (# comments)"
    )
    output = fleet.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="machine-readable report (stable; see docs/cli.md)")
    output.add_argument("--markdown", action="store_true", help="a Markdown report to publish")
    fleet.set_defaults(handler=cmd_fleet)

    onboard = commands.add_parser(
        "onboard",
        help="the onboarding walkthrough: checks, Ways of Working, a role exercise, a record",
        description="Check the machine and the repository, walk through docs/ways-of-working.md, give a "
        "role exercise, and write a dated record to docs/onboarding/.",
    )
    onboard.add_argument("path", metavar="PATH", nargs="?", default=".", help="the project (default: .)")
    onboard.add_argument("--role", choices=ROLES, help="the participant's role (asked when omitted)")
    onboard.add_argument(
        "--non-interactive", action="store_true", help="run the checks and print the plan (exit 1 if a check fails)"
    )
    onboard.set_defaults(handler=cmd_onboard)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: one-line errors and a non-zero exit instead of tracebacks."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        return int(args.handler(args))
    except MlcrewError as error:
        print(f"mlcrew: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("mlcrew: cancelled", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `mlcrew check | head -1`: the reader left; end quietly, as other command-line tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    sys.exit(main())
