"""The generated project's supply chain and the repository practices Python and ML users expect.

Everything here runs on rendered projects (no install), for the options that change the files:
- every container image (both Dockerfile stages, the uv image, every GitLab job image and service)
  is pinned by tag and digest, and the Python base image is the project's own Python version;
- every tool CI runs is pinned to an exact version: uv (setup-uv, the GitLab pip install, the
  Dockerfile's uv image), `uvx nox==`, `uvx kubernetes-validate==`, and the copier of the update job;
- dependency-update automation keeps those pins current. Dependabot (GitHub) covers github-actions,
  uv and docker, each with a cooldown. Renovate (GitLab) has a minimum release age, and its regex
  manager really matches every tool pin;
- pull/merge requests build the image without pushing it, and render and validate every Kubernetes
  overlay. The jobs' conditions are evaluated for a pull/merge request event, not just read;
- a coverage floor, `[project.urls]`, and the update job's --trust explained where teams read it.
"""

from __future__ import annotations

import ast
import json
import re
import shlex
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import ProjectFactory, in_project, run
from matrix import INSTALLED, OPTIONS, combo_id

BIN = Path(sys.executable).parent
IMAGE = re.compile(r"^[a-z0-9][a-z0-9./_-]*(?::[A-Za-z0-9._-]+)@sha256:[0-9a-f]{64}$")
"""`name:tag@sha256:<64 hex>`: the tag says what it is, the digest says exactly which bytes."""
EXACT = re.compile(r"^\d+(?:\.\d+)+$")
OVERLAYS = ("dev", "staging", "prod")

PYTHONS = [{"python_version": v, "ci_provider": ci} for v in OPTIONS["python_version"] for ci in ("github", "gitlab")]
SERVING_CI = [{"ci_provider": ci, "serving": s} for ci in ("github", "gitlab") for s in OPTIONS["serving"]]


def workflow_files(project: Path) -> list[Path]:
    return sorted((project / ".github" / "workflows").glob("*.yml"))


