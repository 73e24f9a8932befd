"""mlcrew's own CI pushes the real tag when a release commit lands on main (the `release-tags` job).

The job's shell script is taken from .github/workflows/ci.yml and run as it is against a local clone
whose `origin` is a bare repository standing in for the git host.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import yaml
from helpers import ROOT, git, run


def job_script() -> str:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "ci.yml").read_text())
    [step] = [step for step in workflow["jobs"]["release-tags"]["steps"] if "run" in step]
    return str(step["run"])


def host_with_a_clone(tmp_path: Path) -> tuple[Path, Path]:
    """A bare 'git host' holding mlcrew's history (no tags), and a CI checkout of it."""
    host = tmp_path / "host.git"
    run(["git", "clone", "--quiet", "--bare", "--no-tags", ROOT, host], tmp_path)
    for tag in git(host, "tag", "--list").split():
        git(host, "tag", "--delete", tag)
    checkout = tmp_path / "checkout"
    run(["git", "clone", "--quiet", host, checkout], tmp_path)
    if (ROOT / "src").is_dir():  # the working tree's release logic, as the next commit will have it
        shutil.rmtree(checkout / "src")
        shutil.copytree(ROOT / "src", checkout / "src", ignore=shutil.ignore_patterns("__pycache__"))
    return host, checkout


def run_job(checkout: Path, tmp_path: Path, check: bool = True) -> str:
    env = {
        "RUNNER_TEMP": str(tmp_path),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "PIP_NO_INDEX": "1",
    }
    result = run(["bash", "-euo", "pipefail", "-c", job_script()], checkout, env=env, check=check)
    return result.stdout + result.stderr


def test_the_job_pushes_every_release_tag_once(tmp_path: Path) -> None:
    host, checkout = host_with_a_clone(tmp_path)
    out = run_job(checkout, tmp_path)
    expected = git(checkout, "log", "-1", "--format=%H", "--grep", "Release 0.1.0", "--", "CHANGELOG.md").strip()
    assert f"Pushed v0.1.0 at {expected}" in out
    assert git(host, "rev-parse", "v0.1.0^{commit}").strip() == expected
    assert "Pushed" not in run_job(checkout, tmp_path)  # idempotent: the next push to main pushes nothing


def test_the_job_refuses_a_tag_at_another_commit(tmp_path: Path) -> None:
    host, checkout = host_with_a_clone(tmp_path)
    git(host, "tag", "v0.1.0", git(host, "rev-list", "--max-parents=0", "HEAD").split()[0])
    out = run_job(checkout, tmp_path, check=False)
    assert "::error::v0.1.0 points at" in out
