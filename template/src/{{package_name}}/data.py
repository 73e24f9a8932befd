"""Load the data and check it against its schema before anything learns from it.

The dataset is the Wisconsin breast-cancer data bundled with scikit-learn (569 samples, 30
measurements of cell nuclei): no download, so the pipeline runs offline and in CI. The label is
1 for malignant (a sample to flag for a specialist), 0 for benign. Replace `load_raw` with your
real source; keep `validate` strict: a schema violation stops the pipeline (Google MLOps level 1).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import pandas as pd

LABEL = "label"
LABELS = (0, 1)
DESCRIPTION = (
    "Breast Cancer Wisconsin (Diagnostic), bundled with scikit-learn: 569 samples, 30 numeric "
    "measurements of cell nuclei; label 1 = malignant, 0 = benign"
)


def _column(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


SOURCES = ("sklearn:breast_cancer",)


def load_raw(source: str = "sklearn:breast_cancer") -> pd.DataFrame:
    """The full dataset: one row per sample, snake_case measurement columns plus `label`."""
    if source not in SOURCES:
        raise SchemaError(f"data.source {source!r} is not supported: add a reader in data.load_raw")
    from sklearn.datasets import load_breast_cancer

    bunch = load_breast_cancer(as_frame=True)
    frame = bunch.data.rename(columns=_column).astype("float64")
    frame[LABEL] = (bunch.target == 0).astype("int64")  # sklearn: 0 = malignant
    return frame


def sample(frame: pd.DataFrame, fraction: float, seed: int) -> pd.DataFrame:
    """A stratified, seeded sample (smoke runs and sampled environments); 1.0 keeps everything."""
    if fraction >= 1.0:
        return frame.reset_index(drop=True)
    parts = [
        group.sample(frac=fraction, random_state=seed)
        for _, group in frame.groupby(LABEL, sort=True)
    ]
    return pd.concat(parts).sort_index().reset_index(drop=True)


def data_version(frame: pd.DataFrame) -> str:
    """A short content hash: the same data always gets the same version, any change a new one."""
    hashed = pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes()
    columns = ",".join(frame.columns).encode()
    return hashlib.sha256(columns + hashed).hexdigest()[:16]


# --- schema -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """What a raw measurement column must look like."""

    name: str
    minimum: float = 0.0
    maximum: float = float("inf")


MEASUREMENTS = [
    pattern.format(feature)
    for pattern in ("mean_{}", "{}_error", "worst_{}")
    for feature in (
        "radius",
        "texture",
        "perimeter",
        "area",
        "smoothness",
        "compactness",
        "concavity",
        "concave_points",
        "symmetry",
        "fractal_dimension",
    )
]
"""The 30 raw input columns, in the order the model expects them."""

SCHEMA = [Column(name, 0.0, 5000.0 if "area" in name else 500.0) for name in MEASUREMENTS]


class SchemaError(ValueError):
    """The data breaks its contract; the message says which column and how."""


def validate(frame: pd.DataFrame, require_label: bool = True) -> pd.DataFrame:
    """Check columns, types, ranges, nulls and the label set; raise SchemaError on a violation."""
    expected = [column.name for column in SCHEMA] + ([LABEL] if require_label else [])
    missing = [name for name in expected if name not in frame.columns]
    if missing:
        raise SchemaError(f"missing columns: {', '.join(missing)}")
    if frame.empty:
        raise SchemaError("no rows")
    problems = []
    for column in SCHEMA:
        values = frame[column.name]
        if not pd.api.types.is_numeric_dtype(values):
            problems.append(f"{column.name}: not numeric ({values.dtype})")
            continue
        if values.isna().any():
            problems.append(f"{column.name}: {int(values.isna().sum())} null values")
        outside = values[(values < column.minimum) | (values > column.maximum)]
        if not outside.empty:
            problems.append(
                f"{column.name}: {len(outside)} values outside [{column.minimum}, {column.maximum}]"
            )
    if require_label:
        labels = set(frame[LABEL].dropna().unique().tolist())
        if frame[LABEL].isna().any() or not labels <= set(LABELS):
            problems.append(f"{LABEL}: values must be in {LABELS}, found {sorted(labels)}")
    if problems:
        raise SchemaError("; ".join(problems))
    return frame
