"""The generated suite catches what it claims to: each mutation of the generated product's source
(a guard removed, a seed dropped, a comparison skipped) makes the generated tests FAIL.

Every row is (file, exact old text, new text, why, the generated tests that must catch it). Each is
applied to its own copy of the installed default project and only the named tests run, with the
shared project's environment (PYTHONPATH puts the copy's src/ first), so the table stays fast. A
control run of every named test on an unmutated copy proves they pass when nothing is broken.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import NamedTuple

import pytest
from helpers import ProjectFactory


class Mutation(NamedTuple):
    file: str
    old: str
    new: str
    why: str
    tests: tuple[str, ...]


API = "tests/integration/test_api.py::"
PIPELINE = "tests/integration/test_pipeline.py::"
MUTATIONS = [
    Mutation(
        "api.py",
        "        raw = records_to_frame(records, schema)\n",
        "        raw = records_to_frame(records, schema).assign(**{schema.columns[0]: 0.0})\n",
        "a feature zeroed inside /predict",
        (API + "test_predict_returns_exactly_the_model_scores",),
    ),
    Mutation(
        "predict.py",
        "raw = data.validate(pd.read_csv(source), schema, require_label=False).reset_index(drop=True)",
        "raw = data.validate(pd.read_csv(source), schema, require_label=False).reset_index(drop=True)"
        ".assign(**{schema.columns[0]: 0.0})",
        "a feature zeroed inside predict_file",
        (PIPELINE + "test_batch_predict_scores_exactly_what_the_model_scores",),
    ),
    Mutation(
        "registry.py",
        "    return metadata.passed_gate or not settings.model.require_passed_gate\n",
        "    return True\n",
        "the registry serves a model that failed its gate",
        (PIPELINE + "test_a_model_that_failed_its_gate_is_never_served",),
    ),
    Mutation(
        "api.py",
        "allow_inf_nan=False",
        "allow_inf_nan=True",
        "the API's finite-number check removed",
        (API + "test_a_bad_measurement_is_a_422_naming_the_field",),
    ),
    Mutation(
        "api.py",
        "strict=True, allow_inf_nan",
        "strict=False, allow_inf_nan",
        "JSON true accepted as 1.0",
        (API + "test_a_bad_measurement_is_a_422_naming_the_field",),
    ),
    Mutation(
        "predict.py",
        "            input_bins=",
        "            inputs={k: float(v) for k, v in rows.iloc[record].items()},\n            input_bins=",
        "raw inputs written to the prediction log",
        ("tests/integration/test_monitoring.py::test_the_served_log_keeps_no_raw_input",),
    ),
    Mutation(
        "api.py",
        "            records=len(raw),\n",
        "            records=records,\n",
        "raw inputs written to the application log",
        (API + "test_no_raw_input_reaches_any_log",),
    ),
    Mutation(
        "api.py",
        "        raw = records_to_frame(records, schema)\n",
        "        time.sleep(2)\n        raw = records_to_frame(records, schema)\n",
        "a 2 s sleep in /predict",
        (API + "test_predict_stays_within_its_latency_budget",),
    ),
    Mutation(
        "pipeline.py",
        "        random_state=settings.training.seed,\n",
        "        random_state=None,\n",
        "the split's seed removed",
        ("tests/unit/test_model_spec.py::test_the_split_follows_the_seed",),
    ),
    Mutation(
        "data.py",
        "group.sample(frac=fraction, random_state=seed)",
        "group.sample(frac=fraction)",
        "the sampling seed removed",
        ("tests/unit/test_model_spec.py::test_sampling_follows_the_seed",),
    ),
    Mutation(
        "model.py",
        "shuffle=True, random_state=seed)",
        "shuffle=True, random_state=None)",
        "the cross-validation folds' seed removed",
        ("tests/unit/test_model_spec.py::test_folds_follow_the_seed",),
    ),
    Mutation(
        "evaluation.py",
        '    _margin_check(result, "simpler_model", model_metrics, simpler_metrics, simpler, True)\n',
        "",
        "the gate's comparison with the simpler model skipped",
        ("tests/model/test_quality.py::test_a_model_no_better_than_the_simpler_one_fails",),
    ),
    Mutation(
        "model.py",
        '            ("classify", LogisticRegression(max_iter=training.max_iter)),\n',
        '            ("classify", DummyClassifier()),\n',
        "the simpler model replaced by a constant",
        ("tests/model/test_quality.py::test_the_simpler_model_is_a_real_model",),
    ),
    Mutation(
        "drift.py",
        "limits[name] = round(max(settings.psi_threshold, noise), 6)",
        "limits[name] = round(settings.psi_threshold, 6)",
        "PSI's chance level ignored: identical data alarms",
        ("tests/unit/test_drift.py::test_random_splits_of_the_same_data_stay_quiet",),
    ),
    Mutation(
        "drift.py",
        "    return float(np.sum((actual_share - expected_share) * np.log(actual_share / expected_share)))\n",
        "    return 0.0\n",
        "PSI that never moves: a real shift stays quiet",
        ("tests/unit/test_drift.py::test_a_real_shift_alarms",),
    ),
    Mutation(
        "logs.py",
        "            redact_event,\n",
        "",
        "redaction left out of the log pipeline",
        ("tests/unit/test_logs.py::test_every_field_is_redacted_before_writing",),
    ),
    Mutation(
        "logs.py",
        '    (re.compile(r"[\\w.+-]+@[\\w-]+(\\.[\\w-]+)+"), MASK),  # emails\n',
        "",
        "emails no longer masked",
        ("tests/unit/test_logs.py::test_redaction_masks_secrets_and_personal_data",),
    ),
    Mutation(
        "registry.py",
        "    if (folder / WITHDRAWN_FILE).exists():\n",
        "    if False:\n",
        "a rolled-back version still served",
        (PIPELINE + "test_rollback_withdraws_the_served_version",),
    ),
    Mutation(
        "__main__.py",
        "        settings = _outputs_in(settings, scratch)\n",
        "",
        "the smoke run writes into the project's artifacts/",
        ("tests/unit/test_cli.py::test_smoke_run_leaves_the_project_artifacts_untouched",),
    ),
    # The service's edges (issue 11): each guard removed must fail a generated test.
    Mutation(
        "api.py",
        "        needs_token = settings.api.require_auth and request.url.path in PROTECTED\n",
        "        needs_token = False\n",
        "the bearer token no longer checked",
        (API + "test_auth_required_when_configured", API + "test_the_token_is_checked_before_the_body_is_read"),
    ),
    Mutation(
        "api.py",
        "        needs_token = settings.api.require_auth and request.url.path in PROTECTED\n",
        "        await request.body()\n"
        "        needs_token = settings.api.require_auth and request.url.path in PROTECTED\n",
        "the body read before the token is checked",
        (API + "test_the_token_is_checked_before_the_body_is_read",),
    ),
    Mutation(
        "api.py",
        "max_body_size=settings.api.max_body_bytes)",
        "max_body_size=100 * settings.api.max_body_bytes)",
        "no limit on the size of a request body",
        (API + "test_a_body_over_the_limit_is_refused_before_it_is_parsed",),
    ),
    Mutation(
        "api.py",
        "for item in error.errors()[:MAX_PROBLEMS]",
        "for item in error.errors()",
        "a 422 lists every problem of a huge request",
        (API + "test_a_422_stays_small_whatever_the_client_sent",),
    ),
    Mutation(
        "api.py",
        "str(part)[:MAX_ECHO]",
        "str(part)",
        "a 422 echoes a client-chosen field name whole",
        (API + "test_a_422_stays_small_whatever_the_client_sent",),
    ),
    Mutation(
        "api.py",
        "given if REQUEST_ID.fullmatch(given) else",
        "given[:64] if given else",
        "any X-Request-ID kept, spaces and control characters included",
        (API + "test_a_request_id_that_is_not_a_plain_id_is_replaced",),
    ),
    Mutation(
        "settings.py",
        'return self.docs if self.docs is not None else env != "prod"',
        "return self.docs if self.docs is not None else True",
        "/docs and /openapi.json served in prod",
        (API + "test_docs_are_off_in_prod_unless_configured",),
    ),
    Mutation(
        "settings.py",
        'dotenv_file = root / ".env" if dotenv and env == "dev" else None',
        'dotenv_file = root / ".env" if dotenv else None',
        ".env read outside dev",
        ("tests/unit/test_settings.py::test_dotenv_is_read_in_dev_only",),
    ),
    Mutation(
        "settings.py",
        "    except UnicodeDecodeError as error:\n",
        "    except UnicodeTranslateError as error:\n",
        "a .env that is not UTF-8 ends in a traceback",
        ("tests/unit/test_cli.py::test_a_file_that_is_not_utf8_is_one_line",),
    ),
    Mutation(
        "logs.py",
        '    (re.compile(r"\\beyJ[\\w-]+\\.[\\w-]+\\.[\\w-]*"), MASK),  # JWTs (header.payload.signature)\n',
        "",
        "JWTs no longer masked",
        ("tests/unit/test_logs.py::test_redaction_masks_secrets_and_personal_data",),
    ),
    Mutation(
        "logs.py",
        'r"-----BEGIN [A-Z ]*PRIVATE KEY-----(?:.*?-----END [A-Z ]*PRIVATE KEY-----|.*)"',
        'r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----"',
        "a private-key block cut off before its END line no longer masked",
        ("tests/unit/test_logs.py::test_redaction_masks_secrets_and_personal_data",),
    ),
    Mutation(
        "logs.py",
        'r"[\\w.-]*?(?:api[_-]?key',
        'r"(?:api[_-]?key',
        "prefixed key names (client_secret=, aws_secret_access_key=) no longer masked",
        ("tests/unit/test_logs.py::test_redaction_masks_secrets_and_personal_data",),
    ),
    Mutation(
        "logs.py",
        "            escape_for_console,\n",
        "",
        "dev console lines no longer escaped",
        ("tests/unit/test_logs.py::test_dev_console_lines_cannot_be_spoofed",),
    ),
]


def run_tests(project: Path, source: Path, tests: tuple[str, ...]) -> subprocess.CompletedProcess[str]:
    """The named generated tests in `project`, importing its own (possibly mutated) src/."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("APP_", "VIRTUAL_ENV"))}
    env["PYTHONPATH"] = str(project / "src")
    return subprocess.run(
        [str(source / ".venv" / "bin" / "python"), "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *tests],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def copy_of(source: Path, dest: Path) -> Path:
    return Path(shutil.copytree(source, dest, ignore=shutil.ignore_patterns(".venv", ".git", "__pycache__")))


@pytest.fixture(scope="module")
def default_project(projects: ProjectFactory) -> Path:
    return projects.installed()


@pytest.mark.slow
def test_every_named_test_passes_without_a_mutation(default_project: Path, tmp_path: Path) -> None:
    named = tuple(sorted({test for mutation in MUTATIONS for test in mutation.tests}))
    result = run_tests(copy_of(default_project, tmp_path / "control"), default_project, named)
    assert result.returncode == 0, result.stdout[-4000:]


@pytest.mark.slow
@pytest.mark.parametrize("mutation", MUTATIONS, ids=[m.why for m in MUTATIONS])
def test_the_generated_suite_catches_the_mutation(default_project: Path, tmp_path: Path, mutation: Mutation) -> None:
    project = copy_of(default_project, tmp_path / "mutant")
    target = project / "src" / "tumour_triage" / mutation.file
    text = target.read_text(encoding="utf-8")
    assert text.count(mutation.old) >= 1, f"{mutation.file} no longer contains {mutation.old!r}: update the table"
    target.write_text(text.replace(mutation.old, mutation.new, 1), encoding="utf-8")
    result = run_tests(project, default_project, mutation.tests)
    assert result.returncode == 1, f"{mutation.why} survived:\n{result.stdout[-3000:]}{result.stderr[-2000:]}"
    assert " failed" in result.stdout
