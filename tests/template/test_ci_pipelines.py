"""The generated CI/CD (issue 4): valid pipelines, a clean security audit, honest deploy manifests.

For every ci_provider × serving × regulated combination (18 rendered projects, no install):
- GitHub workflows validate against the GitHub workflow schema and GitLab's file against the GitLab
  CI schema (check-jsonschema's offline copies), and `zizmor --offline` finds nothing;
- the security rules zizmor does not cover are asserted directly (empty top-level permissions,
  timeouts everywhere, SHA-pinned actions with their version, no `${{ }}` inside scripts, ...);
- the kustomize overlays are resolved (a small resolver for exactly the kustomize features the
  template uses: it refuses any other) and each environment gets its APP_ENV, namespace and image;
  the resolved objects validate against the Kubernetes schemas (kubernetes-validate, offline);
- deploy.sh really runs: unconnected it says so and succeeds, and the release it would apply pins
  the digest; deploy/release.py writes the promotion record and the change record.
Slow, one installed project per serving value: every `nox -s NAME` and `-m MARKER` the pipelines
use exists in the project (`nox -l`, `pytest --markers`).
"""

from __future__ import annotations

import copy
import itertools
import json
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from matrix import INSTALLED, OPTIONS, combo_id, product
from helpers import ProjectFactory, in_project, run

BIN = Path(sys.executable).parent
COMBOS = product({name: OPTIONS[name] for name in ("ci_provider", "serving", "regulated")})
GITHUB = [combo for combo in COMBOS if combo["ci_provider"] == "github"]
GITLAB = [combo for combo in COMBOS if combo["ci_provider"] == "gitlab"]
SERVING = [combo for combo in COMBOS if combo["serving"] != "none" and combo["ci_provider"] != "none"]
DIGEST = "sha256:" + "ab" * 32
K8S_VERSION = kubernetes_validate.latest_version()  # the newest Kubernetes schemas the validator ships


def workflows(project: Path) -> list[Path]:
    return sorted((project / ".github" / "workflows").glob("*.yml"))


def pipeline_files(project: Path) -> list[Path]:
    """The CI definition files of a project, whatever its provider."""
    return [*workflows(project), *[p for p in [project / ".gitlab-ci.yml"] if p.exists()]]


# ----------------------------------------------------------------------------------------------
# Schemas and the security audit
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("combo", GITHUB, ids=combo_id)
def test_github_workflows_match_the_schema_and_pass_zizmor(projects: ProjectFactory, combo: dict[str, Any]) -> None:
    project = projects.get(**combo)
    files = workflows(project)
    assert [f.name for f in files] == ["ci.yml", "retrain.yml", "template-update.yml"]
    run([BIN / "check-jsonschema", "--builtin-schema", "vendor.github-workflows", *files], project)
    audit = run(
        [BIN / "zizmor", "--offline", "--no-progress", *files, project / ".github" / "dependabot.yml"],
        project,
        check=False,
    )
    assert audit.returncode == 0, audit.stdout + audit.stderr
    assert "No findings" in audit.stdout + audit.stderr


@pytest.mark.parametrize("combo", GITLAB, ids=combo_id)
def test_gitlab_pipeline_matches_the_schema(projects: ProjectFactory, combo: dict[str, Any]) -> None:
    project = projects.get(**combo)
    run([BIN / "check-jsonschema", "--builtin-schema", "vendor.gitlab-ci", project / ".gitlab-ci.yml"], project)


@pytest.mark.parametrize("serving", ["api", "batch", "none"])
def test_each_provider_gets_only_its_own_ci_files(projects: ProjectFactory, serving: str) -> None:
    for ci in ["github", "gitlab", "none"]:
        project = projects.get(ci_provider=ci, serving=serving, regulated=False)
        assert (project / ".github" / "workflows").exists() == (ci == "github")
        assert (project / ".gitlab-ci.yml").exists() == (ci == "gitlab")
        if ci == "none":
            assert pipeline_files(project) == []


