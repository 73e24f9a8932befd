"""The template's questions, read from its `copier.yml`, answered by flags, defaults or prompts.

Copier validates answers too, but it reports bad ones as bare `ValueError` tracebacks and its lenient
bool parsing turns `maybe` into `true`. So mlcrew checks every answer here first, with the template's
own validators, and hands copier a complete, valid `data` mapping: copier never prompts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import yaml

from mlcrew import yamlio
from mlcrew.errors import MlcrewError

Prompt = Callable[["Question", Any, Callable[[Any], str | None]], Any]
"""Asks one question: (question, default, validate) -> answer. Raises KeyboardInterrupt to cancel."""

_TRUE = {"true", "yes", "y", "1", "on"}
_FALSE = {"false", "no", "n", "0", "off"}


@dataclass(frozen=True)
class Question:
    """One entry of copier.yml (settings starting with `_` are not questions)."""

    name: str
    type: str = "str"
    help: str = ""
    default: Any = None
    choices: dict[str, Any] = field(default_factory=dict)
    """Label -> value, in the template's order."""
    validator: str = ""
    when: Any = True

    @property
    def label(self) -> str:
        """What the prompt shows."""
        return self.help or self.name


def load_questions(copier_yml: str) -> list[Question]:
    """Parse copier.yml text into questions, in order."""
    config = yamlio.safe_load(copier_yml) or {}
    questions = []
    for name, spec in config.items():
        if name.startswith("_"):
            continue
        if not isinstance(spec, dict):
            spec = {"default": spec}
        raw_choices = spec.get("choices") or {}
        if isinstance(raw_choices, list):
            raw_choices = {str(choice): choice for choice in raw_choices}
        questions.append(
            Question(
                name=name,
                type=spec.get("type", "bool" if isinstance(spec.get("default"), bool) else "str"),
                help=spec.get("help", ""),
                default=spec.get("default"),
                choices=dict(raw_choices),
                validator=spec.get("validator", ""),
                when=spec.get("when", True),
            )
        )
    return questions


def _jinja() -> Any:
    """The same Jinja flavour copier uses (sandboxed, with the Ansible filters it always loads)."""
    from jinja2.sandbox import SandboxedEnvironment

    return SandboxedEnvironment(extensions=["jinja2_ansible_filters.AnsibleCoreFiltersExtension"])


def parse_bool(name: str, value: Any) -> bool:
    """Strictly parse a boolean answer (copier would accept anything)."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise MlcrewError(f"{name}={value!r} is not a boolean: use true or false")


class Answerer:
    """Walks the questions in order, keeping the render context copier would have."""

    def __init__(self, questions: list[Question]) -> None:
        self.questions = questions
        self.by_name = {question.name: question for question in questions}
        self.env = _jinja()
        self.context: dict[str, Any] = {}

    def render(self, value: Any) -> Any:
        """Render a templated default/when/validator against the answers so far."""
        if isinstance(value, str) and ("{{" in value or "{%" in value):
            return self.env.from_string(value).render(**self.context)
        return value

    def cast(self, question: Question, value: Any) -> Any:
        """Turn a flag's or prompt's text into the question's type, checking choices."""
        if question.type == "bool":
            value = parse_bool(question.name, value)
        elif question.type == "int":
            try:
                value = int(value)
            except (TypeError, ValueError):
                raise MlcrewError(f"{question.name}={value!r} is not a whole number") from None
        elif question.type in {"yaml", "json"} and isinstance(value, str):
            value = yamlio.safe_load(value)
        elif question.type == "str" and value is not None:
            value = str(value)
        if question.choices and value not in question.choices.values():
            allowed = ", ".join(str(choice) for choice in question.choices.values())
            raise MlcrewError(f"{question.name}={value!r} is not one of: {allowed}")
        return value

    def error(self, question: Question, value: Any) -> str | None:
        """The template validator's message for `value`, or None when it is valid."""
        if not question.validator:
            return None
        message = self.env.from_string(question.validator).render(**{**self.context, question.name: value})
        return " ".join(message.split()) or None

    def is_asked(self, question: Question) -> bool:
        """Copier's `when`: false means a computed value that is never asked or stored."""
        when = self.render(question.when)
        return parse_bool(question.name, when) if isinstance(when, str) else bool(when)

    def recorded(self, answers: Mapping[str, Any]) -> dict[str, Any]:
        """The answers of questions this template still asks (computed values and stale keys dropped)."""
        return {
            name: value
            for name, value in answers.items()
            if name in self.by_name and self.by_name[name].when is not False
        }

    def default(self, question: Question) -> Any:
        """The question's default, rendered and cast."""
        default = self.render(question.default)
        if question.type in {"yaml", "json"} and not isinstance(default, str):
            return default
        return self.cast(question, default) if default is not None else None

    def answer(self, data: Mapping[str, Any], ask: Prompt | None) -> dict[str, Any]:
        """Answer every question: from `data`, else by `ask`, else by its default.

        Returns only the answers of asked questions, which is what copier stores.
        """
        unknown = sorted(set(data) - set(self.by_name))
        if unknown:
            known = ", ".join(q.name for q in self.questions if q.when is not False)
            raise MlcrewError(f"unknown question {unknown[0]!r}: the template asks {known}")
        answers: dict[str, Any] = {}
        for question in self.questions:
            if not self.is_asked(question):
                if question.name in data:
                    raise MlcrewError(f"{question.name} is computed by the template and cannot be set")
                self.context[question.name] = self.default(question)
                continue
            if question.name in data:
                value = self.cast(question, data[question.name])
            elif ask is not None:
                value = ask(question, self.default(question), partial(self._check, question))
            else:
                value = self.default(question)
            if value is None:
                raise MlcrewError(f"question {question.name!r} has no default: pass --data {question.name}=VALUE")
            message = self.error(question, value)
            if message:
                raise MlcrewError(f"{message} (pass --data {question.name}=VALUE)")
            self.context[question.name] = answers[question.name] = value
        return answers

    def _check(self, question: Question, value: Any) -> str | None:
        """Validation for an interactive prompt: a message to show, or None."""
        try:
            return self.error(question, self.cast(question, value))
        except MlcrewError as error:
            return str(error)


def parse_data(pairs: list[str], data_file: str | None) -> dict[str, Any]:
    """Merge `--data-file` (YAML mapping) and `--data KEY=VALUE` flags (flags win)."""
    data: dict[str, Any] = {}
    if data_file:
        try:
            loaded = yamlio.safe_load(Path(data_file).read_text(encoding="utf-8"))
        except OSError as error:
            raise MlcrewError(f"cannot read --data-file {data_file}: {error.strerror}") from None
        except (yaml.YAMLError, UnicodeDecodeError) as error:
            raise MlcrewError(f"--data-file {data_file} is not valid UTF-8 YAML: {error}".splitlines()[0]) from None
        if loaded is not None and not isinstance(loaded, dict):
            raise MlcrewError(f"--data-file {data_file} must hold a mapping of question: answer")
        if loaded and not all(isinstance(key, str) for key in loaded):
            raise MlcrewError(f"--data-file {data_file}: every key must be a question name (text)")
        data.update(loaded or {})
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise MlcrewError(f"--data {pair!r} is not KEY=VALUE (e.g. --data serving=batch)")
        data[key.strip()] = value
    return data


def answer_questions(copier_yml: str, data: Mapping[str, Any], ask: Prompt | None = None) -> dict[str, Any]:
    """Answer the template's questions; the result is safe to pass to copier as `data`."""
    return Answerer(load_questions(copier_yml)).answer(data, ask)
