"""The other templates mlcrew is compared with (the benchmark's 'anchors'), as data: how each is created,
installed and tested, the way its own README says, with uv and with every question answered up front.

Their code is never part of mlcrew: run.py takes a folder (`--anchors DIR` or `$MLCREW_BENCH_ANCHORS`)
holding a git clone of each template under the `checkout` name below, and a `tools/` virtual environment
with the tools (`tools/bin/<tool>`; the tool is also looked up on PATH). An anchor that is absent is
reported as skipped, with the reason. docs/performance.md shows how to set such a folder up.

Placeholders in the commands: {tool} (the tool's path), {template} (the checkout), {parent} (an empty
folder for this run), {dest} (the project folder the tool creates in {parent}).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Anchor:
    id: str
    label: str
    repository: str
    """Where the template comes from (its GitHub owner/name, or PyPI for the tool)."""
    checkout: str
    """The folder in the anchors directory holding a clone of `repository`."""
    tool: str
    create: tuple[str, ...]
    project: str
    """The folder name the create command makes in {parent}."""
    install: tuple[str, ...]
    test: tuple[str, ...]
    green_label: str
    test_ok: tuple[int, ...] = (0,)
    env: Mapping[str, str] = field(default_factory=dict)
    files: Mapping[str, str] = field(default_factory=dict)
    """Files written to {parent} before the create command (a tool's answers file)."""


COPIER = ("{tool}", "copy", "--trust", "--defaults", "--quiet")
"""copier-uv and scientific-python/cookie load Jinja extensions, so they need --trust and the
`copier-templates-extensions` package next to copier in tools/ (the same copier version as mlcrew's)."""

ANCHORS = (
    Anchor(
        id="copier_uv",
        label="copier-uv",
        repository="pawamoy/copier-uv",
        checkout="copier-uv",
        tool="copier",
        create=(*COPIER, "-d", "project_name=demo", "-d", "project_description=Demo", "{template}", "{dest}"),
        project="demo",
        install=("uv", "sync", "--quiet"),
        test=("uv", "run", "duty", "test"),  # `make test`: pytest with its config, on all cores (xdist)
        green_label="copier copy, git, uv sync, uv run duty test",
    ),
    Anchor(
        id="cookie",
        label="scientific-python/cookie",
        repository="scientific-python/cookie",
        checkout="cookie",
        tool="copier",
        create=(
            *COPIER,
            *("-d", "project_name=demo", "-d", "org=demo", "-d", "full_name=Demo", "-d", "email=demo@example.com"),
            *("-d", "license=MIT", "-d", "backend=hatch", "-d", "docs=sphinx", "-d", "vcs=true"),
            "{template}",
            "{dest}",
        ),
        project="demo",
        install=("uv", "sync", "--quiet"),
        test=("uv", "run", "pytest", "-q"),
        green_label="copier copy (hatch), git, uv sync, uv run pytest",
    ),
    Anchor(
        id="ccds",
        label="cookiecutter-data-science v2",
        repository="drivendataorg/cookiecutter-data-science",
        checkout="cookiecutter-data-science",
        tool="ccds",
        create=(
            *("{tool}", "{template}", "--no-input", "-o", "{parent}", "project_name=demo"),
            *("environment_manager=uv", "dependency_file=pyproject.toml", "pydata_packages=basic"),
            *("testing_framework=pytest", "python_version_number=3.11"),
        ),
        project="demo",
        install=("uv", "sync", "--quiet"),
        test=("uv", "run", "pytest", "-q", "tests"),  # `make test`
        test_ok=(0, 1),  # its generated test is `assert False` by design: never green, timed to its first run
        green_label="ccds (uv, pytest, basic pydata), git, uv sync, first uv run pytest (red by design)",
    ),
    Anchor(
        id="kedro",
        label="Kedro spaceflights-pandas",
        repository="kedro-org/kedro-starters",
        checkout="kedro-starters",
        tool="kedro",
        create=(
            *("{tool}", "new", "--starter", "{template}", "--directory", "spaceflights-pandas"),
            *("--config", "{parent}/kedro.yml", "--telemetry", "no"),
        ),
        project="spaceflights",
        files={"kedro.yml": "project_name: Spaceflights\noutput_dir: {parent}\n"},
        install=("uv", "sync", "--quiet", "--extra", "dev"),  # pytest is in its `dev` extra, not requirements.txt
        test=("uv", "run", "pytest", "-q"),
        env={"KEDRO_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "1"},
        green_label="kedro new --starter, git, uv sync --extra dev, uv run pytest",
    ),
)
