"""docs/ways-of-working.md keeps every section the team agreed on, and none of them is empty.

The onboarding session (`mlcrew onboard`) walks through these sections one by one, reading the
summary, the "In the repo" paths and the "Try" command of each: a section without them leaves a
hole in every new member's first day.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "ways-of-working.md"

REQUIRED_SECTIONS = [
    "Product context and the non-ML baseline",
    "Team and roles",
    "Cadence",
    "Notebooks to library",
    "Coding standards",
    "Version control, review and pairing",
    "Environments and promotion",
    "Data",
    "Experiments and the model registry",
    "Testing expectations",
    "Quality gates",
    "Logging and observability",
    "Monitoring, retraining, on-call, rollback and the kill switch",
    "Security and secrets",
    "Responsible AI",
    "Audit",
    "Definition of done",
    "How this document changes",
]


def sections(text: str) -> dict[str, str]:
    """Level-two headings mapped to the text under them (up to the next level-two heading)."""
    parts = re.split(r"^## +(.+?)\s*$", text, flags=re.MULTILINE)
    return {title.strip(): body for title, body in zip(parts[1::2], parts[2::2], strict=True)}


@pytest.fixture(scope="module")
def found() -> dict[str, str]:
    return sections(DOC.read_text(encoding="utf-8"))


@pytest.mark.parametrize("title", REQUIRED_SECTIONS)
def test_section_is_present_and_filled(found: dict[str, str], title: str) -> None:
    assert title in found, f"docs/ways-of-working.md has no '## {title}' section"
    body = found[title]
    lines = [line for line in body.splitlines() if line.strip()]
    assert lines, f"'## {title}' in docs/ways-of-working.md is empty"
    summary = lines[0]
    assert not summary.startswith(("**In the repo:**", "|", "-", "!!!")), (
        f"'## {title}' must open with a one-paragraph summary"
    )
    assert re.search(r"^\*\*In the repo:\*\* .+ · \*\*Try:\*\* `[^`]+`", body, re.MULTILINE), (
        f"'## {title}' needs a line '**In the repo:** <paths> · **Try:** `<command>`'"
    )
    assert len(" ".join(lines)) > 200, f"'## {title}' is too thin to guide anyone"
