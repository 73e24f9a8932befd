"""The data contract, typed: `configs/schema.yaml` (`data.schema_file`) as a `Schema`.

The one file a team edits to bring its own data (docs/your-data.md): the feature columns and their
ranges, the target column and its two classes, the engineered features, the slices. Validation
(data.py), the model's inputs (features.py), the gate's slices (evaluation.py) and the API's request
fields (api.py) all derive from it. Kept apart from data.py so serving can read it without pandas.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .settings import Settings


class SchemaError(ValueError):
    """The data breaks its contract; the message says which column and how."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Feature(_Strict):
    """One raw input column: numeric, never null, within [min, max]."""

    min: float = 0.0
    max: float = float("inf")
    description: str = ""
    example: float | None = None  # a typical value: the API's documented example request

    @property
    def example_value(self) -> float:
        """`example`, or a value the contract accepts (the bound that is finite, else 0)."""
        if self.example is not None:
            return self.example
        return next((bound for bound in (self.min, self.max) if abs(bound) < float("inf")), 0.0)


class Target(_Strict):
    """The column the model predicts and its two values; scores are P(positive)."""

    column: str
    negative: str | int
    positive: str | int


class Schema(_Strict):
    """`configs/schema.yaml`, typed."""

    description: str = ""
    target: Target
    features: dict[str, Feature] = Field(min_length=1)
    engineered: list[str] = []
    slices: dict[str, str] = {}

    @property
    def columns(self) -> list[str]:
        """The raw feature columns, in the order the model receives them."""
        return list(self.features)

    @property
    def classes(self) -> tuple[str | int, str | int]:
        return self.target.negative, self.target.positive


def load_schema(path: Path) -> Schema:
    """The schema file as a `Schema`; SchemaError names the file and the problem."""
    if not path.is_file():
        raise SchemaError(f"schema file {path} not found (data.schema_file)")
    return _parse_schema(str(path), path.stat().st_mtime_ns)


@lru_cache(maxsize=8)
def _parse_schema(path: str, _mtime_ns: int) -> Schema:
    # Cached by modification time: serving asks for the schema on every request.
    try:
        return Schema.model_validate(yaml.safe_load(Path(path).read_text(encoding="utf-8")))
    except yaml.YAMLError as error:
        raise SchemaError(f"{path} is not valid YAML: {str(error).splitlines()[0]}") from None
    except UnicodeDecodeError as error:
        raise SchemaError(f"{path} is not UTF-8 text: {error}") from None
    except ValidationError as error:
        first = error.errors()[0]
        key = ".".join(str(part) for part in first["loc"])
        raise SchemaError(f"{path}: {key}: {first['msg']}") from None


def schema_of(settings: Settings) -> Schema:
    """The schema the settings point at."""
    return load_schema(settings.path(settings.data.schema_file))
