"""Hatch build hook: ship the template inside the wheel as a git bundle with every release tagged.

A bundle (not a plain copy of template/) keeps the template a git repository, so projects record a
version (`_commit: vX.Y.Z`) and can be updated later, offline, from the same wheel. The release tags
are derived from the history (src/mlcrew/versions.py), so any clone of main builds the same wheel.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class TemplateBundleHook(BuildHookInterface):  # type: ignore[type-arg]
    """Build `mlcrew/template.bundle` from this checkout's git history."""

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if version == "editable":
            return  # an editable install runs from the checkout: pass --template there
        root = Path(self.root)
        if not (root / ".git").exists():
            raise RuntimeError(
                "mlcrew's wheel ships the template as a git bundle, so it must be built from a git "
                "checkout (pip install . / uv build --wheel), not from an sdist"
            )
        sys.path.insert(0, str(root / "src"))
        from mlcrew.template import build_bundle
        from mlcrew.versions import release_history

        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "copier.yml", "template"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        if dirty:
            self.app.display_warning(
                "copier.yml or template/ has uncommitted changes: the bundle holds committed versions only"
            )
        bundle = Path(self.directory) / "bundle" / "template.bundle"
        history = release_history(root)
        build_bundle(root, bundle)
        if history.unplaced:
            self.app.display_warning(
                f"releases {', '.join(history.unplaced)} lie beyond this shallow clone's history and are not in "
                "the bundle: build from a full clone (git fetch --unshallow)"
            )
        if not history.releases:
            self.app.display_warning("no release in CHANGELOG.md's history: the bundled template has no version tag")
        build_data["force_include"][str(bundle)] = "mlcrew/template.bundle"
