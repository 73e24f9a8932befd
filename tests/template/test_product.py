"""The generated ML product works as its README says: train, gate, register, serve, refuse bad config.

These run the default project's own command line in a copy of the shared installed project (its
environment is reused, nothing is reinstalled), the way a new team member would on day one. The
option matrix (every project's own tests, linters and type checks) is tests/template/test_generated_project.py.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import ProjectFactory

CONTRACT_KEYS = {
    "model_name",
    "model_version",
    "created_at",
    "data_version",
    "code_version",
    "params",
    "metrics",
    "baseline_metrics",
    "simpler_metrics",
    "holdout_metrics",
    "slice_metrics",
    "thresholds",
    "passed_gate",
    "dataset",
    "report",
    "plots",
    "features",
    "cross_validation",
    "tuning",
    "feature_importance",
    "environment",
}
VERSION = re.compile(r"\d{8}\.\d{6}(\.\d+)?")
PNG = b"\x89PNG\r\n\x1a\n"


class Product:
    """A copy of the default generated project, run with the shared project's installed environment."""

    def __init__(self, source: Path, root: Path, python: Path | None = None) -> None:
        self.root = root
        self.python = python or source / ".venv" / "bin" / "python"
        self.package = "tumour_triage"
        shutil.copytree(source, root, ignore=shutil.ignore_patterns(".venv", "__pycache__"))

    def env(self, **extra: str) -> dict[str, str]:
        clean = {k: v for k, v in os.environ.items() if not k.startswith(("APP_", "APP__", "VIRTUAL_ENV"))}
        return {**clean, "APP_ENV": "dev", **extra}

    def run(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.python), "-m", self.package, *args],
            cwd=self.root,
            env=self.env(**env),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )


@pytest.fixture(scope="module")
def product(projects: ProjectFactory, tmp_path_factory: pytest.TempPathFactory) -> Product:
    """The default project after `python -m <pkg> pipeline`, as its README tells a new user."""
    made = Product(projects.installed(), tmp_path_factory.mktemp("product") / "tumour-triage")
    result = made.run("pipeline")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "registered" in result.stdout
    return made


def registered(product: Product) -> list[Path]:
    return sorted((product.root / "artifacts" / "registry" / "classifier").iterdir())


@pytest.mark.slow
def test_pipeline_registers_a_model_with_the_contract_metadata(product: Product) -> None:
    [folder] = registered(product)
    metadata: dict[str, Any] = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))
    assert set(metadata) == CONTRACT_KEYS
    assert VERSION.fullmatch(metadata["model_version"]), "a time-stamped id that survives CI"
    assert folder.name == metadata["model_version"]
    assert metadata["passed_gate"] is True
    assert (folder / "model.skops").is_file(), "loaded without executing code (skops)"
    assert not (folder / "model.joblib").exists()
    assert (folder / "reference.json").is_file(), "the monitoring reference travels with the model"
    assert metadata["created_at"].endswith(("Z", "+00:00"))
    assert len(metadata["data_version"]) == 16
    assert metadata["code_version"].startswith("0.1.0+"), "the git commit is part of the code version"
    assert {"python", "scikit-learn", "numpy"} <= set(metadata["environment"])
    # Real, cross-validated metrics from a real model, well above both baselines.
    assert 0.95 <= metadata["metrics"]["roc_auc"] <= 1.0
    assert abs(metadata["baseline_metrics"]["roc_auc"] - 0.5) < 0.05
    assert 0.8 < metadata["simpler_metrics"]["roc_auc"] < metadata["metrics"]["roc_auc"]
    assert len(metadata["cross_validation"]["fold_roc_auc"]) == 5
    assert set(metadata["slice_metrics"]) == {"small_nuclei", "large_nuclei"}
    assert metadata["thresholds"]["min"]["roc_auc"] == 0.95
    report = (product.root / "artifacts" / "reports" / "evaluation.md").read_text(encoding="utf-8")
    assert "Gate: PASSED" in report
    assert "simpler_model.roc_auc_margin" in report
    assert "## Feature importance" in report
    for plot in ("confusion_matrix.png", "roc_curve.png"):
        assert (product.root / "artifacts" / "reports" / plot).read_bytes().startswith(PNG)
    for plot in metadata["plots"]:
        assert (product.root / plot).read_bytes().startswith(PNG)


