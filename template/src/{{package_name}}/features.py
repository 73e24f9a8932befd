"""The ONE place features are computed, for training, batch prediction and serving alike.

Training-serving skew (the model sees different features live than in training) is a classic silent
failure. Every path that feeds the model calls `build_features`; `tests/skew` checks that raw
records give identical feature vectors through the training path and the serving path.

The raw columns come from the schema (`configs/schema.yaml`); the schema's `engineered` list picks
the computed features below by name, so a new dataset needs no change here (`engineered: []`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from .schema import Schema, SchemaError


def _worst_to_mean_radius(raw: pd.DataFrame) -> pd.Series:
    """How much the worst nucleus exceeds the average one: irregular growth is a malignancy sign."""
    return raw["worst_radius"] / raw["mean_radius"].clip(lower=1e-6)


def _log_mean_area(raw: pd.DataFrame) -> pd.Series:
    """Area grows with the square of the radius: the log keeps large nuclei from dominating."""
    return np.log1p(raw["mean_area"])


ENGINEERED: dict[str, Callable[[pd.DataFrame], pd.Series]] = {
    "worst_to_mean_radius": _worst_to_mean_radius,
    "log_mean_area": _log_mean_area,
}
"""Computed features by name; the schema's `engineered` list says which ones the model uses."""


def feature_names(schema: Schema) -> list[str]:
    """Model input columns, in order: the raw features, then the engineered ones."""
    return [*schema.columns, *schema.engineered]


def build_features(raw: pd.DataFrame, schema: Schema) -> pd.DataFrame:
    """Model inputs from raw rows (extra columns such as the target are dropped)."""
    features = raw[schema.columns].astype("float64").reset_index(drop=True)
    for name in schema.engineered:
        if name not in ENGINEERED:
            raise SchemaError(f"engineered feature {name!r} is not in features.ENGINEERED")
        try:
            features[name] = ENGINEERED[name](features).astype("float64")
        except KeyError as missing:
            raise SchemaError(f"engineered feature {name!r} needs the column {missing}") from None
    return features[feature_names(schema)]


def records_to_frame(records: Sequence[Mapping[str, float]], schema: Schema) -> pd.DataFrame:
    """Raw records as serving receives them (one mapping per sample) as a raw-feature frame."""
    return pd.DataFrame.from_records(list(records), columns=schema.columns).astype("float64")
