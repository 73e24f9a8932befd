"""A local model registry: `artifacts/registry/<model_name>/<version>/` holds model.skops,
metadata.json and reference.json.

A version id is the UTC time of registration, `YYYYMMDD.HHMMSS` (`.2`, `.3`... when two land in
the same second): it sorts by age and stays unique across machines and CI runs, so "the previous
version" exists even though every CI build starts from a fresh checkout. Versions are never
overwritten, so "which model was live, trained on what, by which code" always has an answer (the
EE playbook's versioned model repository). A rollback withdraws the served version (a WITHDRAWN
file beside it); serving then takes the newest version still eligible. `metadata.json` (the typed
`ModelMetadata`) is the contract the model card, monitoring and serving read.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from . import __version__
from .settings import Settings

MODEL_FILE = "model.skops"
METADATA_FILE = "metadata.json"
REFERENCE_FILE = "reference.json"
WITHDRAWN_FILE = "WITHDRAWN"
UTC = timezone(timedelta(0))  # datetime.UTC needs Python 3.11


class RegistryError(Exception):
    """No usable model: the message says what to run first."""


class CrossValidation(BaseModel):
    folds: int
    seed: int
    fold_roc_auc: list[float]
    std_roc_auc: float


class ModelMetadata(BaseModel):
    """What the registry knows about one version. Fields added after 0.1.0 have defaults, so
    versions registered by 0.1.0 still read."""

    model_config = ConfigDict(extra="ignore", frozen=True, protected_namespaces=())

    model_name: str
    model_version: str
    created_at: datetime
    data_version: str
    code_version: str
    params: dict[str, str | float | int]
    metrics: dict[str, float]
    baseline_metrics: dict[str, float]
    simpler_metrics: dict[str, float] = {}
    holdout_metrics: dict[str, float] = {}
    slice_metrics: dict[str, dict[str, float]]
    thresholds: dict[str, Any]
    passed_gate: bool
    dataset: str
    report: str
    plots: list[str]
    features: list[str] = []
    cross_validation: CrossValidation | None = None
    tuning: dict[str, Any] = {}
    feature_importance: dict[str, float] = {}
    environment: dict[str, str] = {}  # Python and library versions that trained it


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


def _order(name: str) -> tuple[int, float, str]:
    # 0.1.0 numbered its versions 1, 2, ...: they sort before every time-stamped one.
    return (0, float(name), "") if name.isdigit() else (1, 0.0, name)


def versions(settings: Settings) -> list[str]:
    """Every registered version, oldest first."""
    folder = registry_dir(settings)
    if not folder.is_dir():
        return []
    found = [path.name for path in folder.iterdir() if (path / METADATA_FILE).is_file()]
    return sorted(found, key=_order)


def new_version(settings: Settings, now: datetime) -> str:
    """The id of a version registered at `now`: its UTC time, unique in this registry."""
    stamp = now.astimezone(UTC).strftime("%Y%m%d.%H%M%S")
    taken = set(versions(settings))
    version, count = stamp, 1
    while version in taken:
        count += 1
        version = f"{stamp}.{count}"
    return version


def register(
    settings: Settings, model_path: Path, evaluation: dict[str, Any], reference: dict[str, Any]
) -> Path:
    """Copy the candidate, its evaluation and reference profile into a new version folder."""
    created = datetime.now(UTC).replace(microsecond=0)
    version = new_version(settings, created)
    folder = registry_dir(settings) / version
    folder.mkdir(parents=True)
    shutil.copy2(model_path, folder / MODEL_FILE)
    kept = []
    for entry in [evaluation["report"], *evaluation["plots"]]:
        source = settings.path(entry)
        if source.is_file():
            shutil.copy2(source, folder / source.name)
            kept.append(_relative(folder / source.name, settings.root))
    metadata = ModelMetadata.model_validate(
        {
            **evaluation,
            "model_name": settings.model.name,
            "model_version": version,
            "created_at": created,
            "code_version": code_version(settings.root),
            "report": kept[0] if kept else evaluation["report"],
            "plots": kept[1:],
        }
    )
    (folder / REFERENCE_FILE).write_text(json.dumps(reference) + "\n", encoding="utf-8")
    path = folder / METADATA_FILE
    path.write_text(metadata.model_dump_json(indent=2) + "\n", encoding="utf-8")
    return path


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def read_metadata(folder: Path) -> ModelMetadata:
    return ModelMetadata.model_validate_json((folder / METADATA_FILE).read_text(encoding="utf-8"))


def _eligible(settings: Settings, folder: Path, metadata: ModelMetadata) -> bool:
    """May this version be served? Not withdrawn, and gated when the environment requires it."""
    if (folder / WITHDRAWN_FILE).exists():
        return False
    return metadata.passed_gate or not settings.model.require_passed_gate


def find(settings: Settings) -> tuple[Path, ModelMetadata]:
    """The folder and metadata of the version to serve (`model.version`: latest or an id)."""
    wanted = settings.model.version
    candidates = versions(settings)
    if wanted != "latest":
        candidates = [wanted] if wanted in candidates else []
    for version in reversed(candidates):
        folder = registry_dir(settings) / version
        metadata = read_metadata(folder)
        if _eligible(settings, folder, metadata):
            return folder, metadata
    package = __name__.rpartition(".")[0]
    raise RegistryError(
        f"no servable {settings.model.name!r} model (version {wanted}, "
        f"gate required: {settings.model.require_passed_gate}) under {registry_dir(settings)}: "
        f"run `python -m {package} pipeline` first"
    )


def load_model(settings: Settings) -> tuple[Any, ModelMetadata]:
    """The model to serve and its metadata."""
    from .model import load

    folder, metadata = find(settings)
    if not (folder / MODEL_FILE).is_file():
        package = __name__.rpartition(".")[0]
        raise RegistryError(
            f"version {metadata.model_version} has no {MODEL_FILE} (registered before 0.2.0 as a "
            f"pickle, which is not loaded): run `python -m {package} pipeline`"
        )
    return load(folder / MODEL_FILE), metadata


def reference(folder: Path) -> dict[str, Any]:
    """The reference profile stored with a version (see drift.profile)."""
    path = folder / REFERENCE_FILE
    if not path.is_file():
        raise RegistryError(f"{path} not found: the version predates monitoring; retrain it")
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def rollback(settings: Settings, reason: str) -> tuple[ModelMetadata, ModelMetadata]:
    """Withdraw the version being served; return (withdrawn, the version served from now on)."""
    folder, current = find(settings)
    marker = {"withdrawn_at": datetime.now(UTC).isoformat(timespec="seconds"), "reason": reason}
    (folder / WITHDRAWN_FILE).write_text(json.dumps(marker) + "\n", encoding="utf-8")
    try:
        _, previous = find(settings)
    except RegistryError:
        (folder / WITHDRAWN_FILE).unlink()
        raise RegistryError(
            f"no earlier servable version to roll back to from {current.model_version}: "
            "nothing was withdrawn"
        ) from None
    return current, previous