def gitlab(project: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((project / ".gitlab-ci.yml").read_text())
    return loaded


def gitlab_jobs(pipeline: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: job for name, job in pipeline.items() if isinstance(job, dict) and "script" in job}


def dockerfile_images(text: str) -> tuple[list[str], set[str]]:
    """(images the Dockerfile pulls, its stage names): FROM lines and COPY --from= an image."""
    stages: set[str] = set()
    images: list[str] = []
    for line in text.splitlines():
        if match := re.match(r"FROM\s+(\S+)(?:\s+AS\s+(\S+))?", line, re.IGNORECASE):
            if match.group(1) not in stages:
                images.append(match.group(1))
            if match.group(2):
                stages.add(match.group(2))
        elif match := re.match(r"COPY\s+--from=(\S+)", line):
            if match.group(1) not in stages:
                images.append(match.group(1))
    return images, stages


def gitlab_images(pipeline: dict[str, Any]) -> list[str]:
    """Every image and service of the pipeline (jobs, hidden templates, default)."""
    found: list[str] = []
    for name, job in pipeline.items():
        if not isinstance(job, dict) or name in ("variables", "workflow"):
            continue
        for entry in [job.get("image"), *(job.get("services") or [])]:
            if entry is not None:
                found.append(entry["name"] if isinstance(entry, dict) else entry)
    return found


# ----------------------------------------------------------------------------------------------
# Images pinned by digest
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("combo", PYTHONS, ids=combo_id)
def test_every_image_is_pinned_by_tag_and_digest(projects: ProjectFactory, combo: dict[str, Any]) -> None:
    project = projects.get(serving="api", **combo)
    version = combo["python_version"]
    images, stages = dockerfile_images((project / "Dockerfile").read_text())
    assert stages >= {"build", "runtime"}
    assert len(images) == 3, images  # the uv image, the build stage and the runtime stage
    for image in images:
        assert IMAGE.match(image), f"Dockerfile: {image} is not pinned by tag and digest"
    assert [i for i in images if i.startswith("python:")] == [images[1]] * 2, "both stages share one base"
    assert images[1].startswith(f"python:{version}-slim@"), "the base image runs the project's Python"
    if combo["ci_provider"] == "gitlab":
        pipeline = gitlab(project)
        found = gitlab_images(pipeline)
        assert pipeline["default"]["image"].startswith(f"python:{version}-"), "jobs run the project's Python"
        assert len(found) >= 5, found  # default, the deploy template, build and image-check (+ services)
        for image in found:
            assert "$" not in image, f"{image}: a variable hides the image from Renovate and from review"
            assert IMAGE.match(image), f".gitlab-ci.yml: {image} is not pinned by tag and digest"


def test_each_python_version_gets_its_own_base_image(projects: ProjectFactory) -> None:
    digests = {
        dockerfile_images((projects.get(serving="api", python_version=v) / "Dockerfile").read_text())[0][1]
        for v in OPTIONS["python_version"]
    }
    assert len(digests) == len(OPTIONS["python_version"])


# ----------------------------------------------------------------------------------------------
# Tools pinned by version
# ----------------------------------------------------------------------------------------------


def resolve(value: str, variables: dict[str, Any]) -> str:
    """`$NAME`, `${NAME}` or `${{ env.NAME }}` -> its value in `variables` (else unchanged)."""
    match = re.fullmatch(r"\$\{\{\s*env\.(\w+)\s*\}\}|\$\{?(\w+)\}?", value.strip())
    if not match:
        return value
    return str(variables.get(match.group(1) or match.group(2), value))


def uvx_pins(text: str, variables: dict[str, Any]) -> list[tuple[str, str]]:
    """(tool, pinned version) of every `uvx TOOL...` in a CI file; a version of '' means unpinned."""
    pins = []
    for match in re.finditer(r"\buvx\s+(?:--from\s+)?\"?([A-Za-z0-9_.-]+)(?:==([^\s\"]+))?", text):
        pins.append((match.group(1), resolve(match.group(2) or "", variables)))
    return pins


@pytest.mark.parametrize("combo", SERVING_CI, ids=combo_id)
def test_every_tool_ci_runs_is_pinned(projects: ProjectFactory, combo: dict[str, Any]) -> None:
    project = projects.get(**combo)
    seen: set[str] = set()
    if combo["ci_provider"] == "github":
        for path in workflow_files(project):
            workflow = yaml.safe_load(path.read_text())
            variables = workflow.get("env", {})
            for job in workflow["jobs"].values():
                for step in job["steps"]:
                    if step.get("uses", "").startswith("astral-sh/setup-uv@"):
                        version = resolve(str(step["with"].get("version", "")), variables)
                        assert EXACT.match(version), f"{path.name}: setup-uv installs uv {version!r}"
                        seen.add("uv")
            for tool, version in uvx_pins(path.read_text(), variables):
                assert EXACT.match(version), f"{path.name}: `uvx {tool}` is not pinned ({version!r})"
                seen.add(tool)
    else:
        text = (project / ".gitlab-ci.yml").read_text()
        pipeline = gitlab(project)
        variables = pipeline["variables"]
        for tool, version in uvx_pins(text, variables):
            assert EXACT.match(version), f".gitlab-ci.yml: `uvx {tool}` is not pinned ({version!r})"
            seen.add(tool)
        installs = re.findall(r"pip install ([^\n]*)", text)
        assert installs, "the jobs install uv"
        for install in installs:
            for requirement in [word for word in shlex.split(install) if not word.startswith("-")]:
                name, _, version = requirement.partition("==")
                assert EXACT.match(resolve(version, variables)), f"unpinned: pip install {install}"
                seen.add(name)
    assert {"uv", "nox"} <= seen
    if combo["serving"] != "none":
        assert "kubernetes-validate" in seen
    if combo["serving"] != "none":
        assert "pip install" not in (project / "Dockerfile").read_text(), "uv comes from its pinned image"


def test_the_update_job_runs_a_pinned_copier(projects: ProjectFactory) -> None:
    script = (projects.get(ci_provider="gitlab") / "ci" / "template_update.py").read_text()
    constants = {
        node.targets[0].id: node.value.value
        for node in ast.parse(script).body
        if isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.targets[0], ast.Name)
    }
    assert EXACT.match(constants["COPIER_VERSION"])
    assert 'default=f"uvx --from copier=={COPIER_VERSION} copier"' in script
    assert '("update", "--trust", "--defaults", "--conflict", "inline")' in script


