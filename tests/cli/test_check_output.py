"""`mlcrew check` as a person reads it: the note about the template's source comes before the result.

A note printed after "OK: current, compliant" reads like an afterthought about a result it actually
qualifies (the project was compared with the bundled template, not the recorded URL). The order is
checked end to end: in-process through the CLI, and through the installed console script with
stdout and stderr in one stream, as a terminal interleaves them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import mlcrew

NOTE = "is unreachable: using the bundled template"


def order(lines: list[str]) -> tuple[int, int, int]:
    """Line numbers of the note, the report's heading and its verdict."""
    note = next(i for i, line in enumerate(lines) if NOTE in line)
    heading = next(i for i, line in enumerate(lines) if line.startswith("mlcrew check: "))
    verdict = next(i for i, line in enumerate(lines) if line.startswith(("OK: ", "NOT OK: ")))
    return note, heading, verdict


@pytest.fixture
def fresh(offline: Path, tmp_path: Path) -> Path:
    """A project recording the canonical URL (unreachable here), so check falls back to the bundle."""
    dest = tmp_path / "product"
    assert mlcrew("new", dest, "--defaults") == 0
    return dest


def test_note_comes_before_the_result_through_the_cli(fresh: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert mlcrew("check", fresh) in (0, 1)
    captured = capsys.readouterr()
    note, heading, verdict = order(captured.out.splitlines())
    assert note < heading < verdict
    assert captured.err == ""


def test_note_comes_before_the_result_through_the_console_script(fresh: Path) -> None:
    script = Path(sys.executable).with_name("mlcrew")
    assert script.is_file(), "mlcrew is installed with its console script"
    together = subprocess.run(
        [script, "check", fresh], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=dict(os.environ)
    )
    note, heading, verdict = order(together.stdout.splitlines())
    assert note < heading < verdict, together.stdout
    apart = subprocess.run([script, "check", fresh], capture_output=True, text=True, env=dict(os.environ))
    assert apart.stderr == ""
    assert apart.stdout == together.stdout


def test_json_keeps_the_note_inside_the_document(fresh: Path) -> None:
    """For machines stdout is one JSON document: the note is a field, never a stray line around it."""
    script = Path(sys.executable).with_name("mlcrew")
    result = subprocess.run([script, "check", fresh, "--json"], capture_output=True, text=True, env=dict(os.environ))
    report = json.loads(result.stdout)
    assert any(NOTE in note for note in report["notes"])
    assert result.stderr == ""
