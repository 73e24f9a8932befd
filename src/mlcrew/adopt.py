"""`mlcrew adopt`: bring an existing repository under the standard without overwriting anything it has.

Copier renders the newest release with answers read from the repository (adopt_answers.py) into a
scratch directory. The files the repository lacks are added; every file it has stays byte for byte,
listed with how it differs from the standard. Then `.copier-answers.yml` is written exactly as copier
wrote it for that render, and that is what makes the next update right: `copier update` re-renders
the *recorded* version with the *recorded* answers and takes the difference to the repository as
the team's edits. The added files equal that render, so they carry no edits; the team's own files
differ from it, so they are the team's edits, and later releases are merged into them (three-way),
never written over them.

Nothing from the repository becomes an option or a command: its text reaches copier only as
answers, which copier validates, and files are written only where nothing exists (never through a
symlink, never over a file).
"""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from mlcrew import adopt_answers, adopt_report, copier_calls, git, template, yamlio
from mlcrew import answers as answering
from mlcrew.adopt_plan import Difference, Files, Plan
from mlcrew.check import compare
from mlcrew.console import Echo
from mlcrew.errors import MlcrewError
from mlcrew.project import ANSWERS_FILE, load
from mlcrew.template import TemplateSource


def preflight(root: Path, *, dry_run: bool) -> list[str]:
    """Refuse, touching nothing, what cannot be adopted safely; notes for a dry run on a dirty tree."""
    git.require()
    if not root.is_dir():
        raise MlcrewError(f"{root} is not a directory", fix="pass the path of the repository to adopt")
    if git.toplevel(root) is None:
        raise MlcrewError(
            f"{root} is not a git repository",
            fix="run `git init && git add -A && git commit -m 'Initial commit'` in it, then adopt",
        )
    if not git.succeeds("rev-parse", "--verify", "--quiet", "HEAD", cwd=root):
        raise MlcrewError("the repository has no commits yet", fix="commit it first (git add -A && git commit)")
    if os.path.lexists(root / ANSWERS_FILE):
        raise MlcrewError(
            f"{root} already has {ANSWERS_FILE}: it was adopted or generated from a template already",
            fix="run `mlcrew update` to move it to the newest release (`mlcrew check` shows where it stands)",
        )
    deleted = git.run("log", "-1", "--format=%h", "--diff-filter=D", "--", ANSWERS_FILE, cwd=root, check=False)
    if deleted.stdout.strip():
        commit = deleted.stdout.strip()
        raise MlcrewError(
            f"{root} was generated from a template: commit {commit} deleted its {ANSWERS_FILE}",
            fix=f"restore it (`git checkout {commit}^ -- {ANSWERS_FILE}` and commit), then run `mlcrew update`",
        )
    dirty = git.output("status", "--porcelain", "--untracked-files=all", cwd=root).splitlines()
    if dirty and not dry_run:
        raise MlcrewError(
            f"the repository has {len(dirty)} uncommitted or untracked file(s) (e.g. {dirty[0][3:]})",
            fix="commit them or run `git stash -u`, then retry; nothing was changed (`--dry-run` works on a dirty "
            "tree)",
        )
    return ["the tree has uncommitted changes: the real run refuses until they are committed"] if dirty else []


def require_package(inferred: adopt_answers.Inferred, given: dict[str, Any], *, can_ask: bool) -> None:
    """A package name is needed: read from the repository, given with --data, or chosen in copier's prompt."""
    if "package_name" in given or "package_name" in inferred.answers or can_ask:
        return
    if inferred.packages:
        raise MlcrewError(
            f"the repository has several packages ({', '.join(inferred.packages)}) and none is declared as the "
            "product's",
            fix=f"choose one: --data package_name={inferred.packages[0]}",
            where="package_name",
        )
    raise MlcrewError(
        "cannot find the repository's Python package (no src/<name>/__init__.py, no <name>/__init__.py, none "
        "declared in pyproject.toml)",
        fix="name it: --data package_name=NAME (a lowercase Python identifier)",
        where="package_name",
    )


