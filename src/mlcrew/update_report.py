"""What an update did to a project, in plain steps: read the result, clean up, print.

`read_result` only reads (git status, the answers file, conflict markers) and reconciles renames
once; `clean_up` is the only step that changes files (it deletes `.rej` files whose hunks are already
in place); `report` only prints. The promise the summary keeps: nothing the team wrote leaves the
working tree without being named here as theirs, with where it is now.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from mlcrew import copier_calls, git
from mlcrew.console import Echo
from mlcrew.project import ANSWERS_FILE, read_answers
from mlcrew.update_plan import Plan

MARKERS = ("<<<<<<< ", ">>>>>>> ")
"""How an inline conflict starts and ends (copier's labels: `before updating` / `after updating`)."""


@dataclass(frozen=True)
class Outcome:
    """What the update changed in the project, from git's point of view."""

    changed: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    renamed: list[tuple[str, str]] = field(default_factory=list)
    conflicts: dict[str, list[int]] = field(default_factory=dict)
    """Files with inline conflict markers -> the line numbers where a conflict starts."""
    rejects: list[str] = field(default_factory=list)
    """`.rej` files: the team's own hunks that did not apply to the new version of a file."""
    edited_removed: list[str] = field(default_factory=list)
    """Files the release removed although the team had changed them."""
    new_answers: dict[str, Any] = field(default_factory=dict)
    """Answers recorded for questions the new version added."""


def restore_command(head: str) -> str:
    """Undo an update completely. Safe because mlcrew refuses to start on anything but a clean tree."""
    return f"git reset --hard {head} && git clean -fd"


def recorded_data(project: Path) -> dict[str, Any]:
    """The project's answers as the answers file holds them now (without copier's `_` keys)."""
    return {key: value for key, value in read_answers(project).items() if not key.startswith("_")}


def marker_lines(path: Path) -> list[int]:
    """Line numbers (1-based) where a conflict starts in a text file; empty for binary or missing files."""
    try:
        data = path.read_bytes()
    except OSError:
        return []
    if b"\0" in data[:8192]:
        return []
    lines = data.decode("utf-8", errors="replace").splitlines()
    return [number for number, line in enumerate(lines, 1) if line.startswith(MARKERS[0])]


def _status(project: Path) -> list[tuple[str, str, str | None]]:
    """(state, path, original path for renames) from `git status`, relative to the project."""
    prefix = git.output("rev-parse", "--show-prefix", cwd=project).strip()
    raw = git.output("status", "--porcelain", "-z", "--untracked-files=all", "--", ".", cwd=project)
    entries = raw.split("\0")
    found: list[tuple[str, str, str | None]] = []
    index = 0
    while index < len(entries):
        entry = entries[index]
        index += 1
        if len(entry) < 4:
            continue
        state, name = entry[:2], entry[3:].removeprefix(prefix)
        original = None
        if "R" in state or "C" in state:
            original = entries[index].removeprefix(prefix)
            index += 1
        found.append((state, name, original))
    return found


def read_result(plan: Plan, before: dict[str, Any]) -> Outcome:
    """Read what the update did (nothing is changed); renames from the plan's migrations reconciled once."""
    project = plan.project.path
    changed, added, removed, rejects = [], [], [], []
    renamed: list[tuple[str, str]] = []
    unmerged: set[str] = set()
    for state, name, original in _status(project):
        if original is not None:
            renamed.append((original, name))
        elif "U" in state or state in {"AA", "DD"}:
            unmerged.add(name)
            changed.append(name)
        elif state == "??" and name.endswith(".rej"):
            rejects.append(name)
        elif state == "??" or "A" in state:
            added.append(name)
        elif "D" in state:
            removed.append(name)
        elif name != ANSWERS_FILE:
            changed.append(name)
    for old, new in plan.moves:  # a moved file in conflict shows as a deletion plus an added or unmerged file
        if old in removed and (new in added or new in changed):
            removed.remove(old)
            added = [name for name in added if name != new]
            changed = [name for name in changed if name != new]
            renamed.append((old, new))
    candidates = {*changed, *added, *unmerged, *(new for _, new in renamed)}
    conflicts = {name: lines for name in sorted(candidates) if (lines := marker_lines(project / name))}
    conflicts.update({name: [] for name in unmerged if name not in conflicts})
    after = read_answers(project)
    new_answers = {key: value for key, value in after.items() if not key.startswith("_") and key not in before}
    return Outcome(
        changed=sorted(changed),
        added=sorted(added),
        removed=sorted(removed),
        renamed=sorted(renamed),
        conflicts=dict(sorted(conflicts.items())),
        rejects=sorted(rejects),
        edited_removed=edited_before_removal(plan, removed),
        new_answers=new_answers,
    )


def edited_before_removal(plan: Plan, removed: list[str]) -> list[str]:
    """Of the files the update removed, those whose last committed version differs from the old standard."""
    if not removed:
        return []
    project = plan.project
    with tempfile.TemporaryDirectory(prefix="mlcrew-removed-") as tmp:
        standard = copier_calls.render(plan.src, project.commit, project.data, Path(tmp) / "old")
        edited = []
        for name in removed:
            committed = git.run("show", f"HEAD:./{name}", cwd=project.path, check=False)
            reference = standard / name
            theirs = reference.read_bytes() if reference.is_file() else None
            if committed.returncode == 0 and committed.stdout.encode() != theirs:
                edited.append(name)
    return edited


def clean_up(project: Path, outcome: Outcome) -> Outcome:
    """Delete `.rej` files whose every hunk is already in the target file (noise, never the team's work)."""
    noise = [name for name in outcome.rejects if already_applied(project / name)]
    for name in noise:
        (project / name).unlink()
    return replace(outcome, rejects=[name for name in outcome.rejects if name not in noise])


def already_applied(rej: Path) -> bool:
    """Whether every hunk of a `.rej` file is already in its target file.

    Happens when a `git mv` migration moved a file the template also "adds" at the new path: the add
    is rejected although the file already holds exactly that content.
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


def report(outcome: Outcome, plan: Plan, echo: Echo, *, head: str | None = None, rehearsal: bool = False) -> None:
    """Print what changed, what became of the team's work, every conflict, and how to finish or undo."""
    version = plan.target_version
    if rehearsal:
        echo(f"\nDry run: the real update, rehearsed in a scratch clone of your last commit (to {version}):")
    else:
        echo(f"Updated from {plan.project.commit} to {version}.")
    report_changes(outcome, echo, head or "HEAD", "would be " if rehearsal else "")
    conflicts = report_conflicts(outcome, echo, head or "HEAD", rehearsal)
    if rehearsal:
        if not conflicts:
            echo("\nNo conflicts expected.")
        echo("Nothing was changed. Run without --dry-run to apply.")
        return
    if not conflicts:
        echo("\nNo conflicts.")
    echo(
        "\nNext: review with `git diff HEAD`, run the tests, then commit: "
        f'git add -A && git commit -m "Update to the mlcrew standard {version}"'
    )
    if head:
        echo(f"Undo the whole update: {restore_command(head)}")


def report_changes(outcome: Outcome, echo: Echo, shown: str, would: str) -> None:
    """Files changed, added, removed and renamed; the team's removed edits; new answers."""
    for label, names in (("changed", outcome.changed), ("added", outcome.added), ("removed", outcome.removed)):
        for name in names:
            if name not in outcome.conflicts:
                echo(f"  {would}{label:<8} {name}")
    for old, new in outcome.renamed:
        carried = "" if new in outcome.conflicts else "  (your edits were carried over)"
        echo(f"  {would}renamed  {old} -> {new}{carried}")
    for name in outcome.edited_removed:
        echo(f"  your changes to {name} {would or 'were '}removed with it: see them with `git show {shown}:{name}`")
    for name, value in outcome.new_answers.items():
        echo(f"  new question {name} {would}answered: {value!r} (recorded in {ANSWERS_FILE})")


def report_conflicts(outcome: Outcome, echo: Echo, shown: str, rehearsal: bool) -> int:
    """Every conflict, with whose lines are where and how to resolve it; returns how many."""
    conflicts = len(outcome.conflicts) + len(outcome.rejects)
    if conflicts:
        verb = "would conflict" if rehearsal else "conflict"
        echo(f"\n{conflicts} file(s) {verb}: your change and the template's touch the same lines.")
    for name, lines in outcome.conflicts.items():
        where = f" (line {', '.join(map(str, lines))})" if lines else ""
        echo(
            f"  {name}{where}: yours is between `<<<<<<< before updating` and `=======`, the template's between "
            f"`=======` and `>>>>>>> after updating`; keep what you need, delete the markers, then `git add {name}`"
        )
    for name in outcome.rejects:
        target = name.removesuffix(".rej")
        echo(
            f"  {target} is the new template's version; {name} holds YOUR team's changes to it that did not "
            f"apply (whole hunks, including lines that did not conflict): re-apply them by hand, then delete "
            f"{name}. Your previous file: `git show {shown}:{target}`"
        )
    return conflicts
