"""`mlcrew check`: how far a project has drifted from the standard, for a person, for CI and for a fleet.

The reference is a fresh render of the project's own template version (`_commit`) with its own
answers: exactly what the standard gave this project. Against it, mlcrew reports the version gap to
the newest release (copier's own PEP 440 reading of the template's tags), the standard's guard rails
that were removed (check_rules.RULES), conflict markers left anywhere in the tree, and answers that
copier did not write. Ordinary customisation (an edited README, extra dependencies) is listed as
information, not as drift: the three-way merge of `mlcrew update` keeps it.

`Standard` keeps template clones and renders for the duration, so `mlcrew fleet` pays one clone per
template and one render per distinct (version, answers), not one per repository.
"""

from __future__ import annotations

import json
import tempfile
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

from mlcrew import copier_calls, git, template, versions, yamlio
from mlcrew.check_rules import PLACEHOLDER_QUESTIONS, PLACEHOLDER_TEXT, RULES, Rule
from mlcrew.console import Echo
from mlcrew.copier_yml import TemplateConfig, matcher
from mlcrew.errors import MlcrewError
from mlcrew.project import ANSWERS_FILE, Project, load
from mlcrew.template import TemplateRepo, TemplateSource

State = Literal["current", "behind", "ahead", "untagged"]


@dataclass(frozen=True)
class Finding:
    """One way the project departs from its standard."""

    kind: str
    """version | deleted | diverged | hooks-removed | jobs-removed | stages-removed | sessions-removed |
    tool-config | ways-of-working | answers-file | conflict-markers"""
    path: str | None
    message: str
    line: int | None = None


@dataclass
class Report:
    """The drift report; `exit_code` is 0 only when compliant and current."""

    project: str
    template: str
    version: str
    latest: str | None
    state: State = "current"
    behind: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    customised: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    placeholders: list[str] = field(default_factory=list)
    """Answers and handles the team has not replaced yet (information, not drift)."""

    @property
    def current(self) -> bool:
        return not self.behind

    @property
    def drift(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.kind != "version"]

    @property
    def compliant(self) -> bool:
        return not self.drift

    @property
    def exit_code(self) -> int:
        return 0 if self.current and self.compliant else 1

    def to_json(self) -> dict[str, Any]:
        """The stable JSON form (docs/cli.md documents every key)."""
        return {
            "project": self.project,
            "template": self.template,
            "version": self.version,
            "latest": self.latest,
            "state": self.state,
            "current": self.current,
            "compliant": self.compliant,
            "behind": self.behind,
            "findings": [asdict(finding) for finding in self.findings],
            "customised": self.customised,
            "notes": self.notes,
            "placeholders": self.placeholders,
        }

    def version_line(self) -> str:
        if self.behind:
            untagged = f" (on the untagged template commit {self.version})" if self.state == "untagged" else ""
            return f"{len(self.behind)} release(s) behind: {', '.join(self.behind)}{untagged}"
        if self.state == "untagged":
            after = f"after the newest release {self.latest}" if self.latest else "the template has no release yet"
            return f"on an untagged template commit ({self.version}; {after})"
        if self.state == "ahead":
            return f"ahead of the newest release {self.latest} ({self.version})"
        return f"current ({self.version} is the newest release)"

    def human(self) -> str:
        lines = [*self.notes, f"mlcrew check: {self.project} (template {self.version}, from {self.template})"]
        lines.append(f"  version: {self.version_line()}")
        if self.behind:
            lines.append("    fix: mlcrew update (shows what each release changes before applying it)")
        if self.drift:
            lines.append(f"  drift from the standard ({len(self.drift)}):")
            for finding in self.drift:
                where = f"{finding.path}:{finding.line}" if finding.line else finding.path or "-"
                lines.append(f"    {where}: {finding.message}")
        else:
            lines.append(
                "  standard: compliant (no guard rail removed, no conflict left, answers as copier wrote them)"
            )
        if self.customised:
            lines.append(f"  customised (fine, kept by updates): {', '.join(self.customised)}")
        for placeholder in self.placeholders:
            lines.append(f"  to make your own: {placeholder}")
        verdict = "OK" if self.exit_code == 0 else "NOT OK"
        lines.append(
            f"{verdict}: {'current' if self.current else 'behind'}, {'compliant' if self.compliant else 'drifted'}"
        )
        return "\n".join(lines)