@pytest.mark.parametrize("combo", GITHUB, ids=combo_id)
def test_github_security_posture(projects: ProjectFactory, combo: dict[str, Any]) -> None:
    """What a reviewer checks by hand in a workflow, for every job and step."""
    for path in workflows(projects.get(**combo)):
        text = path.read_text()
        workflow = yaml.safe_load(text)
        triggers = workflow[True]  # PyYAML reads the key `on` as the boolean True
        assert "pull_request_target" not in triggers, path.name
        assert workflow["permissions"] == {}, path.name
        assert "concurrency" in workflow, path.name
        for line in text.splitlines():
            if "uses:" in line:
                assert re.search(r"uses: [\w.-]+/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$", line), line
        for name, job in workflow["jobs"].items():
            where = f"{path.name}:{name}"
            assert isinstance(job.get("timeout-minutes"), int), where
            assert "permissions" in job, where
            uses_secrets = "secrets." in json.dumps(job)
            assert not uses_secrets or "environment" in job, f"{where}: secrets only through an environment"
            for step in job["steps"]:
                assert "${{" not in step.get("run", ""), f"{where}: pass expressions to scripts through env"
                if step.get("uses", "").startswith("actions/checkout@"):
                    assert step["with"]["persist-credentials"] is False, where


@pytest.mark.parametrize("combo", [c for c in GITHUB if c["serving"] != "none"], ids=combo_id)
def test_github_promotes_the_built_digest_behind_an_approval(projects: ProjectFactory, combo: dict[str, Any]) -> None:
    jobs = yaml.safe_load((projects.get(**combo) / ".github" / "workflows" / "ci.yml").read_text())["jobs"]
    assert "refs/heads/main" in jobs["build"]["if"]
    assert jobs["deploy-staging"]["environment"]["name"] == "staging"
    prod = jobs["promote-prod"]
    assert prod["environment"]["name"] == "production"
    assert prod["needs"] == ["build", "deploy-staging"]
    for job in (jobs["deploy-staging"], prod):
        deploy = next(step for step in job["steps"] if "deploy.sh" in step.get("run", ""))
        assert deploy["env"]["IMAGE_REF"] == "${{ needs.build.outputs.image }}"
    scripts = "\n".join(step.get("run", "") for step in prod["steps"])
    assert ("release.py change-record" in scripts) == combo["regulated"]
    assert ("actions/runs/$GITHUB_RUN_ID/approvals" in scripts) == combo["regulated"]


@pytest.mark.parametrize("combo", GITLAB, ids=combo_id)
def test_gitlab_jobs_and_promotion(projects: ProjectFactory, combo: dict[str, Any]) -> None:
    pipeline = yaml.safe_load((projects.get(**combo) / ".gitlab-ci.yml").read_text())
    jobs = {name: job for name, job in pipeline.items() if isinstance(job, dict) and "script" in job}
    for name, job in jobs.items():
        assert job.get("timeout", pipeline["default"]["timeout"]), name
        assert "${{" not in json.dumps(job), name
    assert {"lint", "tests", "train-smoke", "retrain", "drift", "template-update"} <= set(jobs)
    assert ("promote-prod" in jobs) == (combo["serving"] != "none")
    if combo["serving"] != "none":
        manual = next(rule for rule in jobs["promote-prod"]["rules"] if rule.get("when") == "manual")
        assert jobs["promote-prod"]["environment"]["name"] == "production"
        assert (manual.get("allow_failure") is False) == combo["regulated"]
        assert ("change-record" in jobs) == combo["regulated"]


# ----------------------------------------------------------------------------------------------
# Kubernetes manifests
# ----------------------------------------------------------------------------------------------

KUSTOMIZE_FIELDS = {"apiVersion", "kind", "namespace", "resources", "images", "replicas", "patches"}


def strategic_merge(base: Any, patch: Any) -> Any:
    """Kubernetes strategic merge for the fields the overlays patch: maps merge, named lists merge by name."""
    if isinstance(base, dict) and isinstance(patch, dict):
        merged = dict(base)
        for key, value in patch.items():
            merged[key] = strategic_merge(base[key], value) if key in base else copy.deepcopy(value)
        return merged
    if isinstance(base, list) and isinstance(patch, list) and all(isinstance(i, dict) and "name" in i for i in patch):
        merged_list = [copy.deepcopy(item) for item in base]
        for item in patch:
            index = next((i for i, old in enumerate(merged_list) if old.get("name") == item["name"]), None)
            if index is None:
                merged_list.append(copy.deepcopy(item))
            else:
                merged_list[index] = strategic_merge(merged_list[index], item)
        return merged_list
    return copy.deepcopy(patch)


