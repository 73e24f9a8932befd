"""Repositories shaped like the ones teams already have, built as real git repos for `mlcrew adopt` tests.

Each builder writes the files a team would have (a cookiecutter-data-science v2 project, a Kedro
project, a bare FastAPI service, a repository with pyproject.toml, README.md and tests/), commits
them and returns the path. `EXPECTED[shape]` is what adopt should read from it.
"""
# ruff: noqa: E501  (the files' contents are written as the real projects have them)

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from helpers import commit_all

MIT = """MIT License

Copyright (c) 2025 Data Science Team

Permission is hereby granted, free of charge, to any person obtaining a copy of this software and
associated documentation files (the "Software"), to deal in the Software without restriction.
"""

APACHE = """                                 Apache License
                           Version 2.0, January 2004
                        http://www.apache.org/licenses/
"""

NOTEBOOK = {
    "cells": [
        {"cell_type": "markdown", "metadata": {}, "source": ["# Initial data exploration\n"]},
        {
            "cell_type": "code",
            "execution_count": 1,
            "metadata": {},
            "outputs": [{"name": "stdout", "output_type": "stream", "text": ["7043 rows\n"]}],
            "source": [
                "import pandas as pd\n",
                "df = pd.read_csv('../data/raw/churn.csv')\n",
                "print(len(df), 'rows')",
            ],
        },
    ],
    "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
    "nbformat": 4,
    "nbformat_minor": 5,
}


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def commit(root: Path, message: str = "Our project") -> Path:
    commit_all(root, message)
    return root