# ----------------------------------------------------------------------------------------------
# Dependency-update automation
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("serving", OPTIONS["serving"])
def test_dependabot_updates_actions_uv_and_images_after_a_cooldown(projects: ProjectFactory, serving: str) -> None:
    project = projects.get(ci_provider="github", serving=serving)
    path = project / ".github" / "dependabot.yml"
    run([BIN / "check-jsonschema", "--builtin-schema", "vendor.dependabot", path], project)
    audit = run([BIN / "zizmor", "--offline", "--no-progress", path], project, check=False)
    assert audit.returncode == 0, audit.stdout + audit.stderr
    updates = yaml.safe_load(path.read_text())["updates"]
    ecosystems = {update["package-ecosystem"] for update in updates}
    assert ecosystems == {"github-actions", "uv"} | ({"docker"} if serving != "none" else set())
    for update in updates:
        assert update["directory"] == "/"
        assert update["cooldown"]["default-days"] >= 3, update["package-ecosystem"]
    if serving != "none":
        docker = next(update for update in updates if update["package-ecosystem"] == "docker")
        (python,) = [rule for rule in docker["ignore"] if rule["dependency-name"] == "python"]
        assert "version-update:semver-minor" in python["update-types"], "a new Python is never proposed"
        assert "version-update:semver-patch" not in python["update-types"]
    for ci in ("gitlab", "none"):
        assert not (projects.get(ci_provider=ci, serving=serving) / ".github").exists()


def js_regex(pattern: str) -> re.Pattern[str]:
    """Renovate's (JavaScript) named groups `(?<name>` as Python's `(?P<name>`."""
    return re.compile(pattern.replace("(?<", "(?P<"))


@pytest.mark.parametrize("serving", OPTIONS["serving"])
def test_renovate_keeps_every_gitlab_pin_current(projects: ProjectFactory, serving: str) -> None:
    project = projects.get(ci_provider="gitlab", serving=serving)
    path = project / ".gitlab" / "renovate.json"
    run([BIN / "check-jsonschema", "--builtin-schema", "vendor.renovate", path], project)
    config = json.loads(path.read_text())
    assert re.fullmatch(r"([3-9]|[1-9]\d+) days", config["minimumReleaseAge"]), "a cooldown of days"
    assert config["pinDigests"] is True
    assert config["copier"]["enabled"] is False, "the template-update job, not a second bot, updates the template"
    python = next(rule for rule in config["packageRules"] if rule.get("matchPackageNames") == ["python"])
    assert set(python["matchUpdateTypes"]) == {"major", "minor"} and python["enabled"] is False

    # The regex manager finds every tool pin, with its current value.
    (manager,) = config["customManagers"]
    patterns = [js_regex(p) for p in manager["matchStrings"]]
    found: dict[str, str] = {}
    for name in ["ci/template_update.py", ".gitlab-ci.yml"]:
        assert any(js_regex(f.strip("/")).search(name) for f in manager["managerFilePatterns"]), name
        for pattern in patterns:
            for match in pattern.finditer((project / name).read_text()):
                found[match.group("depName")] = match.group("currentValue")
    variables = gitlab(project)["variables"]
    pinned = {name: value for name, value in variables.items() if name.endswith("_VERSION")}
    assert pinned, "the pipeline pins its tools in variables"
    expected = {"uv": variables["UV_VERSION"], "nox": variables["NOX_VERSION"], "copier": None}
    if serving != "none":
        expected["kubernetes-validate"] = variables["KUBERNETES_VALIDATE_VERSION"]
    assert set(found) == set(expected)
    assert len(found) - 1 == len(pinned), "every *_VERSION variable has its renovate marker"
    for tool, value in expected.items():
        if value is not None:
            assert found[tool] == value
    assert EXACT.match(found["copier"])


# ----------------------------------------------------------------------------------------------
# Pull/merge requests check the deployment: image built (not pushed), overlays rendered and valid
# ----------------------------------------------------------------------------------------------


def github_if(expression: str, event: str, ref: str) -> bool:
    """Evaluate the few GitHub expression forms the workflows use (==, !=, &&, ||, literals)."""
    python = expression.replace("&&", " and ").replace("||", " or ")
    python = python.replace("github.event_name", repr(event)).replace("github.ref", repr(ref))
    assert re.fullmatch(r"[\s'\w/.-]*(?:(?:==|!=| and | or )[\s'\w/.-]*)*", python), expression
    result: bool = eval(python, {"__builtins__": {}}, {})  # the template's own expressions only
    return result


