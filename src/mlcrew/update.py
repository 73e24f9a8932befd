"""`mlcrew update`: move a project to a newer release of the standard, safely and explained.

Copier's `run_update` does the real work (a three-way merge of the old template version, the new one
and the project). mlcrew adds what copier leaves to the user: pre-flight checks with fixes, the
bundled template when the canonical URL is offline, the CHANGELOG sections being applied, a dry run
that rehearses the real update in a scratch clone (so it predicts exactly what the real run does),
a 3-way merge for files a release renames (copier would re-conflict every team edit in them), a
summary of every change and conflict (update_report.py), and the one command that undoes it all.
"""

from __future__ import annotations

import dataclasses
import sys
import tempfile
from pathlib import Path
from typing import Any

from mlcrew import answers as answering
from mlcrew import copier_calls, copier_speedups, git, template, update_report, versions
from mlcrew.console import Echo
from mlcrew.errors import MlcrewError
from mlcrew.project import ANSWERS_FILE, Project, load
from mlcrew.update_plan import Plan
from mlcrew.update_report import restore_command


def preflight(project: Project) -> None:
    """Refuse, touching nothing, unless copier can update this project; every refusal names the fix."""
    here = project.path
    if not git.succeeds("rev-parse", "--verify", "--quiet", "HEAD", cwd=here):
        raise MlcrewError(
            "the repository has no commits yet", fix="commit the project first (git add -A && git commit)"
        )
    if not git.succeeds("ls-files", "--error-unmatch", "--", ANSWERS_FILE, cwd=here):
        raise MlcrewError(
            f"{ANSWERS_FILE} is not committed",
            fix=f"run `git add {ANSWERS_FILE} && git commit` (update reads it from git)",
        )
    if not git.succeeds("diff", "--quiet", "HEAD", "--", ANSWERS_FILE, cwd=here):
        raise MlcrewError(
            f"{ANSWERS_FILE} has uncommitted changes",
            fix=f"commit them, or undo them with `git checkout HEAD -- {ANSWERS_FILE}`",
        )
    dirty = git.output("status", "--porcelain", "--untracked-files=all", cwd=here).splitlines()
    if dirty:
        raise MlcrewError(
            f"the repository has {len(dirty)} uncommitted or untracked file(s) (e.g. {dirty[0][3:]})",
            fix="commit them or run `git stash -u`, then retry; nothing was changed "
            "(`--dry-run` works on a dirty tree)",
        )


def make_plan(project: Project, vcs_ref: str | None, echo: Echo) -> Plan | str:
    """Decide the target version and read what it brings; a sentence instead when there is nothing to do."""
    if vcs_ref is not None:
        git.safe_ref(vcs_ref, "--vcs-ref")
    src = template.for_project(project.src_path, echo)
    with template.clone(src) as repo:
        missing = (
            "upgrade mlcrew (pip install -U mlcrew) for a newer bundled template, or get network access"
            if src.bundle
            else "check --vcs-ref (a tag, branch or commit of the template)"
        )
        latest = repo.latest()
        target = vcs_ref or latest or "HEAD"
        if repo.commit(target) is None:
            raise MlcrewError(f"the template at {src.description} has no version {target!r}", fix=missing)
        if repo.commit(project.commit) is None:
            raise MlcrewError(
                f"the template at {src.description} lacks the project's version {project.commit} (_commit), which "
                "the update needs to see your changes",
                fix=missing,
            )
        current, wanted = repo.version(project.commit), repo.version(target)
        if repo.commit(project.commit) == repo.commit(target):
            return f"Already at {project.commit}: nothing to update."
        if vcs_ref is None and current > wanted:
            return (
                f"Nothing to update: the project is on {project.commit}, ahead of the newest release {target} "
                "(pass --vcs-ref to move to another commit)."
            )
        if wanted < current:
            raise MlcrewError(
                f"{target} is older than the project's {project.commit}",
                fix="copier cannot downgrade; pass a newer --vcs-ref",
            )
        target_version = repo.describe(target)
        changelog = versions.changelog_sections(repo.changelog(target), project.commit, target_version)
        config = repo.config(target)
        old_config = repo.config(project.commit)
    window = config.migrations_between(project.commit, target_version)
    unsafe = [f"migration: {migration.text}" for migration in window]
    unsafe += [f"{setting} in the new template version" for setting in config.unsafe_settings]
    unsafe += [f"{setting} in the current template version" for setting in old_config.unsafe_settings]
    moves = [migration.move for migration in window if migration.move and migration.before]
    recorded = set(project.data)
    return Plan(
        project,
        src,
        target,
        target_version,
        changelog,
        config,
        unsafe,
        moves=[move for move in moves if move],
        only_moves=all(m.move and m.before for m in window)
        and not config.unsafe_settings
        and not old_config.unsafe_settings,
        new_questions=[name for name in config.asked if name not in recorded and not config.questions[name].secret],
    )


