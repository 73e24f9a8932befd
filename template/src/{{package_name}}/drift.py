"""Is the served model still fit for the data it sees? Input and score drift (PSI), model age.

The Population Stability Index compares a distribution with the reference stored with the
registered model (`reference.json`: per feature, the training data's quantile bin edges and counts;
the same for the model's cross-validated scores). It is a profile, not rows, so the registry and the
image carry no training records. Rule of thumb: PSI below 0.1 stable, 0.1-0.25 watch, above
`drift.psi_threshold` (0.25) act.

PSI also grows by chance when samples are small: two samples of the same data with n and m rows
reach about chi2(bins - 1) * (1/n + 1/m). A feature therefore counts as drifted only when its PSI
exceeds both the threshold and that chance level at `drift.false_alarm_rate` (shared by all
features), so identical data stays quiet and a real shift still alarms (tests/unit/test_drift.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from .data import Schema
from .registry import UTC, ModelMetadata
from .settings import DriftSettings

EPSILON = 1e-4
SCORE = "score"
"""The name of the model's score in a profile, beside the features."""


def edges(values: np.ndarray[Any, Any], bins: int) -> list[float]:
    """Inner bin edges at the reference's quantiles (ties collapse, so a constant has none)."""
    quantiles = np.quantile(values, np.linspace(0, 1, bins + 1)[1:-1])
    return [float(edge) for edge in np.unique(quantiles)]


def bin_index(values: np.ndarray[Any, Any], inner: list[float]) -> np.ndarray[Any, Any]:
    """The reference bin of each value (0 .. len(inner)): all drift needs of a served input."""
    return np.searchsorted(np.asarray(inner), values, side="right")


def counts(indices: np.ndarray[Any, Any], inner: list[float]) -> list[int]:
    return [int(count) for count in np.bincount(indices, minlength=len(inner) + 1)]


def profile(
    raw: pd.DataFrame, scores: np.ndarray[Any, Any], schema: Schema, bins: int
) -> dict[str, Any]:
    """The reference stored with a model: bin edges and counts per feature and for the score."""
    columns = {name: raw[name].to_numpy(dtype=float) for name in schema.columns}
    columns[SCORE] = np.asarray(scores, dtype=float)
    profiles = {}
    for name, values in columns.items():
        inner = edges(values, bins)
        profiles[name] = {"edges": inner, "counts": counts(bin_index(values, inner), inner)}
    return {"rows": len(raw), "bins": bins, "columns": profiles}


Counts = list[int] | np.ndarray[Any, Any]


def psi(expected: Counts, actual: Counts) -> float:
    """Population Stability Index of `actual` counts against `expected` counts (0 = identical)."""
    expected_share = np.clip(np.asarray(expected) / max(sum(expected), 1), EPSILON, None)
    actual_share = np.clip(np.asarray(actual) / max(sum(actual), 1), EPSILON, None)
    return float(np.sum((actual_share - expected_share) * np.log(actual_share / expected_share)))


@lru_cache(maxsize=256)
def chance_level(bins: int, reference_rows: int, rows: int, alpha: float) -> float:
    """The PSI two samples of identical data exceed with probability `alpha` (cached: every
    feature of a batch asks the same question, and scipy's chi2.ppf is slow to call)."""
    from scipy.stats import chi2

    if bins < 2 or rows == 0:
        return 0.0
    return float(chi2.ppf(1 - alpha, bins - 1) * (1 / reference_rows + 1 / rows))


def model_age_days(metadata: ModelMetadata, now: datetime | None = None) -> float:
    created = metadata.created_at
    if created.tzinfo is None:
        created = created.replace(tzinfo=UTC)
    return ((now or datetime.now(UTC)) - created).total_seconds() / 86400


def compare(
    reference: Mapping[str, Any],
    current: Mapping[str, np.ndarray[Any, Any]],
    settings: DriftSettings,
) -> dict[str, Any]:
    """PSI of every column of `current` (reference bin indices) and the columns that drifted."""
    columns = reference["columns"]
    rows = min((len(values) for values in current.values()), default=0)
    alpha = settings.false_alarm_rate / max(len(current), 1)  # shared by every column
    psis, limits = {}, {}
    for name, indices in current.items():
        expected = columns[name]["counts"]
        psis[name] = round(psi(expected, counts(indices, columns[name]["edges"])), 6)
        noise = chance_level(len(expected), int(reference["rows"]), len(indices), alpha)
        limits[name] = round(max(settings.psi_threshold, noise), 6)
    drifted = sorted(name for name in psis if psis[name] > limits[name])
    return {"rows": rows, "psi": psis, "limit": limits, "drifted": drifted}


def indices_of(raw: pd.DataFrame, reference: Mapping[str, Any]) -> dict[str, np.ndarray[Any, Any]]:
    """A raw batch as reference bin indices, for every profiled feature it has."""
    columns = reference["columns"]
    return {
        name: bin_index(raw[name].to_numpy(dtype=float), spec["edges"])
        for name, spec in columns.items()
        if name != SCORE and name in raw.columns
    }
