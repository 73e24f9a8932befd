"""A generated project: its directory and what its answers file records, read as untrusted input.

`.copier-answers.yml` can come from anyone's pull request, and `mlcrew check` / `update` / `onboard`
run in CI on such pull requests. So every value mlcrew uses from it is checked for what it is used
as: `_src_path` must be a template location (template.check_source), `_commit` a revision name
(git.safe_ref), `package_name` a Python identifier (it becomes `python -m <package_name>`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from mlcrew import git, yamlio
from mlcrew.errors import MlcrewError
from mlcrew.template import check_source

ANSWERS_FILE = ".copier-answers.yml"
"""Where copier records the template, its version and the answers (the template's `_answers_file`)."""

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,99}$")
_PYTHON = re.compile(r"^3\.\d{1,2}$")
_RESTORE = f"restore the version copier wrote from git history (`git log -- {ANSWERS_FILE}`)"


@dataclass(frozen=True)
class Project:
    """A project made from the template: where it is and what its answers file records."""

    path: Path
    answers: dict[str, Any]

    @property
    def src_path(self) -> str:
        """The recorded template location, checked (refused when it could be anything but a location)."""
        return check_source(self.answers.get("_src_path"), "_src_path")

    @property
    def commit(self) -> str:
        """The recorded template version (`_commit`), checked to be a revision name."""
        return git.safe_ref(self.answers.get("_commit", ""), "_commit")

    @property
    def data(self) -> dict[str, Any]:
        """The answers alone, without copier's `_src_path`/`_commit` bookkeeping."""
        return {key: value for key, value in self.answers.items() if not str(key).startswith("_")}

    @property
    def name(self) -> str:
        return " ".join(str(self.answers.get("project_name") or self.path.name).split())

    @property
    def package(self) -> str:
        """The import name, checked: it is run as `python -m <package>`."""
        package = str(self.answers.get("package_name", ""))
        if not _IDENTIFIER.match(package):
            raise MlcrewError(
                f"package_name {package[:60]!r} in {ANSWERS_FILE} is not a Python package name",
                fix=_RESTORE,
                where="package_name",
            )
        return package

    @property
    def python_version(self) -> str:
        version = str(self.answers.get("python_version") or "3.10")
        return version if _PYTHON.match(version) else "3.10"

    @property
    def template_version(self) -> str:
        """`_commit` for display, or 'unknown' when it is not a revision name."""
        try:
            return self.commit
        except MlcrewError:
            return "unknown"


def read_answers(path: Path) -> dict[str, Any]:
    """A generated project's recorded answers; anything else is refused with the fix."""
    if not path.is_dir():
        raise MlcrewError(f"{path} is not a directory", fix="pass the path of a project made by mlcrew new")
    answers_path = path / ANSWERS_FILE
    if not answers_path.is_file():
        raise MlcrewError(
            f"{path} has no {ANSWERS_FILE}",
            fix="run this in the root of a project created with mlcrew new or copier copy "
            "(an existing repository: mlcrew adopt)",
        )
    try:
        answers = yamlio.safe_load(answers_path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError, ValueError):
        raise MlcrewError(f"{ANSWERS_FILE} is not valid UTF-8 YAML", fix=_RESTORE, where=ANSWERS_FILE) from None
    if not isinstance(answers, dict) or not all(isinstance(key, str) for key in answers):
        raise MlcrewError(f"{ANSWERS_FILE} is not a mapping of answers", fix=_RESTORE, where=ANSWERS_FILE)
    return answers


def load(path: Path) -> Project:
    """A project whose template copier can reach: in a git repository, with `_src_path` and `_commit`."""
    git.require()
    path = path.expanduser().absolute()
    if path.is_dir() and git.toplevel(path) is None:
        raise MlcrewError(
            f"{path} is not a git repository",
            fix="run `git init && git add -A && git commit -m 'Initial commit'` in it",
        )
    project = Project(path, read_answers(path))
    if not project.answers.get("_src_path") or not project.answers.get("_commit"):
        raise MlcrewError(
            f"{ANSWERS_FILE} lacks _src_path or _commit (the template was not a git repository when the project "
            "was made)",
            fix="set them to the template's URL and version, and commit",
            where=ANSWERS_FILE,
        )
    project.src_path  # noqa: B018  (checked here, once, before anything runs)
    project.commit  # noqa: B018
    return project


def load_unversioned(path: Path) -> Project:
    """A project for reading only (onboarding): the answers file must parse, git is not required."""
    return Project(path.expanduser().absolute(), read_answers(path.expanduser().absolute()))
