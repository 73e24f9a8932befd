"""Fixtures shared by the test modules; the real work is in helpers.py."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import IDENTITY, ProjectFactory, make_template_repo

from mlcrew.template import BUNDLE_ENV_VAR, build_bundle

# Every repo the tests create commits as this identity; CI's machine has none configured.
os.environ.update(IDENTITY)
# Under `nox -s tests` these point at nox's environment: generated projects must get their own .venv.
for _variable in ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT"):
    os.environ.pop(_variable, None)
os.environ.setdefault("UV_PYTHON_DOWNLOADS", "never")
# Started as a background job of a non-interactive shell, the suite inherits SIGINT ignored, and so would
# every mlcrew it starts: the tests that press Ctrl-C on one (a real SIGINT) need it delivered.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(scope="session")
def template_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The template as it is in the working tree, committed and tagged in a temp git repo."""
    return make_template_repo(tmp_path_factory.mktemp("tpl") / "mlcrew-template")


@pytest.fixture(autouse=True)
def _isolated_copier_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Copier mirrors remote templates in ~/.cache/copier: keep the user's cache out of the tests."""
    cache = tmp_path_factory.getbasetemp() / "copier-cache"
    old = os.environ.get("COPIER_CACHE_DIR")
    os.environ["COPIER_CACHE_DIR"] = str(cache)
    yield
    if old is None:
        os.environ.pop("COPIER_CACHE_DIR", None)
    else:
        os.environ["COPIER_CACHE_DIR"] = old


@pytest.fixture(scope="session")
def projects(template_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> ProjectFactory:
    """Shared generated projects (see ProjectFactory)."""
    return ProjectFactory(template_repo, tmp_path_factory.mktemp("projects"))


@pytest.fixture(scope="session")
def bundle(template_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A bundle of the working-tree template, as the wheel ships it."""
    return build_bundle(template_repo, tmp_path_factory.mktemp("bundle") / "template.bundle")


@pytest.fixture
def offline(bundle: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Use `bundle` as the bundled template, and make every network transport impossible for git."""
    monkeypatch.setenv(BUNDLE_ENV_VAR, str(bundle))
    monkeypatch.setenv("GIT_ALLOW_PROTOCOL", "file")
    return bundle
