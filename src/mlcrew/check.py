"""`mlcrew check`: how far a project has drifted from the standard, for a person or for CI.

The reference is a fresh render of the project's own template version (`_commit`) with its own
answers: exactly what the standard gave this project. Against it, mlcrew reports the version gap to
the newest release, the standard's guard rails that were removed (pre-commit hooks, CI jobs and
stages, nox sessions, Ways of Working sections, the logging module, tool configuration), and a
hand-edited answers file. Ordinary customisation (an edited README, extra dependencies) is listed as
information, not as drift: the three-way merge of `mlcrew update` keeps it.
"""

from __future__ import annotations

import ast
import re
import sys
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from mlcrew import upstream, yamlio
from mlcrew.errors import MlcrewError
from mlcrew.generate import ANSWERS_FILE
from mlcrew.questions import Answerer, load_questions

Echo = Callable[[str], None]

OWNED = [
    ".pre-commit-config.yaml",
    ".github/workflows/*",
    ".gitlab-ci.yml",
    "noxfile.py",
    "pyproject.toml",
    "docs/ways-of-working.md",
    "CODEOWNERS",
    ".github/CODEOWNERS",
]
"""Files the standard owns: deleting one is drift (their content is compared piece by piece below)."""

VERBATIM = re.compile(r"^src/[^/]+/(log|logs|logger|logging_config|logging_setup|log_config|observability)\.py$")
"""Modules kept as the standard wrote them: any change is drift (the logging conventions)."""

_GITLAB_KEYWORDS = {"stages", "variables", "default", "include", "workflow", "image", "services", "cache"}
_GITLAB_KEYWORDS |= {"before_script", "after_script", "spec"}


@dataclass
class Finding:
    """One way the project departs from its standard."""

    kind: str
    """version | deleted | diverged | hooks-removed | jobs-removed | stages-removed | sessions-removed |
    tool-config | ways-of-working | answers-file"""
    path: str | None
    message: str


@dataclass
class Report:
    """The drift report; `exit_code` is 0 only when compliant and current."""

    project: str
    template: str
    version: str
    latest: str | None
    behind: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    customised: list[str] = field(default_factory=list)

    @property
    def current(self) -> bool:
        return not self.behind

    @property
    def compliant(self) -> bool:
        return not [finding for finding in self.findings if finding.kind != "version"]

    @property
    def exit_code(self) -> int:
        return 0 if self.current and self.compliant else 1

    def to_json(self) -> dict[str, Any]:
        return {
            "project": self.project,
            "template": self.template,
            "version": self.version,
            "latest": self.latest,
            "current": self.current,
            "compliant": self.compliant,
            "behind": self.behind,
            "findings": [asdict(finding) for finding in self.findings],
            "customised": self.customised,
        }

    def human(self) -> str:
        lines = [f"mlcrew check: {self.project} (template {self.version}, from {self.template})"]
        if self.current:
            lines.append(f"  version: current ({self.version} is the newest release)")
        else:
            lines.append(f"  version: {len(self.behind)} release(s) behind: {', '.join(self.behind)}")
            lines.append("    fix: mlcrew update (shows what each release changes before applying it)")
        drift = [finding for finding in self.findings if finding.kind != "version"]
        if drift:
            lines.append(f"  drift from the standard ({len(drift)}):")
            lines.extend(f"    {finding.path or '-'}: {finding.message}" for finding in drift)
        else:
            lines.append("  standard: compliant (no guard rail removed, answers file as copier wrote it)")
        if self.customised:
            lines.append(f"  customised (fine, kept by updates): {', '.join(self.customised)}")
        verdict = "OK" if self.exit_code == 0 else "NOT OK"
        lines.append(
            f"{verdict}: {'current' if self.current else 'behind'}, {'compliant' if self.compliant else 'drifted'}"
        )
        return "\n".join(lines)


def _yaml(data: bytes) -> Any:
    try:
        return yamlio.safe_load(data.decode("utf-8", errors="replace"))
    except yaml.YAMLError:
        return None


def hook_ids(data: bytes) -> set[str]:
    """The hook ids of a pre-commit config."""
    config = _yaml(data)
    if not isinstance(config, dict):
        return set()
    return {
        str(hook.get("id"))
        for repo in config.get("repos") or []
        if isinstance(repo, dict)
        for hook in repo.get("hooks") or []
        if isinstance(hook, dict)
    }


def workflow_jobs(data: bytes) -> set[str]:
    """Job ids of a GitHub Actions workflow."""
    config = _yaml(data)
    jobs = config.get("jobs") if isinstance(config, dict) else None
    return set(jobs) if isinstance(jobs, dict) else set()


def gitlab_parts(data: bytes) -> tuple[set[str], set[str]]:
    """(stages, jobs) of a GitLab CI file."""
    config = _yaml(data)
    if not isinstance(config, dict):
        return set(), set()
    stages = {str(stage) for stage in config.get("stages") or []}
    jobs = {str(key) for key in config if str(key) not in _GITLAB_KEYWORDS and not str(key).startswith(".")}
    return stages, jobs


def nox_sessions(data: bytes) -> set[str]:
    """Names of functions decorated as nox sessions."""
    try:
        module = ast.parse(data.decode("utf-8", errors="replace"))
    except SyntaxError:
        return set()
    return {
        node.name
        for node in ast.walk(module)
        if isinstance(node, ast.FunctionDef)
        and any("session" in ast.unparse(decorator) for decorator in node.decorator_list)
    }


def headings(data: bytes) -> list[str]:
    """The `## ` section headings of a Markdown document."""
    return [line[3:].strip() for line in data.decode("utf-8", errors="replace").splitlines() if line.startswith("## ")]


