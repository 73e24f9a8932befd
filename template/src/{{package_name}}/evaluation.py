"""Evaluate a candidate against thresholds.yaml and write a report people can read.

The gate (ML Test Score M5, M6, I4) has four parts: absolute floors per metric; a margin over the
non-ML baseline (`baseline`: always the class balance); beating a simpler model (`simpler_model`:
the single most predictive feature, see model.build_simpler_model), which fails a model that is
only as good as one column; and a floor for every data slice. Its evidence is cross-validated on
the training split (every row scored once by a model that did not see it), so the verdict does not
hang on which 25 % of the rows one split happened to hold out. The held-out test split is still
scored and plotted, and permutation importance says which features the model relies on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from sklearn.metrics import accuracy_score, precision_score, recall_score, roc_auc_score

from .data import Schema, labels, slice_masks
from .settings import ConfigError

SIMPLER_MODEL_DEFAULTS = {"metric": "roc_auc", "min_margin": 0.0}
"""thresholds.yaml without a `simpler_model` entry (written before 0.2.0): the candidate must
still be strictly better than the simpler model on ROC AUC."""


def metrics(
    truth: np.ndarray[Any, Any], scores: np.ndarray[Any, Any], cut: float
) -> dict[str, float]:
    """The gate's metrics for one set of scores; the positive class is 1."""
    predicted = (scores >= cut).astype(int)
    both_classes = len(np.unique(truth)) == 2
    return {
        "roc_auc": float(roc_auc_score(truth, scores)) if both_classes else float("nan"),
        "recall": float(recall_score(truth, predicted, zero_division=0)),
        "precision": float(precision_score(truth, predicted, zero_division=0)),
        "accuracy": float(accuracy_score(truth, predicted)),
    }


def slice_metrics(
    raw: pd.DataFrame, scores: np.ndarray[Any, Any], cut: float, schema: Schema
) -> dict[str, dict[str, float]]:
    """Accuracy and size of every slice in the schema."""
    result = {}
    truth = labels(raw, schema)
    for name, mask in slice_masks(raw, schema).items():
        if mask.any():
            predicted = (scores[mask] >= cut).astype(int)
            accuracy = float(accuracy_score(truth[mask], predicted))
            result[name] = {"accuracy": accuracy, "n": float(mask.sum())}
    return result


def fold_scores(
    truth: np.ndarray[Any, Any], scores: np.ndarray[Any, Any], fold_of_row: np.ndarray[Any, Any]
) -> list[float]:
    """ROC AUC of each cross-validation fold: their spread says how stable the estimate is."""
    return [
        float(roc_auc_score(truth[fold_of_row == fold], scores[fold_of_row == fold]))
        for fold in np.unique(fold_of_row)
    ]


