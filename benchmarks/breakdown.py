"""Where `mlcrew new` and `mlcrew update` spend their time: a profile summary for docs/performance.md.

    .venv/bin/python benchmarks/breakdown.py create     # mlcrew new --defaults (bundled template)
    .venv/bin/python benchmarks/breakdown.py update     # mlcrew update --defaults --trust (v0.1.0 -> v0.2.0)

Sets up the same template bundles and project as benchmarks/run.py, warms up once, then runs the
command in this process under cProfile and prints the time of each part (cumulative wall seconds;
cProfile slows Python code down, so read them as shares, not as the benchmark's figures), and the
processes mlcrew and copier started, by command.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import os
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import Bench

PARTS = [
    ("import copier (with questionary, prompt_toolkit, jinja2, pydantic, plumbum)", "copier/__init__.py", "<module>"),
    ("mlcrew: check the project (preflight)", "mlcrew/update.py", "preflight"),
    ("mlcrew: plan (a clone of the template, tags, CHANGELOG, copier.yml)", "mlcrew/update.py", "make_plan"),
    ("copier: run_update (copier's whole update)", "mlcrew/copier_calls.py", "update"),
    ("copier:   the old and new renders and the 3-way merge", "copier/_main.py", "_apply_update"),
    ("mlcrew: merge the renamed files (from copier's renders)", "mlcrew/update.py", "merge_renamed"),
    ("mlcrew:   render them again (only if copier's were not kept)", "mlcrew/copier_calls.py", "render"),
    ("mlcrew: read the result (git status)", "mlcrew/update_report.py", "read_result"),
    ("mlcrew: clean up and report", "mlcrew/update_report.py", "report"),
    ("copier: run_copy (each render: create 1, update 3, + mlcrew's)", "copier/_main.py", "run_copy"),
    ("copier:   clone the template (git), every render", "copier/_vcs.py", "clone"),
    ("copier:   render the files (jinja, write)", "copier/_main.py", "_render_template"),
    ("copier:   `git config core.fileMode`, once per file", "copier/_main.py", "_sync_git_index_executable_bit"),
    ("copier:   answers and computed values (jinja)", "copier/_main.py", "_ask"),
    ("mlcrew: git init, add, commit", "mlcrew/new.py", "commit_all"),
]


def parts(stats: pstats.Stats) -> list[tuple[str, float]]:
    """Cumulative time and calls of each part (the largest matching function, so nested names count once)."""
    table: dict[tuple[str, str], tuple[float, int]] = {}
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    for (filename, line, name), (primitive, _, _, cumulative, _) in raw.items():
        table[(f"{filename}:{line}", name)] = (cumulative, primitive)
    found = []
    for label, file_part, name in PARTS:
        values = [value for (where, function), value in table.items() if file_part in where and function == name]
        if values:
            seconds, calls = max(values)
            found.append((f"{label} [{calls}×]", seconds))
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("what", choices=["create", "update"])
    parser.add_argument("--copier", action="store_true", help="profile plain copier's CLI instead of mlcrew")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="mlcrew-profile-"))
    try:
        bench = Bench(work, 1, None)
        os.environ.clear()
        os.environ.update(bench.env)
        sys.dont_write_bytecode = False  # read copier's bytecode as the benchmark's processes do
        sys.pycache_prefix = bench.env["PYTHONPYCACHEPREFIX"]
        if args.what == "create":
            os.environ.update(bench.env_v1())
            argv = ["new", str(work / "project"), "--defaults"]
            copier_argv = ["copy", "--defaults", "--quiet", str(bench.bundles()[0]), str(work / "project")]

            def reset() -> None:
                shutil.rmtree(work / "project", ignore_errors=True)

        else:
            os.environ.update(bench.env_v2())
            base = bench.base()
            argv = ["update", str(work / "project"), "--defaults", "--trust"]
            copier_argv = ["update", "--defaults", "--quiet", "--trust", str(work / "project")]

            def reset() -> None:
                bench.fresh_copy(base, work / "project")

        from mlcrew import cli

        def run_copier() -> int:
            from copier._cli import CopierApp

            _, code = CopierApp.run(["copier", *copier_argv], exit=False)
            return int(code or 0)

        tool, argv = (bench.copier, copier_argv) if args.copier else (bench.mlcrew, argv)
        reset()
        subprocess.run([tool, *argv], env=os.environ, capture_output=True, check=True)  # warm-up
        reset()
        started: Counter[str] = Counter()
        original = subprocess.Popen.__init__

        def counting(self: subprocess.Popen[Any], args: Any, *rest: Any, **kwargs: Any) -> None:
            words = [str(word) for word in (args if isinstance(args, (list, tuple)) else [args])]
            started[" ".join(Path(words[0]).name.split() + words[1:3])] += 1
            original(self, args, *rest, **kwargs)

        subprocess.Popen.__init__ = counting  # type: ignore[method-assign]
        profile = cProfile.Profile(time.perf_counter)
        began = time.perf_counter()
        profile.enable()
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                code = run_copier() if args.copier else cli.main(argv)
        finally:
            profile.disable()
            subprocess.Popen.__init__ = original  # type: ignore[method-assign]
        total = time.perf_counter() - began
        print(f"{Path(tool).name} {argv[0]} (exit {code}): {total:.2f} s in-process under cProfile")
        for label, seconds in parts(pstats.Stats(profile)):
            print(f"  {label:<80} {seconds:6.2f} s  {seconds / total:4.0%}")
        print(f"processes started directly: {sum(started.values())}")
        for command, count in started.most_common(16):
            print(f"  {count:4d}  {command}")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