def containers(obj: dict[str, Any]) -> list[dict[str, Any]]:
    spec = obj["spec"]["jobTemplate"]["spec"] if obj["kind"] == "CronJob" else obj["spec"]
    result: list[dict[str, Any]] = spec["template"]["spec"]["containers"]
    return result


def image_name(image: str) -> str:
    """`repo/name:tag` or `repo/name@sha256:...` -> `repo/name`."""
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    return name[: len(name) - len(last)] + last.split(":", 1)[0]


def kustomize(directory: Path) -> list[dict[str, Any]]:
    """Resolve a kustomization the way `kustomize build` does, for the features the template uses."""
    spec = yaml.safe_load((directory / "kustomization.yaml").read_text())
    assert set(spec) <= KUSTOMIZE_FIELDS, f"{directory}: teach this resolver {set(spec) - KUSTOMIZE_FIELDS}"
    objects: list[dict[str, Any]] = []
    for resource in spec.get("resources", []):
        path = directory / resource
        objects += kustomize(path) if path.is_dir() else list(yaml.safe_load_all(path.read_text()))
    for entry in spec.get("patches", []):
        patch = yaml.safe_load(entry["patch"])
        index = next(
            i
            for i, obj in enumerate(objects)
            if (obj["kind"], obj["metadata"]["name"]) == (patch["kind"], patch["metadata"]["name"])
        )
        objects[index] = strategic_merge(objects[index], patch)
    for replicas in spec.get("replicas", []):
        matched = [obj for obj in objects if obj["metadata"]["name"] == replicas["name"] and "replicas" in obj["spec"]]
        assert matched, f"replicas for {replicas['name']} match nothing"
        for obj in matched:
            obj["spec"]["replicas"] = replicas["count"]
    for image in spec.get("images", []):
        for obj in objects:
            if obj["kind"] not in ("Deployment", "CronJob"):
                continue
            for container in containers(obj):
                if image_name(container["image"]) != image["name"]:
                    continue
                old = container["image"].split("@", 1)[0]
                tag = old[len(image_name(old)) :]
                new = image.get("newName", image["name"])
                if "digest" in image:
                    container["image"] = f"{new}@{image['digest']}"
                else:
                    container["image"] = new + (f":{image['newTag']}" if "newTag" in image else tag)
    if "namespace" in spec:
        for obj in objects:
            obj["metadata"]["namespace"] = spec["namespace"]
    return objects


def release_of(project: Path, env: str, image: str) -> str:
    """Run deploy.sh unconnected (as CI does before K8S_DEPLOY is set); return what it would apply."""
    result = run(["bash", "deploy/k8s/deploy.sh", env, image], project, env={"K8S_DEPLOY": ""})
    assert "not connected to a cluster" in result.stdout
    assert not list((project / "deploy" / "k8s").glob("release.*")), "deploy.sh leaves no temp dir behind"
    return result.stdout.split("---\n", 1)[1].split("\n---\n", 1)[0]