def apply(plan: Plan, data: dict[str, Any], *, defaults: bool, conflict: copier_calls.Conflict, trust: bool) -> None:
    """Run copier's update in the plan's project, then merge the files the release renamed."""
    project, moves = plan.project, plan.merged_moves
    before = {old: git.run("show", f"HEAD:./{old}", cwd=project.path, check=False) for old, _ in moves}
    wanted = {project.commit: [old for old, _ in moves], plan.target: [new for _, new in moves]} if moves else {}
    with tempfile.TemporaryDirectory(prefix="mlcrew-moves-") as tmp:
        with copier_speedups.renders_kept(project.path, wanted, Path(tmp)) as kept:
            copier_calls.update(
                plan.src,
                project.path,
                data=data,
                vcs_ref=plan.target,
                defaults=defaults,
                conflict=conflict,
                trust=trust,
            )
        if moves:
            ours = {old: result.stdout for old, result in before.items() if result.returncode == 0}
            merge_renamed(plan, ours, conflict, kept, Path(tmp))


def merge_renamed(
    plan: Plan, ours: dict[str, str], conflict: copier_calls.Conflict, kept: dict[str, Path], tmp: Path
) -> None:
    """Three-way merge each renamed file: the team's old file, the old template file, the new one.

    Copier's `git mv` migration moves the team's file, but copier then diffs the old render (old path)
    with the project (new path) as a deletion plus an addition, so every team edit in the file comes
    back as a conflict, even when the template did not change it. Merging the three versions
    ourselves keeps the team's edits and conflicts only where both sides changed the same lines.
    Team-owned files are not merged (`Plan.merged_moves`). The old and new template files come from
    copier's own scratch renders (`kept`, by revision); only when those were not kept does mlcrew
    render the renamed files itself.
    """
    project, moves = plan.project, plan.merged_moves
    olds, news = [old for old, _ in moves], [new for _, new in moves]  # only these are rendered
    old_render = kept.get(project.commit) or copier_calls.render(
        plan.src, project.commit, project.data, tmp / "old", only=olds
    )
    new_render = kept.get(plan.target) or copier_calls.render(
        plan.src, plan.target, update_report.recorded_data(project.path), tmp / "new", only=news
    )
    for old, new in moves:
        base, theirs, target = old_render / old, new_render / new, project.path / new
        if old not in ours or not base.is_file() or not theirs.is_file() or not target.exists():
            continue
        mine = tmp / "ours"
        mine.write_text(ours[old], encoding="utf-8")
        labels = ["-L", "before updating", "-L", "last update", "-L", "after updating"]
        merged = git.run("merge-file", "-p", *labels, str(mine), str(base), str(theirs), check=False)
        if merged.returncode < 0 or merged.returncode > 127:
            continue
        if merged.returncode == 0:
            target.write_text(merged.stdout, encoding="utf-8")
            Path(f"{target}.rej").unlink(missing_ok=True)
            git.output("add", "--", new, cwd=project.path)
        elif conflict == "inline":
            target.write_text(merged.stdout, encoding="utf-8")


