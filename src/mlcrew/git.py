"""The one way mlcrew runs git: argument lists (never a shell), quiet, errors as one-line `MlcrewError`s.

Values that come from a project or a user (a template URL, a recorded `_commit`) reach git only after
`--` or `--end-of-options`, and only after `safe_ref` / `template.check_source` accepted them, so no
value can ever become a git option (`--upload-pack=...` runs a command).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

from mlcrew.errors import MlcrewError

QUIET = {"GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "echo", "SSH_ASKPASS": "echo", "GCM_INTERACTIVE": "never"}
"""Never wait for a password: a template that needs credentials the machine lacks is 'unreachable'."""

ALLOWED_PROTOCOLS = "file:http:https:ssh:git"
"""Transports a template may use (git's `ext::` and `fd::` run commands); a user's own setting wins."""

_REF = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.+/@-]{0,199}$")


def require() -> None:
    """Copier and mlcrew both need git; say so plainly instead of failing deep inside copier."""
    if shutil.which("git") is None:
        raise MlcrewError("git is not on PATH", fix="install git (https://git-scm.com/downloads) and retry")


HARDENED = {"core.fsmonitor": "false"}
"""Config that a repository's own `.git/config` may not set for mlcrew: a checkout handed over from
elsewhere (a fleet member) could otherwise make `git status` run a command (`core.fsmonitor`)."""


def environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """os.environ for a git call: quiet, transports limited, hardened, plus `extra` (the bundle redirect)."""
    env = {**os.environ, **QUIET, **(extra or {})}
    env.setdefault("GIT_ALLOW_PROTOCOL", ALLOWED_PROTOCOLS)
    return harden(env)


def harden(env: dict[str, str]) -> dict[str, str]:
    """`env` with HARDENED appended to its `GIT_CONFIG_COUNT` entries (command-line config wins over files)."""
    index = int(env.get("GIT_CONFIG_COUNT", "0") or 0)
    for key, value in HARDENED.items():
        env[f"GIT_CONFIG_KEY_{index}"], env[f"GIT_CONFIG_VALUE_{index}"] = key, value
        index += 1
    env["GIT_CONFIG_COUNT"] = str(index)
    return env


def run(
    *args: str,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    check: bool = True,
    timeout: float | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run `git ARGS`; with `check`, a failure becomes `MlcrewError("git <cmd> failed: <last stderr line>")`."""
    require()
    try:
        result = subprocess.run(
            ["git", *args],
            cwd=cwd,
            env=environment(env),
            capture_output=True,
            text=True,
            errors="replace",
            check=False,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        if check:
            raise MlcrewError(f"git {args[0]} did not answer within {timeout:.0f} s") from None
        return subprocess.CompletedProcess(["git", *args], 124, "", "timed out")
    if check and result.returncode != 0:
        detail = (result.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise MlcrewError(f"git {args[0]} failed: {detail}")
    return result


def output(*args: str, cwd: Path | None = None, env: Mapping[str, str] | None = None) -> str:
    """stdout of a git command that must succeed."""
    return run(*args, cwd=cwd, env=env).stdout


def succeeds(
    *args: str, cwd: Path | None = None, env: Mapping[str, str] | None = None, timeout: float | None = None
) -> bool:
    """Whether a git command exits 0 (in time): for questions whose answer is the exit code."""
    return run(*args, cwd=cwd, env=env, check=False, timeout=timeout).returncode == 0


def safe_ref(value: object, what: str) -> str:
    """A revision read from a project or a user, refused unless it looks like a tag, branch or commit."""
    text = str(value).strip()
    if not _REF.match(text) or ".." in text or text.endswith((".lock", "/", ".")):
        raise MlcrewError(
            f"{what} {text[:60]!r} is not a tag, branch or commit name",
            fix="use a version such as v0.2.0",
            where=what,
        )
    return text


def identity(repo: Path) -> tuple[str | None, str | None]:
    """The committer name and email git would use in `repo`, or None for each that is unset."""
    result = run("config", "--get-regexp", r"^user\.(name|email)$", cwd=repo, check=False)
    found: dict[str, str] = {}
    for line in result.stdout.splitlines():
        key, _, value = line.partition(" ")
        found[key.lower()] = value.strip()  # the last value wins, as in `git config --get`
    name = os.environ.get("GIT_COMMITTER_NAME") or found.get("user.name")
    email = os.environ.get("GIT_COMMITTER_EMAIL") or found.get("user.email")
    return name or None, email or None


def toplevel(path: Path) -> Path | None:
    """The root of the git work tree containing `path`, or None outside a repository."""
    result = run("rev-parse", "--show-toplevel", cwd=path, check=False)
    return Path(result.stdout.strip()) if result.returncode == 0 else None
