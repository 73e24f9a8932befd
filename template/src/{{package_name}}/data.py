"""Load the data and check it against its schema before anything learns from it.

What the data is lives in one file, `configs/schema.yaml` (`data.schema_file`): the feature columns
with their ranges, the target column and its two classes, the slices. Where it comes from is
`data.source`: a dataset bundled with scikit-learn (`sklearn:breast_cancer`, the default: no
download, so the pipeline runs offline and in CI), or a CSV or Parquet file. `validate` is strict:
a schema violation stops the pipeline (Google MLOps level 1). It uses pandera, the standard
dataframe-validation library; the YAML file stays the one place a team edits.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

import numpy as np
import pandas as pd

from .schema import Schema, SchemaError, schema_of
from .settings import Settings

__all__ = [
    "Schema",
    "SchemaError",
    "data_version",
    "labels",
    "load_raw",
    "sample",
    "schema_of",
    "slice_masks",
    "validate",
]


def _column(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def load_raw(settings: Settings) -> pd.DataFrame:
    """The full dataset from `data.source`: feature columns plus the target column."""
    source, schema = settings.data.source, schema_of(settings)
    if source.startswith("sklearn:"):
        return _bundled(source.removeprefix("sklearn:"), schema)
    path = settings.path(source)
    if not path.is_file():
        raise SchemaError(f"data.source {source!r} is neither a bundled dataset nor a file")
    if path.suffix == ".csv":
        return pd.read_csv(path)
    if path.suffix == ".parquet":
        try:
            return pd.read_parquet(path)
        except ImportError:
            raise SchemaError("reading Parquet needs pyarrow: `uv add pyarrow`") from None
    raise SchemaError(f"data.source {source!r}: use a .csv or .parquet file")


def _bundled(name: str, schema: Schema) -> pd.DataFrame:
    """A dataset bundled with scikit-learn, snake_case columns, classes by name."""
    from sklearn import datasets

    loader = getattr(datasets, f"load_{name}", None)
    if loader is None:
        raise SchemaError(f"data.source 'sklearn:{name}' is not a dataset bundled with sklearn")
    bunch = loader(as_frame=True)
    frame = bunch.data.rename(columns=_column)
    frame[schema.target.column] = np.asarray(bunch.target_names)[bunch.target.to_numpy()]
    return frame


def sample(frame: pd.DataFrame, fraction: float, seed: int, target: str) -> pd.DataFrame:
    """A stratified, seeded sample (smoke runs and sampled environments); 1.0 keeps everything."""
    if fraction >= 1.0:
        return frame.reset_index(drop=True)
    parts = [
        group.sample(frac=fraction, random_state=seed)
        for _, group in frame.groupby(target, sort=True)
    ]
    return pd.concat(parts).sort_index().reset_index(drop=True)


def data_version(frame: pd.DataFrame) -> str:
    """A short content hash: the same data always gets the same version, any change a new one."""
    hashed = pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes()
    columns = ",".join(frame.columns).encode()
    return hashlib.sha256(columns + hashed).hexdigest()[:16]


def labels(frame: pd.DataFrame, schema: Schema) -> np.ndarray[Any, np.dtype[np.int64]]:
    """1 where the target is the positive class, else 0: what the model learns and is scored on."""
    return np.asarray(frame[schema.target.column] == schema.target.positive, dtype=np.int64)


def slice_masks(frame: pd.DataFrame, schema: Schema) -> dict[str, np.ndarray[Any, Any]]:
    """Every slice of the schema as a boolean mask over `frame`."""
    masks = {}
    for name, expression in schema.slices.items():
        try:
            masks[name] = np.asarray(frame.eval(expression), dtype=bool)
        except Exception as error:  # pandas raises many types for a bad expression
            raise SchemaError(f"slice {name!r} ({expression}): {error}") from None
    return masks


def validate(frame: pd.DataFrame, schema: Schema, require_label: bool = True) -> pd.DataFrame:
    """Check columns, types, ranges, nulls and the label set; raise SchemaError on a violation."""
    import pandera.errors
    import pandera.pandas as pa

    columns = {
        name: pa.Column(
            float, pa.Check.in_range(spec.min, spec.max), nullable=False, coerce=False, name=name
        )
        for name, spec in schema.features.items()
    }
    if require_label:
        columns[schema.target.column] = pa.Column(
            checks=pa.Check.isin(list(schema.classes)), nullable=False
        )
    if frame.empty:
        raise SchemaError("no rows")
    numeric = frame.astype({name: "float64" for name in schema.columns if _is_number(frame, name)})
    try:
        pa.DataFrameSchema(columns).validate(numeric, lazy=True)
    except pandera.errors.SchemaErrors as error:
        raise SchemaError(_explain(error.failure_cases)) from None
    return frame


def _is_number(frame: pd.DataFrame, name: str) -> bool:
    return name in frame.columns and pd.api.types.is_numeric_dtype(frame[name])


def _explain(failures: pd.DataFrame) -> str:
    """pandera's failure table as one line: `missing columns: a; b: 3 values outside [0, 5]`."""
    missing = failures.loc[failures["check"] == "column_in_dataframe", "failure_case"]
    problems = [f"missing columns: {', '.join(map(str, missing))}"] if len(missing) else []
    rest = failures[failures["check"] != "column_in_dataframe"]
    for (column, check), cases in rest.groupby(["column", "check"], sort=False):
        if check == "not_nullable":
            problems.append(f"{column}: {len(cases)} null values")
        elif str(check).startswith("in_range"):
            problems.append(f"{column}: {len(cases)} values outside {str(check)[8:]}")
        elif str(check).startswith("isin"):
            found = sorted({str(case) for case in cases["failure_case"]})
            problems.append(f"{column}: values must be in {str(check)[4:]}, found {found}")
        else:
            problems.append(f"{column}: not numeric ({cases['failure_case'].iloc[0]})")
    return "; ".join(problems)