def ccds_v2(root: Path) -> Path:
    """cookiecutter-data-science v2: a flat package, notebooks, a Makefile, data/ folders, docs/ with mkdocs."""
    write(
        root,
        {
            ".gitignore": "# Data\n/data/raw/*.csv\n\n# Byte-compiled\n__pycache__/\n*.py[cod]\n.env\n"
            ".ipynb_checkpoints\n",
            "LICENSE": MIT,
            "Makefile": "PROJECT_NAME = churn_analysis\nPYTHON_INTERPRETER = python\n\n"
            "## Install Python dependencies\n.PHONY: requirements\nrequirements:\n"
            "\t$(PYTHON_INTERPRETER) -m pip install -U pip\n\t$(PYTHON_INTERPRETER) -m pip install -r requirements.txt\n\n"
            "## Lint using ruff\n.PHONY: lint\nlint:\n\truff format --check\n\truff check\n\n"
            "## Make dataset\n.PHONY: data\ndata: requirements\n\t$(PYTHON_INTERPRETER) churn_analysis/dataset.py\n",
            "README.md": '# churn_analysis\n\n<a target="_blank" href="https://cookiecutter-data-science.drivendata.org/">'
            '<img src="https://img.shields.io/badge/CCDS-Project%20template-328F97?logo=cookiecutter" /></a>\n\n'
            "Predicting customer churn from billing data.\n\n## Project Organization\n\n"
            "```\n├── Makefile\n├── data\n├── notebooks\n└── churn_analysis\n```\n",
            "pyproject.toml": '[build-system]\nrequires = ["flit_core >=3.2,<4"]\nbuild-backend = "flit_core.buildapi"\n\n'
            '[project]\nname = "churn_analysis"\nversion = "0.0.1"\n'
            'description = "Predicting customer churn from billing data."\n'
            'authors = [\n  { name = "Data Science Team" },\n]\nlicense = { file = "LICENSE" }\nreadme = "README.md"\n'
            'classifiers = [\n    "Programming Language :: Python :: 3",\n    "License :: OSI Approved :: MIT License"\n]\n'
            'requires-python = "~=3.10"\n\n[tool.ruff]\nline-length = 99\nsrc = ["churn_analysis"]\n'
            'include = ["pyproject.toml", "churn_analysis/**/*.py"]\n\n[tool.ruff.lint]\nextend-select = ["I"]\n\n'
            '[tool.ruff.lint.isort]\nknown-first-party = ["churn_analysis"]\nforce-sort-within-sections = true\n',
            "requirements.txt": "ipython\njupyterlab\nloguru\nmatplotlib\nmkdocs\nnotebook\nnumpy\npandas\npip\n"
            "python-dotenv\nruff\nscikit-learn\ntqdm\ntyper\n-e .\n",
            "setup.cfg": "[flake8]\nignore = E731,E266,E501,C901,W503\nmax-line-length = 99\n",
            "data/external/.gitkeep": "",
            "data/interim/.gitkeep": "",
            "data/processed/.gitkeep": "",
            "data/raw/.gitkeep": "",
            "docs/README.md": "Generating the docs\n----------\n\nUse [mkdocs](http://www.mkdocs.org/).\n",
            "docs/mkdocs.yml": "site_name: churn_analysis\n",
            "docs/docs/index.md": "# churn_analysis documentation!\n\n## Description\n\nPredicting customer churn.\n",
            "docs/docs/getting-started.md": "Getting started\n===============\n\nThis is where you describe how to"
            " get set up.\n",
            "models/.gitkeep": "",
            "notebooks/.gitkeep": "",
            "notebooks/1.0-jqp-initial-data-exploration.ipynb": json.dumps(NOTEBOOK, indent=1) + "\n",
            "references/.gitkeep": "",
            "reports/.gitkeep": "",
            "reports/figures/.gitkeep": "",
            "churn_analysis/__init__.py": "from churn_analysis import config  # noqa: F401\n",
            "churn_analysis/config.py": "from pathlib import Path\n\nfrom dotenv import load_dotenv\nfrom loguru import "
            "logger\n\nload_dotenv()\n\nPROJ_ROOT = Path(__file__).resolve().parents[1]\n"
            'logger.info(f"PROJ_ROOT path is: {PROJ_ROOT}")\nDATA_DIR = PROJ_ROOT / "data"\n',
            "churn_analysis/dataset.py": "import typer\n\napp = typer.Typer()\n\n\n@app.command()\ndef main():\n"
            "    pass\n\n\nif __name__ == '__main__':\n    app()\n",
            "churn_analysis/features.py": "import typer\n\napp = typer.Typer()\n",
            "churn_analysis/plots.py": "import typer\n\napp = typer.Typer()\n",
            "churn_analysis/modeling/__init__.py": "",
            "churn_analysis/modeling/train.py": "import typer\n\napp = typer.Typer()\n",
            "churn_analysis/modeling/predict.py": "import typer\n\napp = typer.Typer()\n",
        },
    )
    return commit(root, "Create the project from cookiecutter-data-science")


