"""mlcrew: a Copier template and CLI for cross-functional ML product repositories.

Kept import-free on purpose: `mlcrew --version` and `--help` must start fast, so copier, jinja and
questionary are imported only by the commands that need them.
"""

__version__ = "0.2.0"