def render(
    src: TemplateSource, version: str, given: dict[str, Any], inferred: dict[str, Any], *, defaults: bool
) -> tuple[Files, bytes]:
    """The standard for this repository (copier asks unless `defaults`) and the answers file copier wrote."""
    with tempfile.TemporaryDirectory(prefix="mlcrew-adopt-") as tmp:
        root = Path(tmp) / "standard"
        copier_calls.copy(
            src,
            root,
            data=given,
            user_defaults=inferred,
            vcs_ref=version,
            defaults=defaults,
            doing="cannot render the standard for this repository",
        )
        files: Files = {}
        for path in sorted(root.rglob("*")):
            relative = path.relative_to(root)
            if path.is_file() and not path.is_symlink() and ".git" not in relative.parts:
                files[relative.as_posix()] = (path.read_bytes(), path.stat().st_mode & 0o777)
    answers = files.pop(ANSWERS_FILE, None)
    if answers is None:
        raise MlcrewError(f"the template wrote no {ANSWERS_FILE}, so the repository could never be updated")
    return files, answers[0]


def obstacle(root: Path, name: str) -> str | None:
    """The part of the repository in the way of adding `name`: a file or a symlink where a directory goes."""
    parts = Path(name).parts
    for depth in range(1, len(parts)):
        ancestor = root.joinpath(*parts[:depth])
        if ancestor.is_symlink() or (ancestor.exists() and not ancestor.is_dir()):
            return Path(*parts[:depth]).as_posix()
    return None


def rail_text(message: str) -> str:
    """A `check` finding read from the adopter's side: `CI jobs removed: a, b` -> `CI jobs: a, b`, grouped."""
    label, _, listed = message.partition(": ")
    label = label.removesuffix(" removed").removesuffix(" missing")
    groups: dict[str, list[str]] = {}
    for item in listed.split(", ") if listed else []:
        head, sep, value = item.partition(": ")  # `ruff rules: E` -> group `ruff rules`; `mypy strict: strict` alone
        group = groups.setdefault(head if sep else "", [])
        if not sep or value not in head:
            group.append(value if sep else item)
    parts = [" ".join(filter(None, [head, ", ".join(filter(None, values))])) for head, values in groups.items()]
    return f"{label}: {'; '.join(parts)}" if parts else label


def lines(count: int) -> str:
    return f"{count} line{'' if count == 1 else 's'}"


def difference(name: str, standard: bytes, mine: bytes) -> Difference:
    """How the team's version of `name` differs from the standard's, in one line, plus missing guard rails."""
    rails = tuple(rail_text(finding.message) for finding in compare(name, standard, mine))
    if b"\0" in standard[:8192] or b"\0" in mine[:8192]:
        return Difference(name, "binary; differs from the standard's", rails)
    ours = mine.decode("utf-8", errors="replace").splitlines()
    theirs = standard.decode("utf-8", errors="replace").splitlines()
    common = sum((Counter(ours) & Counter(theirs)).values())
    summary = f"yours {lines(len(ours))}, the standard's {len(theirs)}, {common} in common"
    return Difference(name, summary, rails)


def classify(plan: Plan) -> None:
    """Sort every file of the standard: added (missing here), same, differs (kept), or blocked."""
    root = plan.root
    for name, (content, _) in sorted(plan.standard.items()):
        target = root / name
        in_the_way = obstacle(root, name)
        if in_the_way:
            plan.blocked.append((name, f"{in_the_way} is a file or a symlink here"))
        elif target.is_symlink():
            plan.differs.append(Difference(name, "a symlink in your repository; kept as it is"))
        elif target.is_dir():
            plan.blocked.append((name, "a directory of yours has that name"))
        elif not target.exists():
            plan.added.append(name)
        elif (mine := target.read_bytes()) == content:
            plan.same.append(name)
        else:
            plan.differs.append(difference(name, content, mine))
    kept = [item.path for item in plan.differs] + plan.same
    tracked = {name for name in git.output("ls-files", "-z", cwd=root).split("\0") if name}
    plan.untracked = [name for name in kept if name not in tracked]
    plan.own = len(tracked - set(plan.standard))
    if plan.added:
        ignored = git.run("check-ignore", "-z", "--", *plan.added, cwd=root, check=False).stdout
        plan.ignored = [name for name in ignored.split("\0") if name]