def kedro(root: Path) -> Path:
    """A Kedro 0.19 project (spaceflights): conf/, data/ layers, src/<package>/pipelines, tests/."""
    write(
        root,
        {
            ".gitignore": "# Kedro\nconf/local/**\n!conf/local/.gitkeep\ndata/**\n!data/**/\n!**/.gitkeep\n\n"
            "__pycache__/\n.ipynb_checkpoints/\n.venv/\n",
            "README.md": "# spaceflights\n\n## Overview\n\nThis is your new Kedro project, which was generated using "
            "`kedro 0.19.5`.\n\n## How to run your Kedro pipeline\n\n```\nkedro run\n```\n",
            "pyproject.toml": '[build-system]\nrequires = [ "setuptools",]\nbuild-backend = "setuptools.build_meta"\n\n'
            '[project]\nname = "spaceflights"\nreadme = "README.md"\ndynamic = [ "version",]\n'
            'requires-python = ">=3.9"\ndependencies = [ "ipython>=8.10", "jupyterlab>=3.0", "kedro~=0.19.5", '
            '"kedro-datasets[pandas-csvdataset]>=3.0", "scikit-learn~=1.5.1",]\n\n'
            '[project.scripts]\nspaceflights = "spaceflights.__main__:main"\n\n'
            '[project.optional-dependencies]\ndev = [ "pytest-cov~=3.0", "pytest~=7.2", "ruff~=0.1.8",]\n\n'
            '[tool.kedro]\npackage_name = "spaceflights"\nproject_name = "spaceflights"\n'
            'kedro_init_version = "0.19.5"\ntools = [ "Testing", "Data Structure",]\nexample_pipeline = "True"\n'
            'source_dir = "src"\n\n[tool.setuptools.dynamic.version]\nattr = "spaceflights.__version__"\n\n'
            '[tool.setuptools.packages.find]\nwhere = [ "src",]\nnamespaces = false\n\n'
            '[tool.pytest.ini_options]\naddopts = "--cov-report term-missing --cov src/spaceflights -ra"\n',
            "requirements.txt": "ipython>=8.10\njupyterlab>=3.0\nkedro~=0.19.5\nkedro-datasets[pandas-csvdataset]>=3.0\n",
            "conf/README.md": "# What is this for?\n\nThis folder should be used to store configuration files.\n",
            "conf/base/catalog.yml": "companies:\n  type: pandas.CSVDataset\n  filepath: data/01_raw/companies.csv\n",
            "conf/base/parameters.yml": "{}\n",
            "conf/base/parameters_data_processing.yml": "# parameters for data_processing\n",
            "conf/local/.gitkeep": "",
            "conf/logging.yml": "version: 1\ndisable_existing_loggers: False\n",
            "data/01_raw/.gitkeep": "",
            "data/02_intermediate/.gitkeep": "",
            "notebooks/.gitkeep": "",
            "src/spaceflights/__init__.py": '"""spaceflights"""\n\n__version__ = "0.1"\n',
            "src/spaceflights/__main__.py": '"""spaceflights file for ensuring the package is executable."""\n\n'
            "from kedro.framework.cli.utils import find_run_command\n\n\ndef main(*args, **kwargs):\n"
            "    run = find_run_command('spaceflights')\n    run(*args, **kwargs)\n",
            "src/spaceflights/pipeline_registry.py": '"""Project pipelines."""\n\nfrom kedro.framework.project '
            "import find_pipelines\n\n\ndef register_pipelines():\n    return find_pipelines()\n",
            "src/spaceflights/settings.py": '"""Project settings."""\n',
            "src/spaceflights/pipelines/__init__.py": "",
            "src/spaceflights/pipelines/data_processing/__init__.py": "from .pipeline import create_pipeline\n",
            "src/spaceflights/pipelines/data_processing/nodes.py": "import pandas as pd\n\n\ndef _is_true(x: pd.Series)"
            " -> pd.Series:\n    return x == 't'\n",
            "src/spaceflights/pipelines/data_processing/pipeline.py": "from kedro.pipeline import Pipeline, pipeline\n\n\n"
            "def create_pipeline(**kwargs) -> Pipeline:\n    return pipeline([])\n",
            "tests/__init__.py": "",
            "tests/test_run.py": '"""Kedro run tests."""\n\n\ndef test_project_path():\n    assert True\n',
            "tests/pipelines/__init__.py": "",
            "tests/pipelines/data_processing/__init__.py": "",
            "tests/pipelines/data_processing/test_pipeline.py": "def test_pipeline():\n    assert True\n",
        },
    )
    return commit(root, "kedro new --starter=spaceflights-pandas")


def fastapi_service(root: Path) -> Path:
    """A bare FastAPI service: app/ at the top, requirements.txt, its own Dockerfile and GitHub workflow."""
    write(
        root,
        {
            "README.md": "# Fraud scoring API\n\nScores card payments for the fraud team. Run it with "
            "`uvicorn app.main:app`.\n",
            "requirements.txt": "fastapi==0.115.0\nuvicorn[standard]==0.30.6\nscikit-learn==1.5.2\njoblib\n",
            "Dockerfile": "FROM python:3.12-slim\nWORKDIR /srv\nCOPY requirements.txt .\n"
            "RUN pip install --no-cache-dir -r requirements.txt\nCOPY app ./app\nCOPY model.joblib .\n"
            'CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8080"]\n',
            ".dockerignore": ".git\n__pycache__\n",
            ".github/workflows/build.yml": "name: build\non:\n  push:\n    branches: [main]\njobs:\n  image:\n"
            "    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n"
            "      - run: docker build -t fraud-scoring .\n",
            "app/__init__.py": "",
            "app/main.py": "import joblib\nfrom fastapi import FastAPI\n\napp = FastAPI(title='Fraud scoring')\n"
            "model = joblib.load('model.joblib')\n\n\n@app.get('/health')\ndef health() -> dict[str, str]:\n"
            "    return {'status': 'ok'}\n",
            "tests/test_main.py": "def test_health():\n    assert True\n",
        },
    )
    return commit(root, "Fraud scoring service")


