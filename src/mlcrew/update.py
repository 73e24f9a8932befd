"""`mlcrew update`: move a project to a newer release of the standard, safely and explained.

Copier's `run_update` does the real work (a three-way merge of the old template version, the new one
and the project). mlcrew adds what copier leaves to the user: pre-flight checks with fixes, the
bundled template when the canonical URL is offline, the CHANGELOG sections being applied, a dry run,
a summary of what changed and of every conflict, and the one git command that undoes it all.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from mlcrew import source as sources
from mlcrew import upstream, yamlio
from mlcrew.errors import MlcrewError
from mlcrew.generate import ANSWERS_FILE
from mlcrew.questions import Answerer, Prompt, load_questions

Echo = Callable[[str], None]
MARKERS = ("<<<<<<< before updating", ">>>>>>> after updating")
"""What copier's inline conflicts look like (also caught by the generated pre-commit hook)."""


@dataclass
class Plan:
    """Everything decided before anything is written."""

    project: upstream.Project
    src: sources.TemplateSource
    target: str
    """The ref copier updates to (a tag, or what --vcs-ref named)."""
    target_version: str
    """How `_commit` will record it (`git describe --tags --always`)."""
    changelog: list[str]
    copier_yml: str
    unsafe: list[str]
    """Why this update needs --trust (migration commands, tasks), empty when it does not."""
    renames: list[tuple[str, str]] = field(default_factory=list)
    """(old, new) paths of the template's `git mv` migrations in this update's window."""


@dataclass
class Summary:
    """What the update did to the project, from `git status` after it."""

    changed: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    renamed: list[tuple[str, str]] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    """Files with inline markers (git shows them as unmerged, `UU`)."""
    rejects: list[str] = field(default_factory=list)
    """`.rej` files (with --conflict rej): hunks that did not apply."""


def restore_command(head: str) -> str:
    """Undo an update completely. Safe because mlcrew refuses to start on anything but a clean tree."""
    return f"git reset --hard {head} && git clean -fd"


def preflight(path: Path) -> upstream.Project:
    """Refuse, touching nothing, unless copier can update this project; every refusal names the fix."""
    project = upstream.load_project(path)
    here = project.path
    if upstream.git_ok("rev-parse", "--verify", "--quiet", "HEAD", cwd=here).returncode != 0:
        raise MlcrewError("the repository has no commits yet: commit the project first (git add -A && git commit)")
    if upstream.git_ok("ls-files", "--error-unmatch", ANSWERS_FILE, cwd=here).returncode != 0:
        raise MlcrewError(
            f"{ANSWERS_FILE} is not committed: run `git add {ANSWERS_FILE} && git commit` (update reads it from git)"
        )
    if upstream.git_ok("diff", "--quiet", "HEAD", "--", ANSWERS_FILE, cwd=here).returncode != 0:
        raise MlcrewError(
            f"{ANSWERS_FILE} has uncommitted changes: commit them, or undo them with "
            f"`git checkout HEAD -- {ANSWERS_FILE}`"
        )
    dirty = sources.git("status", "--porcelain", "--untracked-files=all", cwd=here).splitlines()
    if dirty:
        first = dirty[0][3:]
        raise MlcrewError(
            f"the repository has {len(dirty)} uncommitted or untracked file(s) (e.g. {first}): commit them or "
            "run `git stash -u`, then retry; nothing was changed"
        )
    return project


def migrations_in_window(copier_yml: str, old: str, new: str) -> list[str]:
    """The `_migrations` commands copier would run updating `old` -> `new` (its own version rule)."""
    old_version, new_version = upstream.version_of(old), upstream.version_of(new)
    config = yamlio.safe_load(copier_yml) or {}
    commands = []
    for migration in config.get("_migrations") or []:
        if isinstance(migration, dict) and "version" in migration:
            version = upstream.version_of(str(migration["version"]))
            if old_version is None or new_version is None or version is None:
                continue
            if not new_version >= version > old_version:
                continue
        command = migration.get("command", "") if isinstance(migration, dict) else migration
        commands.append(command if isinstance(command, str) else " ".join(map(str, command)))
    return commands


def git_mv_pairs(commands: list[str]) -> list[tuple[str, str]]:
    """(old, new) for each `git mv [-k] OLD NEW` migration command."""
    pairs = []
    for command in commands:
        words = [word for word in command.split() if not word.startswith("-")]
        if words[:2] == ["git", "mv"] and len(words) == 4:
            pairs.append((words[2], words[3]))
    return pairs


