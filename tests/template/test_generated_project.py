"""Generated projects are complete and green: the exact file set, no Jinja left, and their own checks.

Coverage of the option space (documented in docs/generated-project.md):
- rendering: every PAIR of option values (a pairwise covering array over all six options, 16
  projects instead of the 432 of the full product) gets its exact file set and a Jinja-leftover scan;
- installing: the FULL product of serving × experiment_tracking × regulated (12 projects, issue 3's
  "done means"), with ci_provider, license and python_version rotated through them, is installed with
  uv and runs its own test suite, ruff, mypy and every pre-commit hook. Only Python 3.11 exists on the
  test machine, so installed projects use python_version 3.10 or 3.11; 3.12/3.13 are rendered only.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

import pytest
import tomllib
import yaml
from helpers import ProjectFactory, answers_of, files_of, generate, git, in_project, install, mlcrew
from manifest import expected_files
from matrix import INSTALLED, OPTIONS, PAIRWISE, combo_id

JINJA_LEFTOVER = re.compile(r"(?<!\$)\{\{|\{%|%\}")
"""Jinja syntax that survived rendering (`${{ }}` is GitHub Actions' own syntax, not Jinja)."""


def test_pairwise_covers_every_pair() -> None:
    assert len(PAIRWISE) <= 20
    for (a, values_a), (b, values_b) in itertools.combinations(OPTIONS.items(), 2):
        for va, vb in itertools.product(values_a, values_b):
            assert any(combo[a] == va and combo[b] == vb for combo in PAIRWISE), (a, va, b, vb)


@pytest.mark.parametrize("combo", PAIRWISE, ids=combo_id)
def test_exact_files_and_no_jinja_left(projects: ProjectFactory, combo: dict[str, Any]) -> None:
    project = projects.get(**combo)
    answers = answers_of(project)
    assert {key: answers[key] for key in combo} == combo
    # What generation wrote is the first commit (a shared project may since have been installed: uv.lock).
    generated = set(filter(None, git(project, "ls-tree", "-r", "-z", "--name-only", "HEAD").split("\0")))
    assert generated == expected_files(answers)
    assert files_of(project) - generated <= {"uv.lock"}
    for name in generated:
        text = (project / name).read_text(errors="replace")
        leftover = JINJA_LEFTOVER.search(text)
        assert leftover is None, f"{name}: Jinja syntax left at {text[leftover.start() - 40 : leftover.end() + 40]!r}"
        assert not JINJA_LEFTOVER.search(name), name


def test_defaults_need_no_answers(projects: ProjectFactory) -> None:
    answers = answers_of(projects.get())
    assert answers["project_name"] == "Tumour Triage"
    assert answers["package_name"] == "tumour_triage"
    assert answers["serving"] == "api"
    assert answers["ci_provider"] == "github"


def test_readme_starts_with_the_two_commands(projects: ProjectFactory) -> None:
    lines = (projects.get() / "README.md").read_text().splitlines()
    fence = lines.index("```bash")
    assert lines[fence + 1].startswith("python -m pip install uv && uv sync")
    assert lines[fence + 2].startswith("uv run pytest")
    assert fence < 5


@pytest.mark.slow
@pytest.mark.parametrize("combo", INSTALLED, ids=combo_id)
def test_generated_project_is_green(projects: ProjectFactory, combo: dict[str, Any]) -> None:
    """What a user does on day one: install, run the tests, the linters, the type checker, the hooks."""
    project = projects.installed(**combo)
    tests = in_project(project, "pytest", "-q", "-p", "no:cacheprovider")
    assert " passed" in tests.stdout
    assert " failed" not in tests.stdout
    in_project(project, "ruff", "check", "--no-cache", ".")
    in_project(project, "ruff", "format", "--no-cache", "--check", ".")
    in_project(project, "mypy")
    in_project(project, "pre-commit", "run", "--all-files", "--show-diff-on-failure")
    # The checks changed nothing: a fresh project already satisfies its own standard.
    assert git(project, "status", "--porcelain", "--untracked-files=no") == ""


HOSTILE = {
    "project_name": 'Ana\'s "Fraud" Lens 🔎 <core>',
    "description": 'Reads C:\\data\\ files, "quoted" & <core>; *not bold* _nor this_ | [x](y) # 😀',
    "team_name": 'The "A" Team \\ <core> | ops_*',
    "owner_email": "o'brien+ml@example.co.uk",
}
"""Accepted answers that reach TOML, YAML, Markdown, HTML, CODEOWNERS and shell-adjacent files."""


def test_hostile_answers_are_escaped_for_every_format(template_repo: Path, tmp_path: Path) -> None:
    """Each answer arrives intact in each format: TOML and YAML parse back to it, Markdown shows it."""
    project = generate(template_repo, tmp_path / "hostile", HOSTILE, commit=False)
    metadata = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    assert metadata["description"] == HOSTILE["description"]
    assert metadata["authors"] == [{"name": HOSTILE["team_name"], "email": HOSTILE["owner_email"]}]
    for name in files_of(project):
        if name.endswith((".yml", ".yaml")) and name != "mkdocs.yml":
            yaml.safe_load((project / name).read_text())
    site = yaml.load((project / "mkdocs.yml").read_text(), Loader=yaml.BaseLoader)  # has !!python tags
    assert site["site_name"] == HOSTILE["project_name"]
    assert site["site_description"] == HOSTILE["description"]
    readme = (project / "README.md").read_text()
    assert readme.splitlines()[0] == '# Ana\'s "Fraud" Lens 🔎 &lt;core&gt;'
    assert "\\*not bold\\* \\_nor this\\_ \\| \\[x\\](y) \\# 😀" in readme
    codeowners = [line for line in (project / "CODEOWNERS").read_text().splitlines() if line.strip()]
    assert all(line.startswith("#") or line.split()[0].startswith(("/", "*", "[", "^")) for line in codeowners)


@pytest.mark.slow
def test_a_project_with_hostile_answers_is_green_and_its_docs_show_them(
    template_repo: Path, tmp_path: Path
) -> None:
    """Installed, its own tests pass and its docs build strictly, with `<core>` visible as text."""
    project = generate(template_repo, tmp_path / "hostile", HOSTILE)
    install(project)
    tests = in_project(project, "pytest", "-q", "-p", "no:cacheprovider")
    assert " passed" in tests.stdout
    assert " failed" not in tests.stdout
    site = tmp_path / "site"
    in_project(project, "mkdocs", "build", "--strict", "--site-dir", str(site))
    home = (site / "index.html").read_text()
    assert "&lt;core&gt; team" not in home  # escaped once, not twice
    assert 'The "A" Team \\ &lt;core&gt; | ops_*' in home


@pytest.mark.parametrize(
    ("data_file", "message"),
    [
        ("team_name: |\n  Ops\n  * @attacker\n", "Keep the team name on one line"),
        ("description: \"first\\nsecond\"\n", "Keep the description on one line"),
        ("project_name: \"tab\\there\"\n", "Keep the name on one line"),
        ("owner_email: \"a@b.co\\n* @attacker\"\n", "Use an email address"),
    ],
    ids=["block-scalar-newline", "escaped-newline", "tab", "email-newline"],
)
def test_answers_that_would_break_a_format_are_refused_in_one_line(
    template_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], data_file: str, message: str
) -> None:
    answers = tmp_path / "answers.yml"
    answers.write_text(data_file)
    dest = tmp_path / "p"
    assert mlcrew("new", dest, "--defaults", "--template", template_repo, "--vcs-ref", "HEAD", "--data-file", answers) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1
    assert not dest.exists()


