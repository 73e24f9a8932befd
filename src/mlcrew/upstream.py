"""A generated project and the template it came from: shared by `mlcrew update` and `mlcrew check`.

Both commands need the same things: the project's recorded answers, a template source that resolves
(the recorded `_src_path`, or the bundled template when that is the canonical URL and the network is
not there), the template's tags and CHANGELOG, and fresh renders of a template version with the
project's answers. Copier's own errors (plain `ValueError`s, plumbum process errors) are translated
here into one-line `MlcrewError`s.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from mlcrew import source as sources
from mlcrew import yamlio
from mlcrew.errors import MlcrewError
from mlcrew.generate import ANSWERS_FILE

Echo = Callable[[str], None]

_DESCRIBE = re.compile(r"^(?P<base>.+?)-(?P<distance>\d+)-g[0-9a-f]+$")
_HEADING_VERSION = re.compile(r"^##\s+\[?v?(?P<version>\d+(?:\.\d+)*[0-9A-Za-z.+-]*)")


@dataclass(frozen=True)
class Project:
    """A generated project: where it is and what its answers file records."""

    path: Path
    answers: dict[str, Any]

    @property
    def src_path(self) -> str:
        return str(self.answers["_src_path"])

    @property
    def commit(self) -> str:
        return str(self.answers["_commit"])

    @property
    def data(self) -> dict[str, Any]:
        """The answers alone, without copier's `_src_path`/`_commit` bookkeeping."""
        return {key: value for key, value in self.answers.items() if not key.startswith("_")}


