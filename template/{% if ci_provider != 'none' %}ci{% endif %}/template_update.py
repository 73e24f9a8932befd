"""The scheduled template update: bring this repository to the newest release of the standard.

The template-update CI job runs this script, then pushes the branch it made and opens a pull/merge
request with the body it wrote. You can run it by hand in the same way on a clean checkout:

    python3 ci/template_update.py --forge github --body /tmp/update-body.md

There are three outcomes, and each exits 0:
- already on the newest release: it says so and makes no branch;
- the update merged cleanly: one commit on the branch `template-update/<release>`. Open a request.
- conflicts: the same commit, with copier's conflict markers in it. Open a DRAFT request whose
  body lists the conflicting files and how to resolve them. The markers are committed with
  --no-verify because the conflict-marker hook rejects them, and they stay on the update branch:
  that hook and CI keep them off the default branch.

Nothing else is committed. The body and the outputs for CI are written outside the repository.
Every value read from .copier-answers.yml is treated as untrusted. A `_src_path` that is not a
plain URL or path, or a `_commit` that is not a plain version, stops the script before copier or
git sees it, so no recorded value can become a git or shell option. The script uses only the
standard library, so CI can run it with any Python 3.10+.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

# The copier that applies updates. It is pinned so that every run merges the same way. Releases of
# the standard bump it; Renovate bumps it too (the comment below is its marker).
# renovate: datasource=pypi depName=copier
COPIER_VERSION = "9.19.1"

# Why --trust. The team's standard lives at the URL recorded in .copier-answers.yml (`_src_path`),
# and updates only ever go to its release tags. Copier treats migrations as unsafe, and a release
# that renames a generated file ships one (`git mv OLD NEW`, so your edits follow the file). Without
# --trust copier refuses such a release (exit 4), and every later scheduled run would fail the same
# way. The standard uses no other unsafe feature: no tasks, no Jinja extensions (its own tests
# enforce this). The team reviews every update in the request before merging.
COPIER_ARGS = ("update", "--trust", "--defaults", "--conflict", "inline")

ANSWERS_FILE = ".copier-answers.yml"
BRANCH_PREFIX = "template-update/"
BODY_LIMIT = 60_000  # GitHub refuses request bodies over 65,536 characters
REQUEST = {"github": "pull request", "gitlab": "merge request"}

# What a recorded version may look like: a release tag (v0.2.0), `git describe` output
# (v0.2.0-3-gabc1234) or a commit hash. It never starts with '-': git cannot read it as an option.
VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,99}")
# Where a template may live: a URL with a git transport, scp-like ssh, copier's gh:/gl: shorthands,
# or a local path. These characters cannot hide a space, quote, option or shell syntax.
SOURCE_URL = re.compile(
    r"(?:git\+)?(?:https|ssh|git|file)://[A-Za-z0-9._~:/@%+-]+"
    r"|git@[A-Za-z0-9.-]+:[A-Za-z0-9._~/-]+"
    r"|(?:gh|gl):[A-Za-z0-9._-]+/[A-Za-z0-9._-]+"
)
LOCAL_PATH = re.compile(r"[A-Za-z0-9._~/+@-]+")
# Git transports allowed for the template (no `ext::`, which runs a command).
SAFE_GIT_ENV = {"GIT_ALLOW_PROTOCOL": "file:git:http:https:ssh", "GIT_TERMINAL_PROMPT": "0"}
MARKER = re.compile(rb"^(?:<{7}|>{7})(?: |$)", re.MULTILINE)
HEADING = re.compile(r"^##\s+\[?v?(\d+(?:\.\d+)*)")


class Refused(Exception):
    """The script cannot safely run here. The message says what to do, on one line."""


@dataclass(frozen=True)
class Outcome:
    """What the update did. CI reads it (as `key=value` outputs) to push and open a request."""

    result: str  # "current" | "clean" | "conflicts"
    old: str
    new: str = ""
    branch: str = ""
    conflicts: tuple[str, ...] = ()

    @property
    def draft(self) -> bool:
        return self.result == "conflicts"

    @property
    def title(self) -> str:
        if self.result == "current":
            return ""
        suffix = f" ({len(self.conflicts)} conflicts to resolve)" if self.conflicts else ""
        return f"Update to the template release {self.new}{suffix}"


def run(
    args: Sequence[str], cwd: Path, *, check: bool = True, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a command without a shell. If `check` is set, a failure stops the script in one line."""
    result = subprocess.run(
        list(args),
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )
    if check and result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise RuntimeError(
            f"`{shlex.join(args[:3])} ...` failed: {detail[-1] if detail else result.returncode}"
        )
    return result


