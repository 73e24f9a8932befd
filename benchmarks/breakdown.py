"""Where `mlcrew new` and `mlcrew update` spend their time: a profile summary for docs/performance.md.

    .venv/bin/python benchmarks/breakdown.py create     # mlcrew new --defaults (bundled template)
    .venv/bin/python benchmarks/breakdown.py update     # mlcrew update --defaults (v0.1.0 -> v0.2.0)

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
    ("copier: run_copy (create; in an update: the 3 renders)", "copier/_main.py", "run_copy"),
    ("copier: run_update", "copier/_main.py", "run_update"),
    ("copier:   clone the template (git)", "copier/_vcs.py", "clone"),
    ("copier:   render the files (jinja, write)", "copier/_main.py", "_render_template"),
    ("copier:   `git config core.fileMode`, once per file", "copier/_main.py", "_sync_git_index_executable_bit"),
    ("copier:   answers and computed values (jinja)", "copier/_main.py", "_ask"),
    ("copier:   both renders and the three-way merge (git diff/apply)", "copier/_main.py", "_apply_update"),
    ("mlcrew: check the project (preflight)", "mlcrew/update.py", "preflight"),
    ("mlcrew: plan (template clone, tags, CHANGELOG)", "mlcrew/update.py", "plan_update"),
    ("mlcrew: answers for new questions", "mlcrew/update.py", "answer_new_questions"),
    ("mlcrew: summary (git status)", "mlcrew/update.py", "summarise"),
    ("mlcrew: git init, add, commit", "mlcrew/generate.py", "commit_all"),
]


def parts(stats: pstats.Stats) -> list[tuple[str, float]]:
    """Cumulative time of each part (the largest matching function, so nested names do not add up twice)."""
    table: dict[tuple[str, str], float] = {}
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    for (filename, line, name), (_, _, _, cumulative, _) in raw.items():
        key = (f"{filename}:{line}", name)
        table[key] = cumulative
    found = []
    for label, file_part, name in PARTS:
        values = [value for (where, function), value in table.items() if file_part in where and function == name]
        if values:
            found.append((label, max(values)))
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("what", choices=["create", "update"])
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="mlcrew-profile-"))
    try:
        bench = Bench(work, 1)
        os.environ.clear()
        os.environ.update(bench.env)
        sys.dont_write_bytecode = False  # read copier's bytecode as the benchmark's processes do
        sys.pycache_prefix = bench.env["PYTHONPYCACHEPREFIX"]
        if args.what == "create":
            os.environ.update(bench.env_v1())
            argv = ["new", str(work / "project"), "--defaults"]

            def reset() -> None:
                shutil.rmtree(work / "project", ignore_errors=True)

        else:
            os.environ.update(bench.env_v2())
            base = bench.base()
            argv = ["update", str(work / "project"), "--defaults", *bench.trust()]

            def reset() -> None:
                bench.fresh_copy(base, work / "project")

        from mlcrew import cli

        reset()
        subprocess.run([bench.mlcrew, *argv], env=os.environ, capture_output=True, check=True)  # warm-up
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
                code = cli.main(argv)
        finally:
            profile.disable()
            subprocess.Popen.__init__ = original  # type: ignore[method-assign]
        total = time.perf_counter() - began
        print(f"mlcrew {' '.join(argv[:1])} (exit {code}): {total:.2f} s in-process under cProfile")
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
