"""Where the template comes from: the bundled git bundle, a local path, or a git URL.

Projects always record the template's **canonical git URL** in `.copier-answers.yml`, never the path
of the bundle inside site-packages (copier stores `_src_path` exactly as given, and a path that moves
breaks every later `copier update`). When the bundled template is used, git's `insteadOf` rewrites the
canonical URL to the bundle through `GIT_CONFIG_COUNT/KEY/VALUE` environment variables, so creating and
updating projects works offline, on any teammate's machine, with no network and no extra config.

Teams that fork the template change `CANONICAL_URL` below (the one place it is defined) and build
their own wheel; see docs/forking.md.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from mlcrew.errors import MlcrewError

CANONICAL_URL = "https://github.com/mlcrew/mlcrew.git"
"""The template's stable address, recorded in every generated project's answers file."""

BUNDLE_ENV_VAR = "MLCREW_TEMPLATE_BUNDLE"
"""Overrides the bundle shipped in the wheel (for testing a template build, or a fork's bundle)."""

_BUNDLE_RESOURCE = "template.bundle"


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


def bundled_bundle() -> Path:
    """The git bundle of the template shipped in this installation (or named by the env var)."""
    override = os.environ.get(BUNDLE_ENV_VAR)
    if override:
        path = Path(override).expanduser().resolve()
        if not path.is_file():
            raise MlcrewError(f"{BUNDLE_ENV_VAR}={override} does not name a file: unset it or fix the path")
        return path
    path = Path(__file__).with_name(_BUNDLE_RESOURCE)
    if not path.is_file():
        raise MlcrewError(
            "this mlcrew installation has no bundled template (an editable or source install?): install mlcrew "
            f"from a wheel (pip install .), set {BUNDLE_ENV_VAR} to a template bundle, or (mlcrew new) pass --template"
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


def resolve(template: str | None) -> TemplateSource:
    """Turn the user's `--template` (or its absence) into a copier source.

    A local path is made absolute: copier records it as typed, and a relative path breaks updates.
    """
    if template is None:
        bundle = bundled_bundle()
        return TemplateSource(url=CANONICAL_URL, env=redirect_env(bundle), bundle=bundle)
    if "://" in template or template.startswith(("git@", "git+")):
        return TemplateSource(url=template)
    path = Path(template).expanduser()
    if not path.exists():
        raise MlcrewError(f"template {template!r} does not exist: pass a template directory, bundle or git URL")
    if path.is_dir() and not (path / ".git").exists():
        raise MlcrewError(
            f"template {template!r} is not a git repository, so projects made from it could never be updated: "
            "run `git init && git add -A && git commit -m template && git tag v0.1.0` in it"
        )
    return TemplateSource(url=str(path.resolve()))


@contextmanager
def git_environment(extra: Mapping[str, str]) -> Iterator[None]:
    """Apply `extra` to os.environ and to plumbum's copy of it (copier runs git through plumbum)."""
    if not extra:
        yield
        return
    from plumbum import local

    saved = {key: os.environ.get(key) for key in extra}
    os.environ.update(extra)
    try:
        with local.env(**extra):
            yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def require_git() -> None:
    """Copier and mlcrew both need git; say so plainly instead of failing deep inside copier."""
    if shutil.which("git") is None:
        raise MlcrewError("git is not on PATH: install git (https://git-scm.com/downloads) and retry")


def git(*args: str, cwd: Path | None = None, env: Mapping[str, str] | None = None) -> str:
    """Run git and return its stdout; failures become one-line `MlcrewError`s."""
    require_git()
    result = subprocess.run(
        ["git", *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        detail = (result.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise MlcrewError(f"git {args[0]} failed: {detail}")
    return result.stdout


@contextmanager
def copier_errors(doing: str, src: TemplateSource, vcs_ref: str | None = None, hint: str = "") -> Iterator[None]:
    """Run copier with its exceptions translated into one-line `MlcrewError`s.

    Copier raises plain `ValueError`s (bad answers, unknown revisions), `CopierError`s, and plumbum's
    `ProcessExecutionError` when git fails (unreachable template, unknown ref): none of them may reach
    the user as a traceback. `doing` starts the message; `hint` ends the unreachable-template one.
    """
    import copier
    from plumbum import ProcessExecutionError

    try:
        yield
    except ProcessExecutionError as error:
        detail = (str(error.stderr).strip().splitlines() or ["no output"])[-1]
        if vcs_ref and ("invalid reference" in detail or "did not match" in detail):
            raise MlcrewError(
                f"{doing}: the template has no version {vcs_ref!r}: check --vcs-ref (a tag, branch or commit)"
            ) from None
        raise MlcrewError(
            f"{doing}: cannot reach the template at {src.description} ({detail}): check the URL and your network{hint}"
        ) from None
    except OSError as error:
        raise MlcrewError(f"{doing}: {error.strerror or error} ({error.filename})") from None
    except (copier.errors.CopierError, ValueError) as error:
        message = " ".join(str(error).split())
        if vcs_ref and "revision" in message.lower():
            message += ": check --vcs-ref (a tag, branch or commit of the template)"
        raise MlcrewError(f"{doing}: {message}") from None


def latest_version_tag(tags: list[str]) -> str | None:
    """The newest PEP 440 release tag (no pre-releases), which is what copier uses by default."""
    from packaging.version import InvalidVersion, Version

    versions: list[tuple[Version, str]] = []
    for tag in tags:
        try:
            version = Version(tag)
        except InvalidVersion:
            continue
        if not version.is_prerelease:
            versions.append((version, tag))
    return max(versions)[1] if versions else None


def build_bundle(repo: Path, out: Path) -> Path:
    """Write a git bundle of `repo`'s HEAD, branches and version tags to `out`.

    The hatch build hook calls this to ship the template inside the wheel; tests call it to make a
    bundle of a template repo they built.
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    out.unlink(missing_ok=True)
    git("bundle", "create", "--quiet", str(out), "HEAD", "--branches", "--tags", cwd=repo)
    return out
