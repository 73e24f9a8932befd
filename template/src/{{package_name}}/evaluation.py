"""Evaluate a candidate against thresholds.yaml and write a report people can read.

The gate has three parts (ML Test Score M5, M6, I4): absolute floors per metric, a margin over a
simple baseline (a model that cannot beat "always the majority class" is not worth serving), and a
floor for every data slice (a model good on average can still fail a group). The report is
Markdown with a confusion matrix and a ROC curve as PNG files next to it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from matplotlib.figure import Figure
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    precision_score,
    recall_score,
    roc_auc_score,
    roc_curve,
)

from .data import LABEL

SLICES: dict[str, Callable[[pd.DataFrame], pd.Series]] = {
    "small_nuclei": lambda raw: raw["mean_radius"] < 13.0,
    "large_nuclei": lambda raw: raw["mean_radius"] >= 13.0,
}
"""Groups the model must serve well, as masks over the raw data. Add the groups your users have."""


def metrics(
    labels: np.ndarray[Any, Any], scores: np.ndarray[Any, Any], cut: float
) -> dict[str, float]:
    """The gate's metrics for one set of scores; the positive class is 1 (malignant)."""
    predicted = (scores >= cut).astype(int)
    both_classes = len(np.unique(labels)) == 2
    return {
        "roc_auc": float(roc_auc_score(labels, scores)) if both_classes else float("nan"),
        "recall": float(recall_score(labels, predicted, zero_division=0)),
        "precision": float(precision_score(labels, predicted, zero_division=0)),
        "accuracy": float(accuracy_score(labels, predicted)),
    }


def slice_metrics(
    raw: pd.DataFrame, scores: np.ndarray[Any, Any], cut: float
) -> dict[str, dict[str, float]]:
    """Accuracy and size of every slice in SLICES."""
    result = {}
    labels = raw[LABEL].to_numpy()
    for name, select in SLICES.items():
        mask = select(raw).to_numpy()
        if mask.any():
            predicted = (scores[mask] >= cut).astype(int)
            accuracy = float(accuracy_score(labels[mask], predicted))
            result[name] = {"accuracy": accuracy, "n": float(mask.sum())}
    return result


def load_thresholds(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path} must hold a mapping (min, baseline, slices)")
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


def gate(
    model_metrics: Mapping[str, float],
    baseline_metrics: Mapping[str, float],
    slices: Mapping[str, Mapping[str, float]],
    thresholds: Mapping[str, Any],
) -> GateResult:
    """Compare the candidate with the floors, the baseline and the slice floor."""
    result = GateResult()
    for name, floor in (thresholds.get("min") or {}).items():
        value = float(model_metrics.get(name, float("nan")))
        result.checks.append((f"min.{name}", value, float(floor), value >= float(floor)))
    baseline = thresholds.get("baseline") or {}
    if baseline:
        name = baseline["metric"]
        margin = float(model_metrics[name]) - float(baseline_metrics[name])
        floor = float(baseline.get("min_margin", 0.0))
        result.checks.append((f"baseline.{name}_margin", margin, floor, margin >= floor))
    slice_floor = (thresholds.get("slices") or {}).get("min_accuracy")
    if slice_floor is not None:
        for name, values in slices.items():
            value = values["accuracy"]
            floor = float(slice_floor)
            result.checks.append((f"slices.{name}.accuracy", value, floor, value >= floor))
    return result


def plot_confusion_matrix(
    labels: np.ndarray[Any, Any], predicted: np.ndarray[Any, Any], path: Path
) -> Path:
    matrix = confusion_matrix(labels, predicted, labels=[0, 1])
    figure = Figure(figsize=(4, 4))
    axes = figure.add_subplot()
    axes.imshow(matrix, cmap="Blues")
    for (row, column), count in np.ndenumerate(matrix):
        colour = "white" if count > matrix.max() / 2 else "black"
        axes.text(column, row, str(count), ha="center", va="center", color=colour)
    axes.set_xticks([0, 1], labels=["benign", "malignant"])
    axes.set_yticks([0, 1], labels=["benign", "malignant"])
    axes.set_xlabel("predicted")
    axes.set_ylabel("actual")
    axes.set_title("Confusion matrix (test split)")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    return path


def plot_roc_curve(
    labels: np.ndarray[Any, Any], scores: np.ndarray[Any, Any], auc: float, path: Path
) -> Path:
    false_positive, true_positive, _ = roc_curve(labels, scores)
    figure = Figure(figsize=(4, 4))
    axes = figure.add_subplot()
    axes.plot(false_positive, true_positive, label=f"model (AUC {auc:.3f})")
    axes.plot([0, 1], [0, 1], linestyle="--", color="grey", label="chance")
    axes.set_xlabel("false positive rate")
    axes.set_ylabel("true positive rate")
    axes.set_title("ROC curve (test split)")
    axes.legend(loc="lower right")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    return path


def write_report(path: Path, evaluation: Mapping[str, Any], result: GateResult) -> Path:
    """The evaluation as Markdown: verdict first, then metrics, slices and the plots."""
    model_metrics = evaluation["metrics"]
    baseline_metrics = evaluation["baseline_metrics"]
    lines = [
        f"# Evaluation: {evaluation['model_name']} (data {evaluation['data_version']})",
        "",
        f"**Gate: {'PASSED' if result.passed else 'FAILED'}** "
        f"against `{evaluation['thresholds_file']}`.",
        "",
        "| metric | model | baseline |",
        "| --- | --- | --- |",
        *(
            f"| {name} | {value:.4f} | {baseline_metrics.get(name, float('nan')):.4f} |"
            for name, value in model_metrics.items()
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
