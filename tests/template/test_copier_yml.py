"""The template's copier.yml: safe (no --trust), fully defaulted, and validating like a human would."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml
from helpers import ROOT, answers_of, run

from mlcrew.copier_yml import TemplateConfig
from mlcrew.errors import MlcrewError
from mlcrew.new import create

COPIER_YML = (ROOT / "copier.yml").read_text()
CONFIG = yaml.safe_load(COPIER_YML)


def test_template_needs_no_trust() -> None:
    assert "_tasks" not in CONFIG
    assert "_jinja_extensions" not in CONFIG
    assert CONFIG["_subdirectory"] == "template"
    assert CONFIG["_templates_suffix"] == ".jinja"
    assert CONFIG["_answers_file"] == ".copier-answers.yml"
    assert "_min_copier_version" in CONFIG


def test_every_question_has_a_default() -> None:
    for name in TemplateConfig.parse(COPIER_YML).questions:
        assert CONFIG[name].get("default") is not None, f"{name} has no default"


def test_stdlib_list_covers_this_python() -> None:
    listed = set(CONFIG["stdlib_modules"]["default"].split())
    missing = {name for name in sys.stdlib_module_names if not name.startswith("_")} - listed
    assert not missing, f"add to stdlib_modules in copier.yml: {sorted(missing)}"


def test_computed_name_lists_are_single_strings() -> None:
    """Copier renders every item of a list default as its own template; one string renders once."""
    for name in ("python_keywords", "stdlib_modules", "dependency_modules", "transliterations"):
        assert isinstance(CONFIG[name]["default"], str), name


@pytest.mark.parametrize(
    ("project_name", "slug", "package"),
    [
        ("Churn Radar 2", "churn-radar-2", "churn_radar_2"),
        ("Prévision Café", "prevision-cafe", "prevision_cafe"),
        ("Straße Łódź ☕", "strasse-lodz", "strasse_lodz"),
        ("123 forecast", "123-forecast", "forecast"),
        ("JSON", "json", "json_model"),
        ("Class", "class", "class_model"),
        ("预测", "ml-product", "ml_product"),
        ("A" * 60, "a" * 50, "a" * 40),
    ],
    ids=["plain", "accents", "ligature-and-emoji", "leading-digits", "stdlib", "keyword", "no-latin", "longest"],
)
def test_derived_defaults_are_always_valid(
    template_repo: Path, tmp_path: Path, project_name: str, slug: str, package: str
) -> None:
    """Whatever the name, the defaults derived from it pass their own validators (copier renders them)."""
    create(tmp_path / "p", template_src=str(template_repo), vcs_ref="HEAD", data={"project_name": project_name})
    answers = answers_of(tmp_path / "p")
    assert (answers["project_slug"], answers["package_name"]) == (slug, package)
    assert answers["python_version"] == "3.11"
    assert answers["regulated"] is False


BAD_ANSWERS = [
    ({"project_name": "   "}, "project_name", "Give the product a name"),
    ({"project_name": "!!! ---"}, "project_name", "Use at least one letter or digit"),
    ({"project_name": "Fraud\nLens"}, "project_name", "Keep the name on one line"),
    ({"project_name": "x" * 61}, "project_name", "Shorten the name to 60 characters or fewer"),
    ({"project_slug": "-bad-"}, "project_slug", "Use a-z, 0-9, '-', '_' or '.'"),
    ({"project_slug": "a" * 51}, "project_slug", "Shorten the distribution name"),
    ({"package_name": "Fraud"}, "package_name", "Use lowercase letters (e.g. fraud)"),
    ({"package_name": "9lives"}, "package_name", "Use a-z, 0-9 and _, starting with a letter"),
    ({"package_name": "has-dash"}, "package_name", "Use a-z, 0-9 and _, starting with a letter"),
    ({"package_name": "a" * 51}, "package_name", "Shorten the package name"),
    ({"package_name": "class"}, "package_name", "Choose another name: class is a Python keyword"),
    ({"package_name": "json"}, "package_name", "Choose another name: it hides Python's own json module"),
    ({"package_name": "sklearn"}, "package_name", "Choose another name: it hides the sklearn dependency"),
    ({"description": ""}, "description", "Say in one sentence what the product does"),
    ({"description": "one\ntwo"}, "description", "Keep the description on one line"),
    ({"team_name": " "}, "team_name", "Name the team that owns the product"),
    ({"team_name": "Ops\n* @attacker"}, "team_name", "Keep the team name on one line"),
    ({"owner_email": "not-an-email"}, "owner_email", "Use an email address such as ml-team@example.com"),
    ({"owner_email": "a@b.c\nx"}, "owner_email", "Use an email address"),
    ({"serving": "gpu"}, "serving", "Invalid choice for 'serving': 'gpu' is not in ['api', 'batch', 'none']"),
    ({"python_version": "3.9"}, "python_version", "Invalid choice for 'python_version': '3.9' is not in"),
    ({"regulated": "maybe"}, "regulated", "regulated='maybe' is not a boolean"),
    ({"colour": "blue"}, "colour", "unknown question 'colour'"),
    ({"has_api": "true"}, "has_api", "has_api is computed by the template"),
]


@pytest.mark.parametrize(("data", "question", "message"), BAD_ANSWERS, ids=[m for _, _, m in BAD_ANSWERS])
def test_bad_answers_are_refused_with_a_human_message(
    template_repo: Path, tmp_path: Path, data: dict[str, str], question: str, message: str
) -> None:
    """mlcrew's own checks (unknown, computed, non-bool) and copier's validators: one line, nothing written."""
    with pytest.raises(MlcrewError) as error:
        create(tmp_path / "p", template_src=str(template_repo), vcs_ref="HEAD", data=data)
    assert message in str(error.value)
    assert error.value.where == question
    assert "\n" not in str(error.value)
    assert not (tmp_path / "p").exists()


def test_validator_messages_fit_80_columns_and_start_with_the_fix(template_repo: Path, tmp_path: Path) -> None:
    """Copier shows a validator's message on the terminal's bottom row: it must be readable whole at 80
    columns, and its first word says what to do."""
    verbs = {"Give", "Use", "Keep", "Shorten", "Choose", "Say", "Name"}
    for number, (data, question, _) in enumerate(BAD_ANSWERS):
        if question not in CONFIG or "validator" not in CONFIG[question]:
            continue
        with pytest.raises(MlcrewError) as error:
            create(tmp_path / str(number), template_src=str(template_repo), vcs_ref="HEAD", data=data)
        shown = error.value.what  # copier's validator output, as its prompt shows it
        assert len(shown) <= 80, shown
        assert shown.split()[0] in verbs, shown


def test_copier_itself_applies_the_same_validators(template_repo: Path, tmp_path: Path) -> None:
    """Plain copier users get the same messages (copier prints them itself)."""
    result = run(
        [
            sys.executable,
            "-m",
            "copier",
            "copy",
            "--defaults",
            "-d",
            "package_name=json",
            str(template_repo),
            tmp_path / "out",
        ],
        tmp_path,
        check=False,
    )
    assert result.returncode != 0
    assert "Choose another name: it hides Python's own json module" in result.stderr
    assert not (tmp_path / "out").exists()
