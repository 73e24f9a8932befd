"""mlcrew's benchmark: how long creating, updating and working in a project takes, against plain copier.

Run it from the repository with mlcrew installed in the running Python:

    .venv/bin/python benchmarks/run.py                       # everything, 5 runs per figure (10-15 min)
    .venv/bin/python benchmarks/run.py --only startup,create  # a subset
    nox -s bench -- --runs 7                                 # the same as a nox session

Method (why the figures can be trusted on a shared, noisy machine):
- Every figure is the median of `--runs` timed runs (default 5) after one untimed warm-up run, with
  the min and max. Each run is a real process (the CLI a user types), timed from start to exit.
- Comparisons are ratios of medians measured side by side in the same run, interleaved (mlcrew,
  copier, mlcrew, copier, ...), so drift of the machine hits both sides equally.
- The template is the working tree, committed and tagged in a temp repo and shipped as a git bundle
  (as the wheel ships it), so `mlcrew new` runs offline exactly as after `pip install mlcrew`.
- Python bytecode is cached (in a private `PYTHONPYCACHEPREFIX`), as it is after `pip install`; this
  machine's `PYTHONDONTWRITEBYTECODE=1` would otherwise make every run recompile copier (~0.6 s).
- Copier's template cache and the temp projects live in a temp dir; uv's package cache is the user's
  (warm after the warm-up run), as for a team member who has installed a project before.
- A CPU column (user + system time, subprocesses included) sits beside the wall times: it moves far
  less than wall time when other work shares the machine.

Writes a table to stdout and JSON to `--json` (default benchmarks/results/<UTC time>.json, git-ignored).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "support"))

from helpers import IDENTITY, make_template_repo  # noqa: E402  (the tests' template repo, kept in one place)

from mlcrew.template import BUNDLE_ENV_VAR, build_bundle, redirect_env  # noqa: E402

GROUPS = ("startup", "create", "green", "update", "scale")
SCHEMA = "mlcrew-bench/1"
SCALES = (1, 10, 100)
FLEET = 20
V1, V2 = "v0.1.0", "v0.2.0"
FLAT = 1.25
"""'Flat' growth: at most 25% slower with 10× or 100× the user files (or at the end of a fleet)."""


class BenchError(Exception):
    """A command under test failed: the figure is reported as failed with this one-line reason."""


@dataclass
class Step:
    """One command of a timed run."""

    argv: list[str]
    cwd: Path
    env: dict[str, str] = field(default_factory=dict)
    ok: tuple[int, ...] = (0,)
    name: str = ""


@dataclass
class Case:
    """A timed operation: `prepare(run)` does the untimed set-up and returns the steps to time."""

    id: str
    label: str
    prepare: Callable[[int], list[Step]]
    after: Callable[[int], None] | None = None
    """Untimed check and clean-up after each run (e.g. that the update really landed)."""
    limit: float | None = None
    target: str | None = None


@dataclass
class Figure:
    """One line of the table (and one object in the JSON)."""

    id: str
    group: str
    label: str
    kind: str
    """time | ratio | skipped | failed"""
    unit: str = "s"
    median: float | None = None
    min: float | None = None
    max: float | None = None
    samples: list[float] = field(default_factory=list)
    target: str | None = None
    met: bool | None = None
    note: str | None = None
    steps: dict[str, dict[str, float]] = field(default_factory=dict)
    """For multi-step runs (time to green): median/min/max of each step."""
    cpu: float | None = None
    """Median CPU time (user + system, subprocesses included) of a time figure, or the ratio of those
    medians for a ratio figure: steadier than wall time when other work shares the machine."""


def spread(values: Sequence[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def tail(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else "(no output)"


class Bench:
    """Runs the selected groups and collects figures."""

    def __init__(self, work: Path, runs: int) -> None:
        self.work = work
        self.runs = runs
        self.figures: list[Figure] = []
        bindir = Path(sys.executable).parent
        self.mlcrew = self._tool(bindir, "mlcrew")
        self.copier = self._tool(bindir, "copier")
        self.env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
        self.env.update(IDENTITY)
        self.env.update(
            {
                "PYTHONPYCACHEPREFIX": str(work / "pycache"),
                "COPIER_CACHE_DIR": str(work / "copier-cache"),
                "UV_PYTHON_DOWNLOADS": "never",
                "NO_COLOR": "1",
            }
        )
        self._bundles: tuple[Path, Path] | None = None
        self._base: Path | None = None
        self._available: dict[str, bool] = {}
        self.cpu: dict[str, list[float]] = {}

    @staticmethod
    def _tool(bindir: Path, name: str) -> str:
        found = bindir / name
        if found.exists():
            return str(found)
        which = shutil.which(name)
        if not which:
            raise SystemExit(f"run.py: {name} is not installed next to {sys.executable} nor on PATH")
        return which

    # -- running -----------------------------------------------------------------------------------

    def execute(self, step: Step) -> tuple[float, float]:
        """Run one step: its wall time, and the CPU time (user + system) of it and its subprocesses."""
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        result = subprocess.run(
            step.argv,
            cwd=step.cwd,
            env={**self.env, **step.env},
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
        )
        elapsed = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if result.returncode not in step.ok:
            shown = " ".join(Path(arg).name if i == 0 else arg for i, arg in enumerate(step.argv))
            raise BenchError(f"`{shown}` exited {result.returncode}: {tail(result.stderr or result.stdout)}")
        return elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)

    def untimed(self, argv: Sequence[str | Path], cwd: Path, env: dict[str, str] | None = None) -> str:
        result = subprocess.run(
            [str(arg) for arg in argv],
            cwd=cwd,
            env={**self.env, **(env or {})},
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise BenchError(f"`{' '.join(map(str, argv))}` exited {result.returncode}: {tail(result.stderr)}")
        return result.stdout

    def series(self, group: str, cases: list[Case]) -> dict[str, list[float]]:
        """Warm-up, then `runs` rounds; each round runs every case once, in turn (interleaved)."""
        samples: dict[str, list[float]] = {case.id: [] for case in cases}
        per_step: dict[str, dict[str, list[float]]] = {case.id: {} for case in cases}
        failed: dict[str, str] = {}
        for run in range(-1, self.runs):
            for case in cases:
                if case.id in failed:
                    continue
                try:
                    steps = case.prepare(run)
                    start = time.perf_counter()
                    measured = [self.execute(step) for step in steps]
                    elapsed = time.perf_counter() - start
                    if case.after:
                        case.after(run)
                except BenchError as error:
                    failed[case.id] = str(error)
                    continue
                if run >= 0:
                    samples[case.id].append(elapsed)
                    self.cpu.setdefault(case.id, []).append(sum(cpu for _, cpu in measured))
                    if len(steps) > 1:
                        for step, (duration, _) in zip(steps, measured, strict=True):
                            per_step[case.id].setdefault(step.name or step.argv[0], []).append(duration)
        for case in cases:
            if case.id in failed:
                self.figures.append(Figure(case.id, group, case.label, "failed", note=failed[case.id]))
                continue
            self.add_time(group, case, samples[case.id], {name: spread(v) for name, v in per_step[case.id].items()})
        return {key: value for key, value in samples.items() if key not in failed}

    def add_time(
        self, group: str, case: Case, values: list[float], steps: dict[str, dict[str, float]] | None = None
    ) -> None:
        stats = spread(values)
        met = None if case.limit is None else stats["median"] <= case.limit
        cpu = self.cpu.get(case.id)
        self.figures.append(
            Figure(
                case.id,
                group,
                case.label,
                "time",
                "s",
                stats["median"],
                stats["min"],
                stats["max"],
                [round(v, 4) for v in values],
                case.target or (f"≤ {case.limit:g} s" if case.limit is not None else None),
                met,
                steps=steps or {},
                cpu=statistics.median(cpu) if cpu else None,
            )
        )

    def ratio(
        self,
        group: str,
        id: str,
        label: str,
        samples: dict[str, list[float]],
        a: str,
        b: str,
        limit: float | None = None,
        target: str | None = None,
    ) -> None:
        """median(a) / median(b); min and max are the extremes of the per-round ratios a_i / b_i."""
        if a not in samples or b not in samples or not samples[a] or not samples[b]:
            return
        value = statistics.median(samples[a]) / statistics.median(samples[b])
        pairs = [x / y for x, y in zip(samples[a], samples[b], strict=False)]
        met = None if limit is None else value <= limit
        cpu_a, cpu_b = self.cpu.get(a), self.cpu.get(b)
        cpu = statistics.median(cpu_a) / statistics.median(cpu_b) if cpu_a and cpu_b else None
        self.figures.append(
            Figure(
                id,
                group,
                label,
                "ratio",
                "x",
                value,
                min(pairs) if len(pairs) == len(samples[a]) else None,
                max(pairs) if len(pairs) == len(samples[a]) else None,
                [round(p, 4) for p in pairs],
                target or (f"≤ {limit:g}×" if limit is not None else None),
                met,
                cpu=cpu,
            )
        )

    def skip(self, group: str, id: str, label: str, reason: str) -> None:
        self.figures.append(Figure(id, group, label, "skipped", note=reason))

    def has_command(self, command: str) -> bool:
        """Whether this mlcrew has a subcommand (update and check are being built alongside this script)."""
        if command not in self._available:
            result = subprocess.run(
                [self.mlcrew, command, "--help"], env=self.env, capture_output=True, text=True, check=False
            )
            self._available[command] = result.returncode == 0
        return self._available[command]

    # -- the template and projects ---------------------------------------------------------------

    def bundles(self) -> tuple[Path, Path]:
        """v1 = the working tree's template; v2 = v1 plus a small change to a standard file."""
        if self._bundles is None:
            repo = make_template_repo(self.work / "template", tag=V1)
            v1 = build_bundle(repo, self.work / "template-v1.bundle")
            ignore = repo / "template" / ".gitignore"
            with ignore.open("a", encoding="utf-8") as handle:
                handle.write("\n# Benchmark outputs (added in 0.2.0)\n*.bench\n")
            changelog = repo / "CHANGELOG.md"
            if changelog.exists():
                text = changelog.read_text(encoding="utf-8")
                section = "## 0.2.0\n\n- `.gitignore` ignores `*.bench` files (a benchmark change).\n\n"
                head, sep, rest = text.partition("\n## ")
                changelog.write_text(f"{head}\n{section}## {rest}" if sep else text + "\n" + section, "utf-8")
            self.untimed(["git", "commit", "--quiet", "-am", "v0.2.0: a small change"], repo)
            self.untimed(["git", "tag", V2], repo)
            v2 = build_bundle(repo, self.work / "template-v2.bundle")
            self._bundles = (v1, v2)
        return self._bundles

    def env_v1(self) -> dict[str, str]:
        return {BUNDLE_ENV_VAR: str(self.bundles()[0])}

    def env_v2(self) -> dict[str, str]:
        """The v2 bundle for mlcrew, and the same redirect of the canonical URL for plain copier."""
        v2 = self.bundles()[1]
        return {BUNDLE_ENV_VAR: str(v2), **redirect_env(v2)}

    def trust(self) -> list[str]:
        """Both tools need --trust when the template has migrations or tasks (ours has neither today)."""
        config = (self.work / "template" / "copier.yml").read_text(encoding="utf-8")
        return ["--trust"] if re.search(r"^_(migrations|tasks)\s*:", config, re.MULTILINE) else []

    def new_project(self, dest: Path) -> Path:
        self.untimed([self.mlcrew, "new", dest, "--defaults"], self.work, self.env_v1())
        return dest

    def base(self) -> Path:
        """The default project at v1, committed: the starting point of every update."""
        if self._base is None:
            self._base = self.new_project(self.work / "projects" / "base")
        return self._base

    def fresh_copy(self, project: Path, dest: Path) -> Path:
        """Copy a project (untimed) and refresh git's index, so the copy's new inodes cost nothing later."""
        shutil.rmtree(dest, ignore_errors=True)
        shutil.copytree(project, dest, symlinks=True)
        self.untimed(["git", "update-index", "-q", "--refresh"], dest)
        self.untimed(["git", "status", "--porcelain"], dest)
        return dest

    def updated_check(self, project: Path) -> None:
        answers = (project / ".copier-answers.yml").read_text(encoding="utf-8")
        if f"_commit: {V2}" not in answers or "*.bench" not in (project / ".gitignore").read_text(encoding="utf-8"):
            raise BenchError(f"the update did not land in {project} (_commit is not {V2})")

    # -- the groups --------------------------------------------------------------------------------

    def startup(self) -> None:
        g = "startup"
        cases = [
            Case("startup.mlcrew_version", "mlcrew --version", lambda r: [Step([self.mlcrew, "--version"], self.work)]),
            Case("startup.mlcrew_help", "mlcrew --help", lambda r: [Step([self.mlcrew, "--help"], self.work)]),
            Case("startup.copier_version", "copier --version", lambda r: [Step([self.copier, "--version"], self.work)]),
        ]
        cases[0].limit = cases[1].limit = 0.25
        samples = self.series(g, cases)
        third = "≤ 0.33× (well under a third)"
        self.ratio(
            g,
            "startup.ratio_version",
            "mlcrew --version / copier --version",
            samples,
            "startup.mlcrew_version",
            "startup.copier_version",
            1 / 3,
            third,
        )
        self.ratio(
            g,
            "startup.ratio_help",
            "mlcrew --help / copier --version",
            samples,
            "startup.mlcrew_help",
            "startup.copier_version",
            1 / 3,
            third,
        )

    def create(self) -> None:
        g = "create"
        v1 = self.bundles()[0]
        root = self.work / "create"
        root.mkdir()

        def dest(tool: str, run: int) -> Path:
            path = root / f"{tool}-{run + 1}"
            shutil.rmtree(path, ignore_errors=True)
            return path

        def clean(tool: str) -> Callable[[int], None]:
            def after(run: int) -> None:
                path = root / f"{tool}-{run + 1}"
                if not (path / ".copier-answers.yml").exists():
                    raise BenchError(f"{tool} created no project in {path}")
                shutil.rmtree(path)

            return after

        def by_hand(run: int) -> list[Step]:
            path = dest("byhand", run)
            return [
                Step([self.copier, "copy", "--defaults", "--quiet", str(v1), str(path)], root, name="copier copy"),
                Step(["git", "init", "--quiet", "--initial-branch=main"], path, name="git init"),
                Step(["git", "add", "--all"], path, name="git add"),
                Step(["git", "commit", "--quiet", "--no-verify", "-m", "Create"], path, name="git commit"),
            ]

        cases = [
            Case(
                "create.mlcrew_new",
                "mlcrew new --defaults (git init + first commit included)",
                lambda r: [Step([self.mlcrew, "new", str(dest("mlcrew", r)), "--defaults"], root, self.env_v1())],
                clean("mlcrew"),
                limit=1.3,
            ),
            Case(
                "create.copier_copy",
                "copier copy --defaults (same bundle, no git)",
                lambda r: [Step([self.copier, "copy", "--defaults", "--quiet", str(v1), str(dest("copier", r))], root)],
                clean("copier"),
            ),
            Case(
                "create.copier_copy_git",
                "copier copy + git init, add, commit by hand",
                by_hand,
                clean("byhand"),
            ),
        ]
        samples = self.series(g, cases)
        self.ratio(
            g, "create.ratio", "mlcrew new / copier copy", samples, "create.mlcrew_new", "create.copier_copy", 1.1
        )
        self.ratio(
            g,
            "create.ratio_git",
            "mlcrew new / (copier copy + git by hand)",
            samples,
            "create.mlcrew_new",
            "create.copier_copy_git",
        )

    def green(self) -> None:
        g = "green"
        root = self.work / "green"
        root.mkdir()
        kept: list[Path] = []

        def steps(run: int) -> list[Step]:
            path = root / f"project-{run + 1}"
            shutil.rmtree(path, ignore_errors=True)
            return [
                Step([self.mlcrew, "new", str(path), "--defaults"], root, self.env_v1(), name="mlcrew new"),
                Step(["uv", "sync", "--quiet"], path, name="uv sync"),
                Step(["uv", "run", "pytest", "-q"], path, name="uv run pytest"),
            ]

        def after(run: int) -> None:
            path = root / f"project-{run + 1}"
            if kept:
                shutil.rmtree(kept.pop(), ignore_errors=True)
            kept.append(path)

        self.series(
            g,
            [
                Case(
                    "green.time_to_green", "time to green: mlcrew new + uv sync + uv run pytest", steps, after, limit=30
                )
            ],
        )
        if not kept:
            self.skip(g, "green.tests", "generated default test suite (uv run pytest)", "no installed project")
            return
        project = kept[0]
        tests = Case(
            "green.tests",
            "generated default test suite (uv run --no-sync pytest)",
            lambda r: [Step(["uv", "run", "--no-sync", "pytest", "-q"], project)],
            limit=10,
        )
        self.series(g, [tests])
        package = re.search(r"^package_name:\s*(\S+)", (project / ".copier-answers.yml").read_text(), re.MULTILINE)
        name = package.group(1).strip("'\"") if package else "?"
        help_run = subprocess.run(
            ["uv", "run", "--no-sync", "python", "-m", name, "--help"],
            cwd=project,
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        stages = set(re.findall(r"[a-z][a-z-]+", help_run.stdout)) if help_run.returncode == 0 else set()
        if "train" not in stages:
            self.skip(
                g,
                "green.train",
                f"python -m {name} train",
                f"not available yet: `python -m {name} --help` lists no train stage (product code in progress)",
            )
            return
        try:
            for stage in ("load", "validate"):
                if stage in stages:
                    self.untimed(["uv", "run", "--no-sync", "python", "-m", name, stage], project)
        except BenchError as error:
            self.figures.append(Figure("green.train", g, f"python -m {name} train", "failed", note=str(error)))
            return
        run_stage = ["uv", "run", "--no-sync", "python", "-m", name]
        cases = [
            Case(
                "green.train",
                f"pipeline's train (python -m {name} train)",
                lambda r: [Step([*run_stage, "train"], project)],
                limit=5,
            )
        ]
        if "pipeline" in stages:
            cases.append(
                Case(
                    "green.pipeline",
                    f"whole pipeline (python -m {name} pipeline)",
                    lambda r: [Step([*run_stage, "pipeline"], project, ok=(0, 1))],
                )
            )
        self.series(g, cases)

    def update(self) -> None:
        g = "update"
        root = self.work / "update"
        root.mkdir()
        base = self.base()
        env = self.env_v2()
        trust = self.trust()

        def fresh(tool: str, run: int) -> Path:
            return self.fresh_copy(base, root / f"{tool}-{run + 1}")

        def after(tool: str) -> Callable[[int], None]:
            def check(run: int) -> None:
                path = root / f"{tool}-{run + 1}"
                self.updated_check(path)
                shutil.rmtree(path)

            return check

        cases = []
        if self.has_command("update"):
            cases.append(
                Case(
                    "update.mlcrew_update",
                    f"mlcrew update --defaults ({V1} → {V2})",
                    lambda r: [Step([self.mlcrew, "update", str(fresh("mlcrew", r)), "--defaults", *trust], root, env)],
                    after("mlcrew"),
                    limit=4,
                )
            )
        else:
            self.skip(g, "update.mlcrew_update", "mlcrew update", "not available yet: this mlcrew has no `update`")
        cases.append(
            Case(
                "update.copier_update",
                f"copier update --defaults ({V1} → {V2})",
                lambda r: [Step([self.copier, "update", "--defaults", "--quiet", *trust], fresh("copier", r), env)],
                after("copier"),
            )
        )
        samples = self.series(g, cases)
        self.ratio(
            g,
            "update.ratio",
            "mlcrew update / copier update",
            samples,
            "update.mlcrew_update",
            "update.copier_update",
            1.1,
        )

    def scale(self) -> None:
        g = "scale"
        missing = [command for command in ("update", "check") if not self.has_command(command)]
        if missing:
            for command in missing:
                self.skip(
                    g,
                    f"scale.{command}",
                    f"mlcrew {command} at 1×, 10×, 100× user files and a fleet",
                    f"not available yet: this mlcrew has no `{command}`",
                )
        root = self.work / "scale"
        root.mkdir()
        base = self.base()
        env = self.env_v2()
        trust = self.trust()
        default_files = len(self.untimed(["git", "ls-files"], base).splitlines())
        sizes: dict[int, Path] = {}
        for factor in SCALES:
            project = self.fresh_copy(base, root / f"x{factor}")
            add_user_files(project, (factor - 1) * default_files)
            self.untimed(["git", "add", "--all"], project)
            self.untimed(["git", "commit", "--quiet", "--allow-empty", "-m", f"{factor}x user files"], project)
            sizes[factor] = project
        counts = {f: len(self.untimed(["git", "ls-files"], p).splitlines()) for f, p in sizes.items()}

        cases: list[Case] = []
        for factor, project in sizes.items():
            cases += self.scale_cases(factor, project, f"{counts[factor]} files", missing, env, trust)
        samples = self.series(g, cases)
        for what in ("update", "copier_update", "check"):
            for factor in SCALES[1:]:
                tool = "copier update" if what == "copier_update" else f"mlcrew {what}"
                self.ratio(
                    g,
                    f"scale.growth_{what}_x{factor}",
                    f"growth of {tool}: {factor}× / 1× user files",
                    samples,
                    f"scale.{what}_x{factor}",
                    f"scale.{what}_x1",
                    FLAT,
                    f"≤ {FLAT}× (flat)",
                )
        if not missing:
            self.fleet(root, base, env, trust)

    def scale_cases(
        self, factor: int, project: Path, files: str, missing: list[str], env: dict[str, str], trust: list[str]
    ) -> list[Case]:
        """mlcrew update, copier update and mlcrew check of one project size."""
        root = project.parent

        def fresh(tool: str) -> Path:
            return self.fresh_copy(project, root / f"run-{tool}-x{factor}")

        def landed(tool: str) -> Callable[[int], None]:
            def after(run: int) -> None:
                path = root / f"run-{tool}-x{factor}"
                self.updated_check(path)
                shutil.rmtree(path)

            return after

        def mlcrew_update(run: int) -> list[Step]:
            return [Step([self.mlcrew, "update", str(fresh("mlcrew")), "--defaults", *trust], root, env)]

        def copier_update(run: int) -> list[Step]:
            return [Step([self.copier, "update", "--defaults", "--quiet", *trust], fresh("copier"), env)]

        def check(run: int) -> list[Step]:
            return [Step([self.mlcrew, "check", str(project)], root, env, ok=(0, 1))]

        cases = []
        if "update" not in missing:
            label = f"mlcrew update, {factor}× user files ({files})"
            cases.append(Case(f"scale.update_x{factor}", label, mlcrew_update, landed("mlcrew"), limit=4))
        label = f"copier update, {factor}× user files ({files})"
        cases.append(Case(f"scale.copier_update_x{factor}", label, copier_update, landed("copier")))
        if "check" not in missing:
            cases.append(Case(f"scale.check_x{factor}", f"mlcrew check, {factor}× user files ({files})", check))
        return cases

    def fleet(self, root: Path, base: Path, env: dict[str, str], trust: list[str]) -> None:
        """20 projects checked, then updated, one after another (+1 untimed warm-up project)."""
        g = "scale"
        projects = [self.fresh_copy(base, root / "fleet" / f"project-{i:02d}") for i in range(FLEET + 1)]
        results: dict[str, list[float]] = {"check": [], "update": []}
        try:
            for what in ("check", "update"):
                for index, project in enumerate(projects):
                    if what == "check":
                        step = Step([self.mlcrew, "check", str(project)], root, env, ok=(0, 1))
                    else:
                        step = Step([self.mlcrew, "update", str(project), "--defaults", *trust], root, env)
                    elapsed, cpu = self.execute(step)
                    if what == "update":
                        self.updated_check(project)
                    if index:
                        results[what].append(elapsed)
                        self.cpu.setdefault(f"scale.fleet_{what}_each", []).append(cpu)
        except BenchError as error:
            self.figures.append(Figure("scale.fleet", g, f"fleet of {FLEET}", "failed", note=str(error)))
            return
        for what, values in results.items():
            self.add_time(
                g,
                Case(f"scale.fleet_{what}_each", f"fleet of {FLEET}: mlcrew {what}, per project", lambda r: []),
                values,
            )
            total = sum(values)
            self.figures.append(
                Figure(
                    f"scale.fleet_{what}_total",
                    g,
                    f"fleet of {FLEET}: mlcrew {what}, all projects in turn",
                    "time",
                    "s",
                    total,
                    total,
                    total,
                    [round(total, 4)],
                    note="one pass (the projects are the runs)",
                )
            )
            first, last = statistics.median(values[:5]), statistics.median(values[-5:])
            spent = self.cpu.get(f"scale.fleet_{what}_each", [])
            cpu_drift = statistics.median(spent[-5:]) / statistics.median(spent[:5]) if len(spent) >= 10 else None
            self.figures.append(
                Figure(
                    f"scale.fleet_{what}_drift",
                    g,
                    f"fleet: mlcrew {what}, last 5 / first 5 projects",
                    "ratio",
                    "x",
                    last / first,
                    None,
                    None,
                    [],
                    f"≤ {FLAT}× (flat)",
                    last / first <= FLAT,
                    cpu=cpu_drift,
                )
            )


def add_user_files(project: Path, count: int) -> None:
    """A team's own work: a third code modules, a third data files, a third notebooks (all committed)."""
    package = next(path for path in (project / "src").iterdir() if path.is_dir())
    code = package / "userland"
    data = project / "data" / "raw"
    notebooks = project / "notebooks"
    for folder in (code, data, notebooks):
        folder.mkdir(parents=True, exist_ok=True)
    if count:
        (code / "__init__.py").write_text('"""Team code."""\n', encoding="utf-8")
    for index in range(count):
        kind = index % 3
        if kind == 0:
            (code / f"feature_{index:05d}.py").write_text(
                f'"""Feature {index}."""\n\n\ndef feature_{index}(value: float) -> float:\n'
                f'    """Scale a value."""\n    return value * {index % 97 + 1}\n',
                encoding="utf-8",
            )
        elif kind == 1:
            rows = "\n".join(f"{row},{row * index % 13},{(row + index) % 2}" for row in range(60))
            (data / f"part_{index:05d}.csv").write_text(f"id,value,label\n{rows}\n", encoding="utf-8")
        else:
            notebook = {
                "cells": [
                    {"cell_type": "markdown", "metadata": {}, "source": [f"# Exploration {index}"]},
                    {
                        "cell_type": "code",
                        "execution_count": None,
                        "metadata": {},
                        "outputs": [],
                        "source": ["import pandas as pd\n", f"frame = pd.read_csv('data/raw/part_{index:05d}.csv')"],
                    },
                ],
                "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
                "nbformat": 4,
                "nbformat_minor": 5,
            }
            (notebooks / f"explore_{index:05d}.ipynb").write_text(json.dumps(notebook, indent=1), encoding="utf-8")


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    cpu = "unknown"
    memory = None
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        found = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
        cpu = found.group(1).strip() if found else cpu
        meminfo = re.search(r"^MemTotal:\s*(\d+) kB", Path("/proc/meminfo").read_text(), re.MULTILINE)
        memory = round(int(meminfo.group(1)) / 1024 / 1024, 1) if meminfo else None
    except OSError:
        pass
    return {
        "platform": platform.platform(),
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "memory_gib": memory,
        "python": platform.python_version(),
    }


def load_average() -> float | None:
    """The 1-minute load: above the core count, other work was competing with the benchmark."""
    return round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None


def versions() -> dict[str, str]:
    def tool(argv: list[str]) -> str:
        try:
            return subprocess.run(argv, capture_output=True, text=True, check=False).stdout.strip()
        except OSError:
            return "not found"

    found = {"mlcrew": metadata.version("mlcrew"), "copier": metadata.version("copier")}
    found["git"] = tool(["git", "--version"])
    found["uv"] = tool(["uv", "--version"])
    return found


def fmt(figure: Figure, value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.2f}×" if figure.unit == "x" else f"{value:.2f} s"


def table(figures: list[Figure]) -> str:
    """The plain-text table (also pasted into docs/performance.md)."""
    rows = [("figure", "median", "min", "max", "cpu", "target", "status")]
    row_figures: list[Figure] = []
    for figure in figures:
        row_figures.append(figure)
        if figure.kind in ("skipped", "failed"):
            rows.append((figure.label, figure.kind, "", "", "", "", figure.note or ""))
            continue
        status = "" if figure.met is None else ("met" if figure.met else "NOT MET")
        rows.append(
            (
                figure.label,
                fmt(figure, figure.median),
                fmt(figure, figure.min),
                fmt(figure, figure.max),
                fmt(figure, figure.cpu),
                figure.target or "",
                status,
            )
        )
        for name, step in figure.steps.items():
            median, low, high = (fmt(figure, step[key]) for key in ("median", "min", "max"))
            rows.append((f"  of which {name}", median, low, high, "", "", ""))
            row_figures.append(figure)
    widths = [max(len(row[i]) for row in rows) for i in range(6)]
    lines = []
    group = None
    for index, row in enumerate(rows):
        if index and row_figures[index - 1].group != group:
            group = row_figures[index - 1].group
            lines.append(f"\n[{group}]")
        lines.append("  ".join(cell.ljust(widths[i]) if i < 6 else cell for i, cell in enumerate(row)).rstrip())
    return "\n".join(lines)


def markdown(figures: list[Figure]) -> str:
    """The same table in Markdown, for docs/performance.md."""
    lines = ["| figure | median | min | max | CPU | target | |", "|---|---|---|---|---|---|---|"]
    group = None
    for figure in figures:
        if figure.group != group:
            group = figure.group
            lines.append(f"| **{group}** | | | | | | |")
        if figure.kind in ("skipped", "failed"):
            lines.append(f"| {figure.label} | {figure.kind} | | | | | {figure.note or ''} |")
            continue
        status = "" if figure.met is None else ("met" if figure.met else "**not met**")
        cells = [fmt(figure, value) for value in (figure.median, figure.min, figure.max, figure.cpu)]
        lines.append(f"| {figure.label} | {' | '.join(cells)} | {figure.target or ''} | {status} |")
        for name, step in figure.steps.items():
            cells = [fmt(figure, step[key]) for key in ("median", "min", "max")]
            lines.append(f"| &nbsp;&nbsp;of which {name} | {' | '.join(cells)} | | | |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=5, help="timed runs per figure after one warm-up (default 5)")
    parser.add_argument("--only", default=",".join(GROUPS), help=f"comma-separated groups: {','.join(GROUPS)}")
    parser.add_argument("--json", type=Path, help="where to write the JSON (default benchmarks/results/<time>.json)")
    parser.add_argument("--keep", action="store_true", help="keep the temp projects and print where they are")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown (for the docs)")
    parser.add_argument("--show", type=Path, metavar="JSON", help="print the table of an earlier run; run nothing")
    args = parser.parse_args(argv)
    if args.show:
        earlier = json.loads(args.show.read_text(encoding="utf-8"))
        figures = [Figure(**figure) for figure in earlier["figures"]]
        print(markdown(figures) if args.markdown else table(figures))
        return 0
    groups = [group.strip() for group in args.only.split(",") if group.strip()]
    unknown = sorted(set(groups) - set(GROUPS))
    if unknown or not groups:
        parser.error(f"--only: unknown group(s) {', '.join(unknown) or '(none given)'}; choose from {','.join(GROUPS)}")
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if args.runs < 5:
        print(f"note: {args.runs} run(s) per figure: indicative only (the published figures use 5 or more)")
    started = datetime.now(timezone.utc)
    load_before = load_average()
    work = Path(tempfile.mkdtemp(prefix="mlcrew-bench-"))
    bench = Bench(work, args.runs)
    try:
        for group in GROUPS:
            if group in groups:
                began = time.perf_counter()
                try:
                    getattr(bench, group)()
                except BenchError as error:
                    bench.figures.append(
                        Figure(f"{group}.setup", group, f"{group} (set-up)", "failed", note=str(error))
                    )
                print(f"[{group} done in {time.perf_counter() - began:.0f} s]", flush=True)
    finally:
        if args.keep:
            print(f"kept the projects in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    result = {
        "schema": SCHEMA,
        "created": started.isoformat(timespec="seconds"),
        "command": " ".join(["python", "benchmarks/run.py", *(argv if argv is not None else sys.argv[1:])]),
        "runs": args.runs,
        "groups": groups,
        "machine": {**machine(), "load_average_1m": {"before": load_before, "after": load_average()}},
        "versions": versions(),
        "figures": [asdict(figure) for figure in bench.figures],
    }
    path = args.json or ROOT / "benchmarks" / "results" / f"{started:%Y%m%dT%H%M%SZ}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    info = result["machine"]
    print(
        f"\nmlcrew {result['versions']['mlcrew']}, copier {result['versions']['copier']}, {info['cpus']} CPUs "
        f"({info['cpu']}), Python {info['python']}; load {load_before} before, {load_average()} after; "
        f"median of {args.runs} runs after a warm-up"
    )
    print(markdown(bench.figures) if args.markdown else table(bench.figures))
    print(f"\nJSON: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