def pyproject_repo(root: Path) -> Path:
    """A packaged project that already has pyproject.toml, README.md, tests/ (with a conftest) and GitLab CI."""
    write(
        root,
        {
            ".gitignore": ".venv/\n__pycache__/\nmlruns/\n",
            ".gitlab-ci.yml": "stages: [test]\n\ntest:\n  stage: test\n  image: python:3.11\n  script:\n"
            "    - pip install -e .[test]\n    - pytest\n",
            "LICENSE": APACHE,
            "README.md": "# Demand forecast\n\nWeekly demand forecasts per store.\n\n## Development\n\n"
            "```\npip install -e .[test]\npytest\n```\n",
            "pyproject.toml": '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n\n'
            '[project]\nname = "demand-forecast"\nversion = "1.4.0"\ndescription = "Weekly demand forecasts per store."\n'
            'requires-python = ">=3.11"\nlicense = "Apache-2.0"\n'
            'authors = [{ name = "Forecasting Team", email = "forecasting@example.com" }]\n'
            'dependencies = ["pandas>=2.2", "scikit-learn>=1.5", "mlflow>=2.16"]\n\n'
            '[project.optional-dependencies]\ntest = ["pytest>=8"]\n\n[tool.pytest.ini_options]\ntestpaths = ["tests"]\n',
            "src/demand_forecast/__init__.py": '"""Weekly demand forecasts."""\n',
            "src/demand_forecast/train.py": "import mlflow\n\n\ndef train() -> None:\n    mlflow.autolog()\n",
            "tests/conftest.py": "import pytest\n\n\n@pytest.fixture\ndef stores() -> list[str]:\n"
            "    return ['north', 'south']\n",
            "tests/test_train.py": "def test_stores(stores):\n    assert len(stores) == 2\n",
        },
    )
    return commit(root, "Demand forecast")


SHAPES: dict[str, Callable[[Path], Path]] = {
    "ccds-v2": ccds_v2,
    "kedro": kedro,
    "fastapi-service": fastapi_service,
    "pyproject-readme-tests": pyproject_repo,
}

EXPECTED: dict[str, dict[str, Any]] = {
    "ccds-v2": {
        "project_name": "churn_analysis",
        "project_slug": "churn-analysis",
        "package_name": "churn_analysis",
        "description": "Predicting customer churn from billing data.",
        "python_version": "3.10",
        "license": "MIT",
        "serving": "none",
        "team_name": "Data Science Team",
    },
    "kedro": {
        "project_name": "spaceflights",
        "project_slug": "spaceflights",
        "package_name": "spaceflights",
        "python_version": "3.10",
        "serving": "none",
        "experiment_tracking": "none",
    },
    "fastapi-service": {
        "project_name": "Fraud scoring API",
        "project_slug": "fraud-scoring-api",
        "package_name": "app",
        "python_version": "3.12",
        "ci_provider": "github",
        "serving": "api",
    },
    "pyproject-readme-tests": {
        "project_name": "Demand forecast",
        "project_slug": "demand-forecast",
        "package_name": "demand_forecast",
        "python_version": "3.11",
        "ci_provider": "gitlab",
        "serving": "none",
        "experiment_tracking": "mlflow",
        "license": "Apache-2.0",
        "team_name": "Forecasting Team",
        "owner_email": "forecasting@example.com",
    },
}
"""What `mlcrew adopt --defaults` should read from each shape."""
