"""The one parse of a template's `copier.yml`: its questions, its team-owned files and its migrations.

Copier itself asks, defaults and validates the questions; mlcrew only needs to know their names and
types (to refuse an unknown `--data KEY` or `regulated=maybe` before anything is written), which
files the team owns after generation (`_skip_if_exists`), and which migrations an update runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

import yaml

from mlcrew import yamlio
from mlcrew.errors import MlcrewError
from mlcrew.versions import version_of


@dataclass(frozen=True)
class Question:
    """One question of copier.yml (keys starting with `_` are settings, not questions)."""

    name: str
    type: str = "str"
    choices: tuple[Any, ...] = ()
    """The allowed values (not their labels), in the template's order."""
    computed: bool = False
    """`when: false`: a value the template computes, never asked and never stored."""
    secret: bool = False
    default: Any = None
    """The default as written in copier.yml (possibly a Jinja expression)."""


@dataclass(frozen=True)
class Migration:
    """One `_migrations` entry."""

    command: tuple[str, ...] | str
    version: str | None = None
    when: str = ""

    @property
    def text(self) -> str:
        """The command as a person reads it."""
        return self.command if isinstance(self.command, str) else " ".join(self.command)

    @property
    def before(self) -> bool:
        """Runs before the update renders (copier's `_stage == 'before'`)."""
        return "before" in self.when

    @property
    def move(self) -> tuple[str, str] | None:
        """(old, new) for a `git mv [-k] OLD NEW` migration, the only kind this template uses.

        mlcrew reads and writes both paths in the project (update.py merges the renamed file), so a
        path that could leave it (absolute, `..`, a backslash) or that git reads as pathspec magic
        (`:`) makes the migration no rename of mlcrew's: copier still runs it, mlcrew merges nothing.
        """
        words = self.command.split() if isinstance(self.command, str) else list(self.command)
        words = [word for word in words if not word.startswith("-")]
        if words[:2] != ["git", "mv"] or len(words) != 4 or not all(map(_inside_project, words[2:])):
            return None
        return words[2], words[3]


def _inside_project(path: str) -> bool:
    """A relative POSIX path that stays inside the folder it is relative to."""
    parts = PurePosixPath(path).parts
    return bool(parts) and not path.startswith(("/", ":")) and "\\" not in path and ".." not in parts


@dataclass(frozen=True)
class TemplateConfig:
    """What mlcrew reads from copier.yml."""

    questions: dict[str, Question] = field(default_factory=dict)
    skip_if_exists: tuple[str, ...] = ()
    migrations: tuple[Migration, ...] = ()
    unsafe_settings: tuple[str, ...] = ()
    """`_tasks` / `_jinja_extensions` when present: they need --trust (mlcrew's template has neither)."""

    @classmethod
    def parse(cls, text: str | None, where: str = "copier.yml") -> TemplateConfig:
        """Parse copier.yml text; a file that is not a YAML mapping is a one-line error."""
        try:
            config = yamlio.safe_load(text or "") or {}
        except yaml.YAMLError:
            raise MlcrewError(f"the template's {where} is not valid YAML", where=where) from None
        if not isinstance(config, dict):
            raise MlcrewError(f"the template's {where} is not a mapping of questions and settings", where=where)
        questions = {}
        for name, spec in config.items():
            if str(name).startswith("_"):
                continue
            spec = spec if isinstance(spec, dict) else {"default": spec}
            choices = spec.get("choices") or ()
            values = tuple(choices.values()) if isinstance(choices, dict) else tuple(choices)
            kind = spec.get("type") or ("bool" if isinstance(spec.get("default"), bool) else "str")
            questions[str(name)] = Question(
                str(name),
                str(kind),
                values,
                computed=spec.get("when") is False,
                secret=bool(spec.get("secret")),
                default=spec.get("default"),
            )
        skip = config.get("_skip_if_exists") or ()
        migrations = tuple(
            Migration(
                command=entry["command"] if isinstance(entry["command"], str) else tuple(map(str, entry["command"])),
                version=str(entry["version"]) if entry.get("version") is not None else None,
                when=str(entry.get("when", "")),
            )
            for entry in config.get("_migrations") or ()
            if isinstance(entry, dict) and entry.get("command")
        )
        unsafe = tuple(setting for setting in ("_tasks", "_jinja_extensions") if config.get(setting))
        return cls(
            questions=questions,
            skip_if_exists=(skip,) if isinstance(skip, str) else tuple(map(str, skip)),
            migrations=migrations,
            unsafe_settings=unsafe,
        )

    @property
    def asked(self) -> dict[str, Question]:
        """The questions copier asks and records (computed values excluded)."""
        return {name: question for name, question in self.questions.items() if not question.computed}

    def migrations_between(self, old: str, new: str) -> list[Migration]:
        """The migrations copier runs updating from version `old` to `new`: old < version <= new."""
        low, high = version_of(old), version_of(new)
        chosen = []
        for migration in self.migrations:
            if migration.version is not None:
                version = version_of(migration.version)
                if low is None or high is None or version is None or not low < version <= high:
                    continue
            chosen.append(migration)
        return chosen

    def team_owned(self) -> Callable[[str], bool]:
        """Whether a project path is in `_skip_if_exists` (gitignore-style, as copier matches it)."""
        return matcher(self.skip_if_exists)


def matcher(patterns: tuple[str, ...] | list[str]) -> Callable[[str], bool]:
    """gitignore-style matching of relative POSIX paths, as copier matches `_skip_if_exists`."""
    import pathspec

    spec: Any
    try:
        spec = pathspec.PathSpec.from_lines("gitignore", patterns)
    except (KeyError, LookupError):  # pathspec < 0.12 names the style "gitwildmatch"
        spec = pathspec.PathSpec.from_lines("gitwildmatch", patterns)
    return lambda path: bool(spec.match_file(path))