def github_jobs_for(workflow: dict[str, Any], event: str, ref: str) -> dict[str, dict[str, Any]]:
    """The jobs that run for an event: their `if` holds and every job they need runs."""
    jobs = workflow["jobs"]
    running: dict[str, dict[str, Any]] = {}
    for name, job in jobs.items():  # jobs are listed after the jobs they need
        needs = job.get("needs", [])
        needs = [needs] if isinstance(needs, str) else needs
        runs = "if" not in job or github_if(job["if"], event, ref)
        if runs and all(n in running for n in needs):
            running[name] = job
    return running


def scripts(job: dict[str, Any]) -> str:
    if "steps" in job:
        return "\n".join(step.get("run", "") for step in job["steps"])
    return "\n".join(line for key in ("before_script", "script") for line in job.get(key) or [])


def gitlab_runs(job: dict[str, Any], pipeline: dict[str, Any], variables: dict[str, str]) -> bool:
    """Whether a job's rules (its own or from `extends`) let it run for these CI variables."""
    rules = job.get("rules")
    for parent in [job.get("extends")] if isinstance(job.get("extends"), str) else job.get("extends") or []:
        rules = rules or pipeline[parent].get("rules")
    for rule in rules or [{}]:
        condition = rule.get("if")
        if condition is None or gitlab_if(condition, variables):
            return rule.get("when", "on_success") != "never"
    return False


def gitlab_if(condition: str, variables: dict[str, str]) -> bool:
    """Evaluate GitLab `rules:if` (==, !=, &&, ||, $VARIABLES, "strings"; unset variables are null)."""

    def value(token: str) -> str | None:
        token = token.strip()
        if token.startswith("$"):
            return variables.get(token[1:])
        return token.strip('"')

    def term(text: str) -> bool:
        for operator in ("==", "!="):
            if operator in text:
                left, right = text.split(operator)
                return (value(left) == value(right)) == (operator == "==")
        return bool(value(text))

    return any(all(term(part) for part in alternative.split("&&")) for alternative in condition.split("||"))


MERGE_REQUEST = {"CI_PIPELINE_SOURCE": "merge_request_event", "CI_DEFAULT_BRANCH": "main"}
DEFAULT_BRANCH = {"CI_PIPELINE_SOURCE": "push", "CI_COMMIT_BRANCH": "main", "CI_DEFAULT_BRANCH": "main"}


def assert_checks_the_deployment(running: dict[str, dict[str, Any]], where: str) -> None:
    """Among the jobs that run for a pull/merge request: an image build, never pushed; every overlay."""
    text = "\n".join(scripts(job) for job in running.values())
    assert re.search(r"docker (buildx )?build\b", text), f"{where}: no image is built"
    assert "--push" not in text and "docker login" not in text, f"{where}: a pull request must not push"
    assert "kubectl kustomize" in text, f"{where}: the overlays are not rendered"
    overlays = set(re.findall(r"for env in ([\w ]+); do", text)[0].split())
    assert overlays == set(OVERLAYS), f"{where}: overlays rendered: {overlays}"
    assert re.search(r"kubernetes-validate==\S+ --strict", text), f"{where}: rendered overlays are not validated"


@pytest.mark.parametrize("serving", ["api", "batch"])
def test_pull_requests_build_the_image_and_validate_the_overlays_github(projects: ProjectFactory, serving: str) -> None:
    workflow = yaml.safe_load(
        (projects.get(ci_provider="github", serving=serving) / ".github" / "workflows" / "ci.yml").read_text()
    )
    on_pull_request = github_jobs_for(workflow, "pull_request", "refs/pull/7/merge")
    assert_checks_the_deployment(on_pull_request, "pull request")
    assert "build" not in on_pull_request, "the pushing build runs on main only"
    on_main = github_jobs_for(workflow, "push", "refs/heads/main")
    assert "build" in on_main and "manifests" in on_main
    assert "image" not in on_main, "main builds (and pushes) once, in the build job"
    assert "manifests" in workflow["jobs"]["build"]["needs"], "no image is pushed with broken manifests"