def plan_update(project: upstream.Project, vcs_ref: str | None, echo: Echo) -> Plan | None:
    """Decide the target version and read what it brings; None when the project is already there."""
    src = upstream.resolve_source(project, echo)
    with upstream.template_clone(src) as repo:
        missing_hint = (
            "upgrade mlcrew (pip install -U mlcrew) for a newer bundled template, or get network access"
            if src.bundle
            else "check --vcs-ref (a tag, branch or commit of the template)"
        )
        target = vcs_ref or repo.latest() or "HEAD"
        if not repo.has(target):
            raise MlcrewError(f"the template at {src.description} has no version {target!r}: {missing_hint}")
        if not repo.has(project.commit):
            raise MlcrewError(
                f"the template at {src.description} lacks the project's version {project.commit} (_commit), which "
                f"the update needs to see your changes: {missing_hint}"
            )
        target_version = repo.describe(target)
        old_sha = upstream.git_ok("rev-parse", f"{project.commit}^{{commit}}", cwd=repo.path).stdout.strip()
        new_sha = upstream.git_ok("rev-parse", f"{target}^{{commit}}", cwd=repo.path).stdout.strip()
        if old_sha == new_sha:
            return None
        old_v, new_v = upstream.version_of(project.commit), upstream.version_of(target_version)
        if old_v is not None and new_v is not None and new_v < old_v:
            raise MlcrewError(
                f"{target_version} is older than the project's {project.commit}: copier cannot downgrade; "
                "pass a newer --vcs-ref"
            )
        changelog = upstream.changelog_sections(repo.show(target, "CHANGELOG.md") or "", project.commit, target_version)
        copier_yml = repo.show(target, "copier.yml") or ""
        old_yml = repo.show(project.commit, "copier.yml") or ""
    migrations = migrations_in_window(copier_yml, project.commit, target_version)
    unsafe = [f"migration: {command}" for command in migrations]
    for label, text in (("new", copier_yml), ("current", old_yml)):
        config = yamlio.safe_load(text) or {}
        for feature in ("_tasks", "_jinja_extensions"):
            if config.get(feature):
                unsafe.append(f"{feature} in the {label} template version")
    return Plan(project, src, target, target_version, changelog, copier_yml, unsafe, renames=git_mv_pairs(migrations))


def answer_new_questions(plan: Plan, ask: Prompt | None) -> dict[str, Any]:
    """Answers for questions this version adds (asked, or their defaults); recorded answers are reused."""
    answerer = Answerer(load_questions(plan.copier_yml))
    recorded = answerer.recorded(plan.project.data)
    try:
        answers = answerer.answer(recorded, ask)
    except NoTerminalError:
        raise
    except MlcrewError as error:
        problem = str(error).split(" (pass --data")[0].split(": pass --data")[0]
        raise MlcrewError(
            f"{plan.target_version} does not accept the project's answers ({problem}): fix the answer in "
            f"{ANSWERS_FILE}, commit, and retry"
        ) from None
    return {name: value for name, value in answers.items() if name not in recorded}


def dry_run(plan: Plan, new_answers: dict[str, Any], echo: Echo) -> None:
    """List what the update would change: the template's own changes between the two versions.

    Both versions are rendered with the project's answers into temp dirs and compared; files the
    project also changed are flagged as possible conflicts. Nothing in the project is touched.
    """
    project = plan.project
    with tempfile.TemporaryDirectory(prefix="mlcrew-dry-") as tmp:
        old = upstream.tree(upstream.render(plan.src, project.commit, project.data, Path(tmp) / "old"))
        new = upstream.tree(upstream.render(plan.src, plan.target, {**project.data, **new_answers}, Path(tmp) / "new"))
    mine = {
        name: (project.path / name).read_bytes() if (project.path / name).is_file() else None
        for name in set(old) | set(new)
    }
    renamed = {old_name: new_name for old_name, new_name in plan.renames if old_name in old}
    team_owned = upstream.matcher(upstream.skip_if_exists(plan.copier_yml))
    lines = []
    for name in sorted(set(old) | set(new)):
        if name == ANSWERS_FILE or old.get(name) == new.get(name):
            continue
        yours = name in old and mine[name] != old[name]
        if team_owned(name) and mine[name] is not None:
            lines.append(f"  kept     {name}  (your team owns it: an update never overwrites it)")
        elif name in renamed:
            lines.append(f"  renamed  {name} -> {renamed[name]}" + ("  (your edits follow it)" if yours else ""))
        elif name in renamed.values():
            continue
        elif name not in old:
            lines.append(f"  added    {name}" + ("  (you have a file there: may conflict)" if mine[name] else ""))
        elif mine[name] is None:
            lines.append(f"  skipped  {name}  (you deleted it: it stays deleted)")
        elif name not in new:
            lines.append(f"  removed  {name}" + ("  (you edited it: your edits go with it)" if yours else ""))
        else:
            lines.append(f"  changed  {name}" + ("  (you edited it too: may conflict)" if yours else ""))
    echo(f"Dry run: {len(lines)} file(s) would change (and {ANSWERS_FILE} would record {plan.target_version}):")
    for line in lines:
        echo(line)
    echo("Nothing was changed. Run without --dry-run to apply.")


