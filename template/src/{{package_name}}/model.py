"""The model, the simpler model it must beat, and how they are built, tuned, saved and scored.

A scaled logistic regression: fast, seeded, explainable and strong on this data. Swap in another
scikit-learn estimator in `build_model`; the tests in tests/unit/test_model_spec.py and the quality
gate in thresholds.yaml tell you whether it is better. Models are saved with skops, which loads a
file without executing code from it (a pickle or joblib file can run anything when loaded).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.dummy import DummyClassifier
from sklearn.feature_selection import SelectKBest, f_classif
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from .data import Schema, labels
from .features import build_features
from .settings import TrainingSettings


def params(training: TrainingSettings, C: float | None = None) -> dict[str, Any]:
    """The hyperparameters recorded with every model version (C as tuned, when it was)."""
    return {
        "estimator": "LogisticRegression",
        "C": training.C if C is None else C,
        "max_iter": training.max_iter,
        "seed": training.seed,
    }


def build_model(training: TrainingSettings, C: float | None = None) -> Pipeline:
    """An unfitted model; `training.seed` makes every fit reproducible."""
    return Pipeline(
        [
            ("scale", StandardScaler()),
            (
                "classify",
                LogisticRegression(
                    C=training.C if C is None else C,
                    max_iter=training.max_iter,
                    random_state=training.seed,
                ),
            ),
        ]
    )


def build_simpler_model(training: TrainingSettings) -> Pipeline:
    """The simpler model the candidate must beat (ML Test Score M5): the one most predictive
    feature (chosen on the training data) in a logistic regression. If it is as good, the
    other features and the engineering do not earn their keep."""
    return Pipeline(
        [
            ("one_feature", SelectKBest(f_classif, k=1)),
            ("scale", StandardScaler()),
            ("classify", LogisticRegression(max_iter=training.max_iter)),
        ]
    )


def build_prior_baseline() -> DummyClassifier:
    """The non-ML baseline: always the training set's class balance (thresholds.yaml `baseline`)."""
    return DummyClassifier(strategy="prior")


def folds(count: int, seed: int) -> StratifiedKFold:
    """The cross-validation folds: stratified and seeded, so every run splits the same way."""
    return StratifiedKFold(n_splits=count, shuffle=True, random_state=seed)


def tune(
    train: pd.DataFrame, schema: Schema, training: TrainingSettings, cv_folds: int
) -> dict[str, Any]:
    """Cross-validated search over `training.C_grid` (ROC AUC); the best C and every result."""
    grid = sorted(set(training.C_grid))
    if not grid:
        return {"best_C": training.C, "scoring": "roc_auc", "results": []}
    search = GridSearchCV(
        build_model(training),
        {"classify__C": grid},
        scoring="roc_auc",
        cv=folds(cv_folds, training.seed),
        refit=False,  # `train` fits the chosen model once, on all the training rows
    )
    search.fit(build_features(train, schema), labels(train, schema))
    results = [
        {"C": float(C), "mean_roc_auc": float(mean), "std_roc_auc": float(std)}
        for C, mean, std in zip(
            search.cv_results_["param_classify__C"],
            search.cv_results_["mean_test_score"],
            search.cv_results_["std_test_score"],
            strict=True,
        )
    ]
    return {
        "best_C": float(search.best_params_["classify__C"]),
        "scoring": "roc_auc",
        "folds": cv_folds,
        "seed": training.seed,
        "results": results,
    }


def fit(
    train: pd.DataFrame, schema: Schema, training: TrainingSettings, C: float | None = None
) -> Pipeline:
    """The model fitted on a raw training frame (features are built here, as in serving)."""
    model = build_model(training, C)
    model.fit(build_features(train, schema), labels(train, schema))
    return model


def scores(model: Any, raw: pd.DataFrame, schema: Schema) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Probability of the positive class for each raw row."""
    probabilities = model.predict_proba(build_features(raw, schema))
    return np.asarray(probabilities[:, 1], dtype=np.float64)


def save(model: Any, path: Path) -> Path:
    import skops.io

    path.parent.mkdir(parents=True, exist_ok=True)
    skops.io.dump(model, path)
    return path


def load(path: Path) -> Any:
    """A saved model. skops refuses any type it does not trust instead of running its code."""
    import skops.io

    return skops.io.load(path)