def write_new(path: Path, content: bytes, mode: int) -> None:
    """Create `path` with `content`; fails rather than write over anything or through a symlink."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), mode)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(content)


def apply(plan: Plan) -> None:
    """Add the missing files and the answers file, and stage them; on any failure remove what was written."""
    root = plan.root
    written: list[Path] = []
    try:
        for name in plan.added:
            content, mode = plan.standard[name]
            write_new(root / name, content, mode)
            written.append(root / name)
        write_new(root / ANSWERS_FILE, plan.answers_file, 0o644)
        written.append(root / ANSWERS_FILE)
        git.output("add", "--force", "--", *plan.added, ANSWERS_FILE, cwd=root)
    except BaseException as error:
        git.run("reset", "--quiet", "--", *plan.added, ANSWERS_FILE, cwd=root, check=False)
        for path in written:
            path.unlink(missing_ok=True)
        if isinstance(error, KeyboardInterrupt):
            raise MlcrewError("cancelled; nothing was changed", exit_code=130) from None
        if isinstance(error, OSError):
            raise MlcrewError(
                f"cannot write {error.filename}: {error.strerror}", fix="nothing was changed; fix it and retry"
            ) from None
        raise


def plan_adoption(
    root: Path, src: TemplateSource, given: dict[str, Any], *, defaults: bool, dry_run: bool, echo: Echo
) -> Plan:
    """Read the repository, render the standard for it, and sort every file (nothing written)."""
    notes = preflight(root, dry_run=dry_run)
    with template.clone(src) as repo:
        version = repo.latest() or "HEAD"
        config = repo.config(version)
    given = answering.checked(config, given)
    inferred = adopt_answers.infer(root, config)
    require_package(inferred, given, can_ask=not defaults)
    if not defaults:  # copier is about to ask: say where its defaults come from
        echo("What the repository says (copier's defaults in the questions that follow):")
        for name, value in inferred.answers.items():
            echo(f"  {name:<20} {value!s:<28} ({inferred.evidence[name]})")
    standard, answers_file = render(src, version, given, inferred.answers, defaults=defaults)
    recorded = yamlio.safe_load(answers_file) or {}
    plan = Plan(root, src, answers_file, recorded, standard, given, inferred, notes=notes)
    classify(plan)
    return plan


def adopt(
    path: Path,
    *,
    template_src: str | None = None,
    data: dict[str, Any] | None = None,
    defaults: bool = False,
    dry_run: bool = False,
    interactive: bool = False,
    echo: Echo = print,
) -> int:
    """`mlcrew adopt`: 0 when adopted (or rehearsed with --dry-run); refusals raise `MlcrewError`."""
    root = path.expanduser().resolve()
    if not defaults and not interactive:
        raise MlcrewError("no terminal to ask the questions in", fix="pass --defaults (and --data KEY=VALUE to answer)")
    src = template.for_new(template_src)
    plan = plan_adoption(root, src, data or {}, defaults=defaults, dry_run=dry_run, echo=echo)
    adopt_report.report(plan, echo, dry_run=dry_run, asked=not defaults)
    if dry_run:
        echo("\nDry run: nothing was changed. Run it again without --dry-run to adopt.")
        return 0
    apply(plan)
    echo(f"\nThe added files and {ANSWERS_FILE} are staged (`git diff --cached --stat` lists them). Commit them:")
    echo(f"  {adopt_report.commit_command(root, plan.version)}")
    return 0


def show(path: Path, name: str, *, template_src: str | None = None, data: dict[str, Any] | None = None) -> bytes:
    """The standard's version of `name` for this repository (its recorded answers once adopted)."""
    from mlcrew.console import echo_err

    root = path.expanduser().resolve()
    wanted = Path(name).as_posix().removeprefix("./")
    if (root / ANSWERS_FILE).is_file():
        project = load(root)
        src = template.for_project(project.src_path, echo_err)
        with tempfile.TemporaryDirectory(prefix="mlcrew-show-") as tmp:
            rendered = copier_calls.render(src, project.commit, project.data, Path(tmp) / "standard")
            target = rendered / wanted
            content = target.read_bytes() if target.is_file() and not target.is_symlink() else None
    else:
        src = template.for_new(template_src)
        with template.clone(src) as repo:
            version = repo.latest() or "HEAD"
            config = repo.config(version)
        given = answering.checked(config, data or {})
        inferred = adopt_answers.infer(root, config)
        require_package(inferred, given, can_ask=False)
        files, _ = render(src, version, given, inferred.answers, defaults=True)
        content = files[wanted][0] if wanted in files else None
    if content is None:
        raise MlcrewError(f"the standard has no {wanted} for this repository", where="--show")
    return content
