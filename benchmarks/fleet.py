"""How long `mlcrew fleet` takes for 10 and 100 projects, local checkouts and file:// URLs.

    .venv/bin/python benchmarks/fleet.py              # 3 timed runs per figure after a warm-up (~3 min)
    .venv/bin/python benchmarks/fleet.py --runs 5

The fleet: real projects generated from the working tree's template, with five distinct (release,
answers) configurations (two at v0.1.0, three at v0.2.0, tests/support/releases.py), copied round-robin
into 100 members and changed the way fleets drift without changing their answers: every 4th has the
update job's branch open, every 7th a pre-commit hook removed, every 9th conflict markers committed.
URL members are the same repositories served over file:// with partial clones allowed (as GitHub and
GitLab allow them). Each figure is the median wall time of a whole `mlcrew fleet --from FILE --json`
process (the runs of the four fleets interleaved), with min, max and CPU time (user + system,
subprocesses included). Bytecode is cached in a private PYTHONPYCACHEPREFIX, as after `pip install`.

Targets (issue 16): 100 projects in <= 15 s, and <= 2x the time of 10 projects. The last figure is
what one more distinct configuration costs (5 members of 5 configurations against 5 copies of one):
the part of the cost that grows with configurations, not with members.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "support"))

from helpers import IDENTITY, generate, git, make_template_repo  # noqa: E402
from releases import release_v2  # noqa: E402

CONFIGURATIONS = ({}, {"serving": "batch"}), ({}, {"ci_provider": "gitlab"}, {"serving": "none"})
"""Answers of the base projects at v0.1.0, then at v0.2.0."""


def build(work: Path) -> tuple[list[Path], list[Path]]:
    """The base projects (one per configuration) and 100 members copied from them."""
    template = make_template_repo(work / "template")
    bases = [generate(template, work / f"base-v1-{i}", answers) for i, answers in enumerate(CONFIGURATIONS[0])]
    release_v2(template)
    bases += [generate(template, work / f"base-v2-{i}", answers) for i, answers in enumerate(CONFIGURATIONS[1])]
    members = []
    (work / "fleet").mkdir()
    for index in range(100):
        member = work / "fleet" / f"project-{index:03d}"
        subprocess.run(["cp", "-a", str(bases[index % len(bases)]), str(member)], check=True)
        if index % 4 == 0:
            git(member, "branch", "template-update/v0.2.0")
        if index % 7 == 0:
            config = member / ".pre-commit-config.yaml"
            config.write_text(config.read_text().replace("- id: check-merge-conflict", "- id: check-yaml", 1))
        if index % 9 == 0:
            (member / "README.md").write_text("<<<<<<< before updating\nours\n=======\ntheirs\n>>>>>>> after\n")
        git(member, "add", "--all")
        git(member, "commit", "--quiet", "--allow-empty", "--no-verify", "-m", "drift")
        git(member, "config", "uploadpack.allowFilter", "true")
        git(member, "config", "uploadpack.allowAnySHA1InWant", "true")
        members.append(member)
    return bases, members


def listing(work: Path, name: str, members: list[str]) -> Path:
    path = work / f"{name}.txt"
    path.write_text("\n".join(members) + "\n")
    return path


def timed(mlcrew: str, listed: Path, env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one `mlcrew fleet` process (exit 1 is expected: the fleet has drift)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run([mlcrew, "fleet", "--from", str(listed), "--json"], env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode not in (0, 1) or '"error": "' in result.stdout:
        raise SystemExit(
            f"fleet.py: mlcrew fleet failed on {listed.name}: {result.stderr[-500:]}{result.stdout[-500:]}"
        )
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


FLEETS = ("10 local checkouts", "100 local checkouts", "10 file:// URLs", "100 file:// URLs")


def measure(work: Path, runs: int, env: dict[str, str]) -> list[dict[str, object]]:
    """The fleet figures, for benchmarks/run.py (its `Figure` fields) and for main() below."""
    work.mkdir(parents=True, exist_ok=True)
    env = {**env, **IDENTITY}
    os.environ.update(IDENTITY)
    mlcrew = str(Path(sys.executable).with_name("mlcrew"))
    bases, members = build(work)
    fleets = {
        FLEETS[0]: listing(work, "local10", [str(path) for path in members[:10]]),
        FLEETS[1]: listing(work, "local100", [str(path) for path in members]),
        FLEETS[2]: listing(work, "url10", [f"file://{path}" for path in members[:10]]),
        FLEETS[3]: listing(work, "url100", [f"file://{path}" for path in members]),
        "5 copies of 1 configuration": listing(work, "same5", [str(bases[0])] * 5),
        "5 configurations": listing(work, "distinct5", [str(path) for path in bases]),
    }
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in fleets}
    for run in range(-1, runs):
        for name, listed in fleets.items():
            figure = timed(mlcrew, listed, env)
            if run >= 0:
                samples[name].append(figure)
    median = {name: statistics.median(wall for wall, _ in found) for name, found in samples.items()}
    figures: list[dict[str, object]] = []
    for name, found in samples.items():
        walls = [wall for wall, _ in found]
        item: dict[str, object] = {
            "id": "fleet." + name.replace(" ", "-").replace(":", "").replace("/", ""),
            "label": f"mlcrew fleet, {name}",
            "median": median[name],
            "min": min(walls),
            "max": max(walls),
            "cpu": statistics.median(cpu for _, cpu in found),
            "samples": walls,
        }
        if name.startswith("100 "):
            ratio = median[name] / median[name.replace("100 ", "10 ")]
            item["target"] = "<= 15 s and <= 2x of 10"
            item["met"] = median[name] <= 15 and ratio <= 2
            item["note"] = f"{ratio:.2f}x the time of 10"
        figures.append(item)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="timed runs per figure (after one warm-up)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mlcrew-bench-fleet-") as tmp:
        work = Path(tmp)
        env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
        env.update(PYTHONPYCACHEPREFIX=str(work / "pycache"), COPIER_CACHE_DIR=str(work / "copier-cache"))
        print("Building the fleet (5 configurations, 100 members)...", flush=True)
        figures = measure(work, args.runs, env)
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"\nmlcrew fleet, {args.runs} runs each, on {os.cpu_count()} CPUs (load now {os.getloadavg()[0]:.1f}):\n")
    print(f"{'fleet':<45} {'median':>8} {'min':>8} {'max':>8} {'cpu':>8}")
    for item in figures:
        times = "".join(f" {item[key]:>7.2f}s" for key in ("median", "min", "max", "cpu"))
        print(f"{item['label']!s:<45}{times}")
    print(f"\npeak memory of one mlcrew process: {peak:.0f} MB")
    by_label = {str(item["label"]): item for item in figures}
    same, distinct = by_label["mlcrew fleet, 5 copies of 1 configuration"], by_label["mlcrew fleet, 5 configurations"]
    per_configuration = (float(distinct["median"]) - float(same["median"])) / 4  # type: ignore[arg-type]
    print(f"one more distinct configuration costs about {per_configuration:.2f} s")
    verdicts = [bool(item["met"]) for item in figures if "met" in item]
    for item in figures:
        if "met" in item:
            print(
                f"{item['label']}: {item['median']:.2f} s, {item['note']} (target {item['target']}): "
                f"{'met' if item['met'] else 'NOT met'}"
            )
    return 0 if all(verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
