"""YAML reading through libyaml when PyYAML was built with it (the wheels on PyPI are).

`mlcrew update` and `mlcrew check` parse copier.yml several times per run, and pure-Python PyYAML
takes about 15 ms for it; the C loader takes about 1 ms and builds the same safe Python objects.
"""

from __future__ import annotations

from typing import Any

import yaml

_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(text: str | bytes) -> Any:
    """`yaml.safe_load`, with libyaml when available (same result; raises `yaml.YAMLError` too)."""
    return yaml.load(text, Loader=_LOADER)  # a safe loader, C or Python
