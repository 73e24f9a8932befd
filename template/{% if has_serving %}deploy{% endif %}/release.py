"""The unit of promotion, written down: which image digest carries which model version.

CI runs this after it builds and pushes the serving image (build once, promote the same artifact):

    python deploy/release.py record IMAGE@sha256:DIGEST   # -> artifacts/release/promotion.json
    python deploy/release.py change-record --environment prod --approver NAME
                                                          # -> artifacts/release/change-record.md

`record` reads the newest registered model under artifacts/registry/ (its metadata.json) and
refuses a model that did not pass its gate. `change-record` is the audit trail of a promotion:
commit, image digest, data version, model version, metrics and who approved it. Standard library
only, so CI can run it with any Python 3.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REGISTRY = Path("artifacts/registry")
RELEASE = Path("artifacts/release")
PROMOTION = RELEASE / "promotion.json"


def now() -> str:
    """The current time, UTC, ISO-8601 (the same on every Python version)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def newest_model(registry: Path = REGISTRY) -> dict[str, Any]:
    """The metadata of the most recently registered model version."""
    found = sorted(registry.glob("*/*/metadata.json"))
    if not found:
        raise SystemExit(f"release.py: no registered model under {registry}/ (run the pipeline)")
    models = [json.loads(path.read_text(encoding="utf-8")) for path in found]
    return max(models, key=lambda meta: str(meta.get("created_at", "")))


def commit() -> str:
    """The commit being released: CI's variable, else git."""
    for name in ("GITHUB_SHA", "CI_COMMIT_SHA"):
        if os.environ.get(name):
            return os.environ[name]
    git = ["git", "rev-parse", "HEAD"]
    result = subprocess.run(git, capture_output=True, text=True, check=False)
    return result.stdout.strip() or "unknown"


def record(image: str) -> dict[str, Any]:
    """Write promotion.json for `image` and the newest model; print key=value lines for CI."""
    if "@sha256:" not in image:
        raise SystemExit(f"release.py: pin the image by digest (NAME@sha256:...), got {image!r}")
    model = newest_model()
    if not model.get("passed_gate"):
        raise SystemExit(
            f"release.py: model {model.get('model_name')} {model.get('model_version')} did not"
            " pass its gate (thresholds.yaml): it is not released"
        )
    promotion = {
        "image": image,
        "commit": commit(),
        "model_name": model.get("model_name"),
        "model_version": model.get("model_version"),
        "data_version": model.get("data_version"),
        "code_version": model.get("code_version"),
        "metrics": model.get("metrics", {}),
        "recorded_at": now(),
    }
    RELEASE.mkdir(parents=True, exist_ok=True)
    PROMOTION.write_text(json.dumps(promotion, indent=2) + "\n", encoding="utf-8")
    sys.stdout.write(f"image={image}\nmodel_version={promotion['model_version']}\n")
    sys.stdout.write(f"promotion={json.dumps(promotion, separators=(',', ':'))}\n")
    return promotion


def change_record(environment: str, approver: str) -> str:
    """Write the change record of promoting promotion.json to `environment`; return its Markdown."""
    if not PROMOTION.exists():
        raise SystemExit(f"release.py: {PROMOTION} is missing: CI passes it on from the build")
    if not approver.strip():
        raise SystemExit("release.py: no approver: a promotion is never recorded without one")
    promotion = json.loads(PROMOTION.read_text(encoding="utf-8"))
    entry = {
        **promotion,
        "environment": environment,
        "approver": approver,
        "promoted_at": now(),
    }
    metrics = "\n".join(f"| {name} | {value} |" for name, value in sorted(entry["metrics"].items()))
    markdown = (
        f"# Change record: {entry['model_name']} {entry['model_version']} to {environment}\n\n"
        f"| | |\n| --- | --- |\n"
        f"| commit | `{entry['commit']}` |\n"
        f"| image | `{entry['image']}` |\n"
        f"| model version | {entry['model_name']} {entry['model_version']} |\n"
        f"| data version | `{entry['data_version']}` |\n"
        f"| code version | `{entry['code_version']}` |\n"
        f"| approver | {approver} |\n"
        f"| promoted at (UTC) | {entry['promoted_at']} |\n\n"
        f"| metric | value |\n| --- | --- |\n{metrics}\n"
    )
    RELEASE.mkdir(parents=True, exist_ok=True)
    record_json = json.dumps(entry, indent=2) + "\n"
    (RELEASE / "change-record.json").write_text(record_json, encoding="utf-8")
    (RELEASE / "change-record.md").write_text(markdown, encoding="utf-8")
    return markdown


def main(argv: list[str] | None = None) -> int:
    """Command line: `record IMAGE` or `change-record --environment ENV --approver NAME`."""
    parser = argparse.ArgumentParser(prog="release.py", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    record_cmd = commands.add_parser("record", help="write artifacts/release/promotion.json")
    record_cmd.add_argument("image", help="the pushed image, pinned: NAME@sha256:DIGEST")
    change = commands.add_parser("change-record", help="write artifacts/release/change-record.md")
    change.add_argument("--environment", required=True, choices=["staging", "prod"])
    change.add_argument("--approver", required=True)
    args = parser.parse_args(argv)
    if args.command == "record":
        record(args.image)
    else:
        sys.stdout.write(change_record(args.environment, args.approver))
    return 0


if __name__ == "__main__":
    sys.exit(main())