def rehearse(plan: Plan, data: dict[str, Any], *, conflict: copier_calls.Conflict) -> update_report.Outcome:
    """The real update, run in a scratch clone of the project's last commit: what the real run will do.

    New questions take their defaults (or `--data`); the project's own tree is never touched, so this
    works on a dirty tree too (uncommitted changes are not part of the rehearsal).
    """
    project = plan.project
    root = git.toplevel(project.path) or project.path
    prefix = project.path.resolve().relative_to(root.resolve())
    with tempfile.TemporaryDirectory(prefix="mlcrew-rehearsal-") as tmp:
        scratch = Path(tmp) / "repo"
        git.output("clone", "--quiet", "--", str(root), str(scratch))
        rehearsal = dataclasses.replace(plan, project=load(scratch / prefix))
        apply(rehearsal, data, defaults=True, conflict=conflict, trust=True)
        outcome = update_report.read_result(rehearsal, rehearsal.project.answers)
        return update_report.clean_up(rehearsal.project.path, outcome)


def show_plan(plan: Plan, echo: Echo) -> None:
    """The changelog of the versions being crossed and what the update needs."""
    project = plan.project
    echo(f"Updating {project.path} from {project.commit} to {plan.target_version}, using {plan.src.description}.")
    if plan.changelog:
        echo("\nWhat this update brings (CHANGELOG.md):\n")
        for section in plan.changelog:
            echo(section + "\n")
    else:
        echo("The template's CHANGELOG.md has no section for this update.")
    if plan.unsafe:
        echo("This update needs --trust (copier's word for running the template's commands):")
        for reason in plan.unsafe:
            echo(f"  {reason}")


def update(
    path: Path,
    *,
    vcs_ref: str | None = None,
    dry_run: bool = False,
    conflict: copier_calls.Conflict = "inline",
    defaults: bool = False,
    data: dict[str, Any] | None = None,
    trust: bool = False,
    interactive: bool = False,
    echo: Echo = print,
) -> int:
    """`mlcrew update`: 0 when the update applied cleanly (or there was nothing to do), 1 with conflicts."""
    project = load(path)
    if not dry_run:
        preflight(project)
    plan = make_plan(project, vcs_ref, echo)
    if isinstance(plan, str):
        echo(plan)
        return 0
    data = answering.checked(plan.config, data or {})
    show_plan(plan, echo)
    unanswered = [name for name in plan.new_questions if name not in data]
    if dry_run:
        if plan.unsafe and not (trust or plan.only_moves):
            raise MlcrewError(
                "the dry run would run the template's commands listed above", fix="re-run with --trust to rehearse them"
            )
        outcome = rehearse(plan, data, conflict=conflict)
        update_report.report(outcome, plan, echo, rehearsal=True)
        return 0
    if unanswered and not defaults and not interactive:
        raise MlcrewError(
            f"{plan.target_version} asks new question(s) ({', '.join(unanswered)}) and there is no terminal to ask in",
            fix="pass --defaults to take their defaults, or --data KEY=VALUE to answer them",
        )
    if plan.unsafe and not trust:
        raise MlcrewError(
            "this update runs the template's migrations (listed above; they `git mv` renamed files so your "
            "edits follow them)",
            fix="re-run with --trust to allow them; nothing was changed",
        )
    head = git.output("rev-parse", "HEAD", cwd=project.path).strip()
    restore = restore_command(head)
    echo(f"If anything goes wrong, `{restore}` in {project.path} restores the project exactly.")
    try:
        apply(plan, data, defaults=defaults or not interactive, conflict=conflict, trust=trust)
    except KeyboardInterrupt:
        print(f"mlcrew: update interrupted. Restore the project with: cd {project.path} && {restore}", file=sys.stderr)
        raise MlcrewError("update cancelled with Ctrl-C", exit_code=130) from None
    except MlcrewError as error:
        touched = bool(git.output("status", "--porcelain", cwd=project.path).strip())
        fix = f"restore the project with: cd {project.path} && {restore}" if touched else "nothing was changed"
        raise error.with_fix(fix, exit_code=3 if touched else error.exit_code) from None
    except Exception as error:
        print(f"mlcrew: update crashed. Restore the project with: cd {project.path} && {restore}", file=sys.stderr)
        raise MlcrewError(f"update crashed ({type(error).__name__}: {error})", exit_code=3) from None
    outcome = update_report.read_result(plan, project.answers)
    outcome = update_report.clean_up(project.path, outcome)
    echo("")
    update_report.report(outcome, plan, echo, head=head)
    return 1 if outcome.conflicts or outcome.rejects else 0
