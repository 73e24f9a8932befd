"""What an existing repository already says about the template's questions, for `mlcrew adopt`.

A team adopting the standard should not retype what its repository already states: the project and
package name (pyproject.toml, `src/`), the lowest Python (`requires-python`), the CI provider
(`.github/workflows`, `.gitlab-ci.yml`), how the model is served (a FastAPI app, a Dockerfile), the
license. Each answer comes with where it was read, so the user can judge it.

Everything here is read from a repository that may come from anyone: files are read only inside
the repository (no symlink leads out), bounded in size, and reduced to one line of text. The values
only ever become copier *defaults*: copier validates them with the template's own validators and
never renders them as Jinja. Nothing is run.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlcrew import git
from mlcrew.copier_yml import TemplateConfig

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

MAX_BYTES = 512_000
"""Files larger than this are not read (a repository's metadata is small; its data is not metadata)."""
MAX_SOURCES = 400
"""Python files scanned for a web app, at most (the package's own modules come first)."""

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")
_SLUG = re.compile(r"^[a-z0-9]([a-z0-9._-]*[a-z0-9])?$")
_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_PYTHON_IMAGE = re.compile(r"^\s*FROM\s+(?:\S+/)?python:(3\.\d{1,2})", re.IGNORECASE | re.MULTILINE)
_WEB_APP = re.compile(r"\b(FastAPI|Flask|Starlette|Litestar)\s*\(")
_WEB_PACKAGES = ("fastapi", "flask", "starlette", "litestar")
NOT_PACKAGES = frozenset({"tests", "test", "docs", "doc", "notebooks", "scripts", "build", "dist", "src", "conf"})
NOT_PACKAGES |= {"data", "models", "reports", "references", "configs", "deploy", "examples", "site", "venv"}


@dataclass
class Inferred:
    """Answers read from a repository, each with where it came from."""

    answers: dict[str, Any] = field(default_factory=dict)
    evidence: dict[str, str] = field(default_factory=dict)
    """question -> where the answer was read (for the user to judge it)."""
    packages: list[str] = field(default_factory=list)
    """Every package found, when more than one could be the product's (the user must choose)."""
    package_dir: str | None = None
    """Where the chosen package lives in the repository (`churn/`, `src/churn/`)."""
    notes: list[str] = field(default_factory=list)

    def set(self, name: str, value: Any, where: str) -> None:
        if value is not None and value != "" and name not in self.answers:
            self.answers[name] = value
            self.evidence[name] = where


NAME_LIMIT = 60
"""copier.yml refuses a project or team name over 60 characters: an inferred one is cut to fit."""


def one_line(value: object, limit: int = 120) -> str:
    """Text from a repository as one printable line (control characters dropped), at most `limit` long."""
    text = "".join(char if char.isprintable() else " " for char in str(value or ""))
    return " ".join(text.split())[:limit].strip()


def read_text(repo: Path, name: str) -> str | None:
    """A file of the repository, or None when it is missing, too big, or (through a symlink) outside it."""
    path = repo / name
    try:
        resolved = path.resolve()
        if not resolved.is_relative_to(repo.resolve()) or not resolved.is_file():
            return None
        if resolved.stat().st_size > MAX_BYTES:
            return None
        return resolved.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def read_pyproject(repo: Path, notes: list[str]) -> dict[str, Any]:
    text = read_text(repo, "pyproject.toml")
    if text is None:
        return {}
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        notes.append("pyproject.toml is not valid TOML, so nothing was read from it")
        return {}


def _table(data: Any, *keys: str) -> dict[str, Any]:
    """`data[k1][k2]...` when every level is a table, else an empty table."""
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data if isinstance(data, dict) else {}


def normalized(name: str) -> str:
    """A distribution name as PEP 503 normalises it (`Churn_Model` -> `churn-model`)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def readme_title(repo: Path) -> str | None:
    """The README's first `# ` heading, without Markdown decoration (badges, links, emphasis)."""
    text = read_text(repo, "README.md") or ""
    for line in text.splitlines()[:50]:
        if line.startswith("# "):
            title = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", line[2:])
            title = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", title)
            title = one_line(re.sub(r"[`*<>]", "", title), NAME_LIMIT).strip("_ ")
            return title or None
    return None


def names(repo: Path, pyproject: dict[str, Any], found: Inferred) -> str | None:
    """project_name and project_slug; returns the normalised distribution name, if any."""
    project, poetry = _table(pyproject, "project"), _table(pyproject, "tool", "poetry")
    kedro = _table(pyproject, "tool", "kedro")
    distribution = project.get("name") or poetry.get("name")
    slug = normalized(one_line(distribution, 100)) if isinstance(distribution, str) else None
    if slug and _SLUG.match(slug):
        found.set("project_slug", slug, "pyproject.toml: the distribution name")
    else:
        slug = None
    if isinstance(kedro.get("project_name"), str) and one_line(kedro["project_name"]):
        found.set(
            "project_name", one_line(kedro["project_name"], NAME_LIMIT), "pyproject.toml [tool.kedro] project_name"
        )
    title = readme_title(repo)
    if title:
        found.set("project_name", title, "README.md: its title")
    if slug:
        found.set("project_name", slug, "pyproject.toml: the distribution name")
    found.set("project_name", one_line(repo.name, NAME_LIMIT), "the directory's name")
    description = project.get("description") or poetry.get("description")
    if isinstance(description, str):
        found.set("description", one_line(description, 200), "pyproject.toml: description")
    return slug


def declared_packages(pyproject: dict[str, Any]) -> list[str]:
    """Import names the build configuration declares (Kedro, flit, hatch, setuptools, poetry)."""
    tool = _table(pyproject, "tool")
    declared: list[Any] = [
        _table(tool, "kedro").get("package_name"),
        _table(tool, "flit", "module").get("name"),
    ]
    hatch = _table(tool, "hatch", "build", "targets", "wheel").get("packages")
    setuptools = _table(tool, "setuptools").get("packages")
    poetry = _table(tool, "poetry").get("packages")
    for listed in (hatch, setuptools):
        if isinstance(listed, list):
            declared += [str(item).rsplit("/", 1)[-1] for item in listed]
    if isinstance(poetry, list):
        declared += [item.get("include") for item in poetry if isinstance(item, dict)]
    return [str(name) for name in declared if isinstance(name, str) and _IDENTIFIER.match(name)]


def package_dirs(repo: Path) -> dict[str, str]:
    """Package name -> directory, for `src/<name>/__init__.py` and (flat layout) `<name>/__init__.py`."""
    found: dict[str, str] = {}
    for base in ("src/", ""):
        root = repo / base if base else repo
        try:
            children = sorted(root.iterdir()) if root.is_dir() and not root.is_symlink() else []
        except OSError:
            children = []
        for child in children:
            name = child.name
            if base == "" and name in NOT_PACKAGES:
                continue
            if _IDENTIFIER.match(name) and not child.is_symlink() and (child / "__init__.py").is_file():
                found.setdefault(name, f"{base}{name}/")
    return found


def package(repo: Path, pyproject: dict[str, Any], slug: str | None, found: Inferred) -> None:
    """package_name: declared by the build, else the one package in `src/` (or at the top), else ambiguous."""
    on_disk = package_dirs(repo)
    declared = [name for name in declared_packages(pyproject) if name in on_disk] or declared_packages(pyproject)
    if declared:
        name = declared[0]
        found.set("package_name", name, "pyproject.toml: the package the build declares")
        found.package_dir = on_disk.get(name)
        return
    in_src = [name for name, where in on_disk.items() if where.startswith("src/")]
    candidates = in_src or list(on_disk)
    wanted = slug.replace("-", "_").replace(".", "_") if slug else None
    if wanted in candidates:
        candidates = [wanted]
    if len(candidates) == 1:
        name = candidates[0]
        found.set("package_name", name, f"{on_disk[name]}__init__.py")
        found.package_dir = on_disk[name]
    elif candidates:
        found.packages = candidates


def dependencies(repo: Path, pyproject: dict[str, Any]) -> dict[str, str]:
    """Normalised dependency name -> the file that declares it (pyproject.toml, requirements*.txt)."""
    project = _table(pyproject, "project")
    entries: list[tuple[Any, str]] = [(item, "pyproject.toml") for item in project.get("dependencies") or []]
    for group in _table(project, "optional-dependencies").values():
        entries += [(item, "pyproject.toml") for item in group or []] if isinstance(group, list) else []
    for group in _table(pyproject, "dependency-groups").values():
        entries += [(item, "pyproject.toml") for item in group or []] if isinstance(group, list) else []
    entries += [(name, "pyproject.toml") for name in _table(pyproject, "tool", "poetry", "dependencies")]
    listed = [path.name for path in sorted(repo.glob("requirements*.txt"))]
    listed += [f"requirements/{path.name}" for path in sorted(repo.glob("requirements/*.txt"))]
    for name in listed:
        entries += [(line, name) for line in (read_text(repo, name) or "").splitlines()]
    found: dict[str, str] = {}
    for item, where in entries:
        match = _REQUIREMENT.match(item) if isinstance(item, str) else None
        if match:
            found.setdefault(normalized(match[1]), where)
    return found


def python_version(repo: Path, pyproject: dict[str, Any], choices: tuple[Any, ...], found: Inferred) -> None:
    """The lowest supported Python the template offers that `requires-python` allows (else .python-version,
    else the Dockerfile's `FROM python:X.Y`)."""
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    offered = [str(choice) for choice in choices]
    requires = _table(pyproject, "project").get("requires-python")
    if isinstance(requires, str):
        try:
            spec = SpecifierSet(requires)
        except InvalidSpecifier:
            found.notes.append(f"requires-python {one_line(requires, 40)!r} is not a version specifier: not read")
            return
        allowed = [version for version in offered if any(spec.contains(f"{version}.{p}") for p in (0, 99))]
        if not allowed:
            found.notes.append(
                f"requires-python {one_line(requires, 40)} allows none of the standard's Python versions "
                f"({', '.join(offered)}): the template's default is recorded"
            )
            return
        found.set("python_version", allowed[0], f"pyproject.toml: requires-python {one_line(requires, 40)}")
        if spec.contains("3.9.99"):
            found.notes.append(
                f"requires-python {one_line(requires, 40)} also allows older Pythons than the standard supports: "
                f"{allowed[0]} recorded (your pyproject.toml is kept as it is)"
            )
        return
    pinned = one_line(read_text(repo, ".python-version"), 20)
    match = re.match(r"^(3\.\d{1,2})", pinned)
    if match and match[1] in offered:
        found.set("python_version", match[1], ".python-version")
        return
    image = _PYTHON_IMAGE.search(read_text(repo, "Dockerfile") or "")
    if image and image[1] in offered:
        found.set("python_version", image[1], f"Dockerfile: FROM python:{image[1]}")


def ci_provider(repo: Path, found: Inferred) -> None:
    """github for `.github/workflows/*.yml`, gitlab for `.gitlab-ci.yml`, else the remote's host."""
    workflows = repo / ".github" / "workflows"
    if workflows.is_dir() and any(workflows.glob("*.y*ml")):
        found.set("ci_provider", "github", ".github/workflows/")
    elif (repo / ".gitlab-ci.yml").is_file():
        found.set("ci_provider", "gitlab", ".gitlab-ci.yml")
    else:
        remote = git.run("remote", "get-url", "origin", cwd=repo, check=False).stdout
        for host in ("github", "gitlab"):
            if f"{host}." in remote.lower():
                found.set("ci_provider", host, f"no CI files; the remote origin is on {host}")


def python_sources(repo: Path, first: str | None) -> list[str]:
    """Tracked Python files, the package's own first, at most MAX_SOURCES."""
    listed = git.run("ls-files", "-z", "--", "*.py", cwd=repo, check=False).stdout.split("\0")
    files = [name for name in listed if name]
    files.sort(key=lambda name: (not (first and name.startswith(first)), name.count("/"), name))
    return files[:MAX_SOURCES]


def serving(repo: Path, deps: dict[str, str], found: Inferred) -> None:
    """api for a FastAPI (or other web) app, batch for a Dockerfile without one, none otherwise."""
    for name in python_sources(repo, found.package_dir):
        match = _WEB_APP.search(read_text(repo, name) or "")
        if match:
            found.set("serving", "api", f"{name}: a {match[1]} app")
            return
    web = next((name for name in _WEB_PACKAGES if name in deps), None)
    if web:
        found.set("serving", "api", f"{deps[web]}: depends on {web}")
    elif (repo / "Dockerfile").is_file():
        found.set("serving", "batch", "Dockerfile (no web app found: a batch job's image)")
    else:
        found.set("serving", "none", "no web app and no Dockerfile")


def tracking(repo: Path, deps: dict[str, str], found: Inferred) -> None:
    if "mlflow" in deps:
        found.set("experiment_tracking", "mlflow", f"{deps['mlflow']}: depends on mlflow")
    elif (repo / "MLproject").is_file() or (repo / "mlruns").is_dir():
        found.set("experiment_tracking", "mlflow", "an MLflow project (MLproject or mlruns/)")


def license_of(text: str) -> str | None:
    """MIT, Apache-2.0 or the first line of another license text."""
    head = text[:2000]
    if "MIT License" in head or "Permission is hereby granted, free of charge" in head or head.strip() == "MIT":
        return "MIT"
    if ("Apache License" in head and "2.0" in head) or head.strip() == "Apache-2.0":
        return "Apache-2.0"
    first = next((line for line in head.splitlines() if line.strip()), "")
    return one_line(first, 60) or None


def license_answer(repo: Path, pyproject: dict[str, Any], found: Inferred) -> None:
    declared = _table(pyproject, "project").get("license")
    text = declared if isinstance(declared, str) else _table(pyproject, "project", "license").get("text")
    where = "pyproject.toml: license"
    if not isinstance(text, str) or not text.strip():
        for name in ("LICENSE", "LICENSE.md", "LICENSE.txt", "LICENCE", "COPYING"):
            text = read_text(repo, name)
            if text:
                where = name
                break
    if not isinstance(text, str) or not text.strip():
        return
    license_name = license_of(text)
    if license_name in ("MIT", "Apache-2.0"):
        found.set("license", license_name, where)
    elif license_name:
        found.set("license", "proprietary", f"{where}: {license_name}")
        found.notes.append(
            f"your license ({license_name}, in {where}) is not one of the template's (MIT, Apache-2.0, "
            "proprietary): 'proprietary' is recorded, so the standard adds no LICENSE; yours is kept"
        )


def people(pyproject: dict[str, Any], found: Inferred) -> None:
    """team_name and owner_email from the first author or maintainer with them."""
    project = _table(pyproject, "project")
    listed: Iterable[Any] = [*(project.get("authors") or []), *(project.get("maintainers") or [])]
    listed = [*listed, *(_table(pyproject, "tool", "poetry").get("authors") or [])]
    for person in listed:
        if isinstance(person, str):  # poetry: "Name <email>"
            name, _, rest = person.partition("<")
            person = {"name": name, "email": rest.rstrip(">")}
        if not isinstance(person, dict):
            continue
        name, email = one_line(person.get("name"), NAME_LIMIT), one_line(person.get("email"), 100)
        if name:
            found.set("team_name", name, "pyproject.toml: authors")
        if _EMAIL.match(email):
            found.set("owner_email", email, "pyproject.toml: authors")


def infer(repo: Path, config: TemplateConfig) -> Inferred:
    """Answers to the template's questions that `repo` already gives (only questions the template asks)."""
    found = Inferred()
    pyproject = read_pyproject(repo, found.notes)
    slug = names(repo, pyproject, found)
    package(repo, pyproject, slug, found)
    deps = dependencies(repo, pyproject)
    python = config.questions.get("python_version")
    python_version(repo, pyproject, python.choices if python else (), found)
    ci_provider(repo, found)
    serving(repo, deps, found)
    tracking(repo, deps, found)
    license_answer(repo, pyproject, found)
    people(pyproject, found)
    asked = config.asked
    for name in list(found.answers):
        question = asked.get(name)
        if question is None or (question.choices and found.answers[name] not in question.choices):
            del found.answers[name]
            found.evidence.pop(name, None)
    return found