@pytest.mark.parametrize("serving", ["api", "batch"])
def test_merge_requests_build_the_image_and_validate_the_overlays_gitlab(
    projects: ProjectFactory, serving: str
) -> None:
    pipeline = gitlab(projects.get(ci_provider="gitlab", serving=serving))
    jobs = gitlab_jobs(pipeline)
    on_merge_request = {name: job for name, job in jobs.items() if gitlab_runs(job, pipeline, MERGE_REQUEST)}
    assert_checks_the_deployment(on_merge_request, "merge request")
    assert "build" not in on_merge_request and "deploy-staging" not in on_merge_request
    for name, job in on_merge_request.items():
        for need in job.get("needs", []):
            assert need in on_merge_request, f"{name} needs {need}, which does not run in merge requests"
    assert "artifacts/registry/" in jobs["train-smoke"]["artifacts"]["paths"], "the image-check job gets a model"
    on_main = {name for name, job in jobs.items() if gitlab_runs(job, pipeline, DEFAULT_BRANCH)}
    assert {"build", "render-manifests", "validate-manifests"} <= on_main
    assert "image-check" not in on_main
    assert "validate-manifests" in jobs["build"]["needs"]


def test_no_deployment_checks_without_serving(projects: ProjectFactory) -> None:
    workflow = (projects.get(ci_provider="github", serving="none") / ".github" / "workflows" / "ci.yml").read_text()
    assert "kubectl" not in workflow and "docker" not in workflow
    assert "render-manifests" not in gitlab(projects.get(ci_provider="gitlab", serving="none"))


# ----------------------------------------------------------------------------------------------
# Coverage floor, project URLs
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("ci", OPTIONS["ci_provider"])
def test_coverage_floor_and_project_urls(projects: ProjectFactory, ci: str) -> None:
    project = projects.get(ci_provider=ci)
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    assert pyproject["tool"]["coverage"]["report"]["fail_under"] >= 80
    assert re.search(r'session\.run\("pytest", "--cov"', (project / "noxfile.py").read_text()), "CI measures coverage"
    urls = pyproject["project"]["urls"]
    host = "gitlab.com" if ci == "gitlab" else "github.com"
    assert urls["Repository"] == f"https://{host}/ml-product-team/tumour-triage"
    for name in ("Documentation", "Issues"):
        assert urls[name].startswith(urls["Repository"] + "/"), name


def test_project_urls_survive_an_unusual_team_name(projects: ProjectFactory) -> None:
    urls = tomllib.loads((projects.get(team_name="++ / ::") / "pyproject.toml").read_text())["project"]["urls"]
    assert re.fullmatch(r"https://github\.com/[a-z0-9-]+/tumour-triage", urls["Repository"]), urls


@pytest.mark.parametrize("ci", ["github", "gitlab"])
def test_platform_setup_explains_the_update_job_and_the_pin_updates(projects: ProjectFactory, ci: str) -> None:
    text = (projects.get(ci_provider=ci) / "docs" / "platform-setup.md").read_text()
    trust = text.split("**Why the job runs copier with `--trust`.**", 1)[1].split("\n\n", 1)[0]
    assert "git mv" in trust and ".copier-answers.yml" in trust and "exit 4" in trust
    assert "**draft**" in text and "`--no-verify`" in text
    pins = text.split("## Keeping pins current", 1)[1]
    assert ("Dependabot" in pins) == (ci == "github") and ("Renovate" in pins) == (ci == "gitlab")
    assert "**cooldown**" in pins


@pytest.mark.slow
def test_the_coverage_floor_fails_an_undertested_run(projects: ProjectFactory, tmp_path: Path) -> None:
    """pytest-cov enforces the floor from pyproject.toml: a run that tests (almost) nothing fails."""
    project = projects.installed(**INSTALLED[0])
    trivial = tmp_path / "test_trivial.py"
    trivial.write_text("def test_nothing() -> None:\n    assert 1 + 1 == 2\n")
    args = ["pytest", "-q", "-p", "no:cacheprovider", "-c", "pyproject.toml", "--rootdir", ".", trivial, "--cov"]
    result = in_project(project, *map(str, args), check=False)
    assert "1 passed" in result.stdout, result.stdout[-2000:]
    assert result.returncode != 0
    assert re.search(r"Required test coverage of 80(\.0)?% not reached", result.stdout)
