"""A second release of the template, made the way a maintainer makes one, for the update tests.

`release_v2(repo)` commits and tags, on top of a template repo from `helpers.make_template_repo`
(tagged v0.1.0): an edit to two standard files (a line appended to `.gitignore` and to the README),
an added file using an added question with a default, a renamed file with its `before` migration
(`git mv`), and a CHANGELOG section that says the update needs `--trust`.
"""

from __future__ import annotations

from pathlib import Path

from helpers import git

V1, V2 = "v0.1.0", "v0.2.0"
GITIGNORE_LINE = "# v0.2.0: local scratch space\nscratch/\n"
README_LINE = "Template line added in v0.2.0.\n"
ADDED = "STANDARD.md"
QUESTION = "review_required"


TEAM_OWNED = "docs/adr/0001-use-mlcrew-template.md"
"""A file in `_skip_if_exists` that v2 also changes: the team's copy must win."""
TEAM_OWNED_LINE = "Template note added in v0.2.0.\n"
RENAMED = ("tests/conftest.py", "tests/fixtures_shared.py")
"""The file v2 renames, as (old, new) paths in a generated project."""


def _template_file(repo: Path, generated: str) -> Path:
    """The template file that renders `generated` (with or without the .jinja suffix)."""
    plain = repo / "template" / generated
    return plain if plain.exists() else plain.with_name(plain.name + ".jinja")


def release_v2(repo: Path, tag: str = V2) -> Path:
    """Commit the second release on top of `repo` and tag it `tag`."""
    gitignore = repo / "template" / ".gitignore"
    gitignore.write_text(gitignore.read_text() + GITIGNORE_LINE)
    readme = _template_file(repo, "README.md")
    readme.write_text(readme.read_text().rstrip("\n") + "\n" + README_LINE)
    owned = _template_file(repo, TEAM_OWNED)
    owned.write_text(owned.read_text() + TEAM_OWNED_LINE)
    (repo / "template" / f"{ADDED}.jinja").write_text(
        "# The standard\n\nChanges need an owner's review: {{ review_required }}\n"
    )
    old, new = RENAMED
    source = _template_file(repo, old)
    suffix = ".jinja" if source.suffix == ".jinja" else ""
    git(repo, "mv", str(source.relative_to(repo)), f"template/{new}{suffix}")
    copier_yml = repo / "copier.yml"
    text = copier_yml.read_text()
    assert "\n_migrations:" not in text, "the template has migrations now: merge them here instead of appending"
    copier_yml.write_text(
        text
        + f"""
{QUESTION}:
  type: bool
  help: Do changes to the standard's files need an owner's review?
  default: true

_migrations:
  - version: "{tag}"
    when: "{{{{ _stage == 'before' }}}}"
    command: [git, mv, -k, {old}, {new}]
"""
    )
    changelog = repo / "CHANGELOG.md"
    text = changelog.read_text()
    section = (
        f"## {tag.lstrip('v')} - 2026-02-01\n\n"
        f"- `{old}` is now `{new}`. **This update needs `--trust`**: a migration moves the file with\n"
        "  `git mv` so your edits follow it.\n"
        f"- New `{ADDED}` and a new question, `{QUESTION}` (default: yes).\n\n"
    )
    first = text.index("\n## ") + 1  # newest first
    changelog.write_text(text[:first] + section + text[first:])
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "-m", f"Release {tag}")
    git(repo, "tag", tag)
    return repo
