"""The standard's guard rails, as data: which files `mlcrew check` reads, how, and what a removal is called.

Each rule is (pattern → kind → how to read the file → label): the reader turns a file into the set of
guard rails it holds (hook ids, CI jobs, nox sessions, ...); a rail present in the standard's render
of the project but missing from the project is drift. The rules change with the template, in the same
release: a new guard rail in the template is a new row here.
"""

from __future__ import annotations

import ast
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import yaml

from mlcrew import yamlio

Reader = Callable[[bytes], set[str]]

_GITLAB_KEYWORDS = {"stages", "variables", "default", "include", "workflow", "image", "services", "cache"}
_GITLAB_KEYWORDS |= {"before_script", "after_script", "spec"}


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
    return {str(job) for job in jobs} if isinstance(jobs, dict) else set()


def gitlab_stages(data: bytes) -> set[str]:
    """The stages of a GitLab CI file."""
    config = _yaml(data)
    return {str(stage) for stage in config.get("stages") or []} if isinstance(config, dict) else set()


def gitlab_jobs(data: bytes) -> set[str]:
    """The jobs of a GitLab CI file (top-level keys that are not keywords or hidden templates)."""
    config = _yaml(data)
    if not isinstance(config, dict):
        return set()
    return {str(key) for key in config if str(key) not in _GITLAB_KEYWORDS and not str(key).startswith(".")}


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


def headings(data: bytes) -> set[str]:
    """The `## ` section headings of a Markdown document."""
    return {line[3:].strip() for line in data.decode("utf-8", errors="replace").splitlines() if line.startswith("## ")}


def tool_config(data: bytes) -> set[str]:
    """The guard rails in pyproject.toml: ruff's rule selection, mypy's strictness, the configured tools."""
    try:
        import tomllib
    except ImportError:  # Python 3.10: no TOML parser in the standard library; skip this comparison
        return set()
    try:
        tool = tomllib.loads(data.decode("utf-8", errors="replace")).get("tool", {})
    except tomllib.TOMLDecodeError:
        return set()
    lint = tool.get("ruff", {}).get("lint", {})
    rails = {f"ruff rules: {rule}" for rule in [*lint.get("select", []), *lint.get("extend-select", [])]}
    if tool.get("mypy", {}).get("strict"):
        rails.add("mypy strict: strict")
    return rails | {f"tools: {name}" for name in ("ruff", "mypy", "pytest") if name in tool}


def whole_file(data: bytes) -> set[str]:
    """The file as one rail: any change to it is drift (modules kept exactly as the standard wrote them)."""
    return {hashlib.sha256(data).hexdigest()}


def nothing(_: bytes) -> set[str]:
    """No rails inside: only deleting the file is drift."""
    return set()


@dataclass(frozen=True)
class Rule:
    """One guard rail of the standard."""

    pattern: str
    """Project paths the rule reads (gitignore-style)."""
    kind: str
    """The finding's kind when rails are missing (stable: dashboards and `--json` consumers read it)."""
    read: Reader
    label: str
    """What the missing rails are, for people."""
    required: bool = True
    """Deleting the file is drift (not merely customisation)."""


RULES: tuple[Rule, ...] = (
    Rule(".pre-commit-config.yaml", "hooks-removed", hook_ids, "pre-commit hooks removed"),
    Rule(".github/workflows/*", "jobs-removed", workflow_jobs, "CI jobs removed"),
    Rule(".gitlab-ci.yml", "stages-removed", gitlab_stages, "CI stages removed"),
    Rule(".gitlab-ci.yml", "jobs-removed", gitlab_jobs, "CI jobs removed"),
    Rule("noxfile.py", "sessions-removed", nox_sessions, "nox sessions removed"),
    Rule("docs/ways-of-working.md", "ways-of-working", headings, "required Ways of Working sections missing"),
    Rule("pyproject.toml", "tool-config", tool_config, "tool configuration removed"),
    Rule("src/*/logs.py", "diverged", whole_file, "changed from the standard's version (the logging conventions)"),
    Rule("CODEOWNERS", "deleted", nothing, "code owners"),
)


PLACEHOLDER_QUESTIONS = ("description", "team_name", "owner_email")
"""Answers only the team can give: left at the template's default, they are placeholders to replace."""

PLACEHOLDER_TEXT = ("@org/",)
"""Text the template writes for the team to replace (CODEOWNERS handles), looked for in RULES' files."""
