"""The fleet's report, three ways: a terminal table, Markdown to publish, and JSON for dashboards.

Only formatting lives here (fleet.py gathers). The JSON is a contract: `schema` names its version,
every key is always present (null when a member could not be read), and docs/cli.md documents each.
Text from members (project names) is untrusted: in Markdown it is escaped so that it cannot add
links, HTML or table cells to a page the platform team publishes.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from mlcrew.fleet import Row
from mlcrew.versions import version_of

SCHEMA = "mlcrew-fleet/1"
COLUMNS = ("project", "release", "behind", "findings", "conflict markers", "update branch", "member")


def cells(row: Row) -> list[str]:
    """The row's values, in COLUMNS order."""
    if row.error is not None:
        return [row.project or "-", row.release or "-", "-", "-", "-", "-", row.member]
    behind = str(len(row.behind)) if row.behind or row.state != "untagged" else "untagged"
    return [
        row.project or "-",
        row.release or "-",
        behind,
        str(row.findings),
        str(row.conflict_markers),
        ", ".join(row.update_branches) or "-",
        row.member,
    ]


def verdict(row: Row) -> str:
    """One word a person scans for: ok, behind, drifted, conflicted, or the error."""
    if row.error is not None:
        return f"error: {row.error}"
    problems = []
    if row.behind:
        problems.append("behind")
    if row.findings:
        problems.append("drifted")
    if row.conflict_markers:
        problems.append("conflicted")
    return ", ".join(problems) or "ok"


def summary(rows: list[Row]) -> str:
    ok = sum(row.ok for row in rows)
    errors = sum(row.error is not None for row in rows)
    behind = sum(bool(row.behind) for row in rows)
    drifted = sum(row.error is None and not row.compliant for row in rows)
    waiting = sum(bool(row.update_branches) for row in rows)
    return (
        f"{len(rows)} project(s): {ok} current and compliant, {behind} behind, {drifted} drifted or conflicted, "
        f"{waiting} with an update branch open, {errors} unreadable."
    )


def table(rows: list[Row]) -> str:
    """The terminal table, one line per member, then the summary."""
    header = [column.upper() for column in COLUMNS] + ["STATUS"]
    lines = [[*cells(row), verdict(row)] for row in rows]
    widths = [max(len(line[i]) for line in [header, *lines]) for i in range(len(header) - 1)]
    out = []
    for line in [header, *lines]:
        out.append("  ".join(value.ljust(width) for value, width in zip(line, widths, strict=False)) + "  " + line[-1])
    out.append("")
    out.append(summary(rows))
    return "\n".join(text.rstrip() for text in out)


def escape(text: str) -> str:
    """Markdown-safe table cell text (no HTML, links, emphasis or extra cells from a member's name)."""
    text = text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")
    for char in "`*_[]":
        text = text.replace(char, f"\\{char}")
    return " ".join(text.split())


def by_release(rows: list[Row]) -> list[str]:
    """A line per release (newest first): how many projects are on it, and how many are in trouble."""
    read = [row for row in rows if row.error is None]
    counts = Counter(row.release or "unknown" for row in read)
    newest = {row.latest for row in read if row.latest}
    lines = []
    for release in sorted(counts, key=lambda name: (version_of(name) is not None, version_of(name) or 0), reverse=True):
        on = [row for row in read if (row.release or "unknown") == release]
        label = " (newest release)" if release in newest else ""
        troubled = sum(not row.compliant for row in on)
        waiting = sum(bool(row.update_branches) for row in on)
        details = [f"{troubled} drifted or conflicted"] if troubled else []
        details += [f"{waiting} with an update branch open"] if waiting else []
        extra = f" ({', '.join(details)})" if details else ""
        lines.append(f"- **{escape(release)}**{label}: {len(on)} project(s){extra}")
    errors = len(rows) - len(read)
    if errors:
        lines.append(f"- **unreadable**: {errors} project(s)")
    return lines


def markdown(rows: list[Row]) -> str:
    """The report a platform team publishes: a summary line per release, then the table."""
    newest = sorted({row.latest for row in rows if row.latest})
    out = ["# mlcrew fleet report", ""]
    if newest:
        out += [f"Newest release: {', '.join(f'**{escape(name)}**' for name in newest)}.", ""]
    out += [*by_release(rows), "", summary(rows), ""]
    out.append("| " + " | ".join([*COLUMNS, "status"]) + " |")
    out.append("|" + " --- |" * (len(COLUMNS) + 1))
    for row in rows:
        values = [*cells(row), verdict(row)]
        out.append("| " + " | ".join(escape(value) for value in values) + " |")
    return "\n".join(out)


def member_json(row: Row) -> dict[str, Any]:
    return {
        "member": row.member,
        "kind": row.kind,
        "ok": row.ok,
        "error": row.error,
        "project": row.project,
        "template": row.template,
        "release": row.release,
        "latest": row.latest,
        "state": row.state,
        "current": row.current if row.error is None else None,
        "compliant": row.compliant if row.error is None else None,
        "behind": row.behind,
        "findings": row.findings,
        "finding_kinds": row.finding_kinds,
        "conflict_markers": row.conflict_markers,
        "update_branches": row.update_branches,
    }


def to_json(rows: list[Row]) -> str:
    """The stable JSON report (docs/cli.md documents every key)."""
    read = [row for row in rows if row.error is None]
    report = {
        "schema": SCHEMA,
        "ok": bool(rows) and all(row.ok for row in rows),
        "summary": {
            "members": len(rows),
            "ok": sum(row.ok for row in rows),
            "behind": sum(bool(row.behind) for row in read),
            "not_compliant": sum(not row.compliant for row in read),
            "update_branches_open": sum(bool(row.update_branches) for row in read),
            "errors": len(rows) - len(read),
            "releases": dict(Counter(row.release or "unknown" for row in read)),
        },
        "members": [member_json(row) for row in rows],
    }
    return json.dumps(report, indent=2)
