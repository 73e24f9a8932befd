"""The generated project's docs: the site builds strictly for every option that changes a page, the
Ways of Working guard catches an emptied section, and the model card names the real metrics.

Docs change with ci_provider, serving, experiment_tracking and regulated (python_version and license
only change other files). Every pair of those values is built, using the projects the installed
matrix (tests/support/matrix.py) installs anyway, so no project is installed for this module alone.
"""

from __future__ import annotations

import itertools
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from helpers import ProjectFactory, answers_of, in_project, run
from matrix import INSTALLED, OPTIONS, combo_id, covering

DOC_OPTIONS = ("ci_provider", "serving", "experiment_tracking", "regulated")


DOC_COMBOS = covering(INSTALLED, DOC_OPTIONS)


def test_doc_combos_cover_every_pair_of_doc_options() -> None:
    needed = sum(len(OPTIONS[a]) * len(OPTIONS[b]) for a, b in itertools.combinations(DOC_OPTIONS, 2))
    covered = {
        ((a, combo[a]), (b, combo[b])) for combo in DOC_COMBOS for a, b in itertools.combinations(DOC_OPTIONS, 2)
    }
    assert len(covered) == needed
    assert len(DOC_COMBOS) < len(INSTALLED)


@pytest.mark.slow
@pytest.mark.parametrize("combo", DOC_COMBOS, ids=combo_id)
def test_docs_build_strictly(projects: ProjectFactory, combo: dict[str, Any], tmp_path: Path) -> None:
    project = projects.installed(**combo)
    site = tmp_path / "site"
    in_project(project, "mkdocs", "build", "--strict", "--site-dir", str(site))
    for page in (
        "ways-of-working",
        "onboarding",
        "environments-and-promotion",
        "logging",
        "testing",
        "runbook",
        "model-card",
        "datasheets/breast-cancer",
        "ethics-review",
        "adr/0001-use-mlcrew-template",
    ):
        assert (site / page / "index.html").is_file(), page
    assert 'class="mermaid"' in (site / "environments-and-promotion" / "index.html").read_text()
    assert not (site / "onboarding" / "README").exists(), "session records are not published"

    wow = (project / "docs" / "ways-of-working.md").read_text()
    audit = wow.split("## Audit", 1)[1].split("\n## ", 1)[0]
    if combo["regulated"]:
        assert "audit mode" in audit
        assert "**must**" in audit
        assert "never" in audit
    else:
        assert "regulated=true" in audit
        assert "**must**" not in audit
    pr_template = {
        "github": ".github/pull_request_template.md",
        "gitlab": ".gitlab/merge_request_templates/Default.md",
    }.get(combo["ci_provider"])
    if pr_template:
        assert "Definition of done" in (project / pr_template).read_text()
        assert pr_template in wow
    codeowners = (project / "CODEOWNERS").read_text()
    assert re.search(r"^/thresholds\.yaml\s+@org/product-owners @org/ml-engineers", codeowners, re.M) or (
        combo["ci_provider"] == "gitlab" and "[2] @org/product-owners @org/ml-engineers" in codeowners
    )
    assert "REPLACE the @org/... placeholders" in codeowners


def wow_test(installed: Path, copy: Path) -> Any:
    """Run the generated project's own section test on `copy`, with the installed project's environment."""
    python = installed / ".venv" / "bin" / "python"
    return run(
        [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/docs/test_ways_of_working.py"],
        copy,
        check=False,
    )


@pytest.mark.slow
def test_section_test_passes_and_fails_when_a_section_is_emptied(projects: ProjectFactory, tmp_path: Path) -> None:
    installed = projects.installed(**INSTALLED[0])
    copy = tmp_path / "project"
    shutil.copytree(installed, copy, ignore=shutil.ignore_patterns(".venv", "artifacts", ".pytest_cache"))
    passing = wow_test(installed, copy)
    assert passing.returncode == 0, passing.stdout
    assert "18 passed" in passing.stdout

    doc = copy / "docs" / "ways-of-working.md"
    text = doc.read_text()
    start = text.index("## Data\n") + len("## Data\n")
    doc.write_text(text[:start] + "\n" + text[text.index("\n## ", start) :])
    emptied = wow_test(installed, copy)
    assert emptied.returncode == 1
    assert "'## Data' in docs/ways-of-working.md is empty" in emptied.stdout
    assert "1 failed, 17 passed" in emptied.stdout

    doc.write_text(text.replace("## Audit\n", "## Paperwork\n"))
    missing = wow_test(installed, copy)
    assert missing.returncode == 1
    assert "has no '## Audit' section" in missing.stdout


@pytest.mark.slow
def test_model_card_names_the_real_metrics(projects: ProjectFactory, tmp_path: Path) -> None:
    combo = next(c for c in DOC_COMBOS if c["ci_provider"] == "github")
    copy = tmp_path / "project"
    shutil.copytree(projects.installed(**combo), copy, ignore=shutil.ignore_patterns(".venv", "artifacts"))
    run(["uv", "sync", "--quiet"], copy)
    package = answers_of(copy)["package_name"]
    in_project(copy, "python", "-m", package, "pipeline", "--smoke", "--artifacts", "artifacts")
    card_run = in_project(copy, "python", "-m", package, "model-card")
    assert card_run.returncode == 0

    metadata_files = sorted(copy.glob("artifacts/registry/*/*/metadata.json"))
    assert metadata_files, "the pipeline registered no model"
    metadata = max((json.loads(path.read_text()) for path in metadata_files), key=lambda m: m["created_at"])
    card = (copy / "docs" / "model-card.md").read_text()
    assert f"# Model card: {metadata['model_name']} {metadata['model_version']}" in card
    assert metadata["metrics"], "the registry recorded no metrics"
    for name, value in metadata["metrics"].items():
        assert f"| `{name}` | {value:.4f} |" in card, name
    for slice_name in metadata.get("slice_metrics") or {}:
        assert f"`{slice_name}`" in card
    assert metadata["plots"], "the registry recorded no plots"
    for plot in metadata["plots"]:
        name = Path(plot).name
        assert f"(assets/model-card/{name})" in card
        assert (copy / "docs" / "assets" / "model-card" / name).is_file()
    in_project(copy, "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site"))
    assert (tmp_path / "site" / "assets" / "model-card").is_dir()
