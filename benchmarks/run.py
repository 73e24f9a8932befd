"""mlcrew's benchmark: what a team waits for, measured side by side with plain copier and other templates.

    .venv/bin/python benchmarks/run.py                          # every group, 5 runs per figure
    .venv/bin/python benchmarks/run.py --only startup,create    # some groups (see GROUPS)
    .venv/bin/python benchmarks/run.py --anchors /work/anchors  # with the other templates (anchors.py)
    .venv/bin/python benchmarks/run.py --show FILE --markdown   # re-print an earlier run's table
    nox -s bench -- --only update

How to read it. FIGURES and RATIOS below are every figure with its target. A scenario (one method of
`Bench` per group) gives each figure a way to prepare its commands; `Bench.measure` times them all the
same way (measure.py): an untimed warm-up round, then `--runs` rounds in which each subject runs once,
in turn, so a busy moment on a shared machine hits every side. Each command is a fresh process tree:
wall time, CPU time and peak memory. A figure is the median of its runs, with min and max; a ratio
divides two medians measured in the same rounds.

The template is the working tree, released as v0.1.0 and then v0.2.0 (as tests/support/releases.py
makes a release) in a temp repo and shipped as git bundles, as the wheel ships it. Copier's cache, the
projects and the tools' bytecode cache live in a temp dir; uv's package cache is the user's, warm after
the warm-up round. Generated projects start without bytecode, as after `uv sync`.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from functools import partial
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests" / "support"), str(ROOT / "benchmarks")]

from anchors import ANCHORS, Anchor  # noqa: E402
from helpers import IDENTITY, make_template_repo  # noqa: E402  (the tests' template repo and release, reused)
from measure import BenchError, Cmd, Figure, Usage, answers_http, execute, ratio, summarise  # noqa: E402
from releases import V1, V2, release_v2  # noqa: E402
from report import machine, markdown, summary, table  # noqa: E402

from mlcrew.template import BUNDLE_ENV_VAR, build_bundle, redirect_env  # noqa: E402

SCHEMA = "mlcrew-bench/2"
GROUPS = ("startup", "create", "update", "green", "scale", "fleet")
ANCHORS_ENV = "MLCREW_BENCH_ANCHORS"
OWN_BYTECODE = {"PYTHONPYCACHEPREFIX": ""}
"""For commands run in a generated project: Python writes its bytecode in the project (gone with it), so no
round reuses another's compiled dependencies (the tools' own prefix would, at the same paths)."""
IMPORT_EVERYTHING = (
    "import importlib, pkgutil, pytest, {package}\n"
    "for module in pkgutil.iter_modules({package}.__path__, '{package}.'):\n"
    "    if not module.name.endswith('__main__'): importlib.import_module(module.name)"
)
"""What any run of the generated suite imports before its first test (functions import a few more
libraries, matplotlib and skops, only when called): the floor under time to green and the suite."""
SIZES = {"x1": "1×", "x10": "10×", "x100": "100×", "10k": "+10,000 user files"}
"""The scale group's projects: the default project, 10× and 100× its files, and 10,000 files added."""

