"""A local model registry: `artifacts/registry/<model_name>/<version>/` holds model.joblib and
metadata.json.

Versions are consecutive integers and never overwritten, so "which model was live, trained on what,
by which code" always has an answer (the EE playbook's versioned model repository). metadata.json
is the contract the model card, the drift check and serving read.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from . import __version__
from .logs import UTC
from .model import load
from .settings import Settings

METADATA_KEYS = (
    "model_name",
    "model_version",
    "created_at",
    "data_version",
    "code_version",
    "params",
    "metrics",
    "baseline_metrics",
    "slice_metrics",
    "thresholds",
    "passed_gate",
    "dataset",
    "report",
    "plots",
)


class RegistryError(Exception):
    """No usable model: the message says what to run first."""


def registry_dir(settings: Settings) -> Path:
    return settings.artifacts / "registry" / settings.model.name


def code_version(root: Path) -> str:
    """The package version, plus the git commit when the code runs from a checkout."""
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        sha = ""
    return f"{__version__}+{sha}" if sha else __version__


def versions(settings: Settings) -> list[int]:
    folder = registry_dir(settings)
    if not folder.is_dir():
        return []
    return sorted(int(path.name) for path in folder.iterdir() if path.name.isdigit())


def register(settings: Settings, model_path: Path, evaluation: Mapping[str, Any]) -> Path:
    """Copy the candidate and its evaluation into a new version; return its metadata.json path."""
    version = str((versions(settings) or [0])[-1] + 1)
    folder = registry_dir(settings) / version
    folder.mkdir(parents=True)
    shutil.copy2(model_path, folder / "model.joblib")
    kept = []
    for entry in [evaluation["report"], *evaluation["plots"]]:
        source = settings.path(entry)
        if source.is_file():
            shutil.copy2(source, folder / source.name)
            kept.append(_relative(folder / source.name, settings.root))
    metadata = {
        "model_name": settings.model.name,
        "model_version": version,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "data_version": evaluation["data_version"],
        "code_version": code_version(settings.root),
        "params": evaluation["params"],
        "metrics": evaluation["metrics"],
        "baseline_metrics": evaluation["baseline_metrics"],
        "slice_metrics": evaluation["slice_metrics"],
        "thresholds": evaluation["thresholds"],
        "passed_gate": bool(evaluation["passed_gate"]),
        "dataset": evaluation["dataset"],
        "report": kept[0] if kept else evaluation["report"],
        "plots": kept[1:],
    }
    path = folder / "metadata.json"
    path.write_text(json.dumps(metadata, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    return path


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def find(settings: Settings) -> tuple[Path, dict[str, Any]]:
    """The folder and metadata of the version to serve (`model.version`: latest or a number)."""
    wanted = settings.model.version
    candidates = versions(settings)
    if wanted != "latest":
        candidates = [int(wanted)] if wanted.isdigit() and int(wanted) in candidates else []
    for number in reversed(candidates):
        folder = registry_dir(settings) / str(number)
        metadata: dict[str, Any] = json.loads(
            (folder / "metadata.json").read_text(encoding="utf-8")
        )
        if metadata.get("passed_gate") or not settings.model.require_passed_gate:
            return folder, metadata
    package = __name__.rpartition(".")[0]
    raise RegistryError(
        f"no registered {settings.model.name!r} model (version {wanted}, "
        f"gate required: {settings.model.require_passed_gate}) under {registry_dir(settings)}: "
        f"run `python -m {package} pipeline` first"
    )


def load_model(settings: Settings) -> tuple[Any, dict[str, Any]]:
    """The model to serve and its metadata."""
    folder, metadata = find(settings)
    return load(folder / "model.joblib"), metadata
