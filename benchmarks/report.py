"""How a run is described and printed: the machine, the tools, and the table (plain text or Markdown)."""

from __future__ import annotations

import os
import platform
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from measure import Figure

HEADER = ["figure", "median", "min", "max", "CPU", "peak memory", "target", ""]


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    cpu = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
    memory = re.search(r"^MemTotal:\s*(\d+) kB", meminfo, re.MULTILINE)
    return {
        "platform": platform.platform(),
        "cpu": cpu.group(1).strip() if cpu else platform.processor(),
        "cpus": os.cpu_count(),
        "memory_gib": round(int(memory.group(1)) / 1024**2, 1) if memory else None,
        "python": platform.python_version(),
    }


def summary(result: dict[str, Any]) -> str:
    """The line above the table: versions, machine, and how loaded it was during each group."""
    info = result["machine"]
    loads = ", ".join(f"{group} {low:.1f}–{high:.1f}" for group, (low, high) in result["load_average_1m"].items())
    return (
        f"mlcrew {result['versions']['mlcrew']}, copier {result['versions']['copier']}, "
        f"{result['versions']['uv']}; {info['cpus']} CPUs ({info['cpu']}), {info['memory_gib']} GiB, "
        f"Python {info['python']}; median of {result['runs']} runs after a warm-up; "
        f"1-minute load average at the start and end of each group: {loads}"
    )


def _seconds(figure: Figure, value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.2f}×" if figure.kind == "ratio" else f"{value:.2f} s"


def rows(figures: list[Figure]) -> Iterable[tuple[str, list[str]]]:
    """(group, cells) for each line of the table; the steps of a multi-step run follow it."""
    for f in figures:
        if f.kind in ("skipped", "failed"):
            yield f.group, [f.label, f.kind, "", "", "", "", "", f.note or ""]
            continue
        memory = "–" if f.peak_mib is None else f"{f.peak_mib:.2f}×" if f.kind == "ratio" else f"{f.peak_mib:.0f} MiB"
        status = "" if f.met is None else "met" if f.met else "NOT MET"
        times = [_seconds(f, value) for value in (f.median, f.min, f.max, f.cpu)]
        yield f.group, [f.label, *times, memory, f.target or "", status]
        for name, seconds in f.steps.items():
            yield f.group, [f"  of which {name}", f"{seconds:.2f} s", "", "", "", "", "", ""]


def table(figures: list[Figure]) -> str:
    lines = list(rows(figures))
    widths = [max(len(cells[i]) for cells in [HEADER, *(cells for _, cells in lines)]) for i in range(len(HEADER))]
    out, group = ["  ".join(h.ljust(w) for h, w in zip(HEADER, widths, strict=True)).rstrip()], ""
    for line_group, cells in lines:
        if line_group != group:
            group = line_group
            out.append(f"\n[{group}]")
        out.append("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip())
    return "\n".join(out)


def markdown(figures: list[Figure]) -> str:
    out, group = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)], ""
    for line_group, cells in rows(figures):
        if line_group != group:
            group = line_group
            out.append(f"| **{group}** |" + " |" * (len(HEADER) - 1))
        cells[0] = cells[0].replace("  of which", "&nbsp;&nbsp;of which")
        cells[-1] = "**not met**" if cells[-1] == "NOT MET" else cells[-1]
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out)
