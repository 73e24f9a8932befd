"""Read a project from its git URL without cloning it: only the files a report needs, nothing else.

`mlcrew fleet` reports on tens or hundreds of repositories, and a repository can hold gigabytes of
data, notebooks and history. So a member given by URL is fetched as a **shallow** (one commit),
**blob-less** (`--filter=blob:none`) partial clone: commits and trees, no file contents. Its working
tree is **sparse**: only `.copier-answers.yml` and the paths of the standard's files are checked out,
and git downloads the contents of those files alone, in one batch per check-out (fleet.py decides
which paths, and when). A server that does not allow filters (`uploadpack.allowFilter`, on at GitHub
and GitLab) sends the whole last commit instead; nothing else changes.

The clone is mlcrew's own, in a temp dir: its config is mlcrew's (no hooks, no fsmonitor from the
member), symlinks are checked out as plain files (`core.symlinks=false`, so a link cannot make mlcrew
read a file of this machine), and the URL reaches git only after `--`, checked by template.check_source.
"""

from __future__ import annotations

import re
from pathlib import Path

from mlcrew import git
from mlcrew.errors import MlcrewError
from mlcrew.project import ANSWERS_FILE

NETWORK_TIMEOUT = 120.0
"""Seconds one fetch may take before the member is reported unreachable."""

QUIET_CLONE = ("-c", "core.symlinks=false", "-c", "maintenance.auto=false", "-c", "gc.auto=0")
"""For every command that fetches or writes the working tree: a member's symlink becomes a plain file
holding its target's name, and no housekeeping runs after each fetch in a clone that lives seconds."""

_GLOB = re.compile(r"([\\*?\[])")


def pattern(path: str) -> str:
    """A sparse-checkout pattern matching exactly `path` (anchored, wildcards escaped)."""
    return "/" + _GLOB.sub(r"\\\1", path)


def reason(stderr: str) -> str:
    """git's first `fatal:` or `error:` line (its last lines are generic advice), else its last line."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for line in lines:
        if line.startswith(("fatal:", "error:")):
            return line.split(":", 1)[1].strip()
    return lines[-1] if lines else "no output"


def fetch(url: str, dest: Path, branches: str) -> None:
    """Shallow, blob-less fetch of `url`'s HEAD and its `branches` (a glob under refs/heads/) into `dest`.

    Only commits and trees arrive (no file contents); the branches become `refs/remotes/origin/<name>`.
    """
    git.output("init", "--quiet", str(dest))
    result = git.run(
        *QUIET_CLONE,
        "fetch",
        "--quiet",
        "--depth=1",
        "--filter=blob:none",
        "--no-tags",
        "--",
        url,
        "+HEAD:refs/remotes/origin/HEAD",
        f"+refs/heads/{branches}:refs/remotes/origin/{branches}",
        cwd=dest,
        check=False,
        timeout=NETWORK_TIMEOUT,
    )
    if result.returncode != 0:
        raise MlcrewError(f"cannot read {url} ({reason(result.stderr)})", fix="check the URL and access")


def check_out(dest: Path, paths: list[str] | set[str], *, first: bool) -> None:
    """Check out `.copier-answers.yml`, `paths` (those the last commit has) and any `.rej` files.

    Git fetches the contents of exactly those files, in one batch. `first`: nothing is checked out yet
    (the sparse patterns are set, then HEAD is checked out); otherwise setting the patterns is enough.
    """
    patterns = [pattern(ANSWERS_FILE), *(pattern(path) for path in sorted(paths)), "*.rej"]
    steps = [("sparse-checkout", "set", "--no-cone", *patterns)]
    if first:
        steps.append(("checkout", "--quiet", "--detach", "refs/remotes/origin/HEAD"))
    for step in steps:
        result = git.run(*QUIET_CLONE, *step, cwd=dest, check=False, timeout=NETWORK_TIMEOUT)
        if result.returncode != 0:
            raise MlcrewError(f"cannot read the files of the last commit ({reason(result.stderr)})")