def load_thresholds(path: Path) -> dict[str, Any]:
    """thresholds.yaml as a mapping; ConfigError (one line, for the CLI) when it is unreadable."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path} not found (thresholds_file)") from None
    except UnicodeDecodeError as error:
        raise ConfigError(f"{path} is not UTF-8 text: {error}") from None
    except yaml.YAMLError as error:
        raise ConfigError(f"{path} is not valid YAML: {str(error).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path} must hold a mapping (min, baseline, simpler_model, slices)")
    return data


@dataclass
class GateResult:
    """Every check of the gate with its value, so the report can show why a model failed."""

    checks: list[tuple[str, float, float, bool]] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(ok for *_, ok in self.checks)

    def failures(self) -> list[str]:
        return [
            f"{name} = {value:.4f} < {floor:.4f}"
            for name, value, floor, ok in self.checks
            if not ok
        ]


def _margin_check(
    result: GateResult,
    name: str,
    model_metrics: Mapping[str, float],
    other: Mapping[str, float],
    rule: Mapping[str, Any],
    strictly: bool,
) -> None:
    metric = str(rule.get("metric", "roc_auc"))
    margin = float(model_metrics[metric]) - float(other[metric])
    floor = float(rule.get("min_margin", 0.0))
    ok = margin >= floor and (margin > 0 or not strictly)
    result.checks.append((f"{name}.{metric}_margin", margin, floor, ok))


def gate(
    model_metrics: Mapping[str, float],
    baseline_metrics: Mapping[str, float],
    simpler_metrics: Mapping[str, float],
    slices: Mapping[str, Mapping[str, float]],
    thresholds: Mapping[str, Any],
) -> GateResult:
    """Compare the candidate with the floors, the baseline, the simpler model and slice floor."""
    result = GateResult()
    for name, floor in (thresholds.get("min") or {}).items():
        value = float(model_metrics.get(name, float("nan")))
        result.checks.append((f"min.{name}", value, float(floor), value >= float(floor)))
    baseline = thresholds.get("baseline") or {}
    if baseline:
        _margin_check(result, "baseline", model_metrics, baseline_metrics, baseline, False)
    simpler = {**SIMPLER_MODEL_DEFAULTS, **(thresholds.get("simpler_model") or {})}
    _margin_check(result, "simpler_model", model_metrics, simpler_metrics, simpler, True)
    slice_floor = (thresholds.get("slices") or {}).get("min_accuracy")
    if slice_floor is not None:
        for name, values in slices.items():
            value = values["accuracy"]
            floor = float(slice_floor)
            result.checks.append((f"slices.{name}.accuracy", value, floor, value >= floor))
    return result


def permutation_importance(
    model: Any, features: pd.DataFrame, truth: np.ndarray[Any, Any], seed: int, repeats: int = 2
) -> dict[str, float]:
    """Mean drop in ROC AUC when each feature is shuffled `repeats` times (seeded), largest
    first."""
    from sklearn.inspection import permutation_importance as permute

    found = permute(model, features, truth, scoring="roc_auc", n_repeats=repeats, random_state=seed)
    ranked = sorted(
        zip(features.columns, found.importances_mean, strict=True), key=lambda item: -item[1]
    )
    return {str(name): round(float(value), 6) for name, value in ranked}


def plot_confusion_matrix(
    truth: np.ndarray[Any, Any], predicted: np.ndarray[Any, Any], names: list[str], path: Path
) -> Path:
    from matplotlib.figure import Figure  # imported here: only the report pays for matplotlib
    from sklearn.metrics import confusion_matrix

    matrix = confusion_matrix(truth, predicted, labels=[0, 1])
    figure = Figure(figsize=(4, 4))
    axes = figure.add_subplot()
    axes.imshow(matrix, cmap="Blues")
    for (row, column), count in np.ndenumerate(matrix):
        colour = "white" if count > matrix.max() / 2 else "black"
        axes.text(column, row, str(count), ha="center", va="center", color=colour)
    axes.set_xticks([0, 1], labels=names)
    axes.set_yticks([0, 1], labels=names)
    axes.set_xlabel("predicted")
    axes.set_ylabel("actual")
    axes.set_title("Confusion matrix (test split)")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    return path


def plot_roc_curve(
    truth: np.ndarray[Any, Any], scores: np.ndarray[Any, Any], cut: float, path: Path
) -> Path:
    """The ROC curve with the operating point of the decision threshold marked on it."""
    from matplotlib.figure import Figure
    from sklearn.metrics import roc_curve

    false_positive, true_positive, _ = roc_curve(truth, scores)
    flagged = scores >= cut
    at_cut = (
        float(flagged[truth == 0].mean()) if (truth == 0).any() else 0.0,
        float(flagged[truth == 1].mean()) if (truth == 1).any() else 0.0,
    )
    auc = roc_auc_score(truth, scores) if len(np.unique(truth)) == 2 else float("nan")
    figure = Figure(figsize=(4, 4))
    axes = figure.add_subplot()
    axes.plot(false_positive, true_positive, label=f"model (AUC {auc:.3f})")
    axes.plot([0, 1], [0, 1], linestyle="--", color="grey", label="chance")
    axes.plot(*at_cut, marker="o", color="red", linestyle="", label=f"threshold {cut:g}")
    axes.set_xlabel("false positive rate")
    axes.set_ylabel("true positive rate")
    axes.set_title("ROC curve (test split)")
    axes.legend(loc="lower right")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    return path


def _rows(values: Mapping[str, float], *others: Mapping[str, float]) -> list[str]:
    nan = float("nan")
    return [
        f"| {name} | {value:.4f} | " + " | ".join(f"{o.get(name, nan):.4f}" for o in others) + " |"
        for name, value in values.items()
    ]


def write_report(path: Path, evaluation: Mapping[str, Any], result: GateResult) -> Path:
    """The evaluation as Markdown: the verdict, metrics, slices, search, importance, plots."""
    cv = evaluation["cross_validation"]
    tuning = evaluation["tuning"]
    importance = list(evaluation["feature_importance"].items())[:10]
    lines = [
        f"# Evaluation: {evaluation['model_name']} (data {evaluation['data_version']})",
        "",
        f"**Gate: {'PASSED' if result.passed else 'FAILED'}** "
        f"against `{evaluation['thresholds_file']}`.",
        "",
        f"Gate evidence: {cv['folds']}-fold cross-validation on the training split (seed "
        f"{cv['seed']}); ROC AUC per fold {', '.join(f'{v:.4f}' for v in cv['fold_roc_auc'])} "
        f"(spread {cv['std_roc_auc']:.4f}).",
        "",
        "| metric | model | non-ML baseline | simpler model | test split |",
        "| --- | --- | --- | --- | --- |",
        *_rows(
            evaluation["metrics"],
            evaluation["baseline_metrics"],
            evaluation["simpler_metrics"],
            evaluation["holdout_metrics"],
        ),
        "",
        "## Slices",
        "",
        "| slice | accuracy | samples |",
        "| --- | --- | --- |",
        *(
            f"| {name} | {values['accuracy']:.4f} | {int(values['n'])} |"
            for name, values in evaluation["slice_metrics"].items()
        ),
        "",
        "## Gate checks",
        "",
        "| check | value | floor | passed |",
        "| --- | --- | --- | --- |",
        *(
            f"| {name} | {value:.4f} | {floor:.4f} | {'yes' if ok else '**no**'} |"
            for name, value, floor, ok in result.checks
        ),
        "",
        "## Hyperparameter search",
        "",
        f"Chosen C = {tuning['best_C']:g} ({tuning['scoring']}, cross-validated, seeded).",
        "",
        "| C | mean ROC AUC | spread |",
        "| --- | --- | --- |",
        *(
            f"| {row['C']:g} | {row['mean_roc_auc']:.4f} | {row['std_roc_auc']:.4f} |"
            for row in tuning["results"]
        ),
        "",
        "## Feature importance",
        "",
        "Drop in ROC AUC on the test split when the feature is shuffled (top 10).",
        "",
        "| feature | importance |",
        "| --- | --- |",
        *(f"| {name} | {value:.4f} |" for name, value in importance),
        "",
    ]
    if evaluation["plots"]:
        lines += [
            "## Plots",
            "",
            "![Confusion matrix](confusion_matrix.png)",
            "",
            "![ROC curve](roc_curve.png)",
            "",
        ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
