"""The benchmark script runs and writes the JSON the docs and the lead rely on (no timing is asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from helpers import ROOT


def test_startup_benchmark_writes_figures_as_json(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--only", "startup", "--runs", "1", "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "mlcrew --version" in result.stdout  # the table
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["schema"] == "mlcrew-bench/1"
    assert report["runs"] == 1
    assert report["groups"] == ["startup"]
    assert report["machine"]["cpus"] >= 1
    assert set(report["versions"]) >= {"mlcrew", "copier", "git", "uv"}
    figures = {figure["id"]: figure for figure in report["figures"]}
    assert set(figures) == {
        "startup.mlcrew_version",
        "startup.mlcrew_help",
        "startup.copier_version",
        "startup.ratio_version",
        "startup.ratio_help",
    }
    for figure in figures.values():
        assert figure["group"] == "startup"
        assert figure["kind"] in {"time", "ratio"}, figure
        assert figure["min"] <= figure["median"] <= figure["max"]
        assert len(figure["samples"]) == 1
    assert figures["startup.mlcrew_version"]["unit"] == "s"
    assert figures["startup.mlcrew_version"]["target"] == "≤ 0.25 s"
    assert isinstance(figures["startup.mlcrew_version"]["met"], bool)
    assert figures["startup.ratio_version"]["unit"] == "x"


def test_unknown_group_is_a_one_line_error(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--only", "nope", "--json", str(tmp_path / "x.json")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "unknown group(s) nope" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "x.json").exists()