def git(root: Path, *args: str, check: bool = True) -> str:
    return run(["git", *args], root, check=check, env=SAFE_GIT_ENV).stdout


def say(message: str) -> None:
    """Print to the job log (sys.stdout: the project's ruff rules keep print() out of code)."""
    sys.stdout.write(message + "\n")


# --------------------------------------------------------------------------------------------------
# The answers file: read only the two values the script needs, and trust neither.
# --------------------------------------------------------------------------------------------------


def recorded(root: Path, key: str) -> str:
    """A top-level scalar of .copier-answers.yml; anything fancier is refused by the checks."""
    text = (root / ANSWERS_FILE).read_text(encoding="utf-8")
    found = re.search(rf"^{re.escape(key)}:[ \t]*(.*?)[ \t]*$", text, re.MULTILINE)
    if not found:
        raise Refused(
            f"{ANSWERS_FILE} has no {key}: restore the version copier wrote "
            f"(git log -- {ANSWERS_FILE})"
        )
    value = found.group(1)
    if len(value) >= 2 and value[0] == value[-1] == "'":
        return value[1:-1].replace("''", "'")
    if len(value) >= 2 and value[0] == value[-1] == '"':
        try:
            decoded = json.loads(value)
        except json.JSONDecodeError:
            return value
        return decoded if isinstance(decoded, str) else value
    return value


def checked_version(value: str, key: str = "_commit") -> str:
    if not VERSION.fullmatch(value):
        raise Refused(
            f"{ANSWERS_FILE} records {key}: {value!r}, which is not a template version "
            "(e.g. v0.2.0): "
            f"restore the value copier wrote (git log -p -- {ANSWERS_FILE})"
        )
    return value


def checked_source(value: str, root: Path) -> str:
    """The template's location if it is a plain URL or an existing local path; refused otherwise."""
    if SOURCE_URL.fullmatch(value):
        return value
    if (
        LOCAL_PATH.fullmatch(value)
        and not value.startswith("-")
        and (root / value).expanduser().exists()
    ):
        return value
    raise Refused(
        f"{ANSWERS_FILE} records _src_path: {value!r}, which is not a template URL "
        "(https://, ssh://, git@host:path) or an existing path: set it to the template's "
        "location and commit"
    )


def git_url(source: str) -> str:
    """Copier's shorthands as URLs that git understands (gh:org/repo, gl:org/repo, git+https://)."""
    if source.startswith("gh:"):
        return f"https://github.com/{source[3:]}.git"
    if source.startswith("gl:"):
        return f"https://gitlab.com/{source[3:]}.git"
    return source.removeprefix("git+")


# --------------------------------------------------------------------------------------------------
# The template's CHANGELOG between the two versions (best effort: the body says so if unreadable).
# --------------------------------------------------------------------------------------------------


def version_key(version: str) -> tuple[int, ...] | None:
    found = re.match(r"v?(\d+(?:\.\d+)*)", version)
    return tuple(int(part) for part in found.group(1).split(".")) if found else None


def changelog_between(changelog: str, old: str, new: str) -> str:
    """The `## X.Y.Z` sections with old < X.Y.Z <= new, their headings one level down."""
    low, high = version_key(old), version_key(new)
    sections: list[str] = []
    keep = False
    for line in changelog.splitlines():
        heading = HEADING.match(line)
        if heading:
            version = tuple(int(part) for part in heading.group(1).split("."))
            keep = (low is None or version > low) and (high is None or version <= high)
        elif line.startswith("## "):
            keep = False
        if keep:
            sections.append("#" + line if line.startswith("#") else line)
    return "\n".join(sections).strip()


def read_changelog(source: str, version: str, root: Path) -> str | None:
    """CHANGELOG.md of the template at `version`, fetched shallowly into a temporary repository."""
    with tempfile.TemporaryDirectory() as scratch:
        if run(["git", "init", "--quiet", "--bare", scratch], root, check=False).returncode != 0:
            return None
        fetch = [
            "git",
            "--git-dir",
            scratch,
            "fetch",
            "--quiet",
            "--depth=1",
            "--",
            git_url(source),
            version,
        ]
        if run(fetch, root, check=False, env=SAFE_GIT_ENV).returncode != 0:
            return None
        shown = run(
            ["git", "--git-dir", scratch, "show", "FETCH_HEAD:CHANGELOG.md"], root, check=False
        )
        return shown.stdout if shown.returncode == 0 else None


