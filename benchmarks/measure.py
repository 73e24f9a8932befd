"""The one way the benchmark times a command: a fresh process tree, its wall time, CPU time and peak memory.

`execute` runs one command; `summarise` turns a subject's runs into a `Figure` (median, min, max);
`ratio` divides two figures measured in the same rounds. run.py's `Bench.measure` is the loop around them.
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path


class BenchError(Exception):
    """A command under test failed: its figure is reported as failed, with this one-line reason."""


@dataclass(frozen=True)
class Cmd:
    """One command of a timed run."""

    argv: Sequence[str | Path]
    cwd: Path
    env: Mapping[str, str] = field(default_factory=dict)
    """Added to the bench's environment; an empty value removes the variable."""
    ok: tuple[int, ...] = (0,)
    name: str = ""
    ready: Callable[[], bool] | None = None
    """For a server: timed until this is true, then stopped (its CPU and memory include the stop)."""

    @property
    def shown(self) -> str:
        words = [Path(str(self.argv[0])).name, *map(str, self.argv[1:4])]
        return self.name or " ".join(words)


@dataclass(frozen=True)
class Usage:
    wall: float
    cpu: float
    peak_mib: float


def execute(cmd: Cmd, env: Mapping[str, str]) -> Usage:
    """Run one command as its own process tree: its wall time, CPU time and peak memory.

    `os.wait4` returns the kernel's accounting of the process *and every descendant it waited for*:
    the CPU time of all of them, and the peak resident set of the largest single process (what
    `/usr/bin/time` reports as maximum resident set size). Output goes to temp files, never a pipe,
    so a chatty command cannot block; a failure is reported with the last line of its stderr.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(
            [str(arg) for arg in cmd.argv],
            cwd=cmd.cwd,
            env={key: value for key, value in {**env, **cmd.env}.items() if value != ""},
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            start_new_session=cmd.ready is not None,
        )
        ready_at = wait_ready(process.pid, cmd.ready, start) if cmd.ready else None
        _, status, usage = os.wait4(process.pid, 0)
        wall = ready_at if ready_at is not None else time.perf_counter() - start
        process.returncode = code = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        if cmd.ready is None and code not in cmd.ok:
            err.seek(0)
            out.seek(0)
            said = err.read() or out.read()
            lines = [line for line in said.decode(errors="replace").splitlines() if line.strip()]
            raise BenchError(f"`{cmd.shown}` exited {code}: {lines[-1][:300] if lines else '(no output)'}")
    return Usage(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def wait_ready(pid: int, ready: Callable[[], bool], start: float, timeout: float = 60) -> float:
    """Poll a server until `ready()`: the seconds since `start`. Then stop its whole process group."""
    while time.perf_counter() - start < timeout:
        if os.waitpid(pid, os.WNOHANG)[0]:
            raise BenchError("the server exited before it was ready")
        if ready():
            elapsed = time.perf_counter() - start
            os.killpg(pid, signal.SIGTERM)
            return elapsed
        time.sleep(0.01)
    os.killpg(pid, signal.SIGKILL)
    raise BenchError(f"the server was not ready within {timeout:.0f} s")


def answers_http(url: str) -> Callable[[], bool]:
    """`ready` for a server: whether `url` answers 200."""

    def ready() -> bool:
        try:
            with urllib.request.urlopen(url, timeout=0.5) as response:
                return bool(response.status == 200)
        except OSError:
            return False

    return ready


@dataclass
class Figure:
    """One line of the table and one object in the JSON."""

    id: str
    group: str
    label: str
    kind: str
    """time | ratio | skipped | failed"""
    median: float | None = None
    min: float | None = None
    max: float | None = None
    cpu: float | None = None
    """Median CPU seconds (a time), or the ratio of the two CPU medians (a ratio)."""
    peak_mib: float | None = None
    """Median of the runs' peak memory in MiB (a time), or the ratio of the two medians (a ratio)."""
    target: str | None = None
    met: bool | None = None
    note: str | None = None
    samples: list[float] = field(default_factory=list)
    steps: dict[str, float] = field(default_factory=dict)
    """Median seconds of each step of a multi-step run."""


def summarise(id: str, group: str, label: str, limit: float | None, runs: list[list[tuple[str, Usage]]]) -> Figure:
    """A subject's runs (each a list of (step, usage)) as one time figure."""
    walls = [sum(usage.wall for _, usage in run) for run in runs]
    median = statistics.median(walls)
    steps: dict[str, float] = {}
    if len(runs[0]) > 1:
        steps = {name: statistics.median(run[i][1].wall for run in runs) for i, (name, _) in enumerate(runs[0])}
    return Figure(
        id,
        group,
        label,
        "time",
        median,
        min(walls),
        max(walls),
        cpu=statistics.median(sum(usage.cpu for _, usage in run) for run in runs),
        peak_mib=statistics.median(max(usage.peak_mib for _, usage in run) for run in runs),
        target=None if limit is None else f"≤ {limit:g} s",
        met=None if limit is None else median <= limit,
        samples=[round(wall, 4) for wall in walls],
        steps=steps,
    )


def ratio(id: str, label: str, limit: float | None, a: Figure, b: Figure) -> Figure:
    """median(a) / median(b), measured in the same rounds; min and max are the extremes of the per-round ratios."""
    value = (a.median or 0) / (b.median or 1)
    pairs = [x / y for x, y in zip(a.samples, b.samples, strict=True)]
    return Figure(
        id,
        a.group,
        label,
        "ratio",
        value,
        min(pairs),
        max(pairs),
        cpu=(a.cpu or 0) / (b.cpu or 1),
        peak_mib=(a.peak_mib or 0) / (b.peak_mib or 1),
        target=None if limit is None else f"≤ {round(limit, 2):g}×",
        met=None if limit is None else value <= limit,
        samples=[round(pair, 4) for pair in pairs],
    )