def git_ok(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run git without raising: for questions whose answer is the exit code."""
    return subprocess.run(
        ["git", *args], cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True, text=True, check=False
    )


def read_answers(path: Path) -> dict[str, Any]:
    """A generated project's recorded answers; anything else is refused with the fix."""
    if not path.is_dir():
        raise MlcrewError(f"{path} is not a directory: pass the path of a project made by mlcrew new")
    answers_path = path / ANSWERS_FILE
    if not answers_path.is_file():
        raise MlcrewError(
            f"{path} has no {ANSWERS_FILE}: run this in the root of a project created with mlcrew new or copier copy"
        )
    try:
        answers = yamlio.safe_load(answers_path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError):
        raise MlcrewError(
            f"{ANSWERS_FILE} is not valid UTF-8 YAML: restore the version copier wrote from git history "
            f"(`git log -- {ANSWERS_FILE}`, then `git checkout <commit> -- {ANSWERS_FILE}`)"
        ) from None
    if not isinstance(answers, dict):
        raise MlcrewError(f"{ANSWERS_FILE} is not a mapping of answers: restore the version copier wrote from git")
    return answers


def load_project(path: Path) -> Project:
    """Read a project's answers file, refusing anything copier could not update, with the fix."""
    sources.require_git()
    path = path.expanduser().absolute()
    if path.is_dir() and git_ok("rev-parse", "--show-toplevel", cwd=path).returncode != 0:
        raise MlcrewError(
            f"{path} is not a git repository: run `git init && git add -A && git commit -m 'Initial commit'` in it"
        )
    answers = read_answers(path)
    if not answers.get("_src_path") or not answers.get("_commit"):
        raise MlcrewError(
            f"{ANSWERS_FILE} lacks _src_path or _commit (the template was not a git repository when the project "
            "was made): set them to the template's URL and version, and commit"
        )
    return Project(path, answers)


def reachable(url: str, env: dict[str, str] | None = None) -> bool:
    """Whether git can list the template's refs (never prompts for credentials)."""
    local = Path(url).expanduser()
    if "://" not in url and not url.startswith("git@"):
        return local.exists()
    quiet = {"GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "echo", **(env or {})}
    try:
        result = subprocess.run(
            ["git", "ls-remote", "--quiet", url, "HEAD"],
            env={**os.environ, **quiet},
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
    except subprocess.TimeoutExpired:
        return False
    return result.returncode == 0


def resolve_source(project: Project, echo: Echo) -> sources.TemplateSource:
    """The recorded template source, or the bundled template when the canonical URL is unreachable.

    The bundle is reached through the same URL (git's `insteadOf`), so the answers file keeps the
    canonical URL and copier's two renders (old and new version) both resolve offline.
    """
    url = project.src_path
    if reachable(url):
        return sources.TemplateSource(url=url)
    if url == sources.CANONICAL_URL:
        bundle = sources.bundled_bundle()
        echo(f"The template at {url} is unreachable: using the bundled template {bundle} (same URL, redirected).")
        return sources.TemplateSource(url=url, env=sources.redirect_env(bundle), bundle=bundle)
    raise MlcrewError(
        f"cannot reach the template at {url} (_src_path in {ANSWERS_FILE}): check your network and credentials, "
        "or if the template moved, set _src_path to its new location and commit"
    )


class TemplateRepo:
    """A throw-away clone of the template (tags, CHANGELOG.md and copier.yml at any version)."""

    def __init__(self, src: sources.TemplateSource, path: Path) -> None:
        self.src = src
        self.path = path

    def tags(self) -> list[str]:
        return sources.git("tag", "--list", cwd=self.path).split()

    def latest(self) -> str | None:
        """The newest release tag, which copier updates to by default."""
        return sources.latest_version_tag(self.tags())

    def has(self, ref: str) -> bool:
        return git_ok("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", cwd=self.path).returncode == 0

    def show(self, ref: str, name: str) -> str | None:
        """A file of the template at `ref`, or None when it has no such file."""
        result = git_ok("show", f"{ref}:{name}", cwd=self.path)
        return result.stdout if result.returncode == 0 else None

    def describe(self, ref: str) -> str:
        """How copier records a version in `_commit` (`git describe --tags --always`)."""
        return sources.git("describe", "--tags", "--always", ref, cwd=self.path).strip()

    def releases_between(self, old: str, new: str) -> list[str]:
        """Release tags after `old` up to and including `new`, oldest first."""
        low, high = version_of(old), version_of(new)
        found = []
        for tag in self.tags():
            version = version_of(tag)
            if version is None or version.is_prerelease:
                continue
            if (low is None or version > low) and (high is None or version <= high):
                found.append((version, tag))
        return [tag for _, tag in sorted(found)]


@contextmanager
def template_clone(src: sources.TemplateSource) -> Iterator[TemplateRepo]:
    """Clone the template (objects only, no checkout) into a temp dir for the duration."""
    with tempfile.TemporaryDirectory(prefix="mlcrew-tpl-") as tmp:
        try:
            sources.git("clone", "--quiet", "--no-checkout", src.url, tmp, env=src.env)
        except MlcrewError as error:
            raise MlcrewError(
                f"cannot reach the template at {src.description} ({error}): check the URL and your network"
            ) from None
        yield TemplateRepo(src, Path(tmp))


def version_of(ref: str) -> Any:
    """The PEP 440 version of a tag or of copier's `git describe` output, or None."""
    from packaging.version import InvalidVersion, Version

    text = ref.strip()
    match = _DESCRIBE.match(text)
    if match:
        text = f"{match['base']}.post{match['distance']}.dev0"
    try:
        return Version(text)
    except InvalidVersion:
        return None


def changelog_sections(changelog: str, old: str, new: str | None) -> list[str]:
    """The `## <version>` sections of CHANGELOG.md after version `old`, up to `new` (None: no limit).

    An `## Unreleased` section is included too when the target is not a release tag.
    """
    low = version_of(old)
    high = version_of(new) if new else None
    target_is_release = high is not None and not (high.is_devrelease or high.is_postrelease or high.local)
    sections: list[list[str]] = []
    keep = False
    for line in changelog.splitlines():
        if line.startswith("# "):
            keep = False
        elif line.startswith("## "):
            match = _HEADING_VERSION.match(line)
            version = version_of(match["version"]) if match else None
            if version is None:
                keep = "unreleased" in line.lower() and not target_is_release
            else:
                keep = (low is None or version > low) and (high is None or version <= high)
            if keep:
                sections.append([])
        if keep:
            sections[-1].append(line)
    return ["\n".join(lines).rstrip() for lines in sections]


def render(src: sources.TemplateSource, ref: str, data: dict[str, Any], dest: Path) -> Path:
    """Render template version `ref` with `data` into `dest`, as copier's update does for its diff."""
    import copier

    with sources.git_environment(src.env), sources.copier_errors(f"cannot render the template at {ref}", src, ref):
        copier.run_copy(
            src.url,
            dest,
            data=data,
            vcs_ref=ref,
            defaults=True,
            quiet=True,
            unsafe=False,
            overwrite=True,
            settings=copier.Settings(),
        )
    return dest


def tree(root: Path) -> dict[str, bytes]:
    """Every file under `root` (relative POSIX path -> bytes), outside `.git`."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in root.rglob("*")
        if path.is_file() and ".git" not in path.relative_to(root).parts
    }


def skip_if_exists(copier_yml: str | None) -> list[str]:
    """The template's `_skip_if_exists` patterns: files the team owns after generation."""
    config = yamlio.safe_load(copier_yml or "") or {}
    patterns = config.get("_skip_if_exists") or []
    return [patterns] if isinstance(patterns, str) else [str(pattern) for pattern in patterns]


def matcher(patterns: list[str]) -> Callable[[str], bool]:
    """gitignore-style matching of relative paths, as copier does for `_skip_if_exists` and `_exclude`."""
    import pathspec

    spec: Any
    try:
        spec = pathspec.PathSpec.from_lines("gitignore", patterns)
    except (KeyError, LookupError):  # pathspec < 0.12 names the style "gitwildmatch"
        spec = pathspec.PathSpec.from_lines("gitwildmatch", patterns)
    return lambda path: bool(spec.match_file(path))