@dataclass(frozen=True)
class Reference:
    """What a project is compared with (see `Standard.reference`)."""

    src: TemplateSource
    repo: TemplateRepo
    config: TemplateConfig
    """copier.yml at the project's version."""
    problems: list[Finding]
    """Answers the template does not ask or would not accept (then there is no render)."""
    files: dict[str, bytes] | None
    """The render of the project's version with its answers."""


class Standard:
    """Template sources, clones and renders shared by every project checked in one run."""

    def __init__(self, echo: Echo) -> None:
        self.echo = echo
        self._stack = ExitStack()
        self._sources: dict[str, TemplateSource] = {}
        self._repos: dict[str, TemplateRepo] = {}
        self._renders: dict[tuple[str, str, str], dict[str, bytes]] = {}
        self.renders_made = 0

    def __enter__(self) -> Standard:
        return self

    def __exit__(self, *exc: object | TracebackType) -> None:
        self._stack.close()

    def source(self, src_path: str) -> TemplateSource:
        if src_path not in self._sources:
            self._sources[src_path] = template.for_project(src_path, self.echo)
        return self._sources[src_path]

    def repo(self, src: TemplateSource) -> TemplateRepo:
        key = f"{src.url}\0{src.bundle}"
        if key not in self._repos:
            self._repos[key] = self._stack.enter_context(template.clone(src))
        return self._repos[key]

    def reference(self, project: Project) -> Reference:
        """What `project` is compared with: its template's clone, copier.yml and render at its version.

        `mlcrew fleet` calls this first for every project, so the renders are made once, up front.
        """
        src = self.source(project.src_path)
        repo = self.repo(src)
        if repo.commit(project.commit) is None:
            raise MlcrewError(
                f"the template at {src.description} lacks the project's version {project.commit} (_commit)",
                fix="check _src_path and _commit in .copier-answers.yml, or upgrade mlcrew for a newer bundled "
                "template",
                where="_commit",
            )
        config = repo.config(project.commit)
        problems = answer_problems(project, config)
        if problems:  # the template cannot render these answers: there is no reference to compare files with
            return Reference(src, repo, config, problems, None)
        data = {key: value for key, value in project.data.items() if key in config.asked}
        return Reference(src, repo, config, [], self.render(src, project.commit, data))

    def render(self, src: TemplateSource, commit: str, data: dict[str, Any]) -> dict[str, bytes]:
        """The files the template at `commit` gives these answers (rendered once per distinct pair)."""
        key = (f"{src.url}\0{src.bundle}", commit, json.dumps(data, sort_keys=True, default=str))
        if key not in self._renders:
            with tempfile.TemporaryDirectory(prefix="mlcrew-check-") as tmp:
                root = copier_calls.render(src, commit, data, Path(tmp) / "standard")
                self._renders[key] = tree(root)
            self.renders_made += 1
        return self._renders[key]


