"""Generated projects follow the Scientific Python development guide wherever it fits an application.

`sp-repo-review` (the guide's checker) runs on rendered projects for a few option combinations. No
check may fail. A rule that does not fit (pre-commit.ci settings for a private product, the remote
hook repositories that our PyPI-installed `repo: local` hooks replace, ...) is in the project's
`[tool.repo-review.ignore]` with its reason. Every ignored rule must still fail when the ignores are
dropped, so the list holds no stale entries that could hide a later regression.
"""

from __future__ import annotations

import json
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from helpers import ProjectFactory, run
from matrix import combo_id

REPO_REVIEW = Path(sys.executable).parent / "repo-review"
COMBOS = [
    {"ci_provider": "github", "license": "proprietary", "serving": "api"},
    {"ci_provider": "gitlab", "license": "MIT", "serving": "batch", "experiment_tracking": "mlflow"},
    {"ci_provider": "none", "license": "Apache-2.0", "serving": "none", "regulated": True},
]


def review(project: Path, *extra: str) -> dict[str, dict[str, Any]]:
    """Each check's result (True passed, False failed, None skipped) and details."""
    result = run([REPO_REVIEW, project, "--format", "json", *extra], project, check=False)
    checks: dict[str, dict[str, Any]] = json.loads(result.stdout)["checks"]
    return checks


@pytest.mark.parametrize("combo", COMBOS, ids=combo_id)
def test_the_scientific_python_checks_pass_or_say_why_not(projects: ProjectFactory, combo: dict[str, Any]) -> None:
    project = projects.get(**combo)
    ignored: dict[str, str] = tomllib.loads((project / "pyproject.toml").read_text())["tool"]["repo-review"]["ignore"]
    for check, reason in ignored.items():
        assert len(reason) > 30, f"{check}: the reason says why the rule does not fit"

    checks = review(project)
    failed = {name: check["err_msg"][:300] for name, check in checks.items() if check["result"] is False}
    assert failed == {}
    assert sum(check["result"] is True for check in checks.values()) >= 30, "the checker really ran"

    unignored = review(project, "--ignore", "NONE")
    really_failing = {name for name, check in unignored.items() if check["result"] is False}
    assert set(ignored) == really_failing, "the ignore list is exactly the rules that do not fit"
    assert ("PY003" in ignored) == (combo["license"] == "proprietary")
    assert ("SEC001" in ignored) == (combo["ci_provider"] == "github")
