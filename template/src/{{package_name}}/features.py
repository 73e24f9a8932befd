"""The ONE place features are computed, for training, batch prediction and serving alike.

Training-serving skew (the model sees different features live than in training) is a classic silent
failure. Every path that feeds the model calls `build_features`; `tests/skew` checks that raw
records give identical feature vectors through the training path and the serving path.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from .data import MEASUREMENTS

ENGINEERED = ["worst_to_mean_radius", "log_mean_area"]
FEATURES = [*MEASUREMENTS, *ENGINEERED]
"""Model input columns, in order."""


def build_features(raw: pd.DataFrame) -> pd.DataFrame:
    """Model inputs from raw measurements (extra columns such as the label are dropped)."""
    features = raw[MEASUREMENTS].astype("float64").reset_index(drop=True)
    # How much the worst nucleus exceeds the average one: irregular growth is a malignancy sign.
    features["worst_to_mean_radius"] = features["worst_radius"] / features["mean_radius"].clip(
        lower=1e-6
    )
    features["log_mean_area"] = np.log1p(features["mean_area"])
    return features[FEATURES]


def records_to_frame(records: Sequence[Mapping[str, float]]) -> pd.DataFrame:
    """Raw records as serving receives them (one mapping per sample) as a raw-measurement frame."""
    return pd.DataFrame.from_records(list(records), columns=MEASUREMENTS).astype("float64")