# --------------------------------------------------------------------------------------------------
# The update itself.
# --------------------------------------------------------------------------------------------------


def changed_paths(root: Path) -> list[str]:
    """Every path `git status` reports (staged, unstaged, unmerged, untracked), NUL-safe."""
    entries = git(root, "status", "--porcelain=v1", "-z", "--untracked-files=all").split("\0")
    paths: list[str] = []
    skip_next = False
    for entry in entries:
        if skip_next or not entry:
            skip_next = False
            continue
        status, path = entry[:2], entry[3:]
        paths.append(path)
        skip_next = "R" in status or "C" in status  # a rename is followed by its old path
    return paths


def conflicted(root: Path, paths: Sequence[str]) -> tuple[str, ...]:
    """Files left with conflicts: unmerged in the index, `.rej` leftovers, or conflict markers."""
    found = set(git(root, "diff", "--name-only", "--diff-filter=U", "-z").split("\0")) - {""}
    for path in paths:
        file = root / path
        if path.endswith(".rej"):
            found.add(path)
        elif file.is_file():
            content = file.read_bytes()
            if b"\0" not in content and MARKER.search(content):
                found.add(path)
    return tuple(sorted(found))


def update(root: Path, copier: Sequence[str]) -> Outcome:
    """Run copier on a clean tree and commit its result on the update branch."""
    if git(root, "status", "--porcelain", "--untracked-files=all").strip():
        raise Refused(
            "the working tree has uncommitted or untracked files: commit or remove them first"
        )
    old = checked_version(recorded(root, "_commit"))
    checked_source(recorded(root, "_src_path"), root)
    say(f"Recorded template release: {old}. Running {shlex.join([*copier, *COPIER_ARGS])}")
    result = subprocess.run(
        [*copier, *COPIER_ARGS], cwd=root, env={**os.environ, **SAFE_GIT_ENV}, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"copier update failed (exit {result.returncode}; its message is above). Nothing "
            "was committed; `git status` shows what it left"
        )
    paths = changed_paths(root)
    if not paths:
        return Outcome("current", old, old)
    new = checked_version(recorded(root, "_commit"))
    branch = BRANCH_PREFIX + new
    git(root, "check-ref-format", "--branch", branch)
    conflicts = conflicted(root, paths)
    switched = run(["git", "switch", "--quiet", "-c", branch], root, check=False)
    if switched.returncode != 0:
        raise RuntimeError(
            f"could not create branch {branch} ({switched.stderr.strip()}): the update is left "
            "uncommitted in the working tree"
        )
    git(root, "add", "--all")
    message = f"Update to the template release {new} (from {old})"
    if conflicts:
        message += "\n\nConflicts to resolve (markers committed on purpose):\n" + "\n".join(
            f"- {p}" for p in conflicts
        )
    git(root, "commit", "--quiet", "--no-verify", "-m", message)
    return Outcome("conflicts" if conflicts else "clean", old, new, branch, conflicts)


# --------------------------------------------------------------------------------------------------
# What the request says.
# --------------------------------------------------------------------------------------------------


def body(outcome: Outcome, forge: str, changelog: str | None) -> str:
    """The request description: versions, conflicts and how to resolve them, the CHANGELOG."""
    request = REQUEST[forge]
    ready = "Ready for review" if forge == "github" else "Mark as ready"
    lines = [
        f"This {request} updates the repository from the template release `{outcome.old}` "
        f"to `{outcome.new}`.",
        f"`copier update --trust --defaults --conflict inline` (copier {COPIER_VERSION}, run by "
        "`ci/template_update.py`) replayed the template's changes over this repository's own.",
        "",
    ]
    if outcome.conflicts:
        count = len(outcome.conflicts)
        lines += [
            f"**{count} file{'s' if count > 1 else ''} with conflicts: this {request} stays a "
            "draft until they are resolved.**",
            "",
            "## Conflicts to resolve",
            "",
            "This repository and the template changed the same lines. Each file below keeps both "
            "versions between markers:",
            "",
            "```text",
            "<<<<<<< before updating",
            "this repository's lines",
            "=======",
            "the new template's lines",
            ">>>>>>> after updating",
            "```",
            "",
            *[f"- `{path}`" for path in outcome.conflicts],
            "",
            "To resolve them:",
            "",
            f"1. `git fetch origin && git switch {outcome.branch}`",
            "2. In each file, keep the lines you want and delete the marker lines. A `.rej` file "
            "holds changes that could not be applied: apply them by hand, then delete it.",
            "3. `uv run pre-commit run --all-files` passes once no marker is left.",
            f"4. Commit and push. Then use **{ready}**. Your push also starts CI, which a "
            f"{request} opened by the bot does not always start by itself.",
            "",
        ]
    else:
        lines += [
            "The update merged cleanly with this repository's own changes. Review it, let CI run, "
            "and merge.",
            "",
        ]
    lines += ["## What changed in the standard", ""]
    if changelog:
        lines += [changelog, ""]
    else:
        lines += [
            f"The template's CHANGELOG.md at `{outcome.new}` could not be read here. Read the "
            f"sections after `{outcome.old}` in the template repository (`_src_path` in "
            f"`{ANSWERS_FILE}`).",
            "",
        ]
    lines += [
        "## Why the job runs copier with --trust",
        "",
        "The template is this team's own standard. Its location is recorded in "
        "`.copier-answers.yml`, and updates only go to its release tags. Its only unsafe feature "
        "is `git mv` migrations, which move a renamed file so that your edits follow it. Without "
        "--trust, every release that has such a migration would fail the update.",
    ]
    text = "\n".join(lines) + "\n"
    if len(text) > BODY_LIMIT:
        text = (
            text[:BODY_LIMIT]
            + "\n\n(Cut here: the full CHANGELOG is in the template repository.)\n"
        )
    return text