FIGURES: dict[str, tuple[str, float | None]] = {
    # id: (label, target in seconds). Figures of the anchors and the scale group are added by their scenario.
    "startup.mlcrew_version": ("mlcrew --version", 0.25),
    "startup.mlcrew_help": ("mlcrew --help", 0.25),
    "startup.copier_version": ("copier --version", None),
    "create.mlcrew": ("mlcrew new --defaults (git init and first commit included)", None),
    "create.copier_git": ("copier copy --defaults, then git init, add, commit by hand", None),
    "create.copier": ("copier copy --defaults alone", None),
    "update.mlcrew": (f"mlcrew update --defaults --trust ({V1} → {V2})", None),
    "update.copier": (f"copier update --defaults --trust ({V1} → {V2})", None),
    "update.mlcrew_current": (f"mlcrew update, already at {V2}", None),
    "update.copier_current": (f"copier update, already at {V2}", None),
    "green.mlcrew": ("time to green: mlcrew new, uv sync, uv run pytest", 10),
    "green.suite_warm": ("the generated suite again, warm (uv run pytest)", 3),
    "green.cli_help": ("python -m <package> --help", 0.3),
    "green.api_ready": ("python -m <package> serve: first 200 from /health", 1.5),
    "green.unit_warm": ("the inner loop: uv run pytest -m unit, warm", None),
    "green.imports_warm": ("the floor under any test run: import pytest and every module of the package, warm", None),
    "green.imports_cold": ("the same imports in a new environment (no bytecode yet, as after uv sync)", None),
}
FLAT = 1.25
"""'Flat' growth in the scale group: at most 25% slower with many more user files."""
RATIOS: list[tuple[str, str, str, float | None]] = [
    # (label, numerator, denominator, limit). Also added by the scenarios: anchors / mlcrew, and growth.
    ("mlcrew --version / copier --version", "startup.mlcrew_version", "startup.copier_version", 1 / 3),
    ("mlcrew --help / copier --version", "startup.mlcrew_help", "startup.copier_version", 1 / 3),
    ("mlcrew new / (copier copy + git by hand)", "create.mlcrew", "create.copier_git", 1.0),
    ("mlcrew new / copier copy alone", "create.mlcrew", "create.copier", None),
    ("mlcrew update / copier update", "update.mlcrew", "update.copier", 0.95),
    ("already current: mlcrew update / copier update", "update.mlcrew_current", "update.copier_current", None),
]


@dataclass
class Subject:
    """A figure's way to run: `prepare()` does the untimed set-up and returns the commands to time;
    `after()` checks the result, untimed."""

    id: str
    prepare: Callable[[], list[Cmd]]
    after: Callable[[], None] | None = None


