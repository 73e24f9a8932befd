"""The exact file set a generated project gets, per answer: one entry per generated file.

Each entry is (path, condition). The condition takes the answers and says whether the file exists;
`ALWAYS` for files every project gets. Paths use the default package name placeholder `{pkg}`.
When you add a file to template/, add it here: the test fails on any file not listed or missing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Answers = Mapping[str, Any]


def ALWAYS(_: Answers) -> bool:
    return True


MANIFEST: list[tuple[str, Callable[[Answers], bool]]] = [
    (".copier-answers.yml", ALWAYS),
    (".gitignore", ALWAYS),
    (".pre-commit-config.yaml", ALWAYS),
    ("README.md", ALWAYS),
    ("noxfile.py", ALWAYS),
    ("pyproject.toml", ALWAYS),
    ("LICENSE", lambda a: a["license"] != "proprietary"),
    ("src/{pkg}/__init__.py", ALWAYS),
    ("src/{pkg}/__main__.py", ALWAYS),
    ("src/{pkg}/py.typed", ALWAYS),
    ("tests/conftest.py", ALWAYS),
    ("tests/unit/test_version.py", ALWAYS),
    # Ways of Working, docs site, governance (issue 5)
    ("CODEOWNERS", ALWAYS),
    (".github/pull_request_template.md", lambda a: a["ci_provider"] == "github"),
    (".gitlab/merge_request_templates/Default.md", lambda a: a["ci_provider"] == "gitlab"),
    ("mkdocs.yml", ALWAYS),
    ("docs/index.md", ALWAYS),
    ("docs/ways-of-working.md", ALWAYS),
    ("docs/onboarding.md", ALWAYS),
    ("docs/onboarding/README.md", ALWAYS),
    ("docs/environments-and-promotion.md", ALWAYS),
    ("docs/logging.md", ALWAYS),
    ("docs/security.md", ALWAYS),
    ("docs/testing.md", ALWAYS),
    ("docs/runbook.md", ALWAYS),
    ("docs/monitoring.md", ALWAYS),
    ("docs/your-data.md", ALWAYS),
    ("docs/model-card.md", ALWAYS),
    ("docs/datasheets/breast-cancer.md", ALWAYS),
    ("docs/ethics-review.md", ALWAYS),
    ("docs/adr/0001-use-mlcrew-template.md", ALWAYS),
    ("src/{pkg}/model_card.py", ALWAYS),
    ("tests/docs/test_ways_of_working.py", ALWAYS),
    ("tests/docs/test_docs_site.py", ALWAYS),
    ("tests/unit/test_model_card.py", ALWAYS),
    # The ML product: environments, logging, pipeline, serving, test layout (issue 3)
    (".env.example", ALWAYS),
    ("thresholds.yaml", ALWAYS),
    ("configs/base.yaml", ALWAYS),
    ("configs/dev.yaml", ALWAYS),
    ("configs/staging.yaml", ALWAYS),
    ("configs/prod.yaml", ALWAYS),
    ("configs/schema.yaml", ALWAYS),
    ("Dockerfile", lambda a: a["serving"] != "none"),
    (".dockerignore", lambda a: a["serving"] != "none"),
    ("examples/predict-request.json", lambda a: a["serving"] == "api"),
    ("notebooks/README.md", ALWAYS),
    ("notebooks/01-explore-data.ipynb", ALWAYS),
    ("src/{pkg}/settings.py", ALWAYS),
    ("src/{pkg}/logs.py", ALWAYS),
    ("src/{pkg}/data.py", ALWAYS),
    ("src/{pkg}/schema.py", ALWAYS),
    ("src/{pkg}/monitoring.py", ALWAYS),
    ("src/{pkg}/features.py", ALWAYS),
    ("src/{pkg}/model.py", ALWAYS),
    ("src/{pkg}/evaluation.py", ALWAYS),
    ("src/{pkg}/registry.py", ALWAYS),
    ("src/{pkg}/pipeline.py", ALWAYS),
    ("src/{pkg}/predict.py", ALWAYS),
    ("src/{pkg}/drift.py", ALWAYS),
    ("src/{pkg}/api.py", lambda a: a["serving"] == "api"),
    ("src/{pkg}/tracking.py", lambda a: a["experiment_tracking"] == "mlflow"),
    ("tests/unit/README.md", ALWAYS),
    ("tests/unit/test_settings.py", ALWAYS),
    ("tests/unit/test_logs.py", ALWAYS),
    ("tests/unit/test_features.py", ALWAYS),
    ("tests/unit/test_model_spec.py", ALWAYS),
    ("tests/unit/test_notebooks_policy.py", ALWAYS),
    ("tests/unit/test_cli.py", ALWAYS),
    ("tests/unit/test_drift.py", ALWAYS),
    ("tests/data/README.md", ALWAYS),
    ("tests/data/test_schema.py", ALWAYS),
    ("tests/data/test_leakage.py", ALWAYS),
    ("tests/model/README.md", ALWAYS),
    ("tests/model/test_quality.py", ALWAYS),
    ("tests/model/test_behaviour.py", ALWAYS),
    ("tests/skew/README.md", ALWAYS),
    ("tests/skew/test_skew.py", ALWAYS),
    ("tests/integration/README.md", ALWAYS),
    ("tests/integration/test_pipeline.py", ALWAYS),
    ("tests/integration/test_monitoring.py", ALWAYS),
    ("tests/integration/test_your_data.py", ALWAYS),
    ("tests/integration/test_api.py", lambda a: a["serving"] == "api"),
    ("tests/integration/test_api_contract.py", lambda a: a["serving"] == "api"),
    ("tests/integration/test_score.py", lambda a: a["serving"] == "batch"),
    ("tests/integration/test_mlflow.py", lambda a: a["experiment_tracking"] == "mlflow"),
    ("tests/smoke/README.md", ALWAYS),
    ("tests/smoke/test_deployed.py", ALWAYS),
    # CI/CD and deployment (issue 4)
    (".github/workflows/ci.yml", lambda a: a["ci_provider"] == "github"),
    (".github/workflows/retrain.yml", lambda a: a["ci_provider"] == "github"),
    (".github/workflows/template-update.yml", lambda a: a["ci_provider"] == "github"),
    (".github/dependabot.yml", lambda a: a["ci_provider"] == "github"),
    (".gitlab/renovate.json", lambda a: a["ci_provider"] == "gitlab"),
    ("ci/template_update.py", lambda a: a["ci_provider"] != "none"),
    (".gitlab-ci.yml", lambda a: a["ci_provider"] == "gitlab"),
    ("docs/platform-setup.md", ALWAYS),
    ("deploy/release.py", lambda a: a["serving"] != "none"),
    ("deploy/k8s/deploy.sh", lambda a: a["serving"] != "none"),
    ("deploy/k8s/base/kustomization.yaml", lambda a: a["serving"] != "none"),
    ("deploy/k8s/base/deployment.yaml", lambda a: a["serving"] == "api"),
    ("deploy/k8s/base/service.yaml", lambda a: a["serving"] == "api"),
    ("deploy/k8s/base/cronjob.yaml", lambda a: a["serving"] == "batch"),
    ("deploy/k8s/overlays/dev/kustomization.yaml", lambda a: a["serving"] != "none"),
    ("deploy/k8s/overlays/staging/kustomization.yaml", lambda a: a["serving"] != "none"),
    ("deploy/k8s/overlays/prod/kustomization.yaml", lambda a: a["serving"] != "none"),
]


def expected_files(answers: Answers) -> set[str]:
    """The files a project generated with `answers` must have, no more and no fewer."""
    return {path.format(pkg=answers["package_name"]) for path, applies in MANIFEST if applies(answers)}
