"""Releases are facts of main's history: derived from CHANGELOG.md, tagged in the bundle, tied to the version.

A release `X.Y.Z` is the first commit on the first-parent history where CHANGELOG.md gains the dated
heading `## X.Y.Z - YYYY-MM-DD`. These tests build histories the way maintainers make them (plain
commits, a merged release branch, a shallow clone) and check what the bundle ships.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import tomllib
from helpers import ROOT, git, released_clone, run

from mlcrew import __version__
from mlcrew.template import build_bundle
from mlcrew.versions import dated_releases, release_history


def commit(repo: Path, changelog: str, message: str, extra: str | None = None) -> str:
    (repo / "CHANGELOG.md").write_text(changelog)
    if extra is not None:
        (repo / "template.txt").write_text(extra)
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


@pytest.fixture
def history(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """unreleased work -> 0.1.0 -> more work -> 0.2.0 -> a typo fixed in the 0.1.0 section."""
    repo = tmp_path / "tpl"
    repo.mkdir()
    git(repo, "init", "--quiet", "--initial-branch=main")
    commits = {
        "start": commit(repo, "# Changelog\n\n## Unreleased\n\n- first\n", "start", "a"),
        "0.1.0": commit(repo, "# Changelog\n\n## 0.1.0 - 2026-01-05\n\n- first\n", "Release 0.1.0"),
        "work": commit(
            repo, "# Changelog\n\n## Unreleased\n\n- second\n\n## 0.1.0 - 2026-01-05\n\n- first\n", "w", "b"
        ),
        "0.2.0": commit(
            repo, "# Changelog\n\n## 0.2.0 - 2026-02-01\n\n- second\n\n## 0.1.0 - 2026-01-05\n\n- first\n", "Release"
        ),
    }
    commits["typo"] = commit(
        repo, "# Changelog\n\n## 0.2.0 - 2026-02-01\n\n- second\n\n## 0.1.0 - 2026-01-05\n\n- the first\n", "typo"
    )
    return repo, commits


def test_a_release_is_the_commit_that_dates_its_heading(history: tuple[Path, dict[str, str]]) -> None:
    repo, commits = history
    found = release_history(repo)
    assert [(release.tag, release.commit) for release in found.releases] == [
        ("v0.1.0", commits["0.1.0"]),
        ("v0.2.0", commits["0.2.0"]),
    ]
    assert found.unplaced == []


def test_a_release_merged_from_a_branch_is_the_merge_commit(history: tuple[Path, dict[str, str]]) -> None:
    repo, _ = history
    git(repo, "switch", "--quiet", "-c", "release-0.3.0")
    text = (
        (repo / "CHANGELOG.md")
        .read_text()
        .replace("# Changelog\n", "# Changelog\n\n## 0.3.0 - 2026-03-01\n\n- third\n")
    )
    branch_commit = commit(repo, text, "Release 0.3.0 on a branch")
    git(repo, "switch", "--quiet", "main")
    git(repo, "merge", "--quiet", "--no-ff", "-m", "Merge release 0.3.0", "release-0.3.0")
    merge = git(repo, "rev-parse", "HEAD").strip()
    [*_, newest] = release_history(repo).releases
    assert (newest.tag, newest.commit) == ("v0.3.0", merge)
    assert newest.commit != branch_commit


def test_a_shallow_clone_never_tags_a_release_at_the_wrong_commit(
    history: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    repo, commits = history
    shallow = tmp_path / "shallow"
    run(["git", "clone", "--quiet", "--depth", "3", f"file://{repo}", shallow], tmp_path)
    found = release_history(shallow)
    assert [(release.tag, release.commit) for release in found.releases] == [("v0.2.0", commits["0.2.0"])]
    assert found.unplaced == ["0.1.0"]


def test_the_bundle_tags_every_release_and_leaves_the_repository_alone(
    history: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    repo, commits = history
    refs_before = git(repo, "show-ref")
    bundle = build_bundle(repo, tmp_path / "out" / "template.bundle")
    assert git(repo, "show-ref") == refs_before  # no tag was created in the maintainer's clone
    heads = git(tmp_path, "bundle", "list-heads", str(bundle))
    assert f"{commits['0.1.0']} refs/tags/v0.1.0" in heads
    assert f"{commits['0.2.0']} refs/tags/v0.2.0" in heads
    assert f"{commits['typo']} refs/heads/main" in heads


def test_undated_and_unreleased_headings_are_not_releases() -> None:
    text = "## Unreleased\n\n## 0.3.0\n\n## [0.2.0] - 2026-02-01\n\n## 0.1.0 – 2026-01-05\n\n## 1.0 - 2026-01-01\n"
    assert dated_releases(text) == ["0.2.0", "0.1.0"]


def test_package_version_newest_changelog_release_and_bundle_tag_agree(tmp_path: Path) -> None:
    """What a wheel built from this checkout ships: its newest release is the package's version."""
    changelog = dated_releases((ROOT / "CHANGELOG.md").read_text())
    assert changelog, "CHANGELOG.md has no dated release"
    newest = changelog[0]
    assert __version__ == newest == tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    clone = released_clone(tmp_path / "mlcrew")
    tags = git(clone, "tag", "--list", "--sort=-v:refname").split()
    assert tags[0] == f"v{__version__}"
    assert set(tags) == {f"v{version}" for version in changelog}