def outputs(outcome: Outcome) -> str:
    """`key=value` lines for CI ($GITHUB_OUTPUT, or a file the GitLab job reads)."""
    values = {
        "result": outcome.result,
        "old": outcome.old,
        "new": outcome.new,
        "branch": outcome.branch,
        "draft": str(outcome.draft).lower(),
        "title": outcome.title,
    }
    return "".join(f"{key}={value}\n" for key, value in values.items())


def outside(root: Path, path: Path) -> Path:
    """`path` resolved; refused inside the repository (scratch files are never committed)."""
    resolved = path.expanduser().resolve()
    if resolved == root or root in resolved.parents:
        raise Refused(f"{path} is inside the repository: write the body and outputs outside it")
    return resolved


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--forge", choices=sorted(REQUEST), required=True, help="where the request opens"
    )
    parser.add_argument(
        "--body", type=Path, required=True, help="the request body (outside the repo)"
    )
    parser.add_argument(
        "--outputs", type=Path, help="append key=value results here ($GITHUB_OUTPUT)"
    )
    parser.add_argument(
        "--copier",
        default=f"uvx --from copier=={COPIER_VERSION} copier",
        help="the command that runs copier (default: the pinned copier, through uvx)",
    )
    args = parser.parse_args(argv)
    try:
        return report(args)
    except Refused as refused:
        sys.stderr.write(f"template_update: {refused}\n")
        return 2
    except (RuntimeError, OSError, UnicodeDecodeError) as error:
        sys.stderr.write(f"template_update: {error}\n")
        return 1


def report(args: argparse.Namespace) -> int:
    """Update, then write the outputs and the body and say in the log what to open."""
    top = run(["git", "rev-parse", "--show-toplevel"], Path.cwd(), check=False).stdout.strip()
    if not top:
        raise Refused("not inside a git repository: run this in the project's checkout")
    root = Path(top).resolve()
    body_path = outside(root, args.body)
    outputs_path = outside(root, args.outputs) if args.outputs else None
    if not (root / ANSWERS_FILE).is_file():
        raise Refused(f"no {ANSWERS_FILE} here: this repository was not generated from a template")
    outcome = update(root, shlex.split(args.copier))
    if outputs_path:
        with outputs_path.open("a", encoding="utf-8") as stream:
            stream.write(outputs(outcome))
    if outcome.result == "current":
        say(
            f"Already on the newest template release ({outcome.old}): nothing to update, "
            "no branch made."
        )
        return 0
    changelog = read_changelog(checked_source(recorded(root, "_src_path"), root), outcome.new, root)
    sections = changelog_between(changelog, outcome.old, outcome.new) if changelog else ""
    body_path.write_text(body(outcome, args.forge, sections), encoding="utf-8")
    request = REQUEST[args.forge]
    done = f"Updated {outcome.old} -> {outcome.new} on branch {outcome.branch}"
    if outcome.conflicts:
        files = ", ".join(outcome.conflicts)
        say(
            f"{done}, with conflicts in {files}: open a DRAFT {request} with the body in "
            f"{body_path}."
        )
    else:
        say(f"{done}: open a {request} with the body in {body_path}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
