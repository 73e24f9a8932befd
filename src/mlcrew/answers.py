"""Answers given on the command line (`--data`, `--data-file`), checked against the template's questions.

Copier validates answers itself (the template's validators run on `data` too), but two things it
does not do: it silently ignores a `--data` key that is no question, and it parses booleans
leniently (`regulated=maybe` becomes true). mlcrew refuses both before anything is written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from mlcrew import yamlio
from mlcrew.copier_yml import TemplateConfig
from mlcrew.errors import MlcrewError

_TRUE = {"true", "yes", "y", "1", "on"}
_FALSE = {"false", "no", "n", "0", "off"}


def parse(pairs: list[str], data_file: str | None) -> dict[str, Any]:
    """Merge `--data-file` (a YAML mapping) and `--data KEY=VALUE` flags (flags win)."""
    data: dict[str, Any] = {}
    if data_file:
        try:
            loaded = yamlio.safe_load(Path(data_file).read_text(encoding="utf-8"))
        except OSError as error:
            raise MlcrewError(f"cannot read --data-file {data_file}: {error.strerror}", where="--data-file") from None
        except (yaml.YAMLError, UnicodeDecodeError, ValueError) as error:
            first = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise MlcrewError(
                f"--data-file {data_file} is not valid UTF-8 YAML ({first})", where="--data-file"
            ) from None
        if loaded is not None and not isinstance(loaded, dict):
            raise MlcrewError(f"--data-file {data_file} must hold a mapping of question: answer", where="--data-file")
        if loaded and not all(isinstance(key, str) for key in loaded):
            raise MlcrewError(f"--data-file {data_file}: every key must be a question name (text)", where="--data-file")
        data.update(loaded or {})
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise MlcrewError(f"--data {pair!r} is not KEY=VALUE", fix="e.g. --data serving=batch", where="--data")
        data[key.strip()] = value
    return data


def checked(config: TemplateConfig, data: dict[str, Any]) -> dict[str, Any]:
    """`data` with unknown and computed keys refused and booleans parsed strictly; copier does the rest."""
    result = {}
    for key, value in data.items():
        question = config.questions.get(key)
        if question is None:
            known = ", ".join(config.asked)
            raise MlcrewError(f"unknown question {key!r}", fix=f"the template asks {known}", where=key)
        if question.computed:
            raise MlcrewError(f"{key} is computed by the template and cannot be set", where=key)
        result[key] = parse_bool(key, value) if question.type == "bool" else value
    return result


def parse_bool(name: str, value: Any) -> bool:
    """Strictly parse a boolean answer (copier would turn `maybe` into true)."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise MlcrewError(f"{name}={value!r} is not a boolean", fix="use true or false", where=name)
