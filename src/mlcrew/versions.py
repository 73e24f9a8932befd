"""Versions of the standard: PEP 440 as copier reads them, releases derived from history, the changelog.

A release is a fact of mlcrew's `main` branch, not of its tags (tags do not travel with a branch, and
tagless clones and mirrors drop them): **the release `X.Y.Z` is the first commit on the first-parent
history where CHANGELOG.md has a dated heading `## X.Y.Z - YYYY-MM-DD`**. The wheel's build hook tags
every such commit `vX.Y.Z` in the bundled template, and mlcrew's CI pushes the same tags, so copier,
Renovate and `copier check-update` see the same versions from the wheel and from the git host.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mlcrew import git

if TYPE_CHECKING:
    from packaging.version import Version

CHANGELOG = "CHANGELOG.md"

_HASH = re.compile(r"^[0-9a-f]{7,40}$")
_DESCRIBE = re.compile(r"^(?P<base>.+?)-(?P<distance>\d+)-g(?P<sha>[0-9a-f]+)$")
_HEADING = re.compile(r"^##\s+\[?v?(?P<version>\d+(?:\.\d+)*[0-9A-Za-z.+-]*)")
_DATED = re.compile(
    r"^##\s+\[?v?(?P<version>\d+\.\d+\.\d+(?:(?:a|b|rc)\d+)?)\]?\s+[-–—]\s+(?P<date>\d{4}-\d{2}-\d{2})\s*$"
)


def version_of(ref: str) -> Version | None:
    """The PEP 440 version of a tag or of copier's `_commit`, as copier computes it; None if it has none.

    Copier records `git describe --tags --always`: `v0.2.0` on a release, `v0.2.0-3-gabc1234` three
    commits after it (copier's PEP 440 form: `0.2.0.post3.dev0+gabc1234`), a bare hash when the
    template had no tag at all (no version: copier cannot compare it).
    """
    from packaging.version import InvalidVersion, Version

    text = ref.strip()
    if _HASH.match(text):  # an abbreviated commit hash, even one of digits only ("1234567"), is no version
        return None
    match = _DESCRIBE.match(text)
    if match:
        text = f"{match['base']}.post{match['distance']}.dev0+g{match['sha']}"
    try:
        return Version(text)
    except InvalidVersion:
        return None


def is_release(ref: str) -> bool:
    """A tag naming a final release (`v1.2.0`), not a pre-release nor a commit after a tag."""
    version = version_of(ref)
    return version is not None and not (version.is_prerelease or version.is_postrelease or version.local)


def latest_release(tags: list[str]) -> str | None:
    """The newest release tag (PEP 440 order, no pre-releases): what copier updates to by default."""
    releases = [(version, tag) for tag in tags if is_release(tag) and (version := version_of(tag)) is not None]
    return max(releases)[1] if releases else None


def releases_after(tags: list[str], old: str, new: str | None = None) -> list[str]:
    """Release tags newer than version `old`, up to and including `new` (None: no limit), oldest first."""
    low = version_of(old)
    high = version_of(new) if new else None
    found = []
    for tag in tags:
        version = version_of(tag)
        if version is None or not is_release(tag):
            continue
        if (low is None or version > low) and (high is None or version <= high):
            found.append((version, tag))
    return [tag for _, tag in sorted(found)]


def changelog_sections(changelog: str, old: str, new: str | None) -> list[str]:
    """The `## <version>` sections of CHANGELOG.md after version `old`, up to `new` (None: no limit).

    An `## Unreleased` section is included too when the target is not a release.
    """
    low = version_of(old)
    high = version_of(new) if new else None
    target_is_release = new is not None and is_release(new)
    sections: list[list[str]] = []
    keep = False
    for line in changelog.splitlines():
        if line.startswith("# "):
            keep = False
        elif line.startswith("## "):
            match = _HEADING.match(line)
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


def dated_releases(changelog: str) -> list[str]:
    """The versions CHANGELOG.md calls released (a dated `## X.Y.Z - YYYY-MM-DD` heading), in file order."""
    return [match["version"] for line in changelog.splitlines() if (match := _DATED.match(line.strip()))]


@dataclass(frozen=True)
class Release:
    """A release of the standard: its version, its tag and the commit that is the release."""

    version: str
    commit: str

    @property
    def tag(self) -> str:
        return f"v{self.version}"


@dataclass(frozen=True)
class History:
    """The releases found in a repository's history, and the ones it could not place."""

    releases: list[Release]
    unplaced: list[str]
    """Dated releases whose commit lies beyond a shallow clone's boundary (never tagged wrongly)."""


def release_history(repo: Path) -> History:
    """Every release in `repo`'s first-parent history of HEAD, oldest first (one `git log`).

    Reads the diffs of CHANGELOG.md: a release is the first commit that *adds* its dated heading. In a
    shallow clone the oldest visible commit seems to add the whole file, so headings it "adds" are
    reported as unplaced rather than tagged at the wrong commit.
    """
    shallow = git.output("rev-parse", "--is-shallow-repository", cwd=repo).strip() == "true"
    boundary = set()
    if shallow:
        boundary = set(git.output("rev-list", "--max-parents=0", "HEAD", cwd=repo).split())
        grafts = Path(git.output("rev-parse", "--git-path", "shallow", cwd=repo).strip())
        grafts = grafts if grafts.is_absolute() else repo / grafts
        if grafts.is_file():
            boundary |= set(grafts.read_text().split())
    log = git.output(
        "log",
        "--first-parent",
        "--diff-merges=first-parent",
        "--reverse",
        "-p",
        "-U0",
        "--format=%x00%H",
        "--",
        CHANGELOG,
        cwd=repo,
    )
    placed: dict[str, str] = {}
    unplaced: list[str] = []
    for chunk in log.split("\0")[1:]:
        commit, _, diff = chunk.partition("\n")
        added = "\n".join(line[1:] for line in diff.splitlines() if line.startswith("+") and not line.startswith("+++"))
        for version in dated_releases(added):
            if version in placed or version in unplaced:
                continue
            if commit.strip() in boundary:
                unplaced.append(version)
            else:
                placed[version] = commit.strip()
    releases = sorted((Release(version, commit) for version, commit in placed.items()), key=_release_order)
    return History(releases, unplaced)


def _release_order(release: Release) -> Version:
    from packaging.version import Version

    return version_of(release.version) or Version("0")


def main(argv: list[str] | None = None) -> int:
    """`python -m mlcrew.versions [REPO]`: print `vX.Y.Z <commit>` for every release in REPO's history.

    For maintainers and mlcrew's own CI, which pushes these tags to the git host (docs/releasing.md).
    """
    import sys

    args = sys.argv[1:] if argv is None else argv
    history = release_history(Path(args[0]) if args else Path.cwd())
    for release in history.releases:
        print(f"{release.tag} {release.commit}")
    for version in history.unplaced:
        print(f"v{version} unplaced: beyond this shallow clone's history (git fetch --unshallow)", file=sys.stderr)
    return 1 if history.unplaced else 0


if __name__ == "__main__":
    raise SystemExit(main())
