"""What `mlcrew adopt` will do, decided before anything is written: filled in by adopt.py, printed by adopt_report.py.

Its own module so that the report and the command both import it, and neither imports the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlcrew import adopt_answers
from mlcrew.template import TemplateSource

Files = dict[str, tuple[bytes, int]]
"""A render: relative POSIX path -> (content, permission bits)."""


@dataclass(frozen=True)
class Difference:
    """A file the repository has and the standard has too: kept as it is, and how it differs."""

    path: str
    summary: str
    rails: tuple[str, ...] = ()
    """The standard's guard rails the team's version lacks (what `mlcrew check` will report)."""


@dataclass
class Plan:
    """What adopting will do, decided before anything is written (and all a dry run shows)."""

    root: Path
    src: TemplateSource
    answers_file: bytes
    """`.copier-answers.yml` exactly as copier wrote it for the render."""
    recorded: dict[str, Any]
    standard: Files
    given: dict[str, Any] = field(default_factory=dict)
    inferred: adopt_answers.Inferred = field(default_factory=adopt_answers.Inferred)
    added: list[str] = field(default_factory=list)
    same: list[str] = field(default_factory=list)
    differs: list[Difference] = field(default_factory=list)
    blocked: list[tuple[str, str]] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    """Added files the repository's .gitignore ignores: staged anyway, so updates can follow them."""
    untracked: list[str] = field(default_factory=list)
    """Kept files git does not track (ignored): the committed project lacks them."""
    own: int = 0
    """Tracked files of the repository that the standard does not have (never looked at again)."""
    notes: list[str] = field(default_factory=list)

    @property
    def version(self) -> str:
        return str(self.recorded.get("_commit") or "HEAD")
