"""What mlcrew prints and whether it may ask: the one `Echo` type, terminal detection, word wrapping."""

from __future__ import annotations

import re
import shutil
import sys
import textwrap
from collections.abc import Callable

_CODE_SPAN = re.compile(r"`[^`]+`")
_UNBREAKABLE = "\u00a0"
"""Stands in for the spaces of a code span while wrapping (textwrap breaks only at ASCII whitespace)."""

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
    """`text` wrapped at words to the terminal width, never inside a word, a path or a `code span`.

    A command in backticks stays on one line (a line that is too long runs over rather than breaks),
    so it can be copied whole. Lines that break inside words are what a terminal does by itself to
    text printed wider than it is.
    """
    words = " ".join(text.split())
    words = _CODE_SPAN.sub(lambda match: match[0].replace(" ", _UNBREAKABLE), words)
    return textwrap.fill(
        words,
        width=width(),
        initial_indent=indent,
        subsequent_indent=indent if subsequent is None else subsequent,
        break_long_words=False,
        break_on_hyphens=False,
    ).replace(_UNBREAKABLE, " ")