def summarise(project: Path) -> Summary:
    """Read the update's result from `git status` (porcelain v1, NUL-separated).

    Paths are made relative to the project: in a monorepo, git reports them from the repository root.
    """
    prefix = sources.git("rev-parse", "--show-prefix", cwd=project).strip()
    raw = sources.git("status", "--porcelain", "-z", "--untracked-files=all", "--", ".", cwd=project)
    entries = raw.split("\0")
    summary = Summary()
    index = 0
    while index < len(entries):
        entry = entries[index]
        index += 1
        if len(entry) < 4:
            continue
        state, name = entry[:2], entry[3:].removeprefix(prefix)
        if "R" in state:
            summary.renamed.append((entries[index].removeprefix(prefix), name))
            index += 1
            if "U" not in state and _has_markers(project / name):
                summary.conflicts.append(name)
        elif "U" in state or state in {"AA", "DD"}:
            summary.conflicts.append(name)
        elif state == "??" and name.endswith(".rej"):
            if already_applied(project / name):
                (project / name).unlink()  # made by this update, and its content is already in place
            else:
                summary.rejects.append(name)
        elif state == "??" or "A" in state:
            summary.added.append(name)
        elif "D" in state:
            summary.removed.append(name)
        elif name != ANSWERS_FILE:
            summary.changed.append(name)
    for name in summary.changed + summary.added:
        if _has_markers(project / name) and name not in summary.conflicts:
            summary.conflicts.append(name)
    # A renamed file that ends up in conflict is listed both ways: keep it among the renames only.
    renamed_to = {new for _, new in summary.renamed}
    summary.added = [name for name in summary.added if name not in renamed_to]
    return summary


def already_applied(rej: Path) -> bool:
    """Whether every hunk of a `.rej` file is already in its target file.

    Happens when a `git mv` migration moved a file the template also "adds" at the new path: the add
    is rejected although the file already holds exactly that content. Such a `.rej` is noise.
    """
    target = rej.with_name(rej.name.removesuffix(".rej"))
    if not target.is_file():
        return False
    text = target.read_text(encoding="utf-8", errors="replace").splitlines()
    hunks: list[list[str]] = []
    for line in rej.read_text(encoding="utf-8", errors="replace").splitlines()[1:]:
        if line.startswith("@@"):
            hunks.append([])
        elif hunks and line[:1] in {" ", "+"}:
            hunks[-1].append(line[1:])
        elif hunks and line[:1] not in {"-", "\\"}:
            return False
    return bool(hunks) and all(_contains(text, hunk) for hunk in hunks)


def _contains(lines: list[str], block: list[str]) -> bool:
    return any(lines[start : start + len(block)] == block for start in range(len(lines) - len(block) + 1))


def _has_markers(path: Path) -> bool:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return False
    return any(line.rstrip() in MARKERS for line in lines)


