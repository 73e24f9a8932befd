"""The model and its non-ML baseline: how they are built, fitted, saved and asked for scores.

A scaled logistic regression: fast, seeded, explainable and strong on this data. Swap in another
scikit-learn estimator in `build_model`; the tests in tests/unit/test_model_spec.py and the quality
gate in thresholds.yaml tell you whether it is better.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from .data import LABEL
from .features import build_features
from .settings import TrainingSettings


def params(training: TrainingSettings) -> dict[str, Any]:
    """The hyperparameters recorded with every model version."""
    return {
        "estimator": "LogisticRegression",
        "C": training.C,
        "max_iter": training.max_iter,
        "seed": training.seed,
    }


def build_model(training: TrainingSettings) -> Pipeline:
    """An unfitted model; `training.seed` makes every fit reproducible."""
    return Pipeline(
        [
            ("scale", StandardScaler()),
            (
                "classify",
                LogisticRegression(
                    C=training.C, max_iter=training.max_iter, random_state=training.seed
                ),
            ),
        ]
    )


def fit(train: pd.DataFrame, training: TrainingSettings) -> Pipeline:
    """The model fitted on a raw training frame (features are built here, as in serving)."""
    model = build_model(training)
    model.fit(build_features(train), train[LABEL].to_numpy())
    return model


def fit_baseline(train: pd.DataFrame) -> DummyClassifier:
    """The simple baseline the model must beat: always the training set's class balance."""
    baseline = DummyClassifier(strategy="prior")
    baseline.fit(build_features(train), train[LABEL].to_numpy())
    return baseline


def scores(model: Any, raw: pd.DataFrame) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Probability of the positive class (malignant) for each raw row."""
    probabilities = model.predict_proba(build_features(raw))
    return np.asarray(probabilities[:, 1], dtype=np.float64)


def save(model: Any, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, path)
    return path


def load(path: Path) -> Any:
    return joblib.load(path)