LONGEST_NAME = "Regional Population Health Readmission Risk Scoring Platform"
"""60 characters, the most `project_name` accepts: every Kubernetes name made from it must still fit."""

DNS_1123 = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")


@pytest.mark.parametrize("serving", [value for value in OPTIONS["serving"] if value != "none"])
def test_kubernetes_names_fit_for_the_longest_project_name(projects: ProjectFactory, serving: str) -> None:
    """Kubernetes refuses a name over 63 characters (a CronJob's over 52: its Jobs add 11) at deploy time."""
    assert len(LONGEST_NAME) == 60
    project = projects.get(project_name=LONGEST_NAME, serving=serving)
    names: list[tuple[str, str]] = []  # (kind, name)
    for path in sorted((project / "deploy" / "k8s").rglob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc.get("kind") == "Kustomization":
                if "namespace" in doc:  # an overlay: one namespace per environment
                    names.append(("Namespace", doc["namespace"]))
            else:
                names.append((doc["kind"], doc["metadata"]["name"]))
    if serving == "batch":  # deploy.sh runs the CronJob once as a Job named after the time
        deploy = (project / "deploy" / "k8s" / "deploy.sh").read_text()
        job = re.search(r'^job="([a-z0-9-]+)-deploy-\$\(date \+%s\)"$', deploy, flags=re.MULTILINE)
        assert job, "deploy.sh names its Job differently: update this test"
        names.append(("Job", f"{job[1]}-deploy-{'9' * 10}"))  # seconds since 1970: 10 digits until 2286
    assert ("CronJob" in {kind for kind, _ in names}) == (serving == "batch")
    assert len(names) >= 5
    for kind, name in names:
        assert DNS_1123.match(name), (kind, name)
        assert len(name) <= (52 if kind == "CronJob" else 63), (kind, name, len(name))