def report(summary: Summary, plan: Plan, head: str, echo: Echo) -> None:
    """Print what changed, every conflict with how to resolve it, and how to finish or undo."""
    for old, new in plan.renames:  # a moved file in conflict shows in git as a deletion plus an unmerged file
        if old in summary.removed and (new in summary.conflicts or new in summary.added):
            summary.removed.remove(old)
            summary.added = [name for name in summary.added if name != new]
            summary.renamed.append((old, new))
    echo(f"Updated from {plan.project.commit} to {plan.target_version}.")
    for label, names in (("changed", summary.changed), ("added", summary.added), ("removed", summary.removed)):
        for name in names:
            echo(f"  {label:<8} {name}")
    for old, new in summary.renamed:
        echo(f"  renamed  {old} -> {new}")
    if summary.conflicts or summary.rejects:
        echo(f"\n{len(summary.conflicts) + len(summary.rejects)} conflict(s): your change and the template's overlap.")
        moved = {new: old for old, new in summary.renamed}
        for name in summary.conflicts:
            if name in moved:
                echo(f"  {name} (renamed from {moved[name]}): your edits to the old file are kept inside the markers")
            echo(
                f"  {name}: between `<<<<<<< before updating` (yours) and `>>>>>>> after updating` (the template's): "
                f"keep what you need, delete the markers, then `git add {name}`"
            )
        for name in summary.rejects:
            target = name.removesuffix(".rej")
            echo(
                f"  {target}: the template's hunks in {name} did not apply; apply them to {target} by hand "
                f"(or drop them), then delete {name}"
            )
    else:
        echo("\nNo conflicts.")
    echo(
        f"\nNext: review with `git diff HEAD`, run the tests, then commit: "
        f'git add -A && git commit -m "Update to the mlcrew standard {plan.target_version}"'
    )
    echo(f"Undo the whole update: {restore_command(head)}")


def apply(plan: Plan, new_answers: dict[str, Any], *, conflict: Literal["inline", "rej"], trust: bool) -> None:
    """Run copier's update: recorded answers reused, new ones passed as data, so copier never prompts."""
    import copier

    with sources.git_environment(plan.src.env), sources.copier_errors("the update failed", plan.src, plan.target):
        copier.run_update(
            plan.project.path,
            data=new_answers,
            vcs_ref=plan.target,
            defaults=True,
            overwrite=True,
            quiet=True,
            unsafe=trust,
            conflict=conflict,
            skip_answered=True,
            settings=copier.Settings(),
        )


def update(
    path: Path,
    *,
    vcs_ref: str | None = None,
    dry_run_only: bool = False,
    conflict: Literal["inline", "rej"] = "inline",
    ask: Prompt | None = None,
    trust: bool = False,
    echo: Echo = print,
) -> int:
    """`mlcrew update`: 0 when the update applied cleanly (or there was nothing to do), 1 with conflicts."""
    project = preflight(path)
    plan = plan_update(project, vcs_ref, echo)
    if plan is None:
        echo(f"Already at {project.commit}: nothing to update.")
        return 0
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
    new_answers = answer_new_questions(plan, ask)
    if dry_run_only:
        dry_run(plan, new_answers, echo)
        return 0
    if plan.unsafe and not trust:
        raise MlcrewError(
            "this update runs the template's migrations (listed above; they `git mv` renamed files so your "
            "edits follow them): re-run with --trust to allow them; nothing was changed"
        )
    head = sources.git("rev-parse", "HEAD", cwd=project.path).strip()
    restore = restore_command(head)
    echo(f"If anything goes wrong, `{restore}` in {project.path} restores the project exactly.")
    try:
        apply(plan, new_answers, conflict=conflict, trust=trust)
    except KeyboardInterrupt:
        print(f"mlcrew: update interrupted. Restore the project with: cd {project.path} && {restore}", file=sys.stderr)
        raise MlcrewError("update cancelled with Ctrl-C", exit_code=130) from None
    except MlcrewError as error:
        touched = bool(sources.git("status", "--porcelain", cwd=project.path).strip())
        fix = f"; restore the project with: cd {project.path} && {restore}" if touched else "; nothing was changed"
        raise MlcrewError(f"{error}{fix}", exit_code=3 if touched else error.exit_code) from None
    except Exception as error:
        print(f"mlcrew: update crashed. Restore the project with: cd {project.path} && {restore}", file=sys.stderr)
        raise MlcrewError(f"update crashed ({type(error).__name__}: {error})", exit_code=3) from None
    summary = summarise(project.path)
    echo("")
    report(summary, plan, head, echo)
    return 1 if summary.conflicts or summary.rejects else 0


class NoTerminalError(MlcrewError):
    """A new question needs an answer and there is no terminal to ask it in."""


def no_terminal(question: Any, default: Any, validate: Any) -> Any:
    """The prompt used without a terminal: a new question cannot be asked, so say how to proceed."""
    raise NoTerminalError(
        f"this version asks a new question ({question.name}) and there is no terminal to ask it in: "
        "pass --defaults to take its default"
    )