@pytest.fixture
def deployable(projects: ProjectFactory, tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    """A private copy of a generated project with serving (deploy.sh writes a temp dir in it)."""
    answers = request.param
    copy_ = tmp_path / "project"
    shutil.copytree(projects.get(**answers), copy_, ignore=shutil.ignore_patterns(".git"))
    return copy_


@pytest.mark.parametrize("deployable", SERVING, ids=combo_id, indirect=True)
@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_overlays_set_app_env_namespace_and_image(deployable: Path, env: str) -> None:
    answers = yaml.safe_load((deployable / ".copier-answers.yml").read_text())
    name = answers["project_slug"]
    k8s = deployable / "deploy" / "k8s"
    objects = kustomize(k8s / "overlays" / env)
    workload = next(obj for obj in objects if obj["kind"] in ("Deployment", "CronJob"))
    assert workload["kind"] == ("Deployment" if answers["serving"] == "api" else "CronJob")
    assert {obj["metadata"]["namespace"] for obj in objects} == {f"{name}-{env}"}
    (app,) = containers(workload)
    assert [e for e in app["env"] if e["name"] == "APP_ENV"] == [{"name": "APP_ENV", "value": env}]
    assert app["image"] == (f"{name}:dev" if env == "dev" else f"{name}:pinned-by-ci")
    assert app["securityContext"]["allowPrivilegeEscalation"] is False
    assert app["resources"]["limits"]
    if answers["serving"] == "api":
        assert workload["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"] is True
        assert app["readinessProbe"]["httpGet"]["path"] == "/ready"
        assert app["livenessProbe"]["httpGet"]["path"] == "/health"
        assert workload["spec"]["replicas"] == (2 if env == "prod" else 1)
        assert {obj["kind"] for obj in objects} == {"Deployment", "Service"}
    for obj in objects:
        kubernetes_validate.validate(obj, K8S_VERSION, strict=True)

    # What CI applies: the same overlay with the image pinned to the digest it built.
    image = f"registry.example.com/team/{name}@{DIGEST}"
    release = k8s / "release-under-test"
    release.mkdir()
    (release / "kustomization.yaml").write_text(release_of(deployable, env, image))
    released = kustomize(release)
    (released_app,) = containers(next(obj for obj in released if obj["kind"] in ("Deployment", "CronJob")))
    assert released_app["image"] == image
    assert [e["value"] for e in released_app["env"] if e["name"] == "APP_ENV"] == [env]


@pytest.mark.parametrize("deployable", SERVING[:1], ids=combo_id, indirect=True)
def test_deploy_script_refuses_unpinned_images_and_unknown_environments(deployable: Path) -> None:
    tag_only = run(
        ["bash", "deploy/k8s/deploy.sh", "staging", "registry.example.com/app:latest"], deployable, check=False
    )
    assert tag_only.returncode == 2
    assert "pinned by digest" in tag_only.stderr
    unknown = run(["bash", "deploy/k8s/deploy.sh", "qa", f"app@{DIGEST}"], deployable, check=False)
    assert unknown.returncode == 2
    assert "unknown environment" in unknown.stderr


def write_model(project: Path, version: str, passed_gate: bool) -> None:
    """A registered model as the pipeline writes it (metadata.json keys from the product contract)."""
    folder = project / "artifacts" / "registry" / "model" / version
    folder.mkdir(parents=True)
    metadata = {
        "model_name": "model",
        "model_version": version,
        "created_at": f"2026-01-0{version}T00:00:00+00:00",
        "data_version": "d41d8cd9",
        "code_version": "0.1.0+abc1234",
        "params": {},
        "metrics": {"roc_auc": 0.97, "recall": 0.93},
        "baseline_metrics": {"roc_auc": 0.5},
        "slice_metrics": {},
        "thresholds": {"roc_auc": 0.9},
        "passed_gate": passed_gate,
        "dataset": "fixture",
        "report": "artifacts/reports/evaluation.md",
        "plots": [],
    }
    (folder / "metadata.json").write_text(json.dumps(metadata))


@pytest.mark.parametrize("deployable", SERVING[:1], ids=combo_id, indirect=True)
def test_release_records_digest_model_version_and_the_change_record(deployable: Path) -> None:
    image = f"registry.example.com/app@{DIGEST}"
    write_model(deployable, "1", passed_gate=True)
    write_model(deployable, "2", passed_gate=True)
    ci = {"GITHUB_SHA": "f" * 40}
    recorded = run([sys.executable, "deploy/release.py", "record", image], deployable, env=ci)
    assert f"image={image}\nmodel_version=2\n" in recorded.stdout
    promotion = json.loads((deployable / "artifacts" / "release" / "promotion.json").read_text())
    assert promotion["commit"] == "f" * 40
    assert (promotion["model_version"], promotion["data_version"]) == ("2", "d41d8cd9")

    no_approver = run(
        [sys.executable, "deploy/release.py", "change-record", "--environment", "prod", "--approver", " "],
        deployable,
        check=False,
    )
    assert no_approver.returncode != 0
    assert "Traceback" not in no_approver.stderr
    change = run(
        [sys.executable, "deploy/release.py", "change-record", "--environment", "prod", "--approver", "alice"],
        deployable,
    )
    for fact in ["f" * 40, image, "d41d8cd9", "| approver | alice |", "| roc_auc | 0.97 |", "model 2"]:
        assert fact in change.stdout
    assert (deployable / "artifacts" / "release" / "change-record.json").exists()

    write_model(deployable, "3", passed_gate=False)
    refused = run([sys.executable, "deploy/release.py", "record", image], deployable, check=False)
    assert refused.returncode != 0
    assert "did not pass its gate" in refused.stderr


# ----------------------------------------------------------------------------------------------
# The commands the pipelines run exist in the project
# ----------------------------------------------------------------------------------------------


def pipeline_commands(text: str) -> tuple[set[str], set[str]]:
    """The nox sessions (`nox -s NAME`) and pytest markers (`-m EXPR`) a pipeline file runs."""
    nox = r"\bnox(?:==[^\s\"]+)?\"?\s+-s"  # `nox -s` or the pinned `"nox==$NOX_VERSION" -s`
    sessions = set(re.findall(nox + r" ([\w-]+)", text))
    markers: set[str] = set()
    # `-m` of pytest (directly or through a nox session), not of `git commit -m`.
    commands = re.findall(r"(?:\bpytest\b|" + nox + r" [\w-]+)(.*)", text)
    for expression in re.findall(r"""\s-m\s+(?:"([^"]+)"|'([^']+)'|([\w]+))""", "\n".join(commands)):
        words = re.findall(r"[A-Za-z_]\w*", " ".join(expression))
        markers |= {word for word in words if word not in {"and", "or", "not"}}
    return sessions, markers


@pytest.mark.slow
@pytest.mark.parametrize("serving", ["api", "batch", "none"])
def test_every_session_and_marker_the_pipelines_use_exists(projects: ProjectFactory, serving: str) -> None:
    # Reuse a project the generated-project tests install anyway (the noxfile does not depend on CI).
    answers = next(combo for combo in INSTALLED if combo["serving"] == serving)
    project = projects.installed(**answers)
    sessions: set[str] = set()
    markers: set[str] = set()
    for ci in ["github", "gitlab"]:
        for path in pipeline_files(projects.get(ci_provider=ci, serving=serving, regulated=True)):
            found_sessions, found_markers = pipeline_commands(path.read_text())
            sessions |= found_sessions
            markers |= found_markers
    assert {"lint", "typecheck", "tests", "train_smoke", "pipeline", "drift"} <= sessions
    listed = in_project(project, "nox", "--list").stdout
    available = set(re.findall(r"^[*-] (\w+)", listed, flags=re.MULTILINE))
    assert sessions <= available, f"pipelines run sessions the noxfile lacks: {sessions - available}"
    registered = set(re.findall(r"^@pytest\.mark\.(\w+)", in_project(project, "pytest", "--markers").stdout, re.M))
    assert markers <= registered, f"pipelines select unregistered markers: {markers - registered}"


@pytest.mark.slow
def test_release_record_reads_what_the_real_pipeline_registers(projects: ProjectFactory, tmp_path: Path) -> None:
    """deploy/release.py against the product's own metadata.json, not a hand-written one."""
    answers = next(combo for combo in INSTALLED if combo["serving"] == "api")
    project = projects.installed(**answers)
    work = tmp_path / "work"
    shutil.copytree(project, work, ignore=shutil.ignore_patterns(".venv", ".git", ".nox", "artifacts"))
    python = project / ".venv" / "bin" / "python"  # the project's environment; paths resolve in the copy
    package = yaml.safe_load((project / ".copier-answers.yml").read_text())["package_name"]
    run([python, "-m", package, "pipeline", "--smoke", "--artifacts", "artifacts"], work)  # as the CI job runs it
    image = f"registry.example.com/app@{DIGEST}"
    run([python, "deploy/release.py", "record", image], work, env={"GITHUB_SHA": "e" * 40})
    promotion = json.loads((work / "artifacts" / "release" / "promotion.json").read_text())
    assert promotion["image"] == image
    assert promotion["model_version"]
    assert promotion["data_version"]
    assert promotion["metrics"]


@pytest.mark.parametrize("tracking", ["none", "mlflow"])
def test_ci_registers_the_served_model_where_the_environment_tracks_it(projects: ProjectFactory, tracking: str) -> None:
    """With MLflow, the image's model is registered on staging's tracking server, not a throwaway ./mlruns."""
    project = projects.get(ci_provider="github", serving="api", experiment_tracking=tracking)
    workflow = yaml.safe_load((project / ".github" / "workflows" / "ci.yml").read_text())
    build = workflow["jobs"]["build"]
    [train] = [step for step in build["steps"] if "-s pipeline" in str(step.get("run", ""))]
    if tracking == "mlflow":
        assert build["environment"]["name"] == "staging"
        assert train["env"]["APP_ENV"] == "staging"
        assert "secrets.MLFLOW_TRACKING_TOKEN" in train["env"]["APP__SECRETS__MLFLOW_TRACKING_TOKEN"]
    else:
        assert "environment" not in build
        assert train["env"]["APP_ENV"] == "dev"
