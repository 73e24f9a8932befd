"""What `mlcrew update` will do, decided before anything is written: made by update.py, printed by update_report.py.

Its own module so that the report and the command both import it, and neither imports the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mlcrew.copier_yml import TemplateConfig
from mlcrew.project import Project
from mlcrew.template import TemplateSource


@dataclass(frozen=True)
class Plan:
    """Everything decided before anything is written."""

    project: Project
    src: TemplateSource
    target: str
    """The ref copier updates to (a tag, or what --vcs-ref named)."""
    target_version: str
    """How `_commit` will record it (`git describe --tags --always`)."""
    changelog: list[str]
    config: TemplateConfig
    """copier.yml of the target version."""
    unsafe: list[str] = field(default_factory=list)
    """Why this update needs --trust (migration commands, tasks), empty when it does not."""
    moves: list[tuple[str, str]] = field(default_factory=list)
    """(old, new) paths of the template's `git mv` migrations in this update's window."""
    only_moves: bool = True
    """Every unsafe feature is a `git mv` of a renamed file (safe to rehearse in a scratch clone)."""
    new_questions: list[str] = field(default_factory=list)
    """Questions the target asks that the project has no answer for yet."""

    @property
    def merged_moves(self) -> list[tuple[str, str]]:
        """The moves mlcrew merges three ways: all but a file the team owns at its new path
        (`_skip_if_exists`), which follows the rename and keeps its text, as copier leaves it."""
        team_owned = self.config.team_owned()
        return [(old, new) for old, new in self.moves if not team_owned(new)]
