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
    listed = set(CONFIG["stdlib_modules"]["default"])
    missing = {name for name in sys.stdlib_module_names if not name.startswith("_")} - listed
    assert not missing, f"add to stdlib_modules in copier.yml: {sorted(missing)}"


def test_defaults_are_derived_from_the_name(template_repo: Path, tmp_path: Path) -> None:
    create(tmp_path / "p", template_src=str(template_repo), vcs_ref="HEAD", data={"project_name": "Churn Radar 2"})
    answers = answers_of(tmp_path / "p")
    assert answers["project_slug"] == "churn-radar-2"
    assert answers["package_name"] == "churn_radar_2"
    assert answers["python_version"] == "3.11"
    assert answers["regulated"] is False


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"package_name": "json"}, 'package_name "json" shadows the standard-library module'),
        ({"package_name": "class"}, 'package_name "class" is a Python keyword'),
        ({"package_name": "9lives"}, 'package_name "9lives" is not a valid Python identifier'),
        ({"package_name": "Has-Dash"}, "is not a valid Python identifier"),
        ({"package_name": "sklearn"}, 'package_name "sklearn" shadows the dependency'),
        ({"project_slug": "-bad-"}, 'project_slug "-bad-" is not a valid distribution name'),
        ({"owner_email": "not-an-email"}, 'owner_email "not-an-email" does not look like an email'),
        ({"project_name": "   "}, "project_name must not be empty"),
        ({"serving": "gpu"}, "Invalid choice for 'serving': 'gpu' is not in ['api', 'batch', 'none']"),
        ({"python_version": "3.9"}, "Invalid choice for 'python_version': '3.9' is not in"),
        ({"regulated": "maybe"}, "regulated='maybe' is not a boolean"),
        ({"colour": "blue"}, "unknown question 'colour'"),
        ({"has_api": "true"}, "has_api is computed by the template"),
    ],
)
def test_bad_answers_are_refused_with_a_human_message(
    template_repo: Path, tmp_path: Path, data: dict[str, str], message: str
) -> None:
    """mlcrew's own checks (unknown, computed, non-bool) and copier's validators: one line, nothing written."""
    with pytest.raises(MlcrewError) as error:
        create(tmp_path / "p", template_src=str(template_repo), vcs_ref="HEAD", data=data)
    assert message in str(error.value)
    assert "\n" not in str(error.value)
    assert not (tmp_path / "p").exists()


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
    assert 'package_name "json" shadows the standard-library module' in result.stderr
    assert not (tmp_path / "out").exists()
