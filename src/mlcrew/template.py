"""Where the template comes from: the bundled git bundle, a local repository or a git URL; and its clone.

Projects always record the template's **canonical git URL** in `.copier-answers.yml`, never the path
of the bundle inside site-packages (copier stores `_src_path` exactly as given, and a path that moves
breaks every later `copier update`). When the bundled template is used, git's `insteadOf` rewrites the
canonical URL to the bundle through `GIT_CONFIG_COUNT/KEY/VALUE` environment variables, so creating and
updating projects works offline, on any teammate's machine, with no network and no extra config.

A recorded `_src_path` is untrusted (an answers file can come from anyone's pull request):
`check_source` accepts only URL schemes and paths that make sense for a template, and git receives
it after `--`. Teams that fork the template change `CANONICAL_URL` (defined only here) and build
their own wheel; see docs/forking.md.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlcrew import git, versions
from mlcrew.console import Echo
from mlcrew.copier_yml import TemplateConfig
from mlcrew.errors import MlcrewError

if TYPE_CHECKING:
    from packaging.version import Version

CANONICAL_URL = "https://github.com/mlcrew/mlcrew.git"
"""The template's stable address, recorded in every generated project's answers file."""

BUNDLE_ENV_VAR = "MLCREW_TEMPLATE_BUNDLE"
"""Overrides the bundle shipped in the wheel (for testing a template build, or a fork's bundle)."""

_BUNDLE_RESOURCE = "template.bundle"
_URL = re.compile(r"^(?:git\+)?(?:https?|ssh|git|file)://[^\s]+$")
_SCP = re.compile(r"^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^\s:][^\s]*$")
_SHORTHAND = re.compile(r"^(?:gh|gl):[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")


@dataclass(frozen=True)
class TemplateSource:
    """A copier source plus the git environment that makes it resolvable."""

    url: str
    """What copier receives, and what the answers file records as `_src_path`."""
    env: Mapping[str, str] = field(default_factory=dict)
    """Extra environment for git (the `insteadOf` redirect when the bundle is used)."""
    bundle: Path | None = None
    """The bundle behind `url`, when the bundled template is used."""

    @property
    def description(self) -> str:
        """How to name this source in messages."""
        return f"the bundled template ({self.bundle})" if self.bundle else self.url


def is_url(text: str) -> bool:
    """A git URL (`https://`, `ssh://`, `file://`, ...), `git@host:path`, or copier's `gh:`/`gl:` shorthand."""
    return bool(_URL.match(text) or _SCP.match(text) or _SHORTHAND.match(text))


def check_source(value: object, where: str) -> str:
    """A template location from a project or a user: a git URL, `git@host:path`, or an absolute path.

    Anything else (an option such as `--upload-pack=...`, `ext::` transports, control characters,
    relative paths that would resolve against whatever directory mlcrew runs in) is refused.
    """
    text = str(value) if value is not None else ""
    if not text or text != text.strip() or any(ord(char) < 32 or char == "\x7f" for char in text):
        raise MlcrewError(
            f"{where} {text[:80]!r} is not a template location",
            fix="use the template's git URL (https://..., ssh://..., git@host:path) or an absolute path",
            where=where,
        )
    if is_url(text):
        return text
    if text.startswith("-") or "::" in text or not Path(text).is_absolute():
        raise MlcrewError(
            f"{where} {text[:80]!r} is not a template location mlcrew accepts",
            fix="use the template's git URL (https://..., ssh://..., git@host:path) or an absolute path",
            where=where,
        )
    return text


def bundled_bundle() -> Path:
    """The git bundle of the template shipped in this installation (or named by the env var)."""
    override = os.environ.get(BUNDLE_ENV_VAR)
    if override:
        path = Path(override).expanduser().resolve()
        if not path.is_file():
            raise MlcrewError(f"{BUNDLE_ENV_VAR}={override} does not name a file", fix="unset it or fix the path")
        return path
    path = Path(__file__).with_name(_BUNDLE_RESOURCE)
    if not path.is_file():
        raise MlcrewError(
            "this mlcrew installation has no bundled template (an editable or source install?)",
            fix=f"install mlcrew from a wheel (pip install .), set {BUNDLE_ENV_VAR} to a template bundle, "
            "or (mlcrew new) pass --template",
        )
    return path


def redirect_env(bundle: Path, url: str = CANONICAL_URL) -> dict[str, str]:
    """Git config, as environment variables, that makes `url` resolve to `bundle`.

    Appends to any `GIT_CONFIG_COUNT` entries the user already has instead of replacing them.
    """
    index = int(os.environ.get("GIT_CONFIG_COUNT", "0") or 0)
    return {
        "GIT_CONFIG_COUNT": str(index + 1),
        f"GIT_CONFIG_KEY_{index}": f"url.{bundle}.insteadOf",
        f"GIT_CONFIG_VALUE_{index}": url,
    }


def bundled() -> TemplateSource:
    """The bundled template, reached through the canonical URL."""
    bundle = bundled_bundle()
    return TemplateSource(url=CANONICAL_URL, env=redirect_env(bundle), bundle=bundle)


def for_new(template: str | None) -> TemplateSource:
    """Turn `mlcrew new --template` (or its absence) into a copier source.

    A local path is made absolute: copier records it as typed, and a relative path breaks updates.
    """
    if template is None:
        return bundled()
    if is_url(template):
        return TemplateSource(url=template)
    path = Path(template).expanduser()
    if template.startswith("-") or "::" in template or not path.exists():
        raise MlcrewError(
            f"template {template!r} does not exist",
            fix="pass a template directory, bundle or git URL",
            where="--template",
        )
    if path.is_dir() and not (path / ".git").exists():
        raise MlcrewError(
            f"template {template!r} is not a git repository, so projects made from it could never be updated",
            fix="run `git init && git add -A && git commit -m template && git tag v0.1.0` in it",
            where="--template",
        )
    return TemplateSource(url=check_source(str(path.resolve()), "--template"))


@cache
def reachable(url: str) -> bool:
    """Whether git can list the template's refs (never prompts for credentials); asked once per URL."""
    if not is_url(url):
        return Path(url).exists()
    return git.succeeds("ls-remote", "--quiet", "--", url, "HEAD", timeout=60)


def for_project(src_path: str, echo: Echo) -> TemplateSource:
    """The recorded template source, or the bundled template when the canonical URL is unreachable.

    The bundle is reached through the same URL (git's `insteadOf`), so the answers file keeps the
    canonical URL and copier's renders of the old and the new version both resolve offline.
    """
    url = check_source(src_path, "_src_path")
    if reachable(url):
        return TemplateSource(url=url)
    if url == CANONICAL_URL:
        source = bundled()
        echo(
            f"The template at {url} is unreachable: using the bundled template {source.bundle} (same URL, redirected)."
        )
        return source
    raise MlcrewError(
        f"cannot reach the template at {url} (_src_path in .copier-answers.yml)",
        fix="check your network and credentials, or if the template moved, set _src_path to its new location "
        "and commit",
        where="_src_path",
    )


class TemplateRepo:
    """A throw-away clone of the template: its tags, and CHANGELOG.md and copier.yml at any version.

    Nothing changes a clone while it is open, so every answer is asked of git once and remembered:
    `mlcrew fleet` asks the same few questions (tags, versions, copier.yml) for every project.
    """

    def __init__(self, src: TemplateSource, path: Path) -> None:
        self.src = src
        self.path = path
        self._answers: dict[tuple[str, ...], Any] = {}

    def _git(self, *args: str) -> subprocess.CompletedProcess[str]:
        """`git ARGS` in the clone, run once per distinct ARGS."""
        if args not in self._answers:
            self._answers[args] = git.run(*args, cwd=self.path, check=False)
        result: subprocess.CompletedProcess[str] = self._answers[args]
        return result

    @property
    def tags(self) -> list[str]:
        return self._git("tag", "--list").stdout.split()

    def latest(self) -> str | None:
        """The newest release tag, which copier updates to by default."""
        return versions.latest_release(self.tags)

    def commit(self, ref: str) -> str | None:
        """The commit a ref names, or None when the template has no such version."""
        result = self._git("rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")
        return result.stdout.strip() if result.returncode == 0 else None

    def show(self, ref: str, name: str) -> str | None:
        """A file of the template at `ref`, or None when it has no such file."""
        result = self._git("show", "--end-of-options", f"{ref}:{name}")
        return result.stdout if result.returncode == 0 else None

    def describe(self, ref: str) -> str:
        """How copier records a version in `_commit` (`git describe --tags --always`)."""
        result = self._git("describe", "--tags", "--always", "--end-of-options", ref)
        if result.returncode != 0:
            detail = (result.stderr.strip().splitlines() or ["(no output)"])[-1]
            raise MlcrewError(f"git describe failed: {detail}")
        return result.stdout.strip()

    def version(self, ref: str) -> Version:
        """The PEP 440 version copier gives `ref` (dunamai's reading of `git describe`).

        A commit with no tag behind it gets copier's `0.0.0.post<N>.dev0+g<hash>`, so every commit of
        the template has a version, and `copier check-update` and mlcrew compare the same way.
        """
        described = self.describe(ref)
        version = versions.version_of(described)
        if version is None:
            count = self._git("rev-list", "--count", "--end-of-options", ref).stdout.strip()
            version = versions.version_of(f"v0.0.0-{count}-g{described}")
        assert version is not None  # a describe output of tags or a hash always reads as a version
        return version

    def config(self, ref: str) -> TemplateConfig:
        """copier.yml at `ref`, parsed once."""
        key = ("config", ref)
        if key not in self._answers:
            self._answers[key] = TemplateConfig.parse(self.show(ref, "copier.yml"), where=f"copier.yml at {ref}")
        config: TemplateConfig = self._answers[key]
        return config

    def changelog(self, ref: str) -> str:
        return self.show(ref, versions.CHANGELOG) or ""


@contextmanager
def clone(src: TemplateSource) -> Iterator[TemplateRepo]:
    """Clone the template (objects only, no checkout) into a temp dir for the duration."""
    with tempfile.TemporaryDirectory(prefix="mlcrew-tpl-") as tmp:
        result = git.run("clone", "--quiet", "--no-checkout", "--", src.url, tmp, env=src.env, check=False)
        if result.returncode != 0:
            detail = (result.stderr.strip().splitlines() or ["no output"])[-1]
            raise MlcrewError(
                f"cannot reach the template at {src.description} ({detail})", fix="check the URL and your network"
            )
        yield TemplateRepo(src, Path(tmp))


def build_bundle(repo: Path, out: Path) -> Path:
    """Write a git bundle of `repo`'s HEAD with every release of its history tagged `vX.Y.Z`.

    The releases come from the history itself (versions.release_history), so a wheel built from any
    clone, tagged or not, ships the same versions. `repo` is not changed: the tags are made in a
    temporary bare repository that fetches HEAD from it.
    """
    history = versions.release_history(repo)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="mlcrew-bundle-") as tmp:
        bare = Path(tmp) / "template.git"
        git.output("init", "--quiet", "--bare", "--initial-branch=main", str(bare))
        git.output("fetch", "--quiet", "--no-tags", "--", str(repo.resolve()), "HEAD:refs/heads/main", cwd=bare)
        for release in history.releases:
            git.output("tag", release.tag, release.commit, cwd=bare)
        git.output("bundle", "create", "--quiet", str(out.resolve()), "--all", cwd=bare)
    return out
