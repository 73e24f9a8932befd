"""What mlcrew prints and whether it may ask: the one `Echo` type, terminal detection, word wrapping."""

from __future__ import annotations

import shutil
import sys
import textwrap
from collections.abc import Callable

Echo = Callable[[str], None]
"""Where a command's progress and results go: `print` for the CLI, a list's `append` in tests."""


def echo(message: str) -> None:
    """Print a line and flush, so progress shows before a slow step starts."""
    print(message, flush=True)


def echo_err(message: str) -> None:
    """A note on stderr, for commands whose stdout is data (`mlcrew check --json`)."""
    print(message, file=sys.stderr, flush=True)


def is_interactive() -> bool:
    """Prompts need a terminal on both ends."""
    return sys.stdin.isatty() and sys.stdout.isatty()


def width() -> int:
    """The terminal's width (80 when it is not a terminal), capped so long lines stay readable."""
    return max(40, min(shutil.get_terminal_size((80, 24)).columns, 100))


def wrap(text: str, indent: str = "", subsequent: str | None = None) -> str:
    """`text` wrapped at words to the terminal width, never inside a word or a path."""
    return textwrap.fill(
        " ".join(text.split()),
        width=width(),
        initial_indent=indent,
        subsequent_indent=indent if subsequent is None else subsequent,
        break_long_words=False,
        break_on_hyphens=False,
    )