def tree(root: Path) -> dict[str, bytes]:
    """Every file under `root` (relative POSIX path -> bytes), outside `.git`."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in root.rglob("*")
        if path.is_file() and ".git" not in path.relative_to(root).parts
    }


def compare(name: str, standard: bytes, mine: bytes, rules: tuple[Rule, ...] = RULES) -> list[Finding]:
    """Guard rails in the standard's `name` that the project's version removed (empty: only customised)."""
    findings = []
    for rule in rules:
        if not matcher([rule.pattern])(name):
            continue
        missing = rule.read(standard) - rule.read(mine)
        if not missing:
            continue
        if rule.kind == "diverged":
            findings.append(Finding(rule.kind, name, f"{rule.label} (fix: mlcrew update, or restore it)"))
        else:
            findings.append(Finding(rule.kind, name, f"{rule.label}: {', '.join(sorted(missing))}"))
    return findings


def required(name: str, rules: tuple[Rule, ...] = RULES) -> bool:
    """Whether deleting `name` is drift."""
    return any(rule.required and matcher([rule.pattern])(name) for rule in rules)


def conflict_markers(project: Path) -> list[Finding]:
    """Conflict markers in any tracked or untracked (not ignored) text file, with file and line."""
    result = git.run(
        "grep",
        "-n",
        "-I",
        "-z",
        "--untracked",
        "-E",
        "-e",
        "^(<<<<<<<|>>>>>>>)( |$)",
        "--",
        ".",
        cwd=project,
        check=False,
    )
    findings = []
    for line in result.stdout.splitlines():
        parts = line.split("\0")
        if len(parts) >= 3 and parts[1].isdigit():
            marker = parts[2][:7]
            findings.append(
                Finding("conflict-markers", parts[0], f"conflict marker {marker} left (resolve it)", int(parts[1]))
            )
    return findings


def answer_problems(project: Project, config: TemplateConfig) -> list[Finding]:
    """Answers the template at `_commit` does not ask or would not accept: only a hand edit puts them there."""
    findings = []
    unknown = sorted(set(project.data) - set(config.asked))
    if unknown:
        findings.append(Finding("answers-file", ANSWERS_FILE, f"answers to no question: {', '.join(unknown)}"))
    for name, question in config.asked.items():
        if name in project.data and question.choices and project.data[name] not in question.choices:
            allowed = ", ".join(map(str, question.choices))
            findings.append(
                Finding(
                    "answers-file",
                    ANSWERS_FILE,
                    f"invalid answer: {name}={project.data[name]!r} is not one of: {allowed}",
                )
            )
    return findings


def placeholders(project: Project, config: TemplateConfig) -> list[str]:
    """What the team has not made its own yet: answers still at the template's default, `@org/` handles.

    Not drift (a project is compliant with them), but onboarding and `check` point them out.
    """
    found = []
    for name in PLACEHOLDER_QUESTIONS:
        question = config.questions.get(name)
        if question and name in project.data and project.data[name] == question.default:
            found.append(f"{name} is still the template's placeholder ({question.default!r})")
    codeowners = project.path / "CODEOWNERS"
    if codeowners.is_file():
        text = codeowners.read_text(encoding="utf-8", errors="replace")
        handles = sorted(
            {
                word
                for line in text.splitlines()
                if not line.lstrip().startswith("#")
                for word in line.split()
                if word.startswith(PLACEHOLDER_TEXT)
            }
        )
        if handles:
            found.append(f"CODEOWNERS still names placeholder owners ({', '.join(handles[:3])}, ...)")
    return found


def hand_edits(project: Project) -> list[Finding]:
    """Answers changed without copier: in the working tree, or by a commit that changed nothing else.

    Copier changes an answer only together with the files it renders differently (`copier update
    --vcs-ref :current: -d KEY=VALUE`), so an answers-only change is a hand edit, even when the new
    answer is valid (serving: api -> batch leaves an API the standard no longer describes).
    """
    here = project.path
    status = git.output("status", "--porcelain", "--untracked-files=no", "--", ".", cwd=here).splitlines()
    changed = {line[3:] for line in status}
    prefix = git.output("rev-parse", "--show-prefix", cwd=here).strip()
    answers_path = f"{prefix}{ANSWERS_FILE}"
    if answers_path in changed or ANSWERS_FILE in changed:
        committed = _answers_at(here, "HEAD")
        differ = _changed_answers(committed, project.answers)
        if differ and len(changed) == 1:
            return [
                Finding(
                    "answers-file",
                    ANSWERS_FILE,
                    f"uncommitted hand edit of {', '.join(differ)}: undo it with "
                    f"`git checkout HEAD -- {ANSWERS_FILE}`, and change answers with "
                    "`copier update --vcs-ref :current: -d KEY=VALUE`",
                )
            ]
    last = git.run("log", "-1", "--format=%H", "--", ANSWERS_FILE, cwd=here, check=False).stdout.strip()
    if not last:
        return []
    files = git.output("show", "--name-only", "--format=", last, "--", ".", cwd=here).split()
    if not git.succeeds("rev-parse", "--verify", "--quiet", f"{last}^", cwd=here) or files != [answers_path]:
        return []
    differ = _changed_answers(_answers_at(here, f"{last}^"), _answers_at(here, last))
    if not differ:
        return []
    return [
        Finding(
            "answers-file",
            ANSWERS_FILE,
            f"{', '.join(differ)} changed by hand in commit {last[:10]} (no file changed with it): revert it "
            f"(`git revert {last[:10]}`) and change answers with `copier update --vcs-ref :current: -d KEY=VALUE`",
        )
    ]


def _answers_at(repo: Path, ref: str) -> dict[str, Any]:
    result = git.run("show", f"{ref}:./{ANSWERS_FILE}", cwd=repo, check=False)
    try:
        loaded = yamlio.safe_load(result.stdout) if result.returncode == 0 else {}
    except Exception:
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _changed_answers(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Answers (not copier's `_commit`/`_src_path`) whose value differs, as `key: old -> new`."""
    keys = sorted({key for key in {*before, *after} if not str(key).startswith("_")})
    return [f"{key}: {before.get(key)!r} -> {after.get(key)!r}" for key in keys if before.get(key) != after.get(key)]