class Bench:
    """The workspace (template releases, projects, tools' environment) and the scenarios of each group."""

    def __init__(self, work: Path, runs: int, anchors: Path | None) -> None:
        self.work, self.runs, self.anchors_dir = work, runs, anchors
        self.figures: list[Figure] = []
        self.labels = dict(FIGURES)
        self.ratios = list(RATIOS)
        self.loads: dict[str, list[float]] = {}
        bindir = Path(sys.executable).parent
        self.mlcrew, self.copier = (str(bindir / t) if (bindir / t).exists() else t for t in ("mlcrew", "copier"))
        drop = {"PYTHONDONTWRITEBYTECODE", "VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT"}
        self.env = {key: value for key, value in os.environ.items() if key not in drop} | IDENTITY
        self.env |= {
            "PYTHONPYCACHEPREFIX": str(work / "pycache"),  # the tools' bytecode is cached, as after pip install
            "COPIER_CACHE_DIR": str(work / "copier-cache"),
            "UV_PYTHON_DOWNLOADS": "never",
            "NO_COLOR": "1",
        }
        self._bundles: tuple[Path, Path] | None = None
        self._base: Path | None = None

    # -- the one measuring loop ------------------------------------------------------------------------

    def measure(self, group: str, subjects: Sequence[Subject]) -> None:
        """Warm-up, then `runs` interleaved rounds; a figure per subject, then every ratio now measurable."""
        self.loads.setdefault(group, []).append(os.getloadavg()[0])
        runs: dict[str, list[list[tuple[str, Usage]]]] = {subject.id: [] for subject in subjects}
        failed: dict[str, str] = {}
        for run in range(-1, self.runs):
            for subject in (s for s in subjects if s.id not in failed):
                try:
                    timed = [(cmd.shown, execute(cmd, self.env)) for cmd in subject.prepare()]
                    if subject.after:
                        subject.after()
                except BenchError as error:
                    failed[subject.id] = str(error)
                    continue
                if run >= 0:
                    runs[subject.id].append(timed)
        self.loads[group].append(os.getloadavg()[0])
        for subject in subjects:
            label, limit = self.labels[subject.id]
            if subject.id in failed:
                self.figures.append(Figure(subject.id, group, label, "failed", note=failed[subject.id]))
            else:
                self.figures.append(summarise(subject.id, group, label, limit, runs[subject.id]))
        measured = {figure.id: figure for figure in self.figures if figure.kind == "time"}
        for label, a, b, limit in self.ratios:
            if a in runs and b in measured and a in measured:
                self.figures.append(ratio(f"{a}/{b.split('.')[-1]}", label, limit, measured[a], measured[b]))

    def skip(self, group: str, id: str, label: str, reason: str) -> None:
        self.figures.append(Figure(id, group, label, "skipped", note=reason))

    # -- the workspace --------------------------------------------------------------------------------

    def untimed(self, argv: Sequence[str | Path], cwd: Path, env: Mapping[str, str] | None = None) -> str:
        done = subprocess.run([str(a) for a in argv], cwd=cwd, env={**self.env, **(env or {})}, capture_output=True)
        if done.returncode != 0:
            raise BenchError(f"`{' '.join(map(str, argv[:4]))}` exited {done.returncode}: {done.stderr[-300:]!r}")
        return done.stdout.decode()

    def bundles(self) -> tuple[Path, Path]:
        """The working tree's template released as v0.1.0, and the same repository with v0.2.0 on top."""
        if self._bundles is None:
            repo = make_template_repo(self.work / "template", tag=V1)
            v1 = build_bundle(repo, self.work / "template-v1.bundle")
            release_v2(repo)
            self._bundles = (v1, build_bundle(repo, self.work / "template-v2.bundle"))
        return self._bundles

    def env_v1(self) -> dict[str, str]:
        return {BUNDLE_ENV_VAR: str(self.bundles()[0])}

    def env_v2(self) -> dict[str, str]:
        """The v2 bundle for mlcrew, and the same redirect of the canonical URL for plain copier."""
        v2 = self.bundles()[1]
        return {BUNDLE_ENV_VAR: str(v2), **redirect_env(v2)}

    def base(self) -> Path:
        """The default project at v0.1.0, committed: where every update starts."""
        if self._base is None:
            self._base = self.work / "projects" / "base"
            self.untimed([self.mlcrew, "new", self._base, "--defaults"], self.work, self.env_v1())
        return self._base

    def fresh_copy(self, project: Path, dest: Path) -> Path:
        """A copy of a project with git's index refreshed, so its new inodes cost the timed command nothing."""
        shutil.rmtree(dest, ignore_errors=True)
        shutil.copytree(project, dest, symlinks=True)
        self.untimed(["git", "update-index", "-q", "--refresh"], dest)
        return dest

    def folder(self, name: str) -> Path:
        """An empty folder for one run's project (the previous run's is deleted)."""
        shutil.rmtree(self.work / name, ignore_errors=True)
        (self.work / name).mkdir(parents=True)
        return self.work / name

    def mlcrew_new(self, folder: str) -> list[Cmd]:
        project = self.folder(folder) / "project"
        return [Cmd([self.mlcrew, "new", project, "--defaults"], project.parent, self.env_v1(), name="mlcrew new")]

    def copier_copy(self, folder: str, git: bool) -> list[Cmd]:
        project = self.folder(folder) / "project"
        copy = Cmd([self.copier, "copy", "--defaults", "--quiet", self.bundles()[0], project], project.parent)
        return [copy, *(git_by_hand(project) if git else [])]

    def anchors(self, group: str, what: str) -> list[tuple[Anchor, Path, str]]:
        """The anchors present on this machine, with their checkout and tool; a skipped line for each absent one."""
        found = []
        for anchor in ANCHORS:
            checkout = self.anchors_dir / anchor.checkout if self.anchors_dir else None
            tool = self.anchors_dir / "tools" / "bin" / anchor.tool if self.anchors_dir else None
            path = str(tool) if tool and tool.exists() else shutil.which(anchor.tool)
            if checkout is None:
                reason = f"no anchors folder given (--anchors DIR or ${ANCHORS_ENV})"
            elif not checkout.is_dir():
                reason = f"absent: no {checkout} (a clone of {anchor.repository})"
            elif path is None:
                reason = f"absent: no `{anchor.tool}` in {tool} nor on PATH"
            else:
                found.append((anchor, checkout, path))
                continue
            self.skip(group, f"{group}.{anchor.id}", f"{anchor.label}: {what}", reason)
        return found

    def anchor_create(self, anchor: Anchor, checkout: Path, tool: str, folder: str) -> list[Cmd]:
        """The anchor's own create command, then git init, add and commit, as for plain copier."""
        parent = self.folder(folder)
        words = {"tool": tool, "template": str(checkout), "parent": str(parent), "dest": str(parent / anchor.project)}
        for name, text in anchor.files.items():
            (parent / name).write_text(text.format(**words), encoding="utf-8")
        create = Cmd([word.format(**words) for word in anchor.create], parent, anchor.env, name=anchor.tool)
        return [create, *git_by_hand(parent / anchor.project)]

    # -- the scenarios, one per group ----------------------------------------------------------------------

    def startup(self) -> None:
        def just(*argv: str) -> Callable[[], list[Cmd]]:
            return lambda: [Cmd(argv, self.work)]

        self.measure(
            "startup",
            [
                Subject("startup.mlcrew_version", just(self.mlcrew, "--version")),
                Subject("startup.mlcrew_help", just(self.mlcrew, "--help")),
                Subject("startup.copier_version", just(self.copier, "--version")),
            ],
        )

    def create(self) -> None:
        subjects = [
            Subject("create.mlcrew", partial(self.mlcrew_new, "create/mlcrew")),
            Subject("create.copier_git", partial(self.copier_copy, "create/git", git=True)),
            Subject("create.copier", partial(self.copier_copy, "create/copier", git=False)),
        ]
        for anchor, checkout, tool in self.anchors("create", "create"):
            id = f"create.{anchor.id}"
            self.labels[id] = (f"{anchor.label}: {anchor.tool}, then git init, add, commit", None)
            self.ratios.append((f"{anchor.label} / mlcrew new", id, "create.mlcrew", None))
            subjects.append(Subject(id, partial(self.anchor_create, anchor, checkout, tool, id)))
        self.measure("create", subjects)

    def update(self) -> None:
        """v0.1.0 → v0.2.0, the release tests/support/releases.py makes (edits, a new file and question, a
        file renamed by a `git mv` migration, hence --trust), and the same command once already current."""
        base, env = self.base(), self.env_v2()
        current = self.fresh_copy(base, self.work / "projects" / "current")
        self.untimed([self.mlcrew, "update", current, "--defaults", "--trust"], self.work, env)
        self.untimed(["git", "add", "--all"], current)
        self.untimed(["git", "commit", "--quiet", "-m", "Update"], current)
        mlcrew, copier = self.updates(env)
        work = self.work / "update"
        self.measure(
            "update",
            [
                Subject("update.mlcrew", lambda: mlcrew(self.fresh_copy(base, work / "m")), landed(work / "m")),
                Subject("update.copier", lambda: copier(self.fresh_copy(base, work / "c")), landed(work / "c")),
                Subject("update.mlcrew_current", lambda: mlcrew(current)),
                Subject("update.copier_current", lambda: copier(current)),
            ],
        )

    def updates(self, env: Mapping[str, str]) -> tuple[Callable[[Path], list[Cmd]], Callable[[Path], list[Cmd]]]:
        """`mlcrew update` and `copier update` of a project, as a user types them."""
        mlcrew = [self.mlcrew, "update", "{project}", "--defaults", "--trust"]
        return (
            lambda project: [Cmd([str(project) if a == "{project}" else a for a in mlcrew], self.work, env)],
            lambda project: [Cmd([self.copier, "update", "--defaults", "--quiet", "--trust"], project, env)],
        )

    def green(self) -> None:
        """Time to green (ours beside the anchors'), then the installed project: its suite warm, its CLI, its API."""
        projects: list[Path] = []

        def time_to_green() -> list[Cmd]:
            create = self.mlcrew_new("green/mlcrew")
            projects[:] = [project := Path(create[0].argv[2])]
            install = Cmd(["uv", "sync", "--quiet"], project, OWN_BYTECODE, name="uv sync")
            return [*create, install, Cmd(["uv", "run", "pytest", "-q"], project, OWN_BYTECODE)]

        def anchor_green(anchor: Anchor, checkout: Path, tool: str) -> list[Cmd]:
            create = self.anchor_create(anchor, checkout, tool, f"green/{anchor.id}")
            project = create[-1].cwd
            env = {**anchor.env, **OWN_BYTECODE}
            install = Cmd(anchor.install, project, env, name=" ".join(anchor.install[:2]))
            return [*create, install, Cmd(anchor.test, project, env, ok=anchor.test_ok)]

        subjects = [Subject("green.mlcrew", time_to_green)]
        for anchor, checkout, tool in self.anchors("green", "time to green"):
            id = f"green.{anchor.id}"
            self.labels[id] = (f"{anchor.label}: {anchor.green_label}", None)
            self.ratios.append((f"{anchor.label} / mlcrew, time to green", id, "green.mlcrew", None))
            subjects.append(Subject(id, partial(anchor_green, anchor, checkout, tool)))
        self.measure("green", subjects)
        if not projects or not (projects[0] / ".venv").exists():
            self.skip("green", "green.installed", "the installed project", "time to green failed: nothing installed")
            return
        project = projects[0]
        answers = (project / ".copier-answers.yml").read_text(encoding="utf-8")
        found = re.search(r"^package_name:\s*['\"]?(\w+)", answers, re.MULTILINE)
        package = found.group(1) if found else "?"
        interpreter = str(project / ".venv" / "bin" / "python")
        python = [interpreter, "-m", package]
        url = f"http://127.0.0.1:{(port := free_port())}/health"
        subjects = [
            Subject("green.suite_warm", lambda: [Cmd(["uv", "run", "pytest", "-q"], project, OWN_BYTECODE)]),
            Subject("green.cli_help", lambda: [Cmd([*python, "--help"], project, OWN_BYTECODE)]),
        ]
        if re.search(r"^serving:\s*['\"]?api\b", answers, re.MULTILINE):
            serve = Cmd([*python, "serve", "--port", str(port)], project, OWN_BYTECODE, ready=answers_http(url))
            subjects.append(Subject("green.api_ready", lambda: [serve]))
        else:
            self.skip("green", "green.api_ready", self.labels["green.api_ready"][0], "the default project has no API")
        imports = Cmd([interpreter, "-c", IMPORT_EVERYTHING.format(package=package)], project, OWN_BYTECODE)
        unit = Cmd(["uv", "run", "pytest", "-q", "-m", "unit"], project, OWN_BYTECODE)
        subjects += [
            Subject("green.unit_warm", lambda: [unit]),
            Subject("green.imports_warm", lambda: [imports]),
        ]
        self.measure("green", subjects)

        def without_bytecode() -> list[Cmd]:
            for cache in [*(project / ".venv").rglob("__pycache__"), *(project / "src").rglob("__pycache__")]:
                shutil.rmtree(cache)
            return [imports]

        # Last and on its own: it deletes the bytecode the figures above reuse.
        self.measure("green", [Subject("green.imports_cold", without_bytecode)])

    def scale(self) -> None:
        """Update and check as a team's own files grow (code, CSV data, notebooks, all committed): flat is the
        target. Every update starts from a fresh copy of the project (untimed)."""
        base, env = self.base(), self.env_v2()
        own = len(self.untimed(["git", "ls-files"], base).splitlines())
        mlcrew, copier = self.updates(env)
        subjects: list[Subject] = []
        fresh = self.work / "scale" / "run"
        for key, size in SIZES.items():
            project = self.fresh_copy(base, self.work / "scale" / key)
            add_user_files(project, 10_000 if key == "10k" else (int(key[1:]) - 1) * own)
            self.untimed(["git", "add", "--all"], project)
            self.untimed(["git", "commit", "--quiet", "--allow-empty", "-m", "The team's files"], project)
            files = f"{len(self.untimed(['git', 'ls-files'], project).splitlines()):,} files ({size})"
            check = Cmd([self.mlcrew, "check", project], self.work, env, ok=(0, 1))
            subjects += [
                Subject(f"scale.mlcrew_update_{key}", partial(ahead, mlcrew, partial(self.fresh_copy, project, fresh))),
                Subject(f"scale.copier_update_{key}", partial(ahead, copier, partial(self.fresh_copy, project, fresh))),
                Subject(f"scale.check_{key}", partial(list, [check])),
            ]
            for what, tool in (
                ("mlcrew_update", "mlcrew update"),
                ("copier_update", "copier update"),
                ("check", "mlcrew check"),
            ):
                self.labels[f"scale.{what}_{key}"] = (f"{tool}, {files}", None)
                if key != "x1":
                    self.ratios.append(
                        (f"growth of {tool}: {size} / 1×", f"scale.{what}_{key}", f"scale.{what}_x1", FLAT)
                    )
        self.measure("scale", subjects)

    def fleet(self) -> None:
        """benchmarks/fleet.py's figures when it exists: `measure(work=, runs=, env=)` returns a list of dicts
        with the fields of `Figure` (id, label, median in seconds, and optionally min, max, cpu, peak_mib,
        target, met, samples, note)."""
        if not (ROOT / "benchmarks" / "fleet.py").exists():
            self.skip("fleet", "fleet", "mlcrew fleet", "benchmarks/fleet.py does not exist yet: no fleet figure")
            return
        self.loads["fleet"] = [os.getloadavg()[0]]
        try:
            found = importlib.import_module("fleet").measure(work=self.work / "fleet", runs=self.runs, env=self.env)
            fields = set(Figure.__dataclass_fields__)
            for item in found:
                self.figures.append(
                    Figure(**{"group": "fleet", "kind": "time", **{k: item[k] for k in fields & set(item)}})
                )
        except Exception as error:  # another module's failure is reported in its line, never ends the run
            self.figures.append(
                Figure("fleet", "fleet", "mlcrew fleet", "failed", note=f"{type(error).__name__}: {error}")
            )
        self.loads["fleet"].append(os.getloadavg()[0])


