"""A second release of the template, made the way a maintainer makes one, for the update tests.

`release_v2(repo)` commits and tags, on top of a template repo from `helpers.make_template_repo`
(tagged v0.1.0): an edit to two standard files (a line appended to `.gitignore` and to the README),
an added file using an added question with a default, a renamed file with its `before` migration
(`git mv`), and a CHANGELOG section that says the update needs `--trust`.

`renamed_in_v2(repo)` is a tiny template (not mlcrew's) whose v2.0.0 only renames a file and edits it,
for the tests of the renamed-file merge itself; `edited_project_at_v1` is a project of it at v1.0.0
with the team's line at the end of that file.
"""

from __future__ import annotations

from pathlib import Path

from helpers import commit_all, git, tiny_template

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
    commit_all(repo, f"Release {tag}", tag=tag)
    return repo


NOTES, MOVED = "notes.md", "guide.md"
"""The tiny template's renamed file, as (old, new)."""
_BODY = "line one\nline two\nline three\nline four\n"
NOTES_V1, GUIDE_V2 = "# tiny\n\n" + _BODY, "# tiny, v2\n\n" + _BODY
"""The renamed file as each release renders it (v2 edits the first line)."""
TEAM_LINE = "Our own line, at the end.\n"
MERGED = GUIDE_V2 + TEAM_LINE
"""guide.md after the update: v2's edit of the first line and the team's line at the end."""


def renamed_in_v2(repo: Path, *, team_owned: bool = False, exclude_old_path: bool = False) -> Path:
    """v1.0.0 ships notes.md; v2.0.0 renames it guide.md (a `git mv` migration) and edits its first line.

    `team_owned`: v2 also hands guide.md to the team (`_skip_if_exists`). `exclude_old_path`: v2 also
    excludes the old path, which copier applies to its render of v1 as well (that render lacks the file).
    """
    tiny_template(repo, "name:\n  type: str\n  default: tiny\n", {f"{NOTES}.jinja": "# {{ name }}\n\n" + _BODY})
    (repo / "template" / f"{NOTES}.jinja").rename(repo / "template" / f"{MOVED}.jinja")
    (repo / "template" / f"{MOVED}.jinja").write_text("# {{ name }}, v2\n\n" + _BODY)
    (repo / "copier.yml").write_text(
        (repo / "copier.yml").read_text()
        + (f"_skip_if_exists: [{MOVED}]\n" if team_owned else "")
        + (f"_exclude: [/{NOTES}]\n" if exclude_old_path else "")
        + "_migrations:\n"
        + "  - version: v2.0.0\n"
        + "    when: \"{{ _stage == 'before' }}\"\n"
        + f"    command: [git, mv, -k, {NOTES}, {MOVED}]\n"
    )
    commit_all(repo, "v2: notes.md is now guide.md", tag="v2.0.0")
    return repo


def edited_project_at_v1(template: Path, dest: Path) -> Path:
    """A project of `renamed_in_v2`'s template at v1.0.0, committed, then the team's line committed."""
    import copier  # only these tests need it here (benchmarks/run.py imports this module too)

    copier.run_copy(str(template), dest, defaults=True, quiet=True, vcs_ref="v1.0.0")
    commit_all(dest, "generated")
    (dest / NOTES).write_text((dest / NOTES).read_text() + TEAM_LINE)
    commit_all(dest, "our line")
    return dest
