"""From every earlier release of mlcrew's own standard to HEAD, on a project a team has really edited.

The releases are mlcrew's own, derived from CHANGELOG.md's history exactly as the wheel tags them
(helpers.released_clone); HEAD is this working tree (committed on top), as the next release will be.
Each project is generated at a release with plain copier, edited the way teams edit (configs, the
quality gate, a Ways of Working section, their own module and its test, a README line, a deleted
example notebook), then updated with `mlcrew update` or with plain `copier update`. The updated
project must keep every edit, have no conflict, install, and pass its own tests, lint and type check.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from helpers import (
    ROOT,
    TEMPLATE_FILES,
    answers_of,
    files_of,
    files_with_markers,
    git,
    in_project,
    install,
    mlcrew,
    released_clone,
    run,
)

from mlcrew.versions import release_history


def earlier_releases() -> list[str]:
    """Every release of mlcrew's history that is not HEAD itself (HEAD is what they update to)."""
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--", *TEMPLATE_FILES], cwd=ROOT, capture_output=True, text=True
    ).stdout
    return [release.tag for release in release_history(ROOT).releases if release.commit != head or dirty]


RELEASES = earlier_releases()

OWN_MODULE = '''"""Our own business rule: not the template's business."""


def needs_second_review(score: float, amount: float) -> bool:
    """Large claims are reviewed twice whatever the model says."""
    return amount > 10_000 or score >= 0.9
'''
OWN_TEST = """from {package}.business_rules import needs_second_review


def test_large_amounts_need_a_second_review() -> None:
    assert needs_second_review(0.1, 20_000)
    assert not needs_second_review(0.1, 50)
"""
WOW_NOTE = "We hold the demo on Thursdays, with the product owner and the clinicians who use the triage list."
README_LINE = "Support: #ml-tumour-triage on chat."


def team_edits(project: Path) -> dict[str, str]:
    """Edit the project as a team does and commit; returns file -> a line that must survive the update."""
    package = answers_of(project)["package_name"]
    base = project / "configs" / "base.yaml"
    base.write_text(base.read_text().replace("decision_threshold: 0.5", "decision_threshold: 0.4", 1))
    staging = project / "configs" / "staging.yaml"
    staging.write_text(staging.read_text().replace("prediction_sample_rate: 0.1", "prediction_sample_rate: 0.2", 1))
    thresholds = project / "thresholds.yaml"
    thresholds.write_text(thresholds.read_text().replace("recall: 0.90", "recall: 0.91", 1))
    wow = project / "docs" / "ways-of-working.md"
    text = wow.read_text()
    cadence_end = text.index("\n## ", text.index("## Cadence"))
    wow.write_text(text[:cadence_end] + f"\n{WOW_NOTE}\n" + text[cadence_end:])
    (project / "src" / package / "business_rules.py").write_text(OWN_MODULE)
    (project / "tests" / "unit" / "test_business_rules.py").write_text(OWN_TEST.format(package=package))
    readme = project / "README.md"
    readme.write_text(readme.read_text() + f"\n{README_LINE}\n")
    (project / "notebooks" / "01-explore-data.ipynb").unlink()
    git(project, "add", "--all")
    git(project, "commit", "--quiet", "-m", "Our team's changes")
    return {
        "configs/base.yaml": "decision_threshold: 0.4",
        "configs/staging.yaml": "prediction_sample_rate: 0.2",
        "thresholds.yaml": "recall: 0.91",
        "docs/ways-of-working.md": WOW_NOTE,
        f"src/{package}/business_rules.py": "def needs_second_review",
        "tests/unit/test_business_rules.py": "def test_large_amounts_need_a_second_review",
        "README.md": README_LINE,
    }


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """mlcrew's history with its releases tagged, and this working tree's template as HEAD."""
    repo = released_clone(tmp_path_factory.mktemp("real") / "mlcrew")
    for name in TEMPLATE_FILES:
        shutil.rmtree(repo / name, ignore_errors=True)
        (repo / name).unlink(missing_ok=True)
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, repo / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(ROOT / name, repo / name)
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "--allow-empty", "-m", "the working tree")
    return repo


def test_there_is_an_earlier_release_to_update_from() -> None:
    """The release-to-HEAD tests below must run for real, never skip: mlcrew has released before."""
    assert RELEASES, "no release found in mlcrew's history (CHANGELOG.md's dated headings)"


@pytest.mark.slow
@pytest.mark.parametrize("how", ["mlcrew", "copier"])
@pytest.mark.parametrize("release", RELEASES)
def test_an_edited_project_updates_from_a_release_to_head(
    template: Path, tmp_path: Path, release: str, how: str, capsys: pytest.CaptureFixture[str]
) -> None:
    import copier

    project = tmp_path / "product"
    copier.run_copy(str(template), project, defaults=True, quiet=True, vcs_ref=release)
    git(project, "init", "--quiet", "--initial-branch=main")
    git(project, "add", "--all")
    git(project, "commit", "--quiet", "-m", f"generated at {release}")
    kept = team_edits(project)

    if how == "mlcrew":
        code = mlcrew("update", project, "--defaults", "--trust", "--vcs-ref", "HEAD")
        out = capsys.readouterr().out
        assert code == 0, out
    else:
        command = [sys.executable, "-m", "copier", "update", "--defaults", "--trust", "--vcs-ref", "HEAD"]
        run(command, project)

    head = git(template, "describe", "--tags", "--always", "HEAD").strip()
    assert answers_of(project)["_commit"] == head
    assert files_with_markers(project) == set()
    assert not [name for name in files_of(project) if name.endswith(".rej")]
    for name, line in kept.items():
        assert line in (project / name).read_text(), f"{name} lost the team's edit: {line}"
    assert not (project / "notebooks" / "01-explore-data.ipynb").exists()
    yaml.safe_load((project / "configs" / "base.yaml").read_text())

    git(project, "add", "--all")
    git(project, "commit", "--quiet", "-m", "Update the standard")
    install(project)
    tests = in_project(project, "pytest", "-q", "-p", "no:cacheprovider")
    assert " passed" in tests.stdout
    assert " failed" not in tests.stdout
    assert "test_large_amounts_need_a_second_review" not in tests.stdout  # passed, so not listed
    in_project(project, "ruff", "check", "--no-cache", ".")
    in_project(project, "ruff", "format", "--no-cache", "--check", ".")
    in_project(project, "mypy")
