"""The `mlcrew` command: a thin argparse layer over plain functions that tests call directly.

Start-up stays fast because nothing heavy is imported here: each command imports its module (and
copier, jinja, questionary) only when it runs.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

from mlcrew import __version__
from mlcrew.errors import MlcrewError


def _echo(message: str) -> None:
    print(message, flush=True)


def cmd_new(args: argparse.Namespace) -> int:
    """Create a project, commit it, optionally set it up, and print the next steps."""
    from mlcrew import generate
    from mlcrew.prompts import ask as prompt
    from mlcrew.prompts import is_interactive
    from mlcrew.questions import parse_data

    data = parse_data(args.data, args.data_file)
    ask = None
    if not args.defaults:
        if not is_interactive():
            raise MlcrewError("no terminal to ask the questions in: pass --defaults (and --data KEY=VALUE to answer)")
        ask = prompt
    created = generate.create_project(
        Path(args.dest),
        template=args.template,
        vcs_ref=args.vcs_ref,
        data=data,
        ask=ask,
        git=not args.no_git,
    )
    answers = created.answers
    _echo(f"Created {answers['project_name']} in {created.path} (mlcrew template {created.template_version}).")
    if created.committed:
        _echo("Committed everything as the first commit on branch main.")
    if created.identity_note:
        _echo(f"Note: {created.identity_note}")
    if args.setup:
        from mlcrew.environment import set_up

        try:
            set_up(created.path, hooks=created.committed, echo=_echo)
        except KeyboardInterrupt:
            raise MlcrewError(
                f"set-up cancelled; the project is in {created.path}: finish with `uv sync` there", exit_code=130
            ) from None
        if created.committed and (created.path / "uv.lock").is_file():
            # CI installs exactly these versions, and `mlcrew update` needs a clean tree.
            generate.commit_all(created.path, "Lock the dependencies (uv.lock)", answers, paths=["uv.lock"])
        _echo("Set up: the environment is ready, the tests pass, and uv.lock is committed.")
    _echo("\nNext steps:")
    _echo(f"  cd {shlex.quote(args.dest)}")
    if not args.setup:
        _echo("  python -m pip install uv && uv sync    # set up the environment")
        _echo("  git add uv.lock && git commit -m 'Lock the dependencies'")
    _echo("  uv run pytest                          # run the tests")
    _echo("  less docs/ways-of-working.md           # how the team works here")
    return 0


def cmd_update(args: argparse.Namespace) -> int:
    """Update a project to a newer release of the standard (see update.py)."""
    from mlcrew import update
    from mlcrew.prompts import ask as prompt
    from mlcrew.prompts import is_interactive

    ask = None if args.defaults else update.no_terminal
    if not args.defaults and is_interactive():
        ask = prompt
    return update.update(
        Path(args.path),
        vcs_ref=args.vcs_ref,
        dry_run_only=args.dry_run,
        conflict=args.conflict,
        ask=ask,
        trust=args.trust,
        echo=_echo,
    )


def cmd_check(args: argparse.Namespace) -> int:
    """Report drift from the standard; exit 1 unless compliant and current (see check.py)."""
    import json

    from mlcrew.check import check

    report = check(Path(args.path))
    _echo(json.dumps(report.to_json(), indent=2) if args.json else report.human())
    return report.exit_code


def cmd_onboard(args: argparse.Namespace) -> int:
    """The onboarding walkthrough; exit 1 when a check failed (see onboard.py)."""
    from mlcrew.onboard import onboard

    return onboard(Path(args.path), role=args.role, non_interactive=args.non_interactive, echo=_echo)


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
        description="Create an ML product repository, commit it, and print the next steps.",
    )
    new.add_argument("dest", metavar="DEST", help="directory to create (must be new or empty)")
    new.add_argument("--defaults", action="store_true", help="do not prompt: unanswered questions take their default")
    new.add_argument(
        "--data", "-d", action="append", default=[], metavar="KEY=VALUE", help="answer a question (repeatable)"
    )
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
    update.add_argument("--dry-run", action="store_true", help="show the changelog and the files that would change")
    update.add_argument(
        "--conflict",
        choices=["inline", "rej"],
        default="inline",
        help="conflicts as inline markers (default) or as .rej files",
    )
    update.add_argument("--defaults", action="store_true", help="do not prompt: new questions take their default")
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

    onboard = commands.add_parser(
        "onboard",
        help="the onboarding walkthrough: checks, Ways of Working, a role exercise, a record",
        description="Check the machine and the repository, walk through docs/ways-of-working.md, give a "
        "role exercise, and write a dated record to docs/onboarding/.",
    )
    onboard.add_argument("path", metavar="PATH", nargs="?", default=".", help="the project (default: .)")
    onboard.add_argument(
        "--role",
        choices=["data-scientist", "data-engineer", "software-engineer", "platform-engineer", "product-owner"],
        help="the participant's role (asked when omitted)",
    )
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
        print("mlcrew: cancelled; nothing was written", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