def tool_config(data: bytes) -> dict[str, Any]:
    """The guard rails in pyproject.toml: ruff's rule selection and mypy's strictness."""
    try:
        import tomllib
    except ImportError:  # Python 3.10: no TOML parser in the standard library; skip this comparison
        return {}
    try:
        tool = tomllib.loads(data.decode("utf-8", errors="replace")).get("tool", {})
    except tomllib.TOMLDecodeError:
        return {}
    lint = tool.get("ruff", {}).get("lint", {})
    return {
        "ruff rules": set(lint.get("select", []) + lint.get("extend-select", [])),
        "mypy strict": {"strict"} if tool.get("mypy", {}).get("strict") else set(),
        "tools": {name for name in ("ruff", "mypy", "pytest") if name in tool},
    }


def compare(name: str, standard: bytes, mine: bytes) -> list[Finding]:
    """Guard rails in `standard` that `mine` removed (empty: only customised)."""
    removed: list[tuple[str, set[str]]] = []
    if name == ".pre-commit-config.yaml":
        removed.append(("hooks-removed", hook_ids(standard) - hook_ids(mine)))
    elif name.startswith(".github/workflows/"):
        removed.append(("jobs-removed", workflow_jobs(standard) - workflow_jobs(mine)))
    elif name == ".gitlab-ci.yml":
        (stages, jobs), (my_stages, my_jobs) = gitlab_parts(standard), gitlab_parts(mine)
        removed += [("stages-removed", stages - my_stages), ("jobs-removed", jobs - my_jobs)]
    elif name == "noxfile.py":
        removed.append(("sessions-removed", nox_sessions(standard) - nox_sessions(mine)))
    elif name == "docs/ways-of-working.md":
        removed.append(("ways-of-working", set(headings(standard)) - set(headings(mine))))
    elif name == "pyproject.toml":
        theirs, ours = tool_config(standard), tool_config(mine)
        for key, values in theirs.items():
            removed.append(("tool-config", {f"{key}: {value}" for value in values - ours.get(key, set())}))
    elif VERBATIM.match(name):
        return [Finding("diverged", name, "changed from the standard's version (fix: mlcrew update, or restore it)")]
    what = {
        "hooks-removed": "pre-commit hooks removed",
        "jobs-removed": "CI jobs removed",
        "stages-removed": "CI stages removed",
        "sessions-removed": "nox sessions removed",
        "ways-of-working": "required Ways of Working sections missing",
        "tool-config": "tool configuration removed",
    }
    return [Finding(kind, name, f"{what[kind]}: {', '.join(sorted(items))}") for kind, items in removed if items]


def invalid_answers(project: upstream.Project, copier_yml: str | None) -> list[Finding]:
    """Answers the template at `_commit` does not ask or would reject: only a hand edit puts them there."""
    if not copier_yml:
        return []
    findings = []
    answerer = Answerer(load_questions(copier_yml))
    unknown = sorted(set(project.data) - set(answerer.by_name))
    if unknown:
        findings.append(Finding("answers-file", ANSWERS_FILE, f"answers to no question: {', '.join(unknown)}"))
    recorded = answerer.recorded(project.data)
    try:
        answerer.answer(recorded, None)
    except MlcrewError as error:
        findings.append(Finding("answers-file", ANSWERS_FILE, f"invalid answer: {str(error).split(' (pass')[0]}"))
    return findings


def answers_text_finding(project: upstream.Project, rendered: bytes | None) -> list[Finding]:
    """An answers file that is not byte for byte what copier writes for these answers was edited by hand."""
    if rendered is None or rendered == (project.path / ANSWERS_FILE).read_bytes():
        return []
    return [
        Finding(
            "answers-file",
            ANSWERS_FILE,
            "edited by hand (copier would write it differently): restore it with git, and change answers "
            "with `copier update --vcs-ref :current: -d KEY=VALUE` instead",
        )
    ]


def check(path: Path, echo: Echo | None = None) -> Report:
    """Build the drift report for the project at `path` (nothing in it is changed)."""
    project = upstream.load_project(path)
    note = echo or (lambda message: print(message, file=sys.stderr))
    src = upstream.resolve_source(project, note)
    with upstream.template_clone(src) as repo:
        if not repo.has(project.commit):
            raise MlcrewError(
                f"the template at {src.description} lacks the project's version {project.commit} (_commit): "
                "check _src_path and _commit in .copier-answers.yml, or upgrade mlcrew for a newer bundled template"
            )
        latest = repo.latest()
        behind = repo.releases_between(project.commit, latest) if latest else []
        copier_yml = repo.show(project.commit, "copier.yml")
    report = Report(str(project.path), project.src_path, project.commit, latest, behind)
    if behind:
        report.findings.append(Finding("version", None, f"behind the newest release {latest}: {', '.join(behind)}"))
    invalid = invalid_answers(project, copier_yml)
    if invalid:  # the template cannot render these answers, so there is no reference to compare files with
        report.findings.extend(invalid)
        return report
    team_owned = upstream.matcher(upstream.skip_if_exists(copier_yml))
    standard_owned = upstream.matcher(OWNED)
    with tempfile.TemporaryDirectory(prefix="mlcrew-check-") as tmp:
        standard = upstream.tree(upstream.render(src, project.commit, project.data, Path(tmp) / "standard"))
    for name, content in sorted(standard.items()):
        if name == ANSWERS_FILE or team_owned(name):
            continue
        mine_path = project.path / name
        owned = standard_owned(name) or bool(VERBATIM.match(name))
        if not mine_path.is_file():
            if owned:
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
    report.findings.extend(answers_text_finding(project, standard.get(ANSWERS_FILE)))
    return report
