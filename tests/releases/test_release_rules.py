"""Release rules of the standard, checked over the git history of a template repo.

1. A release that renames or moves a generated file (a rename under `template/` between two release
   tags) ships a `before` migration running `git mv OLD NEW`, with the release's `version`, so a
   team's edits follow the file instead of being silently dropped by `copier update`.
2. A release that has migrations says in its CHANGELOG section that the update needs `--trust`.

The rules run on mlcrew's own history (which grows with every tag), and on synthetic repos proving
that the check fails when a rename lacks its migration.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import git, make_template_repo, released_clone
from releases import release_v2

from mlcrew.versions import changelog_sections, is_release, version_of


def release_tags(repo: Path) -> list[str]:
    """Release tags (PEP 440, no pre-releases), oldest first."""
    tags = [tag for tag in git(repo, "tag", "--list").split() if is_release(tag)]
    return sorted(tags, key=version_of)


def generated_path(template_path: str) -> str:
    """Where a file under template/ lands in a project, with Jinja normalised for comparison.

    `{% if ... %}` guards (conditional files) are dropped and `{{ name }}` spacing is normalised, so a
    migration may spell the package directory either way.
    """
    path = template_path.removeprefix("template/").removesuffix(".jinja")
    path = re.sub(r"\{%.*?%\}", "", path)
    return normalise(path)


def normalise(text: str) -> str:
    return re.sub(r"\{\{\s*(.*?)\s*\}\}", r"{{\1}}", text)


def renames(repo: Path, old: str, new: str) -> list[tuple[str, str]]:
    """(old, new) template paths renamed between two refs."""
    output = git(repo, "diff", "--name-status", "-M", "--diff-filter=R", old, new, "--", "template/")
    return [(line.split("\t")[1], line.split("\t")[2]) for line in output.splitlines() if line.startswith("R")]


def migrations(repo: Path, ref: str) -> list[dict[str, Any]]:
    text = git(repo, "show", f"{ref}:copier.yml")
    return [entry for entry in (yaml.safe_load(text) or {}).get("_migrations") or [] if isinstance(entry, dict)]


def moves(entry: dict[str, Any]) -> tuple[str, str] | None:
    """(old, new) of a `git mv [-k] OLD NEW` migration command, or None."""
    command = entry.get("command", "")
    words = command.split() if isinstance(command, str) else [str(word) for word in command]
    words = [normalise(word) for word in words if not word.startswith("-")]
    return (words[2], words[3]) if words[:2] == ["git", "mv"] and len(words) == 4 else None


def in_window(entry: dict[str, Any], low: Any, high: Any) -> bool:
    """Copier's rule: a migration runs when old < version <= new (always, without a version)."""
    version = version_of(str(entry["version"])) if "version" in entry else None
    return version is None or low < version <= high


def violations(repo: Path) -> list[str]:
    """Every breach of the release rules in `repo`'s history (empty: the rules hold)."""
    found = []
    tags = release_tags(repo)
    for previous, tag in itertools.pairwise(tags):
        low, high = version_of(previous), version_of(tag)
        window = [entry for entry in migrations(repo, tag) if in_window(entry, low, high)]
        before = {moves(entry) for entry in window if "before" in str(entry.get("when", ""))}
        for old, new in renames(repo, previous, tag):
            if (generated_path(old), generated_path(new)) not in before:
                found.append(f"{tag}: {old} -> {new} has no before migration `git mv {generated_path(old)} ...`")
        if window:
            changelog = git(repo, "show", f"{tag}:CHANGELOG.md")
            if not any("--trust" in section for section in changelog_sections(changelog, previous, tag)):
                found.append(f"{tag}: has migrations but its CHANGELOG section does not say the update needs --trust")
    return found


def test_mlcrew_history_follows_the_release_rules(tmp_path: Path) -> None:
    """Grows with the releases (derived from CHANGELOG.md's history, as the wheel tags them)."""
    repo = released_clone(tmp_path / "mlcrew")
    assert release_tags(repo), "mlcrew's history has no release"
    assert violations(repo) == []


def test_the_test_release_follows_the_rules(tmp_path: Path) -> None:
    repo = release_v2(make_template_repo(tmp_path / "template"))
    assert len(renames(repo, "v0.1.0", "v0.2.0")) == 1
    assert violations(repo) == []


def _synthetic(tmp_path: Path, migration: str, changelog: str = "needs --trust") -> Path:
    repo = tmp_path / "synthetic"
    (repo / "template" / "src" / "{{ package_name }}").mkdir(parents=True)
    (repo / "template" / "src" / "{{ package_name }}" / "old.py.jinja").write_text("X = 1\n")
    (repo / "copier.yml").write_text("_subdirectory: template\npackage_name: pkg\n")
    (repo / "CHANGELOG.md").write_text("# Changelog\n\n## 1.0.0\n\n- first\n")
    git(repo, "init", "--quiet")
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "-m", "v1")
    git(repo, "tag", "v1.0.0")
    git(repo, "mv", "template/src/{{ package_name }}/old.py.jinja", "template/src/{{ package_name }}/new.py.jinja")
    (repo / "copier.yml").write_text((repo / "copier.yml").read_text() + migration)
    (repo / "CHANGELOG.md").write_text(f"# Changelog\n\n## 2.0.0\n\n- {changelog}\n\n## 1.0.0\n\n- first\n")
    git(repo, "commit", "--quiet", "-am", "v2")
    git(repo, "tag", "v2.0.0")
    return repo


GOOD = """_migrations:
  - version: v2.0.0
    when: "{{ _stage == 'before' }}"
    command: [git, mv, -k, "src/{{package_name}}/old.py", "src/{{ package_name }}/new.py"]
"""


@pytest.mark.parametrize(
    ("migration", "changelog", "problem"),
    [
        ("", "needs --trust", "has no before migration `git mv src/{{package_name}}/old.py ...`"),
        (GOOD.replace("_stage == 'before'", "_stage == 'after'"), "needs --trust", "has no before migration"),
        (GOOD.replace("version: v2.0.0", "version: v1.0.0"), "needs --trust", "has no before migration"),
        (GOOD.replace("new.py", "other.py"), "needs --trust", "has no before migration"),
        (GOOD, "renamed old.py", "does not say the update needs --trust"),
    ],
    ids=["no-migration", "after-stage", "outside-window", "wrong-target", "changelog-silent"],
)
def test_a_rename_without_its_migration_fails_the_rule(
    tmp_path: Path, migration: str, changelog: str, problem: str
) -> None:
    [violation] = violations(_synthetic(tmp_path, migration, changelog))
    assert violation.startswith("v2.0.0: ")
    assert problem in violation


def test_a_rename_with_its_migration_passes(tmp_path: Path) -> None:
    assert violations(_synthetic(tmp_path, GOOD)) == []
