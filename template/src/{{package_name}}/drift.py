"""Is the model still fit for the data it sees? Input drift (PSI per feature) and model age.

The Population Stability Index compares the distribution of each feature in a new batch with the
training data the served model learned from, over the reference's quantile bins. Rule of thumb:
below 0.1 stable, 0.1-0.25 watch, above 0.25 (`drift.psi_threshold`) act. A model older than
`model.max_age_days` is stale even without drift. `python -m <package> drift` exits 1 on a breach,
so a scheduled job can alert (see docs/runbook.md).
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .features import build_features
from .logs import UTC
from .settings import Settings

logger = logging.getLogger(__name__)
EPSILON = 1e-4


def psi(reference: np.ndarray[Any, Any], current: np.ndarray[Any, Any], bins: int = 10) -> float:
    """Population Stability Index of `current` against `reference` (0 = identical)."""
    edges = np.unique(np.quantile(reference, np.linspace(0, 1, bins + 1)))
    if len(edges) < 2:
        return 0.0
    inner = edges[1:-1]
    expected = np.bincount(
        np.searchsorted(inner, reference, side="right"), minlength=len(edges) - 1
    )
    actual = np.bincount(np.searchsorted(inner, current, side="right"), minlength=len(edges) - 1)
    expected_share = np.clip(expected / max(len(reference), 1), EPSILON, None)
    actual_share = np.clip(actual / max(len(current), 1), EPSILON, None)
    return float(np.sum((actual_share - expected_share) * np.log(actual_share / expected_share)))


def feature_psi(reference: pd.DataFrame, current: pd.DataFrame, bins: int) -> dict[str, float]:
    """PSI of every model feature, computed on the features serving would build."""
    ref, cur = build_features(reference), build_features(current)
    return {name: round(psi(ref[name].to_numpy(), cur[name].to_numpy(), bins), 6) for name in ref}


def model_age_days(metadata: dict[str, Any], now: datetime | None = None) -> float:
    created = datetime.fromisoformat(str(metadata["created_at"]))
    return ((now or datetime.now(UTC)) - created).total_seconds() / 86400


def check_drift(
    settings: Settings,
    reference: pd.DataFrame,
    current: pd.DataFrame,
    metadata: dict[str, Any],
    output: Path | None = None,
) -> dict[str, Any]:
    """The drift report; `breached` when any feature's PSI or the model's age is too high."""
    scores = feature_psi(reference, current, settings.drift.bins)
    drifted = sorted(name for name, value in scores.items() if value > settings.drift.psi_threshold)
    age = model_age_days(metadata)
    stale = age > settings.model.max_age_days
    report = {
        "model_name": metadata["model_name"],
        "model_version": metadata["model_version"],
        "data_version": metadata["data_version"],
        "rows": len(current),
        "psi_threshold": settings.drift.psi_threshold,
        "psi": scores,
        "drifted_features": drifted,
        "model_age_days": round(age, 3),
        "max_age_days": settings.model.max_age_days,
        "stale": stale,
        "breached": bool(drifted) or stale,
    }
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    log = logger.warning if report["breached"] else logger.info
    log(
        "drift.checked",
        extra={
            key: report[key]
            for key in ("model_name", "model_version", "data_version", "rows", "drifted_features")
        }
        | {
            "max_psi": max(scores.values(), default=0.0),
            "model_age_days": report["model_age_days"],
        },
    )
    return report