def git_by_hand(project: Path) -> list[Cmd]:
    """What a user types after plain copier to get what `mlcrew new` makes: a repository with a first commit."""
    return [
        Cmd(["git", "init", "--quiet", "--initial-branch=main"], project, name="git init"),
        Cmd(["git", "add", "--all"], project, name="git add"),
        Cmd(["git", "commit", "--quiet", "--no-verify", "-m", "Create"], project, name="git commit"),
    ]


def ahead(command: Callable[[Path], list[Cmd]], prepare: Callable[[], Path]) -> list[Cmd]:
    """`command` on the project `prepare` makes, untimed, just before."""
    return command(prepare())


def landed(project: Path) -> Callable[[], None]:
    """A check that the update really moved `project` to v0.2.0."""

    def check() -> None:
        if f"_commit: {V2}" not in (project / ".copier-answers.yml").read_text(encoding="utf-8"):
            raise BenchError(f"the update did not land in {project} (_commit is not {V2})")

    return check


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def add_user_files(project: Path, count: int) -> None:
    """A team's own work: a third code modules, a third CSV data files, a third notebooks."""
    package = next(path for path in (project / "src").iterdir() if path.is_dir())
    code, data, notebooks = package / "userland", project / "data" / "raw", project / "notebooks"
    for folder in (code, data, notebooks):
        folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        if i % 3 == 0:
            (code / f"feature_{i:05d}.py").write_text(f'"""Feature {i}."""\n\nSCALE = {i}\n', encoding="utf-8")
        elif i % 3 == 1:
            rows = "".join(f"{row},{row * i % 13},{(row + i) % 2}\n" for row in range(60))
            (data / f"part_{i:05d}.csv").write_text(f"id,value,label\n{rows}", encoding="utf-8")
        else:
            source = ["import pandas as pd\n", f"frame = pd.read_csv('data/raw/part_{i:05d}.csv')"]
            cell: dict[str, Any] = {
                "cell_type": "code",
                "execution_count": None,
                "metadata": {},
                "outputs": [],
                "source": source,
            }
            notebook = {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
            (notebooks / f"explore_{i:05d}.ipynb").write_text(json.dumps(notebook, indent=1), encoding="utf-8")


def versions(bench: Bench) -> dict[str, str]:
    """The tools measured, and the release of each anchor."""

    def output(*argv: str, cwd: Path | None = None, env: Mapping[str, str] | None = None) -> str:
        try:
            done = subprocess.run(argv, cwd=cwd, env={**bench.env, **(env or {})}, capture_output=True, text=True)
        except OSError:
            return "not found"
        return done.stdout.strip()

    found = {"mlcrew": metadata.version("mlcrew"), "copier": metadata.version("copier")}
    found |= {"git": output("git", "--version"), "uv": output("uv", "--version")}
    for anchor, checkout, tool in bench.anchors("versions", "version"):
        tag = output("git", "describe", "--tags", "--always", cwd=checkout)
        said = re.search(r"(\w+),? (?:version )?(\d+\.\d+[\w.]*)", output(tool, "--version", env=anchor.env))
        found[anchor.id] = f"{anchor.repository} {tag}; " + (f"{said[1]} {said[2]}" if said else "version unknown")
    bench.figures = [figure for figure in bench.figures if figure.group != "versions"]
    return found


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per figure after one warm-up (default 5)")
    parser.add_argument("--only", default=",".join(GROUPS), help=f"comma-separated groups of {','.join(GROUPS)}")
    parser.add_argument(
        "--anchors",
        type=Path,
        default=os.environ.get(ANCHORS_ENV) or None,
        metavar="DIR",
        help=f"the other templates and their tools (default ${ANCHORS_ENV}; see anchors.py)",
    )
    parser.add_argument("--json", type=Path, help="where to write the JSON (default benchmarks/results/<time>.json)")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown (for the docs)")
    parser.add_argument("--show", type=Path, metavar="JSON", help="print the table of an earlier run; run nothing")
    parser.add_argument("--keep", action="store_true", help="keep the temp projects and print where they are")
    args = parser.parse_args(argv)
    if args.show:
        shown = json.loads(args.show.read_text(encoding="utf-8"))
        figures = [Figure(**figure) for figure in shown["figures"]]
        print(summary(shown) + "\n\n" + (markdown(figures) if args.markdown else table(figures)))
        return 0
    groups = [group.strip() for group in args.only.split(",") if group.strip()]
    unknown = sorted(set(groups) - set(GROUPS))
    if unknown or not groups:
        parser.error(f"--only: unknown group(s) {', '.join(unknown) or '(none given)'}; choose from {','.join(GROUPS)}")
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    started = datetime.now(timezone.utc)
    work = Path(tempfile.mkdtemp(prefix="mlcrew-bench-"))
    bench = Bench(work, args.runs, args.anchors)
    try:
        for group in (group for group in GROUPS if group in groups):
            began = time.perf_counter()
            try:
                getattr(bench, group)()
            except BenchError as error:
                bench.figures.append(Figure(f"{group}.setup", group, f"{group} (set-up)", "failed", note=str(error)))
            print(f"[{group} done in {time.perf_counter() - began:.0f} s]", file=sys.stderr, flush=True)
        result: dict[str, Any] = {
            "schema": SCHEMA,
            "created": started.isoformat(timespec="seconds"),
            "command": " ".join(["python", "benchmarks/run.py", *(sys.argv[1:] if argv is None else argv)]),
            "runs": args.runs,
            "groups": groups,
            "machine": machine(),
            "load_average_1m": {group: [min(loads), max(loads)] for group, loads in bench.loads.items()},
            "versions": versions(bench),
            "figures": [asdict(figure) for figure in bench.figures],
        }
    finally:
        if args.keep:
            print(f"kept the projects in {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    path = args.json or ROOT / "benchmarks" / "results" / f"{started:%Y%m%dT%H%M%SZ}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(summary(result) + "\n\n" + (markdown(bench.figures) if args.markdown else table(bench.figures)))
    print(f"\nJSON: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