def version_findings(report: Report, repo: TemplateRepo, project: Project) -> None:
    """Fill the report's version state the way copier compares versions (PEP 440 of `git describe`)."""
    latest = report.latest
    current = repo.version(project.commit)
    if not versions.is_release(project.commit):
        report.state = "untagged"
    if latest is None:
        return
    newest = repo.version(latest)
    report.behind = sorted(
        (tag for tag in repo.tags if versions.is_release(tag) and current < repo.version(tag) <= newest),
        key=repo.version,
    )
    if report.behind:
        report.state = "behind" if report.state != "untagged" else "untagged"
        report.findings.append(
            Finding("version", None, f"behind the newest release {latest}: {', '.join(report.behind)}")
        )
    elif current > newest and report.state != "untagged":
        report.state = "ahead"


def check(path: Path, standard: Standard | None = None) -> Report:
    """Build the drift report for the project at `path` (nothing in it is changed)."""
    project = load(path)
    notes: list[str] = []
    with ExitStack() as stack:
        if standard is None:
            standard = stack.enter_context(Standard(notes.append))
        reference = standard.reference(project)
        repo, config = reference.repo, reference.config
        report = Report(str(project.path), project.src_path, project.commit, repo.latest(), notes=notes)
        version_findings(report, repo, project)
        report.placeholders = placeholders(project, config)
        report.findings.extend(conflict_markers(project.path))
        report.findings.extend(hand_edits(project))
        report.findings.extend(reference.problems)
        if reference.files is not None:
            compare_files(report, project, config, reference.files)
    return report


def compare_files(report: Report, project: Project, config: TemplateConfig, standard: dict[str, bytes]) -> None:
    """Removed guard rails, deleted required files and customisation, file by file against the standard."""
    team_owned = config.team_owned()
    for name, content in sorted(standard.items()):
        if name == ANSWERS_FILE or team_owned(name):
            continue
        mine_path = project.path / name
        if not mine_path.is_file():
            if required(name):
                report.findings.append(Finding("deleted", name, "deleted, but the standard requires it (restore it)"))
            else:
                report.customised.append(f"{name} (deleted)")
            continue
        mine = mine_path.read_bytes()
        if mine == content:
            continue
        found = compare(name, content, mine)
        report.findings.extend(found)
        if not found:
            report.customised.append(name)
    rendered = standard.get(ANSWERS_FILE)
    if rendered is not None and rendered != (project.path / ANSWERS_FILE).read_bytes():
        report.findings.append(
            Finding(
                "answers-file",
                ANSWERS_FILE,
                "edited by hand (copier would write it differently): restore it with git, and change answers "
                "with `copier update --vcs-ref :current: -d KEY=VALUE` instead",
            )
        )
