"""Interactive questions in the terminal (questionary), one function per question type."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from mlcrew.questions import Question


def is_interactive() -> bool:
    """Prompts need a terminal on both ends."""
    return sys.stdin.isatty() and sys.stdout.isatty()


def ask(question: Question, default: Any, validate: Callable[[Any], str | None]) -> Any:
    """Ask one template question. Ctrl-C raises KeyboardInterrupt; the caller writes nothing."""
    import questionary

    if question.type == "bool":
        return questionary.confirm(question.label, default=bool(default)).unsafe_ask()
    if question.choices:
        choices = [questionary.Choice(title=f"{label}", value=value) for label, value in question.choices.items()]
        selected = next((choice for choice in choices if choice.value == default), None)
        return questionary.select(question.label, choices=choices, default=selected).unsafe_ask()

    def check(text: str) -> bool | str:
        return validate(text) or True

    return questionary.text(question.label, default=str(default or ""), validate=check).unsafe_ask()