def _tree(folder: Path) -> dict[str, str]:
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.mark.slow
def test_the_smoke_run_onboarding_uses_leaves_the_artifacts_byte_identical(product: Product) -> None:
    """`mlcrew onboard` runs `python -m <pkg> pipeline --smoke`: nothing in artifacts/ may change."""
    before = _tree(product.root / "artifacts")
    result = product.run("pipeline", "--smoke")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "scratch folder" in result.stdout
    assert _tree(product.root / "artifacts") == before


@pytest.mark.slow
def test_rollback_is_one_command(product: Product, tmp_path: Path) -> None:
    work = Product(product.root, tmp_path / "work", python=product.python)
    assert work.run("pipeline").returncode == 0
    first, second = (folder.name for folder in registered(work))
    result = work.run("rollback", "--reason", "rehearsal")
    assert result.returncode == 0, result.stderr
    assert f"withdrew classifier {second}; serving {first}" in result.stdout
    again = work.run("rollback")
    assert again.returncode == 1
    assert again.stderr.count("\n") == 1
    assert "no earlier servable version" in again.stderr


@pytest.mark.slow
def test_raised_threshold_fails_the_gate(product: Product) -> None:
    thresholds = product.root / "thresholds.yaml"
    original = thresholds.read_text(encoding="utf-8")
    try:
        thresholds.write_text(original.replace("roc_auc: 0.95", "roc_auc: 0.9999"), encoding="utf-8")
        result = product.run("evaluate")
    finally:
        thresholds.write_text(original, encoding="utf-8")
    assert result.returncode == 1
    assert "quality gate failed: min.roc_auc" in result.stderr
    assert "Traceback" not in result.stderr
    assert "Gate: FAILED" in (product.root / "artifacts" / "reports" / "evaluation.md").read_text(encoding="utf-8")


@pytest.mark.slow
def test_prod_without_its_secret_refuses_to_start(product: Product) -> None:
    result = product.run("validate", APP_ENV="prod")
    assert result.returncode == 2
    assert "secrets.data_token is missing (APP_ENV=prod)" in result.stderr
    assert "APP__SECRETS__DATA_TOKEN" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1


@pytest.mark.slow
def test_prod_logs_are_json_lines(product: Product) -> None:
    secrets = {"APP__SECRETS__DATA_TOKEN": "x", "APP__SECRETS__API_TOKEN": "y"}
    result = product.run("validate", APP_ENV="prod", **secrets)
    assert result.returncode == 0, result.stderr
    event = json.loads(result.stderr.strip().splitlines()[-1])
    assert event["event"] == "validate.passed"
    assert {"ts", "level", "service", "env", "app_version"} <= set(event)
    assert event["env"] == "prod"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def served(product: Product) -> Iterator[str]:
    """`python -m <pkg> serve` on a free port, stopped after the test."""
    port = _free_port()
    process = subprocess.Popen(
        [str(product.python), "-m", product.package, "serve", "--port", str(port)],
        cwd=product.root,
        env=product.env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{url}/ready", timeout=2):
                    break
            except OSError:
                assert process.poll() is None, "the service exited"
                time.sleep(0.5)
        else:
            pytest.fail("the service never became ready")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.mark.slow
def test_serve_answers_the_readme_request(product: Product, served: str) -> None:
    body = (product.root / "examples" / "predict-request.json").read_bytes()
    request = urllib.request.Request(f"{served}/predict", data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        answer = json.loads(response.read())
        version = response.headers["X-Model-Version"]
    assert VERSION.fullmatch(version)
    assert answer["model_version"] == version
    assert answer["request_id"]
    assert answer["predictions"][0]["flagged"] is True
    bad = urllib.request.Request(
        f"{served}/predict", data=b'{"records": [{"mean_radius": 1}]}', headers={"Content-Type": "application/json"}
    )
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(bad, timeout=10)
    assert error.value.code == 422
