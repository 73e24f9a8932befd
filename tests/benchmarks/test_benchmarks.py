"""The benchmark measures what it says (time, CPU and peak memory of a whole process tree, a server until
it answers), reports absent anchors instead of failing, and writes the JSON the docs rely on.

No timing of mlcrew itself is asserted here: speed is measured by benchmarks/run.py, not by tests.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from helpers import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))

from anchors import ANCHORS
from measure import BenchError, Cmd, answers_http, execute
from run import Bench

RUN = [sys.executable, str(ROOT / "benchmarks" / "run.py")]

GRANDCHILD = textwrap.dedent(
    """
    import subprocess, sys, time
    # The parent stays small; its child holds 200 MiB for a moment: the tree's peak is the child's.
    child = "import time; block = bytearray(200 * 1024 * 1024); block[::4096] = bytes(51200); time.sleep(0.3)"
    subprocess.run([sys.executable, "-c", child], check=True)
    print("done")
    """
)

SERVER = textwrap.dedent(
    """
    import http.server, sys, time
    time.sleep(0.4)  # a slow start, as an application importing its libraries
    class Health(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200 if self.path == "/health" else 404)
            self.end_headers()
        def log_message(self, *args):
            pass
    http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Health).serve_forever()
    """
)


def test_execute_measures_the_whole_process_tree(tmp_path: Path) -> None:
    usage = execute(Cmd([sys.executable, "-c", GRANDCHILD], tmp_path), {})
    assert usage.peak_mib >= 200  # the grandchild's memory, not just the direct child's
    assert usage.wall >= 0.3
    assert usage.cpu < usage.wall  # mostly asleep: CPU time is the tree's work, not the wall clock


def test_a_failing_command_says_why(tmp_path: Path) -> None:
    script = "import sys; print('first line'); print('the reason', file=sys.stderr); sys.exit(3)"
    with pytest.raises(BenchError, match=r"exited 3: the reason"):
        execute(Cmd([sys.executable, "-c", script], tmp_path, name="failing"), {})
    assert execute(Cmd([sys.executable, "-c", script], tmp_path, ok=(0, 3)), {}).wall > 0


def test_a_server_is_timed_until_it_answers_then_stopped(tmp_path: Path) -> None:
    from run import free_port

    port = free_port()
    ready = answers_http(f"http://127.0.0.1:{port}/health")
    usage = execute(Cmd([sys.executable, "-c", SERVER, str(port)], tmp_path, ready=ready), {})
    assert 0.4 <= usage.wall < 30
    assert not ready()  # stopped: nothing answers any more


def test_absent_anchors_are_skipped_with_the_reason(tmp_path: Path) -> None:
    bench = Bench(tmp_path, 1, None)
    assert bench.anchors("create", "create") == []
    assert {figure.kind for figure in bench.figures} == {"skipped"}
    assert all("--anchors DIR" in (figure.note or "") for figure in bench.figures)

    bench = Bench(tmp_path, 1, tmp_path / "anchors")
    (tmp_path / "anchors" / ANCHORS[0].checkout).mkdir(parents=True)
    present = bench.anchors("green", "time to green")
    notes = {figure.id: figure.note or "" for figure in bench.figures}
    assert len(notes) + len(present) == len(ANCHORS)
    for anchor in ANCHORS[1:]:
        assert f"absent: no {tmp_path / 'anchors' / anchor.checkout}" in notes[f"green.{anchor.id}"]


def test_startup_benchmark_writes_figures_as_json_and_shows_them_again(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    result = subprocess.run(
        [*RUN, "--only", "startup", "--runs", "1", "--json", str(out)], capture_output=True, text=True, timeout=180
    )
    assert result.returncode == 0, result.stderr
    assert "mlcrew --version" in result.stdout  # the table
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["schema"] == "mlcrew-bench/2"
    assert (report["runs"], report["groups"]) == (1, ["startup"])
    assert report["machine"]["cpus"] >= 1
    assert set(report["load_average_1m"]) == {"startup"}
    assert set(report["versions"]) >= {"mlcrew", "copier", "git", "uv"}
    figures = {figure["id"]: figure for figure in report["figures"]}
    assert set(figures) == {
        "startup.mlcrew_version",
        "startup.mlcrew_help",
        "startup.copier_version",
        "startup.mlcrew_version/copier_version",
        "startup.mlcrew_help/copier_version",
    }
    version, ratio = figures["startup.mlcrew_version"], figures["startup.mlcrew_version/copier_version"]
    assert version["kind"] == "time"
    assert version["target"] == "≤ 0.25 s"
    assert isinstance(version["met"], bool)
    assert version["min"] <= version["median"] <= version["max"]
    assert version["cpu"] > 0
    assert version["peak_mib"] > 5  # a Python process: megabytes, not bytes or kilobytes
    assert ratio["kind"] == "ratio"
    assert ratio["median"] == pytest.approx(version["median"] / figures["startup.copier_version"]["median"])
    assert ratio["target"] == "≤ 0.33×"

    shown = subprocess.run([*RUN, "--show", str(out), "--markdown"], capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0, shown.stderr
    assert "| **startup** |" in shown.stdout
    assert "| mlcrew --version / copier --version |" in shown.stdout
    assert "MiB" in shown.stdout


def test_unknown_group_is_a_one_line_error(tmp_path: Path) -> None:
    result = subprocess.run(
        [*RUN, "--only", "nope", "--json", str(tmp_path / "x.json")], capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "unknown group(s) nope" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "x.json").exists()


def test_an_empty_value_removes_a_variable(tmp_path: Path) -> None:
    """Generated projects run without the tools' bytecode prefix, so no round reuses another's bytecode."""
    script = "import os, sys; sys.exit(7 if 'PYTHONPYCACHEPREFIX' in os.environ else 0)"
    base = {"PYTHONPYCACHEPREFIX": str(tmp_path)}
    with pytest.raises(BenchError, match="exited 7"):
        execute(Cmd([sys.executable, "-c", script], tmp_path), base)
    execute(Cmd([sys.executable, "-c", script], tmp_path, {"PYTHONPYCACHEPREFIX": ""}), base)
